"""Shared fixtures: cassettes, the scripted model server, and the grounding check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factsift import ArticleFacts

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "articles"
DATA = Path(__file__).resolve().parent / "data"
# A news article written for the tests: a meeting, quotes, a thwarted plot, relative dates.
ARTICLE = DATA / "harbour-pact.txt"
RERECORD = "scripts/record-cassettes"


def assert_grounded(facts: ArticleFacts) -> None:
    """The product's core promise, checked on every span of a result."""
    spans = facts.spans()
    for span in spans:
        assert facts.text[span.start : span.end] == span.text, span
        assert 0 <= span.start <= span.end <= len(facts.text)
    for claim in facts.claims:
        assert claim.evidence, claim
    for event in facts.events:
        assert event.evidence and event.trigger.text


def _json_body(r1: Any, r2: Any) -> None:
    def parse(body: Any) -> Any:
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        return json.loads(body) if body else None

    assert parse(r1.body) == parse(r2.body), (
        "the request differs from the recorded one: the prompt, schema or settings changed, "
        f"so the cassettes are stale. Re-record them with `{RERECORD}` (see README)."
    )


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("json_body", _json_body)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        # Keys never reach a cassette; the scan in test_secrets checks it.
        "filter_headers": ["authorization", "api-key", "x-api-key", "openai-organization"],
        "match_on": ["method", "path", "json_body"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.module.__name__.split(".")[-1])


def recording(config: pytest.Config) -> bool:
    return config.getoption("--record-mode") not in (None, "none")


@pytest.fixture(scope="module")
def scripted_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The rule-based model's URL: a live server when recording, a placeholder on replay."""
    if not recording(request.config):
        yield "http://127.0.0.1:9/v1"  # never contacted: the cassettes answer
        return
    from tests.support.rule_model import rule_model
    from tests.support.scripted_server import ScriptedServer

    with ScriptedServer(rule_model) as server:
        yield server.base_url


def explain_stale(err: BaseException) -> None:
    """Turn a cassette mismatch buried under retries into a clear failure."""
    seen: BaseException | None = err
    while seen is not None:
        if type(seen).__name__ == "CannotOverwriteExistingCassetteException":
            pytest.fail(f"stale cassette: {seen}\nRe-record with `{RERECORD}`.", pytrace=False)
        seen = seen.__cause__ or seen.__context__
