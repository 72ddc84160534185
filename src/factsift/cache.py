"""The response cache: one stored chat completion per distinct request.

A request's key hashes everything that changes the answer (provider, model,
endpoint, messages, schema, mode, sampling settings, prompt version and this
cache's format), and never the API key. diskcache keeps entries in SQLite,
which is safe with several processes reading and writing at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from .errors import CacheMissError, ConfigError

__all__ = ["CACHE_FORMAT", "CacheMode", "ResponseCache", "cache_key", "default_cache_dir"]

#: Bump when the stored value's shape changes: old entries then stop matching.
CACHE_FORMAT = 1


class CacheMode(str, Enum):
    """How the cache is used."""

    read_write = "read-write"
    """Answer from the cache; store new answers (the default)."""
    read_only = "read-only"
    """Answer from the cache; never store."""
    off = "off"
    """Neither read nor write."""
    offline = "offline"
    """Answer only from the cache: a miss is an error and nothing is sent."""


def cache_key(request: Mapping[str, Any]) -> str:
    """A stable hash of ``request`` (canonical JSON: sorted keys, no spaces).

    ``request`` must hold everything that changes the answer. Fields named like
    credentials, at any depth, are refused: a key never derives from a secret.
    """
    _refuse_credentials(request)
    payload = json.dumps(
        {"cache_format": CACHE_FORMAT, **request},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_CREDENTIAL = re.compile(r"(^|[_-])(api[_-]?key|key|authorization|token|secret|password)$", re.I)


def _refuse_credentials(value: Any, depth: int = 0) -> None:
    # Settings and headers sit in the top levels. Deeper lie message texts and JSON
    # schemas, where a field may well be called "token": walking them costs time on
    # every request and would refuse a user's schema.
    if depth > 2:
        return
    if isinstance(value, Mapping):
        for name, inner in value.items():
            if isinstance(name, str) and _CREDENTIAL.search(name):
                raise ValueError(f"cache keys must not include credentials ({name!r})")
            _refuse_credentials(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            _refuse_credentials(inner, depth)


def default_cache_dir() -> Path:
    """``$FACTSIFT_CACHE_DIR``, else the user's cache directory."""
    env = os.environ.get("FACTSIFT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("factsift"))


class ResponseCache:
    """Stored chat completions, by :func:`cache_key`."""

    def __init__(
        self,
        directory: str | Path | None = None,
        mode: CacheMode | str = "read-write",
        url: str | None = None,
    ):
        try:
            self.mode = CacheMode(mode)
        except ValueError:
            choices = ", ".join(m.value for m in CacheMode)
            raise ConfigError(f"unknown cache mode {mode!r}; choose one of {choices}") from None
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self._store: Any = None
        # A cache URL (Redis, fsspec) is a store that several machines share; see stores.py.
        self.url = url
        if self.mode is not CacheMode.off and url is not None:
            from .stores import open_store

            self._store = open_store(url)
        elif self.mode is not CacheMode.off:
            import diskcache

            try:
                self._store = diskcache.Cache(str(self.directory), size_limit=2**34)
            except OSError as err:
                raise ConfigError(
                    f"cannot open the cache at {self.directory}: {err.strerror}; "
                    "set FACTSIFT_CACHE_DIR or --cache-dir to a writable folder"
                ) from err

    @property
    def enabled(self) -> bool:
        """Whether anything is read or stored (not in mode ``off``)."""
        return self._store is not None

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored completion, or None. In offline mode a miss raises."""
        if self._store is None:
            return None
        value = self._store.get(key)
        if value is None and self.mode is CacheMode.offline:
            raise CacheMissError(
                f"offline cache mode: no cached answer for request {key[:12]} in "
                f"{self.url or self.directory}; run once with --cache read-write to fill it"
            )
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any] | str) -> None:
        if self._store is not None and self.mode is CacheMode.read_write:
            self._store.set(key, value)

    def get_result(self, key: str) -> str | None:
        """A stored article result (JSON). A miss is never an error: requests may still hit."""
        if self._store is None:
            return None
        value = self._store.get(key)
        return value if isinstance(value, str) else None

    def set_result(self, key: str, value: str) -> None:
        self.set(key, value)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
