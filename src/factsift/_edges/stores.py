"""Where the response cache keeps its entries when several machines share it.

diskcache (SQLite) is for one host. A cache URL picks a store that every
worker of a cluster can reach:

- ``redis://host:port/db`` (also ``rediss://``): one Redis server, through redis-py;
- any fsspec URL (``file:///shared/dir``, ``s3://bucket/prefix``, ``memory://x``):
  one object per entry, named by its key (content-addressed), under two levels
  of fan-out folders.

Keys are the response cache's own (:func:`factsift._edges.cache.cache_key`); values are
stored as JSON. Every write is one atomic operation (a Redis ``SET``, a rename
onto the final name on a local or mounted filesystem, a single ``PUT`` on an
object store): a reader sees a whole entry or none, so no locks are needed.
Two workers writing one key both write a valid answer to the same request;
the last one stays.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Protocol

from factsift.errors import ConfigError

__all__ = ["Store", "open_store"]

#: Redis keys are namespaced, so a shared server can hold other data beside them.
_REDIS_PREFIX = "factsift:"


class Store(Protocol):
    """A key-value store of JSON-able values, safe to share between processes."""

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None."""

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` in one atomic write."""

    def close(self) -> None: ...


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _load(data: bytes | str | None) -> Any | None:
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None  # a damaged entry is a miss: the request is asked again and rewritten


class RedisStore:
    """Entries in one Redis database."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        try:
            self._client = redis.Redis.from_url(url)
            self._client.ping()
        except (redis.RedisError, ValueError) as err:
            raise ConfigError(f"cannot use the Redis cache at {url}: {err}") from err

    def get(self, key: str) -> Any | None:
        return _load(self._client.get(_REDIS_PREFIX + key))

    def set(self, key: str, value: Any) -> None:
        self._client.set(_REDIS_PREFIX + key, _dump(value))

    def close(self) -> None:
        self._client.close()


class FileStore:
    """Entries as files on any fsspec filesystem: ``<root>/ab/cd/<key>.json``."""

    def __init__(self, url: str) -> None:
        import fsspec

        self.url = url
        try:
            self._fs, root = fsspec.core.url_to_fs(url)
            self._fs.makedirs(root, exist_ok=True)
        except (ImportError, ValueError, OSError) as err:
            raise ConfigError(f"cannot use the cache at {url}: {err}") from err
        self._root = root.rstrip("/")
        protocols = self._fs.protocol
        protocols = (protocols,) if isinstance(protocols, str) else tuple(protocols)
        # On a filesystem a reader could see a file half-written: write aside, then rename.
        # An object store's single PUT is atomic by itself.
        self._rename = bool({"file", "local"} & set(protocols))

    def _path(self, key: str) -> str:
        return f"{self._root}/{key[:2]}/{key[2:4]}/{key}.json"

    def get(self, key: str) -> Any | None:
        try:
            return _load(self._fs.cat_file(self._path(key)))
        except FileNotFoundError:
            return None

    def set(self, key: str, value: Any) -> None:
        path = self._path(key)
        data = _dump(value)
        if not self._rename:
            self._fs.pipe_file(path, data)
            return
        self._fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        aside = f"{path}.{uuid.uuid4().hex}.tmp"
        self._fs.pipe_file(aside, data)
        self._fs.mv(aside, path)

    def close(self) -> None:
        pass


def open_store(url: str) -> RedisStore | FileStore:
    """The store a cache URL names (see the module's docstring)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("redis", "rediss", "unix"):
        return RedisStore(url)
    if not scheme:
        raise ConfigError(
            f"cache URL {url!r} has no scheme; use redis://host:port/db, file:///dir or "
            "s3://bucket/prefix (or --cache-dir for a local folder)"
        )
    return FileStore(url)
