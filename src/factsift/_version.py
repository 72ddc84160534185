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
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
