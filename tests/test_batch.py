"""Batch runs that hold up: faults on the wire, kills mid-write, resumes and retries.

Every test runs against a live ScriptedServer on 127.0.0.1, most behind a
FaultInjector, and checks the promises of ``factsift._edges.batch``: each article
ends as exactly one line, retries are bounded, and a re-run redoes only what
is missing (or failed, with ``retry_failed``).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from factsift import ArticleFacts, Extractor
from factsift._edges.batch import Summary, run_batch
from factsift._edges.results import scan_results
from factsift._pipeline.documents import load_documents
from factsift.evaluate import evaluate, load_predictions
from factsift.schema import Document
from tests.conftest import assert_grounded
from tests.support.faults import ALL_KINDS, FaultInjector, article_id
from tests.support.rule_model import rule_model
from tests.support.scripted_server import Reply, ScriptedServer

MAX_ATTEMPTS = 4
REASKS = 1  # Extractor's default

PLACES = ["Aldmoor", "Brenfield", "Calder", "Dunmere", "Eastvale", "Fallow", "Greyport", "Hollin"]
BODIES = [
    "Officials in {place} said on Tuesday that {n} new homes would be built near the river.",
    "The council of {place} signed a deal with a local builder last week.",
    "Residents may protest the plan when the first site opens next year.",
    "The mayor of {place} met union leaders to discuss {n} jobs at the port.",
    "Police in {place} arrested {n} people after a protest outside the town hall.",
    "A spokesman for the water company said repairs would take {n} days.",
]


def write_articles(folder: Path, count: int) -> list[str]:
    """``count`` short, distinct news articles (2 to 4 sentences), one .txt file each."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(count):
        place = f"{PLACES[i % len(PLACES)]}{i}"
        sentences = [BODIES[(i + k) % len(BODIES)] for k in range(2 + i % 3)]
        body = " ".join(s.format(place=place, n=10 + i) for s in sentences)
        name = f"story-{i:03d}"
        (folder / f"{name}.txt").write_text(f"News from {place}\n\n{body}\n", encoding="utf-8")
        ids.append(name)
    return ids


def read_records(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def check_record(record: dict[str, Any]) -> ArticleFacts | None:
    """A line is either grounded facts or an error with a reason; the facts, if any."""
    assert isinstance(record.get("key"), str) and record["key"], record
    if "error" in record:
        assert isinstance(record["error"], str) and record["error"].strip(), record
        assert record.get("id"), record
        return None
    facts = ArticleFacts.model_validate(record)
    assert_grounded(facts)
    return facts


def extractor(url: str, **options: Any) -> Extractor:
    options = {"cache": "off", "max_attempts": MAX_ATTEMPTS, "max_wait": 0.01, **options}
    return Extractor("scripted", base_url=url, **options)


def documents(folder: Path) -> list[Document]:
    return [d for d in load_documents([folder]) if isinstance(d, Document)]


# --------------------------------------------------------------------------- faults


def test_every_article_ends_as_one_line_under_faults(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 200)
    out = tmp_path / "facts.jsonl"
    faults = FaultInjector(rule_model, rate=0.3, seed=7, kinds=ALL_KINDS, timeout_sleep=4.0)
    started = time.monotonic()
    with ScriptedServer(faults) as server, extractor(server.base_url, timeout=2.0) as ex:
        summary = run_batch(ex, [folder], out, concurrency=16)
        windows = {doc.id: len(ex.request_sizes(doc)) for doc in documents(folder)}
    elapsed = time.monotonic() - started
    assert elapsed < 120, f"the run took {elapsed:.0f} s"  # it finishes; not a benchmark

    records = read_records(out)
    assert len(records) == 200
    assert len({r["key"] for r in records}) == 200
    assert sorted(r["id"] for r in records) == ids
    failed = {r["id"] for r in records if check_record(r) is None}
    assert summary.articles == 200 and summary.failed == len(failed)

    # Every kind of fault was met, and the retries saw most articles through.
    assert all(faults.counts[kind] > 0 for kind in ALL_KINDS), faults.counts
    assert len(failed) <= 10, failed
    # Retries are bounded: attempts x (answer + re-asks) x windows, per article.
    assert set(windows) == set(ids)
    assert set(faults.per_article) == set(ids)
    for name, requests in faults.per_article.items():
        assert requests <= MAX_ATTEMPTS * (1 + REASKS) * windows[name], faults.history[name]
    assert sum(faults.per_article.values()) == faults.counts["requests"] == len(server.requests)
    # No article fails without cause: it met a fault on every try of one request,
    # or broke the schema on the answer and its re-ask.
    for name in failed:
        met = faults.history[name]
        assert len(met) - met.count("ok") >= MAX_ATTEMPTS or met.count("schema") > REASKS, met


def test_timeouts_are_retried_then_recorded(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 8)
    out = tmp_path / "facts.jsonl"
    attempts = 2
    faults = FaultInjector(rule_model, rate=0.6, seed=3, kinds=["timeout"], timeout_sleep=4.0)
    with ScriptedServer(faults) as server:
        with extractor(server.base_url, timeout=1.5, max_attempts=attempts) as ex:
            summary = run_batch(ex, [folder], out, concurrency=8)

    records = {r["id"]: r for r in read_records(out)}
    assert sorted(records) == ids and summary.articles == 8
    outcomes = set()
    for name in ids:
        met = faults.history[name]
        gave_up = met[:attempts] == ["timeout"] * attempts
        outcomes.add(gave_up)
        if gave_up:
            assert len(met) == attempts
            assert "cannot reach" in records[name]["error"], records[name]
            assert f"gave up after {attempts} attempts" in records[name]["error"]
        else:
            assert met[-1] == "ok" and set(met[:-1]) <= {"timeout"}, met
            assert check_record(records[name]) is not None
    assert outcomes == {True, False}, "the seed should give both outcomes"


# --------------------------------------------------------------------------- resuming


def test_a_cut_off_last_line_is_repaired_and_only_its_article_redone(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 30)
    out = tmp_path / "facts.jsonl"
    # One server for both runs: its URL is part of each article's key.
    with ScriptedServer(FaultInjector(rule_model, rate=0.0, seed=0)) as server:
        with extractor(server.base_url) as ex:
            first = run_batch(ex, [folder], out, concurrency=4)
        assert first.articles == 30 and first.failed == 0

        # A SIGKILL in the middle of the last write.
        data = out.read_bytes()
        last_start = data.rstrip(b"\n").rfind(b"\n") + 1
        cut_id = json.loads(data[last_start:])["id"]
        out.write_bytes(data[: last_start + (len(data) - last_start) // 2])

        server.responder = counter = FaultInjector(rule_model, rate=0.0, seed=0)
        with extractor(server.base_url) as ex:
            second = run_batch(ex, [folder], out, concurrency=4)
    assert counter.per_article == Counter({cut_id: 1})  # the others: no request at all
    assert second.skipped == 29 and second.articles == 1 and second.failed == 0

    records = read_records(out)  # every line parses: the cut one is gone
    assert len(records) == 30
    assert len({r["key"] for r in records}) == 30
    assert sorted(r["id"] for r in records) == ids
    assert all(check_record(r) is not None for r in records)
    assert out.read_bytes().startswith(data[:last_start])  # earlier lines untouched


def _extract_command(folder: Path, out: Path, url: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from factsift._tools.cli import main; main()",
        "extract",
        str(folder),
        "-o",
        str(out),
        "--model",
        "scripted",
        "--base-url",
        url,
        "--cache",
        "off",
        "--concurrency",
        "4",
        "--quiet",
    ]


def _complete_lines(path: Path) -> list[dict[str, Any]]:
    """The whole lines of a file a killed process was writing (a cut-off tail ignored)."""
    data = path.read_bytes() if path.exists() else b""
    return [json.loads(line) for line in data[: data.rfind(b"\n") + 1].splitlines()]


def test_a_killed_run_resumes_without_asking_twice(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 60)
    out = tmp_path / "facts.jsonl"
    counter = FaultInjector(rule_model, rate=0.0, seed=0)
    # The server answers 12 requests, then holds the rest until the kill: the run is
    # killed part-way however slow or fast the machine is, not by a race with a clock.
    gate, answered = threading.Event(), itertools.count()

    def gated(request: dict[str, Any]) -> Any:
        if next(answered) >= 12:
            gate.wait(timeout=120)
        return counter(request)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "FACTSIFT_"))}
    with ScriptedServer(gated, latency=0.05) as server:
        command = _extract_command(folder, out, server.base_url)
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 60
            while len(_complete_lines(out)) < 8:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "no lines were written"
                time.sleep(0.005)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(timeout=30)
            gate.set()
        assert process.returncode == -signal.SIGKILL

        before = {r["id"] for r in _complete_lines(out)}
        assert 8 <= len(before) <= 12, "the kill came before or after the held requests"
        again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=120)
        assert again.returncode == 0, again.stderr.decode()

    records = read_records(out)
    assert len(records) == 60
    assert len({r["key"] for r in records}) == 60
    assert sorted(r["id"] for r in records) == ids
    assert all(check_record(r) is not None for r in records)
    # Finished before the kill: asked once, in the first run; never again.
    assert {name: counter.per_article[name] for name in before} == dict.fromkeys(before, 1)
    # The rest were asked in the second run (and maybe also in the first, if in flight).
    # A request the kill cut off before its body was sent has no article id: "".
    asked = {name: n for name, n in counter.per_article.items() if name}
    assert set(asked) == set(ids)
    assert all(1 <= n <= 2 for n in asked.values()), asked


# --------------------------------------------------------------------------- --retry-failed


def test_retry_failed_redoes_only_the_failed_articles(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 12)
    doomed = set(ids[::3])
    out = tmp_path / "facts.jsonl"

    def refusing(request: dict[str, Any]) -> dict[str, Any] | Reply:
        if article_id(request) in doomed:
            return Reply(400, {"error": {"message": "request rejected"}})
        return rule_model(request)

    def run(responder: Any, **options: Any) -> tuple[Summary, Counter[str]]:
        counter = FaultInjector(responder, rate=0.0, seed=0)
        server.responder = counter
        with extractor(server.base_url) as ex:
            summary = run_batch(ex, [folder], out, concurrency=4, **options)
        return summary, counter.per_article

    # One server throughout: its URL is part of each article's key.
    with ScriptedServer(rule_model) as server:
        first, asked = run(refusing)
        assert first.failed == len(doomed)
        assert asked == Counter(dict.fromkeys(ids, 1))  # 400: no retry
        errors = {r["id"]: r["error"] for r in read_records(out) if "error" in r}
        assert set(errors) == doomed
        assert all("HTTP 400" in reason for reason in errors.values())

        # Without --retry-failed, a re-run has nothing to do.
        second, asked = run(rule_model)
        assert asked == Counter()
        assert second.skipped == 12 and second.articles == 0
        assert len(read_records(out)) == 12

        # With it, and a healthy server, exactly the failed ones are asked again.
        third, asked = run(rule_model, retry_failed=True)
        assert asked == Counter(dict.fromkeys(doomed, 1))
        assert third.articles == len(doomed) and third.failed == 0
        assert third.skipped == 12 - len(doomed)

        # The error lines the retry made good are gone: one line per article, all facts.
        records = read_records(out)
        assert sorted(r["id"] for r in records) == ids
        assert all(check_record(r) is not None for r in records)
        scan = scan_results(out)
        assert len(scan.latest) == 12 and {s for _, s in scan.latest.values()} == {"ok"}
        # ...so every reader sees its facts.
        gold = [{"id": doc.id, "text": doc.text, "claims": []} for doc in documents(folder)]
        assert evaluate(load_predictions(out), gold).errors == 0

        # A further --retry-failed run has nothing left to do.
        fourth, asked = run(rule_model, retry_failed=True)
        assert asked == Counter() and fourth.skipped == 12
        assert len(read_records(out)) == 12


def test_retry_failed_asks_again_instead_of_replaying_cached_answers(tmp_path: Path) -> None:
    """Answers that failed validation are in the response cache; a retry must not reuse them."""
    folder = tmp_path / "articles"
    ids = write_articles(folder, 6)
    doomed = set(ids[::2])
    out = tmp_path / "facts.jsonl"

    def garbled(request: dict[str, Any]) -> Any:
        if article_id(request) in doomed:
            return {"claims": [{"statement": "no evidence, no speaker"}]}
        return rule_model(request)

    with ScriptedServer(rule_model) as server:
        for responder, retry in ((garbled, False), (rule_model, True)):
            counter = FaultInjector(responder, rate=0.0, seed=0)
            server.responder = counter
            with extractor(server.base_url, cache="read-write", cache_dir=tmp_path / "c") as ex:
                summary = run_batch(ex, [folder], out, retry_failed=retry)
    assert summary.articles == len(doomed) and summary.failed == 0, summary.errors
    assert set(counter.per_article) == doomed  # asked again, not replayed
    assert all(check_record(r) is not None for r in read_records(out))


def test_a_retry_that_fails_again_still_leaves_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 3)
    out = tmp_path / "facts.jsonl"
    with ScriptedServer(lambda request: Reply(400, {"error": {"message": "no"}})) as server:
        for _ in range(2):
            with extractor(server.base_url) as ex:
                run_batch(ex, [folder], out, retry_failed=True)
    records = read_records(out)
    assert all("error" in r for r in records)
    assert sorted(r["id"] for r in records) == ids  # found: every id twice


# --------------------------------------------------------------------------- --dry-run


def test_dry_run_counts_articles_and_sends_nothing(tmp_path: Path) -> None:
    from factsift._tools.cli import app

    folder = tmp_path / "articles"
    write_articles(folder, 25)
    (folder / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "facts.jsonl"
    counter = FaultInjector(rule_model, rate=0.0, seed=0)
    with ScriptedServer(counter) as server:
        args = ["extract", str(folder), "-o", str(out), "--model", "scripted"]
        args += ["--base-url", server.base_url, "--cache", "off", "--dry-run"]
        result = CliRunner().invoke(app, args, env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 0, result.output
    assert "25 articles (1 unreadable)" in result.output
    assert "about 25 requests" in result.output
    assert server.requests == [] and counter.counts["requests"] == 0
    assert not out.exists()


class InFlight:
    """A responder that takes 30 ms and records the most requests it had at once."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.most = self._now = 0
        self._lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Any:
        with self._lock:
            self._now += 1
            self.most = max(self.most, self._now)
        time.sleep(0.03)
        with self._lock:
            self._now -= 1
        return self.answer(request)


def test_concurrency_bounds_the_requests_in_flight(tmp_path: Path) -> None:
    """--concurrency counts requests, also when one article sends several windows at once."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(12):
        body = " ".join(s.format(place=f"Town{i}", n=i + k) for k, s in enumerate(BODIES))
        (folder / f"long-{i:02d}.txt").write_text(f"News {i}\n\n{body}\n", encoding="utf-8")
    slow = InFlight(rule_model)
    with ScriptedServer(slow) as server:
        ex = extractor(server.base_url, window_tokens=50)
        summary = run_batch(ex, [folder], tmp_path / "facts.jsonl", concurrency=3)
        ex.close()
        requests = len(server.requests)
    assert summary.failed == 0, summary.errors
    assert requests > 2 * summary.articles, "the articles should need several windows each"
    assert slow.most == 3


def test_concurrency_bounds_the_sentence_strategy_too(tmp_path: Path) -> None:
    """The sentence strategy asks from worker threads; they take the same slots."""
    write_articles(tmp_path / "articles", 12)
    label = InFlight(lambda request: {"kind": "fact"})
    with ScriptedServer(label) as server:
        ex = extractor(server.base_url, strategy="sentence", decisions=("kind",))
        summary = run_batch(ex, [tmp_path / "articles"], tmp_path / "facts.jsonl", concurrency=2)
        ex.close()
        requests = len(server.requests)
    assert summary.failed == 0, summary.errors
    assert requests > summary.articles
    assert label.most == 2


def test_one_extractor_serves_several_runs(tmp_path: Path) -> None:
    """Each run has its own event loop; the async client must not outlive its loop."""
    write_articles(tmp_path / "a", 6)
    write_articles(tmp_path / "b", 6)
    with ScriptedServer(rule_model) as server:
        ex = extractor(server.base_url, max_attempts=1)
        first = run_batch(ex, [tmp_path / "a"], tmp_path / "a.jsonl", concurrency=3)
        second = run_batch(ex, [tmp_path / "b"], tmp_path / "b.jsonl", concurrency=3)
        ex.close()
    assert (first.failed, second.failed) == (0, 0), second.errors


def test_an_output_inside_the_input_folder_is_not_read_as_input(tmp_path: Path) -> None:
    ids = write_articles(tmp_path, 3)
    out = tmp_path / "facts.jsonl"
    with ScriptedServer(rule_model) as server:
        ex = extractor(server.base_url)
        first = run_batch(ex, [tmp_path], out)
        second = run_batch(ex, [tmp_path], out)
        ex.close()
    assert (first.articles, first.failed, second.articles, second.skipped) == (3, 0, 0, 3)
    assert sorted(r["id"] for r in read_records(out)) == sorted(ids)
