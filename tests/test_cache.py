"""The response cache (factsift.cache)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from factsift.cache import CacheMode, ResponseCache, cache_key
from factsift.errors import CacheMissError, ConfigError

REQUEST: dict[str, Any] = {
    "provider": "openai-compatible",
    "base_url": "http://localhost:8000/v1",
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You extract facts."},
        {"role": "user", "content": "<article>\n[0] Hello.\n</article>"},
    ],
    "prompt_version": "1",
    "prompt_sha256": "ab" * 32,
    "temperature": 0.0,
    "schema": {"title": "Extraction", "properties": {"claims": {}, "events": {}}},
}

VALUE = {"choices": [{"message": {"content": "{}"}}], "usage": {"prompt_tokens": 3}}


def test_key_is_a_sha256_hex() -> None:
    key = cache_key(REQUEST)
    assert len(key) == 64
    assert set(key) <= set("0123456789abcdef")
    assert cache_key(dict(REQUEST)) == key


def test_key_is_stable_under_dict_key_order() -> None:
    reordered = dict(reversed(list(REQUEST.items())))
    reordered["messages"] = [dict(reversed(list(m.items()))) for m in REQUEST["messages"]]
    reordered["schema"] = {"properties": {"events": {}, "claims": {}}, "title": "Extraction"}
    assert list(reordered) != list(REQUEST)
    assert cache_key(reordered) == cache_key(REQUEST)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("model", "gpt-4o"),
        ("messages", [{"role": "user", "content": "<article>\n[0] Hello!\n</article>"}]),
        ("prompt_version", "2"),
        ("prompt_sha256", "cd" * 32),
        ("temperature", 0.2),
        ("base_url", "https://api.openai.com/v1"),
        ("provider", "local"),
        ("schema", {"title": "People"}),
        ("seed", 7),
    ],
)
def test_key_changes_with_every_field(field: str, value: Any) -> None:
    changed = {**REQUEST, field: value}
    assert cache_key(changed) != cache_key(REQUEST)


def test_key_changes_with_one_character_of_a_message() -> None:
    messages = [dict(m) for m in REQUEST["messages"]]
    messages[1]["content"] = messages[1]["content"].replace("Hello.", "Hello,")
    assert cache_key({**REQUEST, "messages": messages}) != cache_key(REQUEST)


def test_temperature_zero_and_none_differ() -> None:
    assert cache_key({**REQUEST, "temperature": None}) != cache_key(REQUEST)


@pytest.mark.parametrize(
    "name", ["api_key", "API_KEY", "openai_api_key", "key", "Authorization", "authorization"]
)
def test_refuses_credential_names(name: str) -> None:
    with pytest.raises(ValueError, match="credentials"):
        cache_key({**REQUEST, name: "sk-secret"})


# --- ResponseCache -----------------------------------------------------------------------------


def _open(path: Path, mode: str) -> ResponseCache:
    return ResponseCache(path, mode=mode)


def test_read_write_stores_and_returns(tmp_path: Path) -> None:
    cache = _open(tmp_path, "read-write")
    assert cache.mode is CacheMode.read_write
    key = cache_key(REQUEST)
    assert cache.get(key) is None
    cache.set(key, VALUE)
    assert cache.get(key) == VALUE
    cache.close()
    # It persists across instances.
    again = _open(tmp_path, "read-write")
    assert again.get(key) == VALUE
    assert again.get(cache_key({**REQUEST, "model": "other"})) is None
    again.close()


def test_default_mode_is_read_write(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    assert cache.mode is CacheMode.read_write
    cache.close()


def test_read_only_reads_but_never_stores(tmp_path: Path) -> None:
    writer = _open(tmp_path, "read-write")
    writer.set("stored", VALUE)
    writer.close()
    cache = _open(tmp_path, CacheMode.read_only.value)
    assert cache.get("stored") == VALUE
    cache.set("new", VALUE)
    assert cache.get("new") is None
    cache.close()
    check = _open(tmp_path, "read-write")
    assert check.get("new") is None
    check.close()


def test_off_never_reads_or_writes(tmp_path: Path) -> None:
    writer = _open(tmp_path, "read-write")
    writer.set("stored", VALUE)
    writer.close()
    cache = ResponseCache(tmp_path, mode=CacheMode.off)
    assert cache.get("stored") is None
    cache.set("new", VALUE)
    cache.close()
    check = _open(tmp_path, "read-write")
    assert check.get("new") is None
    assert check.get("stored") == VALUE
    check.close()


def test_off_does_not_create_the_directory(tmp_path: Path) -> None:
    target = tmp_path / "never"
    ResponseCache(target, mode="off").close()
    assert not target.exists()


def test_offline_returns_hits_and_raises_on_miss(tmp_path: Path) -> None:
    writer = _open(tmp_path, "read-write")
    writer.set("stored", VALUE)
    writer.close()
    cache = _open(tmp_path, "offline")
    assert cache.get("stored") == VALUE
    missing = cache_key(REQUEST)
    with pytest.raises(CacheMissError) as err:
        cache.get(missing)
    assert missing[:12] in str(err.value)
    assert str(tmp_path) in str(err.value)
    # Offline never stores either.
    cache.set("new", VALUE)
    with pytest.raises(CacheMissError):
        cache.get("new")
    cache.close()


@pytest.mark.parametrize("mode", ["readwrite", "on", "", "READ-WRITE"])
def test_unknown_mode_is_a_config_error(tmp_path: Path, mode: str) -> None:
    with pytest.raises(ConfigError, match="unknown cache mode") as err:
        ResponseCache(tmp_path, mode=mode)
    assert "read-write" in str(err.value) and "offline" in str(err.value)


def test_unwritable_directory_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="cannot open the cache"):
        ResponseCache(blocker / "cache", mode="read-write")


def _write_many(directory: str, worker: int, count: int) -> None:
    cache = ResponseCache(directory, mode="read-write")
    for i in range(count):
        cache.set(f"w{worker}-{i}", {"worker": worker, "i": i})
    cache.close()


def test_two_processes_writing_at_once(tmp_path: Path) -> None:
    # fork is quick on Linux; elsewhere spawn (which re-imports this module).
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    procs = [ctx.Process(target=_write_many, args=(str(tmp_path), w, 200)) for w in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    cache = _open(tmp_path, "read-only")
    for w in (0, 1):
        for i in range(200):
            assert cache.get(f"w{w}-{i}") == {"worker": w, "i": i}
    cache.close()


def test_a_schema_field_named_like_a_credential_is_fine() -> None:
    # A user's schema may call a field "token"; only settings and headers are checked.
    schema = {"properties": {"token": {"type": "string"}, "key": {"type": "string"}}}
    request = {"request": {"tools": [{"function": {"parameters": schema}}]}}
    assert len(cache_key(request)) == 64
    with pytest.raises(ValueError, match="credentials"):
        cache_key({"request": {"extra_headers": {"api-key": "sk-nope"}}})
