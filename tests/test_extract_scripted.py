"""End to end through openai + instructor over HTTP, replayed from cassettes.

The cassettes were recorded from the scripted rule-based model
(tests/support/rule_model.py), which quotes the way models do: mostly
exactly, sometimes with other quote characters or case, sometimes with a
typo, and sometimes with words that are not in the article at all.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from factsift import ArticleFacts, CacheMissError, Extractor, LLMError, Span
from tests.conftest import ARTICLE, DATA, EXAMPLES, assert_grounded, explain_stale

pytestmark = pytest.mark.vcr


def run(url: str, cache_dir: Path, article: Any, **options: Any) -> ArticleFacts:
    options.setdefault("max_attempts", 1)
    published = options.pop("published", None)
    with Extractor("scripted", base_url=url, cache_dir=cache_dir, **options) as extractor:
        try:
            return extractor.extract(article, published=published)
        except LLMError as err:
            explain_stale(err)
            raise


def test_article_is_grounded_reasked_and_dated(scripted_url: str, tmp_path: Path) -> None:
    facts = run(scripted_url, tmp_path, ARTICLE, published="2023-03-30")

    assert_grounded(facts)
    assert facts.claims and facts.events
    kinds = Counter(span.alignment.value for span in facts.spans())
    assert kinds["exact"] and kinds["normalized"] and kinds["fuzzy"], kinds
    # The fabricated quote was sent back once and withdrawn: two calls, nothing rejected.
    assert facts.usage.calls == 2
    assert not facts.rejected
    assert not any("assassinated" in c.statement for c in facts.claims)
    # Nothing from the page furniture at the end.
    furniture = facts.text.index("Exit mobile version")
    assert all(span.end <= furniture for span in facts.spans())
    # A thwarted attack is an event that did not occur.
    thwarted = [e for e in facts.events if e.trigger.text == "thwarted"]
    assert thwarted and thwarted[0].realis.value == "prevented"
    # Relative times are resolved against the publication date.
    times = {c.time.span.text: c.time.normalized for c in facts.claims if c.time}
    assert times["earlier this year"] == "2023-01-01/2023-03-30"
    assert facts.prompt.name == "extract" and len(facts.prompt.sha256) == 64
    assert facts.usage.prompt_tokens > 0


def test_rerun_is_served_from_the_cache_and_identical(
    scripted_url: str, tmp_path: Path, vcr: Any
) -> None:
    first = run(scripted_url, tmp_path, ARTICLE)
    played = vcr.play_count
    second = run(scripted_url, tmp_path, ARTICLE)

    assert vcr.play_count == played, "the second run sent requests"
    assert second.cached and not first.cached
    assert second.usage.cached_calls == second.usage.calls == first.usage.calls
    assert second.claims == first.claims
    assert second.events == first.events
    assert second.rejected == first.rejected


def test_offline_mode_replays_from_the_cache(scripted_url: str, tmp_path: Path) -> None:
    first = run(scripted_url, tmp_path, ARTICLE)
    offline = run(scripted_url, tmp_path, ARTICLE, cache="offline")
    assert offline.claims == first.claims and offline.cached
    # The endpoint is part of the key: the same request to another server is a miss.
    with pytest.raises(CacheMissError, match="offline cache mode"):
        run("http://127.0.0.1:1/v1", tmp_path, ARTICLE, cache="offline")


def test_prompt_injection_is_data_not_instructions(scripted_url: str, tmp_path: Path) -> None:
    facts = run(scripted_url, tmp_path, DATA / "injection.txt")

    assert_grounded(facts)
    assert ArticleFacts.model_validate_json(facts.model_dump_json()) == facts
    # The scripted model obeys the injection and invents a claim; it never reaches the user.
    assert any("not in the article" in r for rej in facts.rejected for r in rej.reasons)
    assert not any("bankrupt" in c.statement for c in facts.claims)
    assert any("rejected" in w for w in facts.warnings)


def test_long_article_is_windowed_and_merged(scripted_url: str, tmp_path: Path) -> None:
    facts = run(scripted_url, tmp_path, EXAMPLES / "climate-summit-long.txt", window_tokens=1500)

    assert_grounded(facts)
    assert facts.usage.calls >= 5  # several windows
    anchors = [(c.evidence[0].start, c.evidence[0].end) for c in facts.claims]
    assert len(anchors) == len(set(anchors)), "overlapping windows left duplicates"
    assert anchors == sorted(anchors)
    triggers = [(e.type, e.trigger.start) for e in facts.events]
    assert len(triggers) == len(set(triggers))
    # Sentences from the end of the article made it through.
    assert max(a[1] for a in anchors) > len(facts.text) * 0.9


class Mention(BaseModel):
    """A named participant in the story."""

    name: str
    mention: Span


class People(BaseModel):
    """Custom schema: the people an article names."""

    people: list[Mention]
    headline: Span | None = None


def _people_model(request: dict[str, Any]) -> dict[str, Any]:  # used when recording
    import re

    text = next(m["content"] for m in request["messages"] if m["role"] == "user")
    names = re.findall(r"\b(?:Foreign Minister|President) ((?:[A-Z]\w+ ){1,2}[A-Z]\w+)", text)
    people = [{"name": n, "mention": {"text": n}} for n in names]
    people.append({"name": "Nobody", "mention": {"text": "Karl Osterberg"}})
    return {"people": people, "headline": {"sentence": 1, "text": "Harbour Pact"}}


def test_custom_schema_gets_the_same_grounding(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from tests.conftest import recording

    url = "http://127.0.0.1:9/v1"
    if recording(request.config):
        from tests.support.scripted_server import ScriptedServer

        server = ScriptedServer(_people_model).__enter__()
        request.addfinalizer(lambda: server.__exit__(None, None, None))
        url = server.base_url
    facts = run(url, tmp_path, ARTICLE, schema=People)

    assert_grounded(facts)
    people = facts.parse(People)
    assert [p.name for p in people.people] == ["Elsa Marken", "Tomas Ruvik"]
    assert people.headline is not None and people.headline.text == "Harbour Pact"
    assert [r.field for r in facts.rejected] == ["people"]
    assert "Karl Osterberg" in facts.rejected[0].reasons[0]


def test_html_page_yields_no_facts_from_page_furniture(scripted_url: str, tmp_path: Path) -> None:
    facts = run(scripted_url, tmp_path, EXAMPLES / "hospital-opening.html")

    assert_grounded(facts)
    assert facts.claims
    quoted = " ".join(span.text for span in facts.spans()).lower()
    assert "cookie" not in quoted and "share on" not in quoted
    assert facts.published is not None


def test_a_copy_of_the_article_elsewhere_is_still_found(scripted_url: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    shutil.copy(ARTICLE, copy)
    facts = run(scripted_url, tmp_path / "cache", copy)
    assert facts.id == "copy" and facts.source == str(copy)
    assert_grounded(facts)
