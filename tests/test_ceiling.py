"""The pipeline's own ceiling: a perfect model, and what factsift still loses.

An oracle (tests/support/oracle.py) answers every window's request with the
gold items of that window, quoted exactly. Everything between its answer and
the score (prompt, HTTP, parsing, alignment, merging) is factsift's, so any
recall or precision below the target is a factsift bug, not a model's error.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

import factsift
from factsift import ArticleFacts, Extractor
from factsift._pipeline.documents import find_furniture
from factsift.evaluate import EvalReport, evaluate, load_gold, load_type_map
from tests.support.oracle import make_oracle
from tests.support.scripted_server import ScriptedServer

ROOT = Path(__file__).resolve().parents[1]
#: Gold files the project owns, written for its tests and examples (the dev files
#: in ../shared/eval are scored by bench/ceiling.py, not here).
GOLD = [ROOT / "tests" / "data" / "harbour-pact.gold.jsonl", ROOT / "examples" / "gold.jsonl"]
#: The default window (whole articles fit) and a small one: several windows, merged.
WINDOWS = [3000, 300]
RECALL = 0.98


class Run:
    """One gold file extracted through the oracle."""

    def __init__(self, gold: list[dict[str, Any]], window_tokens: int) -> None:
        type_map = load_type_map()
        oracle = make_oracle(gold, type_map)
        self.answers: list[dict[str, Any]] = []

        def responder(request: dict[str, Any]) -> dict[str, Any]:
            answer = oracle(request)
            self.answers.append(answer)
            return answer

        with (
            ScriptedServer(responder) as server,
            Extractor(
                "oracle",
                base_url=server.base_url,
                cache="off",
                max_attempts=1,
                mode="tools",
                window_tokens=window_tokens,
            ) as extractor,
        ):
            self.facts: list[ArticleFacts] = [
                extractor.extract(
                    factsift.Document(
                        id=g["id"],
                        text=g["text"],
                        furniture=find_furniture(g["text"]),
                        published=g.get("published"),
                    )
                )
                for g in gold
            ]
            self.requests = len(server.requests)
        self.report: EvalReport = evaluate(self.facts, gold, type_map=type_map)


@cache
def ceiling(window_tokens: int) -> Run:
    return Run([g for path in GOLD for g in load_gold(path)], window_tokens)


@pytest.mark.parametrize("window_tokens", WINDOWS)
def test_ceiling(window_tokens: int) -> None:
    run = ceiling(window_tokens)
    total = run.report.total
    assert total.claims is not None and total.events is not None
    claims, triggers = total.claims.matching, total.events.triggers
    assert claims.recall >= RECALL and claims.precision == 1.0, claims
    assert triggers.recall >= RECALL and triggers.precision == 1.0, triggers
    assert total.grounding.rate == 1.0
    assert total.grounding.in_boilerplate == 0
    # Attribution, kind, type and realis come through the pipeline untouched.
    assert total.claims.attribution.rate == 1.0
    assert total.claims.kind.rate == 1.0
    assert total.events.type is not None and total.events.type.rate == 1.0
    assert total.events.realis.rate == 1.0
    for facts in run.facts:
        assert not facts.rejected, facts.rejected
        assert not facts.warnings, facts.warnings


def test_small_windows_are_merged() -> None:
    run = ceiling(300)
    # Several windows per article, overlapping: the oracle repeats items that start
    # in the overlap, and the merge keeps one of each.
    assert run.requests > len(run.facts)
    emitted = sum(len(a["events"]) + len(a["claims"]) for a in run.answers)
    kept = sum(len(f.events) + len(f.claims) for f in run.facts)
    assert emitted > kept


def test_oracle_quotes_like_a_model() -> None:
    """Long spans are cut to the Quote limit at a word; a span past the window is clipped."""
    long_sentence = "The committee said " + "that the plan was sound and " * 20 + "fair."
    text = f"Officials met in Paris. {long_sentence} Nothing else happened."
    start = text.index("that the plan")
    gold = {
        "id": "synthetic",
        "text": text,
        "claims": [{"spans": [[start, len(text)]], "speaker": "The committee", "kind": "opinion"}],
        "events": [
            {
                "trigger": [text.index("met"), text.index("met") + 3],
                "type": "Contact.Meet",
                "arguments": [{"role": "Place", "span": [text.index("Paris"), text.index(".")]}],
            }
        ],
    }
    oracle = make_oracle([gold], load_type_map())
    prompt = (
        "Article id: synthetic\n<article>\n[1] Officials met in Paris.\n"
        f"[2] {long_sentence}\n</article>"
    )
    answer = oracle({"messages": [{"role": "user", "content": prompt}]})
    (claim,) = answer["claims"]
    (quote,) = claim["evidence"]
    assert quote["sentence"] == 2
    assert len(quote["text"]) <= 400 and text[start:].startswith(quote["text"])
    assert text[start + len(quote["text"])] == " "  # cut between words
    assert claim["attribution"] == {"source_type": "person", "name": "The committee"}
    (event,) = answer["events"]
    assert event["type"] == "meet" and event["realis"] == "occurred"
    assert event["trigger"] == {"sentence": 1, "text": "met"}
    assert event["location"] == {"sentence": 1, "text": "Paris"}
    assert event["evidence"] == [{"sentence": 1, "text": "Officials met in Paris."}]
