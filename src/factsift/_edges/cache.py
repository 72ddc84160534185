"""The response cache: one stored chat completion per distinct request.

A request's key hashes everything that changes the answer (provider, model,
endpoint, messages, schema, mode, sampling settings, prompt version and this
cache's format), and never the API key. diskcache keeps entries in SQLite,
which is safe with several processes reading and writing at once.

A cache never stops a run. A corrupted database (truncated, garbled) is moved
aside with a warning that says where, and a fresh one takes its place; an
entry that cannot be read is a miss, and its new answer overwrites it. The
read-only and offline modes write nothing at all, so they work on a cache on a
read-only filesystem.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import threading
import time
import warnings
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from factsift.errors import CacheMissError, ConfigError

__all__ = [
    "CACHE_FORMAT",
    "CacheMode",
    "CacheWarning",
    "ResponseCache",
    "cache_key",
    "default_cache_dir",
]

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


class CacheWarning(UserWarning):
    """The cache had a problem the run went on without (a corrupted file, …)."""


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


def _corrupted(err: BaseException) -> bool:
    # SQLITE_CORRUPT and SQLITE_NOTADB come as a bare DatabaseError; its subclasses
    # (OperationalError: locked, cannot open, …) are not corruption.
    return type(err) is sqlite3.DatabaseError


class _ReadOnlyStore:
    """diskcache's entries, read without writing a byte (read-only and offline modes).

    ``diskcache.Cache`` writes to its database when it opens, so it cannot open
    a cache on a read-only filesystem. This reads diskcache's ``Cache`` table and
    value files through ``diskcache.Disk``. Where the folder is writable, SQLite
    opens the database read-only, which is safe while others write; where it is
    not, nobody can be writing through it, and SQLite reads it as immutable.
    """

    def __init__(self, directory: Path) -> None:
        import diskcache

        self._disk = diskcache.Disk(str(directory))
        self._con: sqlite3.Connection | None = None
        database = directory / "cache.db"
        if not database.is_file():
            return  # no cache yet: every request is a miss, and nothing is created
        how = "mode=ro" if os.access(directory, os.W_OK) else "immutable=1"
        self._con = sqlite3.connect(
            f"{database.resolve().as_uri()}?{how}", uri=True, check_same_thread=False
        )
        self._con.execute("SELECT 1 FROM Cache LIMIT 1").fetchall()  # corrupted: raises here

    def get(self, key: str) -> Any:
        if self._con is None:
            return None
        db_key, raw = self._disk.put(key)
        row = self._con.execute(
            "SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = ?", (db_key, raw)
        ).fetchone()
        return None if row is None else self._disk.fetch(*row, read=False)

    def close(self) -> None:
        if self._con is not None:
            self._con.close()


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
        self._lock = threading.Lock()
        # A cache URL (Redis, fsspec) is a store that several machines share; see stores.py.
        self.url = url
        if self.mode is not CacheMode.off and url is not None:
            from factsift._edges.stores import open_store

            self._store = open_store(url)
        elif self.mode is not CacheMode.off:
            try:
                self._store = self._open()
            except sqlite3.DatabaseError as err:
                if not _corrupted(err):
                    raise self._unusable(err) from err
                self._store = self._recover(err)

    def _open(self) -> Any:
        if self.mode is not CacheMode.read_write:
            return _ReadOnlyStore(self.directory)
        import diskcache

        try:
            return diskcache.Cache(str(self.directory), size_limit=2**34)
        except OSError as err:
            raise self._unusable(err) from err

    def _unusable(self, err: Exception) -> ConfigError:
        reason = getattr(err, "strerror", None) or str(err)
        fix = (
            "use --cache read-only for a cache you cannot write to"
            if self.mode is CacheMode.read_write
            else "check --cache-dir"
        )
        return ConfigError(
            f"cannot open the cache at {self.directory}: {reason}; {fix}, "
            "or set FACTSIFT_CACHE_DIR or --cache-dir to a writable folder"
        )

    def _recover(self, err: BaseException) -> Any:
        """Move a corrupted cache aside and start a fresh one (read-write), or go
        on without it (read-only and offline modes touch nothing)."""
        if self.mode is not CacheMode.read_write:
            warnings.warn(
                CacheWarning(
                    f"the cache at {self.directory} is corrupted ({err}); "
                    f"going on without it ({self.mode.value} mode leaves it as it is)"
                ),
                stacklevel=3,
            )
            return None
        aside = self.directory.with_name(
            f"{self.directory.name}.broken-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        )
        try:
            os.replace(self.directory, aside)
        except OSError as move_err:
            warnings.warn(
                CacheWarning(
                    f"the cache at {self.directory} is corrupted ({err}) and could not be "
                    f"moved aside ({move_err.strerror}); going on without a cache"
                ),
                stacklevel=3,
            )
            return None
        warnings.warn(
            CacheWarning(
                f"the cache at {self.directory} was corrupted ({err}); moved it to {aside} "
                "and started a new one"
            ),
            stacklevel=3,
        )
        try:
            return self._open()
        except (ConfigError, sqlite3.DatabaseError):
            return None

    def _read(self, key: str) -> Any:
        with self._lock:
            store = self._store
        if store is None:
            return None
        try:
            return store.get(key)
        except sqlite3.DatabaseError as err:
            if not _corrupted(err):
                raise
            with self._lock:
                if self._store is store:  # the first thread to meet it recovers
                    with contextlib.suppress(Exception):
                        store.close()
                    self._store = self._recover(err)
            return None
        except Exception as err:  # an unreadable entry (a garbled value file) is a miss
            warnings.warn(
                CacheWarning(
                    f"cache entry {key[:12]} in {self.directory} cannot be read "
                    f"({type(err).__name__}); asking anew, and the answer replaces it"
                ),
                stacklevel=3,
            )
            return None

    @property
    def enabled(self) -> bool:
        """Whether anything is read or stored (not in mode ``off``)."""
        return self._store is not None or self.mode is CacheMode.offline

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored completion, or None. In offline mode a miss raises."""
        if self.mode is CacheMode.off:
            return None
        value = self._read(key)
        if not isinstance(value, dict) and self.mode is CacheMode.offline:
            raise CacheMissError(
                f"offline cache mode: no cached answer for request {key[:12]} in "
                f"{self.url or self.directory}; run once with --cache read-write to fill it"
            )
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any] | str) -> None:
        if self.mode is not CacheMode.read_write:
            return
        with self._lock:
            store = self._store
        if store is None:
            return
        try:
            store.set(key, value)
        except sqlite3.DatabaseError as err:
            if not _corrupted(err):
                raise
            with self._lock:
                if self._store is store:
                    with contextlib.suppress(Exception):
                        store.close()
                    self._store = self._recover(err)

    def get_result(self, key: str) -> str | None:
        """A stored article result (JSON). A miss is never an error: requests may still hit."""
        if self.mode is CacheMode.off:
            return None
        value = self._read(key)
        return value if isinstance(value, str) else None

    def set_result(self, key: str, value: str) -> None:
        self.set(key, value)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
