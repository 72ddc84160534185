"""One cache contract, run against every store: diskcache, Redis, fsspec (file://, memory://).

Redis is a real redis-server that this module starts on a free port of 127.0.0.1
and stops (tests/support/redis_server.py); without one installed the tests fail.
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from factsift import Extractor
from factsift._edges.cache import ResponseCache, cache_key
from factsift._edges.stores import FileStore, open_store
from factsift.errors import CacheMissError, ConfigError
from tests.support.redis_server import redis_server
from tests.support.rule_model import rule_model
from tests.support.scripted_server import ScriptedServer

VALUE = {"choices": [{"message": {"content": '{"claims": []}'}}], "usage": {"prompt_tokens": 3}}
RESULT = '{"id": "a", "claims": [], "text": "naïve – “quoted”"}'

Opener = Callable[[str], ResponseCache]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["diskcache", "redis", "file", "memory"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens a fresh, empty cache of one kind; each call opens the same one again."""
    kind = request.param
    if kind == "diskcache":
        return lambda mode: ResponseCache(tmp_path / "disk", mode)
    if kind == "redis":
        # One server for the module: a database of its own per test keeps them apart.
        base = request.getfixturevalue("redis_url").rsplit("/", 1)[0]
        database = int(uuid.uuid4().int % 15) + 1
        url = f"{base}/{database}"
        open_store(url)._client.flushdb()  # type: ignore[union-attr]
        return lambda mode: ResponseCache(mode=mode, url=url)
    if kind == "file":
        url = (tmp_path / "shared").as_uri()
        return lambda mode: ResponseCache(mode=mode, url=url)
    url = f"memory://factsift-{uuid.uuid4().hex}"
    return lambda mode: ResponseCache(mode=mode, url=url)


def test_stores_and_returns_across_instances(opener: Opener) -> None:
    key = cache_key({"request": "one"})
    cache = opener("read-write")
    assert cache.get(key) is None and cache.get_result(key) is None
    cache.set(key, VALUE)
    cache.set_result(cache_key({"request": "result"}), RESULT)
    assert cache.get(key) == VALUE
    cache.close()
    again = opener("read-write")
    assert again.get(key) == VALUE
    assert again.get_result(cache_key({"request": "result"})) == RESULT
    assert again.get(cache_key({"request": "two"})) is None
    # A completion is not a result, nor a result a completion.
    assert again.get_result(key) is None
    assert again.get(cache_key({"request": "result"})) is None
    again.close()


def test_a_later_answer_replaces_an_earlier_one(opener: Opener) -> None:
    # Asking again (--retry-failed) stores new answers over the ones that failed.
    cache = opener("read-write")
    cache.set("k", VALUE)
    cache.set("k", {**VALUE, "usage": {"prompt_tokens": 4}})
    assert cache.get("k") == {**VALUE, "usage": {"prompt_tokens": 4}}
    cache.close()


def test_read_only_reads_but_never_stores(opener: Opener) -> None:
    writer = opener("read-write")
    writer.set("stored", VALUE)
    writer.close()
    cache = opener("read-only")
    assert cache.get("stored") == VALUE
    cache.set("new", VALUE)
    cache.set_result("new-result", RESULT)
    cache.close()
    check = opener("read-write")
    assert check.get("new") is None and check.get_result("new-result") is None
    check.close()


def test_off_neither_reads_nor_writes(opener: Opener) -> None:
    writer = opener("read-write")
    writer.set("stored", VALUE)
    writer.close()
    cache = opener("off")
    assert not cache.enabled
    assert cache.get("stored") is None
    cache.set("new", VALUE)
    check = opener("read-write")
    assert check.get("new") is None and check.get("stored") == VALUE
    check.close()


def test_offline_answers_hits_and_raises_on_a_miss(opener: Opener) -> None:
    writer = opener("read-write")
    writer.set("stored", VALUE)
    writer.close()
    cache = opener("offline")
    assert cache.get("stored") == VALUE
    missing = cache_key({"request": "missing"})
    with pytest.raises(CacheMissError, match=missing[:12]):
        cache.get(missing)
    assert cache.get_result(missing) is None  # a result miss is never an error
    cache.close()


def _write_many(open_args: tuple[str, ...], worker: int, count: int) -> None:
    kind, where = open_args
    cache = ResponseCache(where, "read-write") if kind == "dir" else ResponseCache(url=where)
    for i in range(count):
        cache.set(f"w{worker}-{i}", {"worker": worker, "i": i})
        cache.set("same", {"worker": worker, "i": i})  # both write one key, over and over
    cache.close()


@pytest.mark.parametrize("kind", ["diskcache", "redis", "file"])
def test_two_processes_writing_at_once(kind: str, tmp_path: Path, request: Any) -> None:
    # fork is quick on Linux; elsewhere spawn (which re-imports this module).
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if kind == "diskcache":
        args: tuple[str, ...] = ("dir", str(tmp_path / "disk"))
    elif kind == "redis":
        args = ("url", request.getfixturevalue("redis_url"))
    else:
        args = ("url", (tmp_path / "shared").as_uri())
    ctx = multiprocessing.get_context(method)
    procs = [ctx.Process(target=_write_many, args=(args, w, 100)) for w in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    cache = (
        ResponseCache(args[1], "read-only")
        if args[0] == "dir"
        else ResponseCache(mode="read-only", url=args[1])
    )
    for w in (0, 1):
        for i in range(100):
            assert cache.get(f"w{w}-{i}") == {"worker": w, "i": i}
    # The key both wrote holds one whole value, never a mix of the two.
    assert cache.get("same") in ({"worker": 0, "i": 99}, {"worker": 1, "i": 99})
    cache.close()


# --------------------------------------------------------------------------- store details


def test_file_store_is_content_addressed_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = FileStore((tmp_path / "c").as_uri())
    key = cache_key({"request": "x"})
    store.set(key, VALUE)
    files = [p for p in (tmp_path / "c").rglob("*") if p.is_file()]
    assert [p.relative_to(tmp_path / "c").as_posix() for p in files] == [
        f"{key[:2]}/{key[2:4]}/{key}.json"
    ]


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    store = FileStore((tmp_path / "c").as_uri())
    store.set("abcdef", VALUE)
    (tmp_path / "c" / "ab" / "cd" / "abcdef.json").write_bytes(b'{"choices": [')
    assert store.get("abcdef") is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://127.0.0.1:9/0", "cannot use the Redis cache"),
        ("/no/scheme", "has no scheme"),
        ("nosuchscheme://x", "cannot use the cache"),
    ],
)
def test_a_bad_cache_url_is_a_config_error(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ResponseCache(url=url)


def test_an_extractor_answers_a_rerun_from_a_shared_store(redis_url: str, tmp_path: Path) -> None:
    """Through the whole pipeline: a second extractor, elsewhere, asks nothing."""
    text = "Officials in Aldmoor said on Tuesday that 40 new homes would be built."
    with ScriptedServer(rule_model) as server:
        with Extractor("scripted", base_url=server.base_url, cache_url=redis_url) as first:
            facts = first.extract(text)
        asked = len(server.requests)
        assert asked >= 1 and not facts.cached
        with Extractor("scripted", base_url=server.base_url, cache_url=redis_url) as second:
            again = second.extract(text)
        assert len(server.requests) == asked
    assert again.cached and again.claims == facts.claims and again.events == facts.events
