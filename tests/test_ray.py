"""The Ray engine on a real local Ray cluster (2 CPUs), against the scripted server.

Ray starts once for the module (``ray.init(num_cpus=2)``); Redis is a private
redis-server the module starts and stops. Neither is optional: without them
these tests fail (the README's install and .ci/run install both).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from typer.testing import CliRunner

from factsift._edges.batch import error_record, run_batch
from factsift._tools.cli import app
from factsift.ray import extract_dataset, run_ray, share_limits
from tests.conftest import ROOT
from tests.support.faults import ALL_KINDS, FaultInjector
from tests.support.ray_kill import SelfKillingTransport
from tests.support.redis_server import redis_server
from tests.support.rule_model import rule_model
from tests.support.scripted_server import ScriptedServer
from tests.test_batch import check_record, extractor, read_records, write_articles

MAX_ATTEMPTS = 4


@pytest.fixture(scope="module", autouse=True)
def ray_cluster() -> Iterator[None]:
    # Ray's workers import the test helpers (tests.support) that the settings name;
    # they inherit the environment of the process that starts Ray.
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), before) if p)
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        yield
        ray.shutdown()
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def settings(url: str, **options: Any) -> dict[str, Any]:
    """The same settings as tests.test_batch.extractor's, as keyword arguments."""
    return {
        "model": "scripted",
        "base_url": url,
        "cache": "off",
        "max_attempts": MAX_ATTEMPTS,
        "max_wait": 0.01,
        **options,
    }


def by_id(path: Path) -> dict[str, dict[str, Any]]:
    records = read_records(path)
    assert len({r["key"] for r in records}) == len(records), "an article has two lines"
    found = {r["id"]: r for r in records}
    assert len(found) == len(records)
    return found


def facts_of(record: dict[str, Any]) -> Any:
    return (record.get("error") is None, record.get("claims"), record.get("events"))


def test_every_article_once_with_the_local_engines_facts_under_faults(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 200)
    local_out, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    # Faults are drawn per article and per request, from the seed: both engines meet the same.
    local_faults = FaultInjector(rule_model, rate=0.3, seed=7, kinds=ALL_KINDS, timeout_sleep=4.0)
    ray_faults = FaultInjector(rule_model, rate=0.3, seed=7, kinds=ALL_KINDS, timeout_sleep=4.0)
    with ScriptedServer(local_faults) as server:
        with extractor(server.base_url, timeout=2.0) as ex:
            run_batch(ex, [folder], local_out, concurrency=16)
        server.responder = ray_faults
        summary = run_ray(
            settings(server.base_url, timeout=2.0), [folder], ray_out, actors=2, in_flight=8
        )

    local, distributed = by_id(local_out), by_id(ray_out)
    assert sorted(distributed) == ids
    assert summary.articles == 200 and summary.skipped == 0
    failed = {name for name, record in distributed.items() if check_record(record) is None}
    assert summary.failed == len(failed) and len(failed) <= 10, failed
    assert all(ray_faults.counts[kind] > 0 for kind in ALL_KINDS), ray_faults.counts
    for name in ids:
        # Same key (so one output can be resumed by either engine), same facts.
        assert distributed[name]["key"] == local[name]["key"]
        assert facts_of(distributed[name]) == facts_of(local[name]), name
    assert ray_faults.per_article == local_faults.per_article


def test_cli_engine_ray_shares_a_redis_cache_resumes_and_retries_failures(
    tmp_path: Path, redis_url: str
) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 30)
    first_out, second_out = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    counter = FaultInjector(rule_model, rate=0.0, seed=0)
    runner = CliRunner()

    def extract(out: Path, *options: str) -> str:
        command = ["extract", str(folder), "-o", str(out), "--engine", "ray", "--model"]
        command += ["scripted", "--base-url", server.base_url, "--quiet", *options]
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    with ScriptedServer(counter) as server:
        extract(first_out, "--cache-url", redis_url)
        asked = len(server.requests)
        # A second run, to another output, is answered by the shared cache alone.
        again = extract(second_out, "--cache-url", redis_url, "--actors", "1")
        assert len(server.requests) == asked >= 30
        assert "30 articles (0 failed)" in again and f"{asked} of {asked} LLM calls" in again

        # A job killed mid-write: 12 whole lines and half of the next are left, two of
        # the 12 the errors of articles that failed. Run again with --retry-failed (cache
        # off: what is asked is what the output lacks), it sends those and the rest.
        lines = first_out.read_bytes().splitlines(keepends=True)
        for i in (0, 5):
            done = json.loads(lines[i])
            failed = error_record(done["source"], "HTTP 503 (gave up)", doc_id=done["id"])
            lines[i] = json.dumps({**failed, "key": done["key"]}).encode() + b"\n"
        first_out.write_bytes(b"".join(lines[:12]) + lines[12][: len(lines[12]) // 2])
        kept = {json.loads(line)["id"] for line in lines[:12]}
        redo = {json.loads(lines[i])["id"] for i in (0, 5)}
        server.responder = counter = FaultInjector(rule_model, rate=0.0, seed=0)
        resumed = extract(first_out, "--cache", "off", "--retry-failed")
    assert "20 articles (0 failed, 10 already done)" in resumed
    assert counter.per_article == Counter(dict.fromkeys(set(ids) - kept | redo, 1))
    before, after = by_id(first_out), by_id(second_out)
    assert sorted(before) == sorted(after) == ids
    for name in ids:
        assert check_record(before[name]) is not None
        assert after[name]["cached"] is True
        assert facts_of(after[name]) == facts_of(before[name])


def test_killing_an_actor_mid_job_still_completes_every_article_once(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    ids = write_articles(folder, 80)
    out = tmp_path / "facts.jsonl"
    marker = tmp_path / "killed"
    counter = FaultInjector(rule_model, rate=0.0, seed=0)
    with ScriptedServer(counter, latency=0.05) as server:
        transport = SelfKillingTransport(str(marker), 6, "scripted", base_url=server.base_url)
        summary = run_ray(
            settings(server.base_url, transport=transport), [folder], out, actors=2, in_flight=4
        )
    assert marker.read_text().isdigit(), "no actor was killed"
    records = by_id(out)
    assert sorted(records) == ids
    assert all(check_record(r) is not None for r in records.values())
    assert summary.articles == 80 and summary.failed == 0
    # The dead actor's batches were redone: every article was asked, some twice. A
    # request the kill cut off before its body was read has no article id: "".
    assert {name for name in counter.per_article if name} == set(ids)


def test_extract_dataset_takes_plain_rows_and_makes_bad_ones_error_rows() -> None:
    rows = [
        {
            "id": "a",
            "text": "The council of Aldmoor signed a deal last week.",
            "title": "Deal",
            "published": "2024-05-02",
            "url": "https://example.org/a",
            "source": "feed",
        },
        {"id": "b", "text": "   ", "title": None, "published": None, "url": None, "source": None},
    ]
    with ScriptedServer(rule_model) as server:
        ds = extract_dataset(ray.data.from_items(rows), actors=1, **settings(server.base_url))
        out = {row["id"]: row for row in ds.iter_rows()}
    assert set(out) == {"a", "b"}
    good = json.loads(out["a"]["record"])
    assert out["a"]["error"] is None and good["key"] == out["a"]["key"]
    assert good["published"] == "2024-05-02" and good["title"] == "Deal" and check_record(good)
    bad = json.loads(out["b"]["record"])
    assert "empty article" in out["b"]["error"] and bad["error"] == out["b"]["error"]


def test_rate_limits_are_split_across_actors() -> None:
    shared = share_limits({"rpm": 600, "tpm": 90_000, "model": "m"}, 4)
    assert shared == {"rpm": 150, "tpm": 22_500, "model": "m"}
    assert share_limits({"rpm": None}, 3) == {"rpm": None}
    with pytest.raises(ValueError):
        share_limits({}, 0)
