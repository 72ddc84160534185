"""No run loses or corrupts anyone's data (issue 9, section 2), end to end.

Each test replays a reproduction against a live ScriptedServer: an output that
is someone else's file or also an input, two runs on one output, a resume
under another spelling of the path, a partial article, an interrupted
--retry-failed, a damaged cache, and the same article twice in the input.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from factsift import ArticleFacts
from factsift._edges.batch import run_batch
from factsift._edges.results import read_results
from factsift._tools.cli import app
from factsift._tools.report import write_report
from factsift.evaluate import evaluate, load_predictions
from factsift.export import rows
from tests.support.faults import SCHEMA_BREAKING, FaultInjector, article_id
from tests.support.rule_model import rule_model
from tests.support.scripted_server import Reply, ScriptedServer
from tests.test_batch import (
    BODIES,
    _complete_lines,
    _extract_command,
    check_record,
    extractor,
    read_records,
    write_articles,
)

runner = CliRunner()
NO_ENV = {"OPENAI_API_KEY": "", "FACTSIFT_MODEL": "", "OPENAI_BASE_URL": ""}


def cli(*args: str | Path, url: str, **env: str) -> Any:
    command = [str(a) for a in args]
    command += ["--model", "scripted", "--base-url", url, "--quiet"]
    if "--cache" not in command:
        command += ["--cache", "off"]
    return runner.invoke(app, command, env={**NO_ENV, **env})


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


# --------------------------------------------------------------------------- -o destroys files


@pytest.mark.parametrize("spelling", ["same", "dot", "absolute", "symlink"])
def test_an_output_that_is_also_an_input_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    monkeypatch.chdir(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"line1\nline2")
    (tmp_path / "link.txt").symlink_to(notes)
    output = {
        "same": "notes.txt",
        "dot": "./notes.txt",
        "absolute": str(notes),
        "symlink": "link.txt",
    }[spelling]
    with ScriptedServer(rule_model) as server:
        result = cli("extract", "notes.txt", "-o", output, url=server.base_url)
        assert server.requests == []
    assert result.exit_code == 2, result.output
    assert "also an input" in one_line(result.output)
    assert notes.read_bytes() == b"line1\nline2"


@pytest.mark.parametrize(
    "content",
    [b'{"important":"data"}', b"line1\nline2", b"date,amount\n2024-01-01,3\n"],
)
def test_a_file_factsift_did_not_write_is_left_byte_for_byte(
    tmp_path: Path, content: bytes
) -> None:
    config = tmp_path / "config.json"
    config.write_bytes(content)
    with ScriptedServer(rule_model) as server:
        result = cli("extract", "/nonexistent", "-o", config, url=server.base_url)
        assert server.requests == []
    assert result.exit_code == 2, result.output
    assert "not written by factsift" in one_line(result.output)
    assert config.read_bytes() == content


# --------------------------------------------------------------------------- two writers


def test_a_second_run_on_the_same_output_stops_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 12)
    out = tmp_path / "facts.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "FACTSIFT_"))}
    release = threading.Event()

    def held(request: dict[str, Any]) -> dict[str, Any] | Reply:
        # The first articles are answered; the rest wait until the race is over.
        if article_id(request) not in ids[:2]:
            release.wait(timeout=60)
        return rule_model(request)

    first_counter = FaultInjector(held, rate=0.0, seed=0)
    second_counter = FaultInjector(rule_model, rate=0.0, seed=0)
    with ScriptedServer(first_counter) as first_server:
        first = subprocess.Popen(
            _extract_command(folder, out, first_server.base_url),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while not _complete_lines(out):
                assert first.poll() is None, first.communicate()
                assert time.monotonic() < deadline, "the first run wrote nothing"
                time.sleep(0.01)
            with ScriptedServer(second_counter) as second_server:
                second = subprocess.run(
                    _extract_command(folder, out, second_server.base_url),
                    cwd=tmp_path,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
            assert first.poll() is None, "the first run ended before the test could race it"
        finally:
            release.set()
            _, first_err = first.communicate(timeout=120)
    assert second.returncode == 2, second.stderr
    message = one_line(second.stderr)
    assert "being written by another factsift run" in message
    assert f"process {first.pid}" in message
    assert second_counter.counts["requests"] == 0
    assert first.returncode == 0, first_err.decode()
    records = read_records(out)
    assert sorted(r["id"] for r in records) == ids  # each article once
    assert first_counter.per_article == Counter(dict.fromkeys(ids, 1))


# --------------------------------------------------------------------------- path spellings


def test_a_resume_under_another_spelling_of_the_path_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ids = write_articles(tmp_path / "articles", 3)
    (tmp_path / "link").symlink_to(tmp_path / "articles")
    out = tmp_path / "facts.jsonl"
    spellings: list[list[str | Path]] = [
        ["./articles"],
        [tmp_path / "articles"],
        ["link"],
        ["articles/../articles"],
        [f"articles/{name}.txt" for name in ids],
        [tmp_path / "link" / f"{name}.txt" for name in ids],
    ]
    with ScriptedServer(rule_model) as server:
        with extractor(server.base_url) as ex:
            first = run_batch(ex, ["articles"], out)
        assert (first.articles, first.failed) == (3, 0)
        before = out.read_bytes()
        for paths in spellings:
            counter = FaultInjector(rule_model, rate=0.0, seed=0)
            server.responder = counter
            with extractor(server.base_url) as ex:
                again = run_batch(ex, paths, out)
            assert counter.counts["requests"] == 0, paths
            assert (again.articles, again.skipped, again.duplicates) == (0, 3, 0), paths
            assert out.read_bytes() == before, paths


def test_input_errors_resume_under_another_spelling_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("")
    out = tmp_path / "facts.jsonl"
    with ScriptedServer(rule_model) as server, extractor(server.base_url) as ex:
        run_batch(ex, ["in/empty.txt", "missing.txt"], out)
        again = run_batch(ex, [tmp_path / "in" / "empty.txt", "./missing.txt"], out)
    assert (again.articles, again.skipped) == (0, 2)
    assert len(read_records(out)) == 2


# --------------------------------------------------------------------------- partial articles


def _long_articles(folder: Path, count: int) -> list[str]:
    folder.mkdir(parents=True)
    for i in range(count):
        body = " ".join(s.format(place=f"Town{i}", n=i + k) for k, s in enumerate(BODIES))
        (folder / f"long-{i:02d}.txt").write_text(f"News {i}\n\n{body}\n", encoding="utf-8")
    return [f"long-{i:02d}" for i in range(count)]


def test_an_article_that_lost_a_window_is_partial_counted_and_retried(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = _long_articles(folder, 3)
    doomed = ids[1]
    out = tmp_path / "facts.jsonl"

    def losing_one_window(request: dict[str, Any]) -> dict[str, Any] | Reply:
        users = [str(m.get("content")) for m in request["messages"] if m.get("role") == "user"]
        if article_id(request) == doomed and any("\n[1] " in text for text in users):
            return SCHEMA_BREAKING  # the first window, and its re-ask, break the schema
        return rule_model(request)

    args = ("extract", folder, "-o", out, "--window-tokens", "50")
    with ScriptedServer(losing_one_window) as server:
        result = cli(*args, url=server.base_url)
        assert result.exit_code == 1, result.output
        assert "1 partial" in " ".join(result.output.split())
        records = {r["id"]: r for r in read_records(out)}
        assert records[doomed]["partial"] is True
        assert any(w.startswith("window 1 of ") for w in records[doomed]["warnings"])
        assert all(records[name]["partial"] is False for name in ids if name != doomed)
        assert all(check_record(r) is not None for r in records.values())

        counter = FaultInjector(rule_model, rate=0.0, seed=0)
        server.responder = counter
        resumed = cli(*args, url=server.base_url)  # without --retry-failed: says so
        assert counter.counts["requests"] == 0
        assert "1 of them failed or partial: --retry-failed" in " ".join(resumed.output.split())
        # A retry that fails outright keeps the partial facts rather than an error.
        before = out.read_bytes()
        server.responder = lambda request: Reply(400, {"error": {"message": "no"}})
        refused = cli(*args, "--retry-failed", url=server.base_url)
        assert refused.exit_code == 1, refused.output
        assert "the earlier partial result is kept" in " ".join(refused.output.split())
        assert out.read_bytes() == before

        server.responder = counter
        retried = cli(*args, "--retry-failed", url=server.base_url)
    assert retried.exit_code == 0, retried.output
    assert set(counter.per_article) == {doomed}  # only the partial one is asked again
    records = read_records(out)
    assert sorted(r["id"] for r in records) == ids  # one line per article
    assert not any(r["partial"] for r in records)


# --------------------------------------------------------------------------- interrupted retry


def test_an_interrupted_retry_counts_once_everywhere_and_is_compacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 12)
    doomed = set(ids[::3])
    out, healthy = tmp_path / "facts.jsonl", tmp_path / "healthy.jsonl"

    def refusing(request: dict[str, Any]) -> dict[str, Any] | Reply:
        if article_id(request) in doomed:
            return Reply(400, {"error": {"message": "request rejected"}})
        return rule_model(request)

    with ScriptedServer(refusing) as server:
        with extractor(server.base_url) as ex:
            run_batch(ex, [folder], out)
        server.responder = rule_model
        with extractor(server.base_url) as ex:
            run_batch(ex, [folder], healthy)
        # What a --retry-failed killed before its closing compaction leaves: the
        # old error lines, then the new results under the same keys.
        redone = [
            line for line in healthy.read_text().splitlines() if json.loads(line)["id"] in doomed
        ]
        with out.open("a") as sink:
            sink.write("".join(line + "\n" for line in redone))
        assert len(out.read_text().splitlines()) == 12 + len(doomed)

        # Every reader takes the last line per key: 12 articles, none failed.
        items = read_results(out)
        assert len(items) == 12 and all(isinstance(i, ArticleFacts) for i in items)
        assert write_report(out, tmp_path / "report.html") == 12
        assert len(rows(out)["articles"]) == 12
        gold = [{"id": name, "text": "x", "claims": []} for name in ids]
        assert evaluate(load_predictions(out), gold).errors == 0
        shown = runner.invoke(app, ["show", str(out)])
        assert shown.exit_code == 0 and "failed" not in shown.output

        # The next run asks nothing and compacts the file to one line per key.
        counter = FaultInjector(rule_model, rate=0.0, seed=0)
        server.responder = counter
        with extractor(server.base_url) as ex:
            summary = run_batch(ex, [folder], out)
    assert counter.counts["requests"] == 0 and summary.skipped == 12
    records = read_records(out)
    assert len(out.read_text().splitlines()) == 12
    assert sorted(r["id"] for r in records) == ids
    assert all(check_record(r) is not None for r in records)
    assert not (tmp_path / "facts.jsonl.tmp").exists()


# --------------------------------------------------------------------------- a damaged cache


def test_a_corrupted_cache_database_is_moved_aside_and_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 4)
    cache = tmp_path / "cache"
    with ScriptedServer(rule_model) as server:
        args = ("--cache", "read-write", "--cache-dir", str(cache))
        filled = cli("extract", folder, "-o", tmp_path / "a.jsonl", *args, url=server.base_url)
        assert filled.exit_code == 0, filled.output
        database = cache / "cache.db"
        database.write_bytes(database.read_bytes()[:4096])  # truncated

        result = cli("extract", folder, "-o", tmp_path / "b.jsonl", *args, url=server.base_url)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "warning:" in text and "moved it to" in text
    moved = [p for p in tmp_path.iterdir() if p.name.startswith("cache.broken-")]
    assert len(moved) == 1 and str(moved[0]) in text
    records = read_records(tmp_path / "b.jsonl")
    assert sorted(r["id"] for r in records) == ids
    assert all(check_record(r) is not None for r in records)


def test_garbled_cache_entries_are_asked_anew_and_overwritten(tmp_path: Path) -> None:
    from tests.test_cache import _garble_values

    folder = tmp_path / "articles"
    ids = write_articles(folder, 4)
    cache = tmp_path / "cache"
    args = ("--cache", "read-write", "--cache-dir", str(cache))
    counter = FaultInjector(rule_model, rate=0.0, seed=0)
    with ScriptedServer(counter) as server:
        assert cli("extract", folder, "-o", tmp_path / "a.jsonl", *args, url=server.base_url)
        assert _garble_values(cache) > 0
        asked = counter.counts["requests"]

        second = cli("extract", folder, "-o", tmp_path / "b.jsonl", *args, url=server.base_url)
        assert second.exit_code == 0, second.output
        assert counter.counts["requests"] == 2 * asked  # every garbled answer asked anew
        records = read_records(tmp_path / "b.jsonl")
        assert sorted(r["id"] for r in records) == ids
        assert all(check_record(r) is not None for r in records)

        third = cli("extract", folder, "-o", tmp_path / "c.jsonl", *args, url=server.base_url)
    assert third.exit_code == 0, third.output
    assert counter.counts["requests"] == 2 * asked  # the new answers replaced them


# --------------------------------------------------------------------------- duplicates


def test_identical_input_records_are_counted_as_duplicates(tmp_path: Path) -> None:
    texts = [
        f"Officials in Town{i} said on Tuesday that {i} homes would be built." for i in range(3)
    ]
    records = [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)]
    lines = [records[0], records[1], records[0], records[2], records[1]]
    lines.append({"id": "r9", "text": texts[0]})  # the same text under another id: an article
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    out = tmp_path / "facts.jsonl"
    with ScriptedServer(rule_model) as server:
        result = cli("extract", source, "-o", out, url=server.base_url)
        assert result.exit_code == 0, result.output
        text = " ".join(result.output.split())
        assert "4 articles" in text and "2 duplicate input(s)" in text
        assert sorted(r["id"] for r in read_records(out)) == ["r0", "r1", "r2", "r9"]

        with extractor(server.base_url) as ex:
            seen: list[tuple[str, str]] = []
            again = run_batch(ex, [source], out, on_article=lambda n, o, m: seen.append((n, o)))
    assert (again.skipped, again.duplicates) == (4, 2)
    assert [o for _, o in seen].count("duplicate") == 2
    assert len(read_records(out)) == 4


def test_a_result_from_the_cache_names_the_path_as_typed_this_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_articles(tmp_path / "articles", 2)
    counter = FaultInjector(rule_model, rate=0.0, seed=0)
    options = {"cache": "read-write", "cache_dir": tmp_path / "cache"}
    with ScriptedServer(counter) as server:
        with extractor(server.base_url, **options) as ex:
            run_batch(ex, ["articles"], tmp_path / "a.jsonl")
        asked = counter.counts["requests"]
        with extractor(server.base_url, **options) as ex:
            run_batch(ex, [tmp_path / "articles"], tmp_path / "b.jsonl")
    assert counter.counts["requests"] == asked  # all from the cache
    sources = {r["source"] for r in read_records(tmp_path / "b.jsonl")}
    assert sources == {str(tmp_path / "articles" / f"story-{i:03d}.txt") for i in range(2)}


def test_a_refused_output_is_one_line_before_any_set_up(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"line1\nline2")
    # No --quiet: the progress bar must not have started; no model is set up either.
    args = ["extract", str(notes), "-o", str(notes), "--model", "local:/nonexistent.gguf"]
    result = runner.invoke(app, args, env=NO_ENV)
    assert result.exit_code == 2, result.output
    assert "also an input" in one_line(result.output)


def test_a_bad_setting_releases_the_output_it_locked(tmp_path: Path) -> None:
    out = tmp_path / "facts.jsonl"
    args = ["extract", str(tmp_path), "-o", str(out), "--model", "m", "--base-url", "http://x"]
    for _ in range(2):  # the second run is refused for the setting, not for the lock
        result = runner.invoke(app, [*args, "--mode", "bogus"], env=NO_ENV)
        assert result.exit_code == 2, result.output
        assert "being written" not in result.output
