"""End to end: free text a hostile model plants behind real quotes never reaches the user.

The scripted server answers with ``planting_model`` (tests/support/rule_model.py):
every quote is a real sentence of the article, but some claims carry an invented
statement or a swapped number, a speaker name or an entity the article never
mentions, and every event participant gets a sentence for a role. It keeps
planting when re-asked.
"""

from __future__ import annotations

from typing import Any

import pytest

from factsift import ArticleFacts, Document, Extractor, load_documents
from tests.conftest import EXAMPLES, assert_grounded
from tests.support.rule_model import (
    PLANTED_ENTITY,
    PLANTED_NAME,
    PLANTED_ROLE,
    PLANTED_STATEMENT,
    planting_model,
)
from tests.support.scripted_server import ScriptedServer

DOCS = [d for d in load_documents([EXAMPLES]) if isinstance(d, Document)]


@pytest.fixture(scope="module")
def planted() -> tuple[list[ArticleFacts], list[dict[str, Any]]]:
    with (
        ScriptedServer(planting_model) as server,
        Extractor("scripted", base_url=server.base_url, cache="off", max_attempts=1) as extractor,
    ):
        return [extractor.extract(doc) for doc in DOCS], server.requests


def test_planted_statements_are_rejected_with_reasons(
    planted: tuple[list[ArticleFacts], list[dict[str, Any]]],
) -> None:
    results, _ = planted
    rejected_statements: list[str] = []
    for facts in results:
        assert_grounded(facts)
        for claim in facts.claims:
            # The scripted model's honest statements are sentences of the article.
            assert claim.statement in facts.text, claim.statement
            assert claim.support == 1.0, claim
        for item in facts.rejected:
            if item.field == "claims" and item.item["statement"] not in facts.text:
                assert any("statement" in reason for reason in item.reasons), item.reasons
                rejected_statements.append(item.item["statement"])
    assert PLANTED_STATEMENT in rejected_statements
    # A number swapped in a real sentence is caught too, with its reason.
    swapped = [
        r
        for facts in results
        for r in facts.rejected
        if r.item["statement"] != PLANTED_STATEMENT and r.item["statement"] not in facts.text
    ]
    assert swapped
    assert all("number" in r.reasons[0] for r in swapped), [r.reasons for r in swapped]
    assert sum(len(f.claims) for f in results) >= 10  # honest claims survive


def test_the_model_is_told_why_once(
    planted: tuple[list[ArticleFacts], list[dict[str, Any]]],
) -> None:
    results, requests = planted
    reasks = [
        str(m["content"])
        for r in requests
        for m in r["messages"]
        if "statements say what their evidence does not" in str(m.get("content"))
    ]
    assert reasks and any("'moon' is not in its evidence" in m for m in reasks)
    # Each window is asked, re-asked once, and then its planted items are rejected.
    assert all(f.usage.calls >= 2 and f.usage.calls % 2 == 0 for f in results)


def test_planted_names_entities_and_roles_are_dropped(
    planted: tuple[list[ArticleFacts], list[dict[str, Any]]],
) -> None:
    results, _ = planted
    names = entities = roles = 0
    for facts in results:
        for claim in facts.claims:
            assert claim.attribution.name != PLANTED_NAME
            assert claim.attribution.name is None or claim.attribution.name in facts.text
            assert PLANTED_ENTITY not in claim.entities
            assert all(e in facts.text for e in claim.entities)
            entities += len(claim.entities)
            names += claim.attribution.name is not None
        for event in facts.events:
            assert all(p.role != PLANTED_ROLE for p in event.participants)
            roles += len(event.participants)
        warned = " ".join(facts.warnings)
        if facts.claims:
            assert PLANTED_ENTITY in warned
    assert any(PLANTED_NAME in w for f in results for w in f.warnings)
    # The honest names and entities stay.
    assert names and entities and roles
