"""The package version and a fingerprint of its code, for result cache keys."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

VERSION = "0.1.0"


@cache
def code_fingerprint() -> str:
    """A hash of factsift's own source files.

    A stored result is only valid for the code that produced it: a changed
    rule or aligner must not be answered from the cache, version bump or not.
    """
    digest = hashlib.sha256(VERSION.encode())
    root = Path(__file__).parent
    # The path below the package, not the bare name: two subpackages may each have
    # a module of the same name, and moving a module changes what it is.
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
