"""End to end against llama.cpp's own HTTP server serving the bundled model.

Recorded from a real server: ``scripts/record-cassettes`` starts llama.cpp's
server (through xllamacpp) with SmolLM2-135M-Instruct on 127.0.0.1 and runs
these tests in record mode. On replay no server, model or network is used.
What a 135M model answers is poor; what these tests check is what factsift
promises whatever the model says: a valid result, every span grounded,
nothing from page furniture, and an identical cached re-run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factsift import ArticleFacts, Extractor, LLMError
from tests.conftest import ARTICLE, DATA, assert_grounded, explain_stale, recording

pytestmark = pytest.mark.vcr
SERVED_MODEL = "SmolLM2-135M-Instruct"


@pytest.fixture(scope="module")
def llama_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """llama.cpp's server on 127.0.0.1 when recording; a placeholder URL on replay."""
    if not recording(request.config):
        yield "http://127.0.0.1:9/v1"
        return
    import xllamacpp

    from factsift._edges.local import bundled_model_path

    params = xllamacpp.CommonParams()
    params.model.path = str(bundled_model_path())
    params.n_ctx = 4096
    params.sampling.temp = 0.0
    params.verbosity = 0
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    server = xllamacpp.Server(params)
    yield server.listening_address.rstrip("/") + "/v1"


def run(url: str, cache: Path, article: Any, **options: Any) -> ArticleFacts:
    options.setdefault("strategy", "sentence")
    # Recording runs the real model on CPU: give a slow machine time (replay is instant).
    options.setdefault("timeout", 900.0)
    # The model is asked nothing by default; these tests are about asking it.
    options.setdefault("decisions", ("kind",))
    with Extractor(
        SERVED_MODEL, base_url=url, mode="json_schema", cache_dir=cache, max_attempts=1, **options
    ) as extractor:
        try:
            return extractor.extract(article)
        except LLMError as err:
            explain_stale(err)
            raise


def test_article_from_the_real_server(llama_server: str, tmp_path: Path, vcr: Any) -> None:
    facts = run(llama_server, tmp_path, ARTICLE)

    assert ArticleFacts.model_validate_json(facts.model_dump_json()) == facts
    assert_grounded(facts)
    assert facts.claims and facts.usage.calls >= 10
    furniture = facts.text.index("Exit mobile version")
    assert all(span.end <= furniture for span in facts.spans())

    played = vcr.play_count
    again = run(llama_server, tmp_path, ARTICLE)
    assert vcr.play_count == played and again.cached
    assert (again.claims, again.events, again.rejected) == (
        facts.claims,
        facts.events,
        facts.rejected,
    )


def test_injection_article_from_the_real_server(llama_server: str, tmp_path: Path) -> None:
    facts = run(llama_server, tmp_path, DATA / "injection.txt")
    assert_grounded(facts)
    assert not any("cheese" in c.statement.lower() and not c.evidence for c in facts.claims)


def test_whole_article_answers_of_a_tiny_model_never_leak_inventions(
    llama_server: str, tmp_path: Path
) -> None:
    """The chunk strategy on a 135M model: whatever it invents is rejected, not returned."""
    try:
        facts = run(llama_server, tmp_path, ARTICLE, strategy="chunk", max_tokens=700)
    except LLMError as err:  # an answer cut off or malformed even after the re-ask
        assert "did not fit the schema" in str(err) or "no window" in str(err)
        return
    assert_grounded(facts)
    for rejected in facts.rejected:
        assert rejected.reasons
