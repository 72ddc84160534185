"""The response cache (factsift._edges.cache)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from factsift._edges.cache import CacheMode, CacheWarning, ResponseCache, cache_key
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


# --- a damaged cache never stops a run ----------------------------------------------------------


def _filled(path: Path) -> None:
    cache = _open(path, "read-write")
    cache.set("stored", VALUE)
    cache.set_result("result", '{"id": "a"}')
    cache.close()


@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_a_corrupted_database_is_moved_aside_and_replaced(tmp_path: Path, damage: str) -> None:
    directory = tmp_path / "cache"
    _filled(directory)
    database = directory / "cache.db"
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 3] if damage == "truncated" else b"junk" * 2000)
    broken = database.read_bytes()

    with pytest.warns(CacheWarning, match="moved it to") as caught:
        cache = _open(directory, "read-write")
    message = str(caught[0].message)
    aside = Path(message.split("moved it to ")[1].split(" and started")[0])
    assert aside.parent == tmp_path and aside.name.startswith("cache.broken-")
    assert (aside / "cache.db").read_bytes() == broken  # kept as it was, for a post-mortem
    assert cache.get("stored") is None  # a fresh cache: a miss, not an error
    cache.set("stored", VALUE)
    assert cache.get("stored") == VALUE
    cache.close()


def test_corruption_met_after_opening_is_recovered_too(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    _filled(directory)
    cache = _open(directory, "read-write")
    (directory / "cache.db").write_bytes(b"junk" * 2000)
    for name in ("cache.db-wal", "cache.db-shm"):
        (directory / name).unlink(missing_ok=True)
    with pytest.warns(CacheWarning, match="moved it to"):
        assert cache.get("stored") is None
    cache.set("new", VALUE)
    assert cache.get("new") == VALUE
    cache.close()


@pytest.mark.parametrize("mode", ["read-only", "offline"])
def test_modes_that_never_write_go_on_without_a_corrupted_cache(tmp_path: Path, mode: str) -> None:
    directory = tmp_path / "cache"
    _filled(directory)
    (directory / "cache.db").write_bytes(b"junk" * 2000)
    with pytest.warns(CacheWarning, match="going on without it"):
        cache = _open(directory, mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # nothing moved
    assert cache.get_result("result") is None
    if mode == "offline":
        with pytest.raises(CacheMissError):
            cache.get("stored")
    cache.close()


def _garble_values(directory: Path) -> int:
    """Overwrite every stored value in place, as a bad disk or a stray write would."""
    import sqlite3

    con = sqlite3.connect(directory / "cache.db")
    with con:
        changed = con.execute("UPDATE Cache SET value = X'80036e6f742061207069636b6c65'").rowcount
    con.close()
    for value_file in directory.rglob("*.val"):
        value_file.write_bytes(b"\x80\x04garbage")
    return changed


def test_a_garbled_entry_is_a_miss_and_is_overwritten(tmp_path: Path) -> None:
    big = {"choices": [{"message": {"content": "x" * 100_000}}]}  # stored in a file of its own
    cache = _open(tmp_path, "read-write")
    cache.set("small", VALUE)
    cache.set("big", big)
    cache.close()
    assert list(tmp_path.rglob("*.val")), "the big value should live in a value file"
    assert _garble_values(tmp_path) == 2

    cache = _open(tmp_path, "read-write")
    for key in ("small", "big"):
        with pytest.warns(CacheWarning, match="cannot be read"):
            assert cache.get(key) is None
    cache.set("small", VALUE)
    cache.set("big", big)
    assert cache.get("small") == VALUE and cache.get("big") == big
    cache.close()


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("mode", ["read-only", "offline"])
def test_modes_that_never_write_leave_the_cache_byte_for_byte(tmp_path: Path, mode: str) -> None:
    # Any write to the data (diskcache rewrites its database when it opens) shows here.
    # In a writable folder SQLite may add its shared-memory index and an empty log,
    # which let a reader run safely beside a writer; they hold no data.
    _filled(tmp_path)
    before = _snapshot(tmp_path)
    cache = _open(tmp_path, mode)
    assert cache.get("stored") == VALUE and cache.get_result("result") == '{"id": "a"}'
    cache.close()
    after = _snapshot(tmp_path)
    assert {name: after[name] for name in before} == before
    assert set(after) - set(before) <= {"cache.db-shm", "cache.db-wal"}
    assert after.get("cache.db-wal", b"") == b""


def test_read_only_mode_creates_no_cache(tmp_path: Path) -> None:
    cache = _open(tmp_path / "none", "read-only")
    assert cache.get("stored") is None
    cache.close()
    assert not (tmp_path / "none").exists()


_READ_ONLY_CHECK = """
import sys
from factsift._edges.cache import ResponseCache
cache = ResponseCache(sys.argv[1], mode=sys.argv[2])
assert cache.get("stored") == {value!r}, cache.get("stored")
assert cache.get_result("result") == '{{"id": "a"}}'
cache.set("new", {{"a": 1}})
cache.close()
print("ok")
"""


def _run_on_read_only_folder(
    folder: Path, script: str, mode: str
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with ``folder`` really read-only: for a non-root user through its
    permissions, for root through a read-only bind mount in a private mount namespace."""
    command = [sys.executable, "-c", script, str(folder), mode]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    if os.geteuid() != 0:
        for path in (folder, *folder.rglob("*")):
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        finally:
            for path in (folder, *folder.rglob("*")):
                path.chmod(path.stat().st_mode | 0o200)
    if shutil.which("unshare") is None:
        pytest.skip("as root, a read-only folder needs unshare(1) for a read-only bind mount")
    probe = subprocess.run(
        ["unshare", "--mount", "true"], capture_output=True, text=True, timeout=30
    )
    if probe.returncode != 0:
        pytest.skip(f"as root, a read-only folder needs a mount namespace: {probe.stderr.strip()}")
    mount = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
    return subprocess.run(
        ["unshare", "--mount", "sh", "-c", mount, "sh", str(folder), *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize("mode", ["read-only", "offline"])
def test_a_cache_on_a_read_only_folder_works_in_modes_that_never_write(
    tmp_path: Path, mode: str
) -> None:
    _filled(tmp_path / "cache")
    before = _snapshot(tmp_path / "cache")
    script = _READ_ONLY_CHECK.format(value=VALUE)
    result = _run_on_read_only_folder(tmp_path / "cache", script, mode)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
    assert _snapshot(tmp_path / "cache") == before


def test_a_read_only_folder_in_read_write_mode_names_the_fix(tmp_path: Path) -> None:
    _filled(tmp_path / "cache")
    script = (
        "import sys\nfrom factsift._edges.cache import ResponseCache\nfrom factsift.errors import "
        "ConfigError\ntry:\n    ResponseCache(sys.argv[1])\nexcept ConfigError as e:\n"
        "    print(e)\n"
    )
    result = _run_on_read_only_folder(tmp_path / "cache", script, "read-write")
    assert "--cache read-only" in result.stdout, (result.stdout, result.stderr)
