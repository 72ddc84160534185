"""The scorer: matching, the layers gold leaves out, grounding, and gold against itself.

Gold scored against a prediction built from itself must give 1.0 everywhere;
otherwise a model's score would mix its own errors with the scorer's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from factsift import ArticleFacts, EventType
from factsift._edges.results import ResultsWarning
from factsift.evaluate import (
    EvalReport,
    _gold_as_prediction,
    evaluate,
    load_gold,
    load_ontology,
    load_predictions,
    load_type_map,
    map_type,
    normalize_speaker,
    ontology_types,
    overlap,
)

ROOT = Path(__file__).resolve().parents[1]
#: Gold files the project owns (the shared dev files are for bench/, not tests).
PACT = ROOT / "tests" / "data" / "harbour-pact.gold.jsonl"
EXAMPLE_GOLD = ROOT / "examples" / "gold.jsonl"
GOLD_FILES = [PACT, EXAMPLE_GOLD]

TEXT = (
    "MENU Share this\n"
    "The minister met the president in Baku on Monday. "
    "Officials said the talks went well. "
    "A bomb exploded near the embassy, killing two."
)


def at(fragment: str, text: str = TEXT) -> list[int]:
    """[start, end] of the first occurrence: gold offsets without counting by hand."""
    start = text.index(fragment)
    return [start, start + len(fragment)]


def span(fragment: str, text: str = TEXT) -> dict[str, Any]:
    start, end = at(fragment, text)
    return {"start": start, "end": end, "text": fragment}


def gold_doc(**layers: Any) -> dict[str, Any]:
    return {"id": "doc", "text": TEXT, "published": None, "source": "test", **layers}


def claim(*fragments: str, speaker: str | None = None, **extra: Any) -> dict[str, Any]:
    attribution: dict[str, Any] = {
        "source_type": "author" if speaker is None else "person",
        "name": speaker,
    }
    return {
        "statement": " ".join(fragments),
        "kind": "fact",
        "certainty": "asserted",
        "attribution": attribution,
        "evidence": [span(f) for f in fragments],
        **extra,
    }


def event(trigger: str, *args: str, type_: str = "other", **extra: Any) -> dict[str, Any]:
    return {
        "type": type_,
        "trigger": span(trigger),
        "participants": [{"role": "participant", "span": span(a)} for a in args],
        "location": None,
        "time": None,
        "realis": "occurred",
        "evidence": [span(trigger)],
        **extra,
    }


def prediction(**layers: Any) -> dict[str, Any]:
    return {"id": "doc", "text": TEXT, "claims": [], "events": [], **layers}


# --------------------------------------------------------------------------- overlap


def test_overlap_counts_characters_in_common_between_unions() -> None:
    assert overlap([(0, 10)], [(5, 15)]) == 5
    assert overlap([(0, 10)], [(10, 20)]) == 0
    # Overlapping spans on one side are not counted twice.
    assert overlap([(0, 10), (5, 12)], [(0, 20)]) == 12
    assert overlap([(0, 3), (10, 13)], [(2, 11)]) == 2


# --------------------------------------------------------------------------- claims


def test_partial_overlap_matches() -> None:
    gold = [gold_doc(claims=[{"spans": [at("the talks went well")], "speaker": "Officials"}])]
    pred = prediction(claims=[claim("talks went", speaker="officials")])
    total = evaluate([pred], gold).total
    assert total.claims is not None
    assert total.claims.matching.f1 == 1.0
    assert total.claims.attribution.rate == 1.0


def test_attributed_claims_need_overlap_and_the_same_speaker() -> None:
    gold = [
        gold_doc(
            claims=[
                {"spans": [at("the talks went well")], "speaker": "Officials"},
                {"spans": [at("A bomb exploded")], "speaker": "the police"},
                {"spans": [at("The minister met the president")], "speaker": None},
            ]
        )
    ]
    pred = prediction(
        claims=[
            claim("talks went well", speaker="The officials"),  # hit: same speaker, normalised
            claim("A bomb exploded", speaker="witnesses"),  # overlap, wrong speaker: no hit
            claim("The minister met", speaker=None),  # article's voice: not counted
            claim("near the embassy", speaker="police"),  # speaker right, no overlap
        ]
    )
    attributed = evaluate([pred], gold).total.claims.attributed  # type: ignore[union-attr]
    assert (attributed.matched, attributed.predicted, attributed.gold) == (1, 3, 2)
    assert attributed.precision == pytest.approx(1 / 3)
    assert attributed.recall == pytest.approx(1 / 2)


def test_attributed_claims_show_in_the_table_and_json() -> None:
    gold = [gold_doc(claims=[{"spans": [at("the talks went well")], "speaker": "Officials"}])]
    report = evaluate([prediction(claims=[claim("talks went", speaker="officials")])], gold)
    assert "attr F1" in report.format_table().splitlines()[0]
    assert report.to_dict()["total"]["claims"]["attributed"]["f1"] == 1.0


def test_two_predictions_on_one_gold_give_one_match() -> None:
    gold = [gold_doc(claims=[{"spans": [at("The minister met the president")], "speaker": None}])]
    pred = prediction(claims=[claim("The minister met"), claim("The minister met the president")])
    counts = evaluate([pred], gold).total.claims
    assert counts is not None
    assert (counts.matching.matched, counts.matching.predicted, counts.matching.gold) == (1, 2, 1)
    assert counts.matching.precision == 0.5
    assert counts.matching.recall == 1.0


def test_best_overlap_wins_over_order() -> None:
    """The bigger overlap is paired first, so the second gold claim is not stolen."""
    gold = [
        gold_doc(
            claims=[
                {"spans": [at("The minister met the president")], "speaker": None},
                {"spans": [at("in Baku on Monday")], "speaker": None},
            ]
        )
    ]
    wide = claim("the president in Baku on Monday")  # 13 chars on gold 1, 17 on gold 2
    narrow = claim("The minister met")  # 16 chars on gold 1 only
    counts = evaluate([prediction(claims=[wide, narrow])], gold).total.claims
    assert counts is not None
    assert counts.matching.matched == 2


def test_attribution_normalises_case_punctuation_and_articles() -> None:
    assert normalize_speaker("The Kremlin,") == normalize_speaker("kremlin")
    assert normalize_speaker("“an official”") == "official"
    assert normalize_speaker(None) is None
    gold = [
        gold_doc(
            claims=[
                {"spans": [at("Officials said the talks went well")], "speaker": None},
                {"spans": [at("A bomb exploded")], "speaker": "police"},
            ]
        )
    ]
    named_for_author = claim("Officials said the talks went well", speaker="Officials")
    author_for_named = claim("A bomb exploded")
    scores = evaluate([prediction(claims=[named_for_author, author_for_named])], gold)
    assert scores.total.claims is not None
    assert scores.total.claims.attribution.total == 2
    assert scores.total.claims.attribution.agree == 0


def test_unnamed_source_falls_back_to_its_mention() -> None:
    gold = [gold_doc(claims=[{"spans": [at("the talks went well")], "speaker": "officials"}])]
    unnamed = claim("the talks went well")
    unnamed["attribution"] = {
        "source_type": "unknown",
        "name": None,
        "speaker": span("Officials"),
        "cue": span("said"),
    }
    claims = evaluate([prediction(claims=[unnamed])], gold).total.claims
    assert claims is not None
    assert claims.attribution.rate == 1.0


def test_kind_agreement_reads_hedged_from_certainty() -> None:
    gold = [
        gold_doc(
            claims=[
                {"spans": [at("the talks went well")], "speaker": None, "kind": "hedged"},
                {"spans": [at("A bomb exploded")], "speaker": None, "kind": "opinion"},
            ]
        )
    ]
    hedged = claim("the talks went well", certainty="hedged")
    fact = claim("A bomb exploded")
    claims = evaluate([prediction(claims=[hedged, fact])], gold).total.claims
    assert claims is not None
    assert (claims.kind.agree, claims.kind.total) == (1, 2)


# --------------------------------------------------------------------------- events


def test_events_triggers_arguments_type_and_realis() -> None:
    gold = [
        gold_doc(
            events=[
                {
                    "trigger": at("met"),
                    "trigger_text": "met",
                    "type": "Contact.Contact.Meet",
                    "realis": "occurred",
                    "arguments": [
                        {"role": "Participant", "span": at("The minister"), "text": "The minister"},
                        {"role": "Place", "span": at("Baku"), "text": "Baku"},
                    ],
                },
                {
                    "trigger": at("exploded"),
                    "trigger_text": "exploded",
                    "type": "Conflict.Attack.SomethingNew",
                    "realis": "prevented",
                    "arguments": [],
                },
            ]
        )
    ]
    met = event("met", "minister", "the president", type_="meet")
    met["location"] = span("in Baku")
    exploded = event("bomb exploded", type_="attack")  # realis "occurred" vs gold "prevented"
    stray = event("killing")
    report = evaluate([prediction(events=[met, exploded, stray])], gold, type_map=load_type_map())
    events = report.total.events
    assert events is not None
    assert (events.triggers.matched, events.triggers.predicted, events.triggers.gold) == (2, 3, 2)
    # Arguments are counted within matched pairs: 3 predicted for "met", 2 gold, 2 matched.
    assert (events.arguments.matched, events.arguments.predicted, events.arguments.gold) == (
        2,
        3,
        2,
    )
    assert events.arguments_all.predicted == 3
    # "Conflict.Attack.SomethingNew" maps by its prefix "Conflict.Attack".
    assert events.type is not None
    assert (events.type.agree, events.type.total) == (2, 2)
    assert (events.realis.agree, events.realis.total) == (1, 2)


def test_type_agreement_is_none_without_a_map_and_counts_unmapped() -> None:
    gold = [
        gold_doc(events=[{"trigger": at("met"), "type": "Made.Up", "arguments": []}]),
    ]
    pred = prediction(events=[event("met")])
    without = evaluate([pred], gold).total.events
    assert without is not None and without.type is None
    with_map = evaluate([pred], gold, type_map={"Contact": "meet"}).total.events
    assert with_map is not None and with_map.type is not None
    assert with_map.type.total == 0
    assert with_map.type_unmapped == 1


def test_events_of_a_type_outside_the_gold_ontology_are_not_scored() -> None:
    # The gold annotates meetings and attacks only: the "talks" it could never have
    # marked as a vote are left out, on either side of the score; the out-of-scope
    # prediction that does overlap a gold trigger is left out too.
    gold = [
        gold_doc(
            events=[
                {"trigger": at("met"), "type": "Contact.Contact.Meet", "arguments": []},
                {"trigger": at("exploded"), "type": "Conflict.Attack.X", "arguments": []},
            ]
        )
    ]
    table = {"Contact.Contact.Meet": "meet", "Conflict.Attack": "attack", "Government": "vote"}
    ontology = ["Contact.Contact.Meet", "Conflict.Attack.X"]
    pred = prediction(
        events=[
            event("met", type_="meet"),
            event("talks", type_="vote"),
            event("exploded", type_="vote"),
            event("killing", type_="attack"),
        ]
    )
    everything = evaluate([pred], gold, type_map=table).total.events
    assert everything is not None
    assert (everything.triggers.matched, everything.triggers.predicted) == (2, 4)
    scoped = evaluate([pred], gold, type_map=table, ontology=ontology)
    events = scoped.total.events
    assert events is not None
    assert (events.triggers.matched, events.triggers.predicted, events.triggers.gold) == (1, 2, 2)
    assert events.unscored == 2
    assert scoped.ontology and scoped.to_dict()["total"]["events"]["unscored"] == 2
    assert "2 predicted events of types the gold ontology lacks" in scoped.format_table()
    with pytest.raises(ValueError, match="type map"):
        evaluate([pred], gold, ontology=ontology)


def test_wikievents_ontology_leaves_out_votes_and_keeps_what_it_annotates() -> None:
    types = load_ontology("wikievents")
    assert "Conflict.Attack.DetonateExplode" in types
    assert not any(t.startswith("Government.") for t in types)
    scored = ontology_types(types, load_type_map())
    assert {"attack", "death", "injury", "arrest", "meet", "statement", "other"} <= scored
    assert "vote" not in scored and "agreement" not in scored


def test_an_ontology_file_is_a_list_or_an_object_with_types(tmp_path: Path) -> None:
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(["Life.Die"]), encoding="utf-8")
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"types": ["Life.Die"]}), encoding="utf-8")
    assert load_ontology(listed) == load_ontology(wrapped) == {"Life.Die"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Life.Die": "death"}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.json"):
        load_ontology(bad)


def test_map_type_prefers_the_longest_prefix() -> None:
    table = {"Conflict": "other", "Conflict.Attack": "attack", "Life.Die.Unspecified": "death"}
    assert map_type("Conflict.Attack.Unspecified", table) == "attack"
    assert map_type("Conflict.Demonstrate", table) == "other"
    assert map_type("Life.Die.Unspecified", table) == "death"
    assert map_type("Life.Die.Other", table) is None


# --------------------------------------------------------------------------- layers and documents


def test_empty_predictions_score_zero() -> None:
    gold = [
        gold_doc(
            claims=[{"spans": [at("the talks went well")], "speaker": None}],
            events=[{"trigger": at("met"), "type": "Contact.Meet", "arguments": []}],
        )
    ]
    for preds in ([], [prediction()]):
        report = evaluate(preds, gold)
        claims, events = report.total.claims, report.total.events
        assert claims is not None and events is not None
        assert (claims.matching.precision, claims.matching.recall, claims.matching.f1) == (0, 0, 0)
        assert (events.triggers.precision, events.triggers.recall, events.triggers.f1) == (0, 0, 0)
        assert claims.attribution.rate is None
    assert evaluate([], gold).per_document[0].status == "missing"
    assert evaluate([], gold).missing == 1


def test_a_layer_absent_from_gold_is_not_scored() -> None:
    gold = [gold_doc(events=[{"trigger": at("met"), "type": "Contact.Meet", "arguments": []}])]
    pred = prediction(claims=[claim("the talks went well")], events=[event("met")])
    report = evaluate([pred], gold)
    assert report.per_document[0].claims is None
    assert report.total.claims is None
    assert report.total.events is not None
    assert report.to_dict()["total"]["claims"] is None
    # The claims still count for grounding: they are predictions all the same.
    assert report.total.grounding.spans == 3  # claim evidence; event trigger and evidence


def test_total_has_claims_when_any_document_has_them() -> None:
    with_claims = gold_doc(claims=[{"spans": [at("the talks went well")], "speaker": None}])
    without = {**gold_doc(events=[]), "id": "other", "text": TEXT + " "}
    report = evaluate([prediction(claims=[claim("the talks went well")])], [with_claims, without])
    assert report.total.claims is not None
    assert report.total.claims.matching.f1 == 1.0
    assert report.per_document[1].claims is None


def test_ungrounded_span_lowers_the_grounding_rate() -> None:
    bad = claim("the talks went well")
    bad["evidence"].append({"start": 0, "end": 4, "text": "nope"})
    report = evaluate([prediction(claims=[bad])], [gold_doc(claims=[])])
    assert report.total.grounding.spans == 2
    assert report.total.grounding.grounded == 1
    assert report.total.grounding.rate == 0.5


def test_nested_spans_are_checked_for_grounding() -> None:
    quoted = claim("the talks went well")
    quoted["attribution"]["cue"] = span("said")
    quoted["attribution"]["speaker"] = {"start": 0, "end": 9, "text": "Officials"}  # wrong place
    met = event("met", "The minister")
    met["time"] = {"span": span("on Monday"), "normalized": None}
    report = evaluate([prediction(claims=[quoted], events=[met])], [gold_doc()])
    grounding = report.total.grounding
    assert grounding.spans == 7  # evidence, cue, speaker; trigger, participant, time, evidence
    assert grounding.spans - grounding.grounded == 1


def test_prediction_in_boilerplate_is_counted() -> None:
    gold = [gold_doc(claims=[], boilerplate=[at("MENU Share this")])]
    furniture = claim("Share this")
    fine = claim("the talks went well")
    met = event("met")
    met["participants"] = [{"role": "agent", "span": span("MENU")}]
    report = evaluate([prediction(claims=[furniture, fine], events=[met])], gold)
    assert report.total.grounding.in_boilerplate == 2


def test_documents_pair_by_id_then_by_text() -> None:
    gold = [gold_doc(claims=[{"spans": [at("the talks went well")], "speaker": None}])]
    renamed = {**prediction(claims=[claim("the talks went well")]), "id": "article.txt"}
    stray = {**prediction(), "id": "elsewhere", "text": "Something else."}
    report = evaluate([renamed, stray, renamed], gold)
    assert report.total.claims is not None and report.total.claims.matching.f1 == 1.0
    assert report.unmatched_predictions == 1
    assert report.duplicate_predictions == 1
    assert report.predictions == 3


def test_error_records_score_as_empty_and_are_counted() -> None:
    gold = [gold_doc(claims=[{"spans": [at("the talks went well")], "speaker": None}])]
    report = evaluate([{"id": "doc", "source": "x", "error": "LLMError: timed out"}], gold)
    row = report.per_document[0]
    assert (row.status, row.error) == ("error", "LLMError: timed out")
    assert report.errors == 1
    assert row.claims is not None and row.claims.matching.recall == 0.0
    assert "!" in report.format_table()


def test_text_mismatch_is_flagged() -> None:
    pred = {**prediction(), "text": TEXT.upper()}
    report = evaluate([pred], [gold_doc(claims=[])])
    assert report.per_document[0].text_mismatch


def test_article_facts_objects_are_accepted() -> None:
    gold = [gold_doc(claims=[{"spans": [at("the talks went well")], "speaker": None}])]
    facts = ArticleFacts.model_validate(
        {
            **_gold_as_prediction(gold[0]),
            "claims": [claim("the talks went well")],
        }
    )
    report = evaluate([facts], gold)
    assert report.total.claims is not None and report.total.claims.matching.f1 == 1.0
    assert report.total.grounding.rate == 1.0


def test_report_renders_and_serialises() -> None:
    gold = [gold_doc(claims=[{"spans": [at("the talks went well")], "speaker": None}])]
    report = evaluate([prediction(claims=[claim("the talks went well")])], gold)
    table = report.format_table()
    assert "TOTAL" in table and "doc" in table
    assert table.splitlines()[2].split()[1:4] == ["1.000", "1.000", "1.000"]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["total"]["claims"]["matching"]["f1"] == 1.0
    assert data["total"]["events"] is None
    assert data["per_document"][0]["id"] == "doc"


def test_loaders_keep_error_records(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    lines = [json.dumps(prediction()), "", json.dumps({"id": "b", "source": "b", "error": "x"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = load_predictions(path)
    assert [r["id"] for r in records] == ["doc", "b"]
    assert load_gold(path) == records
    # One policy for every reader of results: a bad line is skipped and named.
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.warns(ResultsWarning, match=r"1 line\(s\).*: 1 \(not a JSON object\)"):
        assert load_predictions(path) == []


# --------------------------------------------------------------------------- the mapping


def test_shipped_type_map_targets_factsift_types() -> None:
    table = load_type_map()
    assert {"Conflict.Attack.DetonateExplode", "Life.Die.Unspecified"} <= table.keys()
    assert set(table.values()) <= {t.value for t in EventType}
    assert table["Contact.Contact.Broadcast"] == "statement"
    assert table["Justice.ArrestJailDetain.Unspecified"] == "arrest"


# --------------------------------------------------------------------------- the real gold files


def _gold(path: Path) -> list[dict[str, Any]]:
    return load_gold(path)


@pytest.mark.parametrize("name", GOLD_FILES, ids=lambda p: p.name)
def test_every_gold_type_is_mapped(name: Path) -> None:
    table = load_type_map()
    types = {e["type"] for doc in _gold(name) for e in doc.get("events", [])}
    assert types
    assert {t for t in types if map_type(t, table) is None} == set()


@pytest.mark.parametrize("name", GOLD_FILES, ids=lambda p: p.name)
def test_gold_as_prediction_is_a_grounded_article_facts(name: Path) -> None:
    table = load_type_map()
    for doc in _gold(name):
        facts = ArticleFacts.model_validate(_gold_as_prediction(doc, type_map=table))
        for s in facts.spans():
            assert facts.text[s.start : s.end] == s.text


def _assert_perfect(report: EvalReport, *, claims: bool, realis: bool) -> None:
    total = report.total
    assert total.grounding.rate == 1.0
    assert total.grounding.in_boilerplate == 0
    if claims:
        assert total.claims is not None
        assert total.claims.matching.f1 == 1.0
        assert total.claims.attribution.rate == 1.0
        assert total.claims.kind.rate == 1.0
    else:
        assert total.claims is None
    events = total.events
    assert events is not None
    assert (events.triggers.precision, events.triggers.recall) == (1.0, 1.0)
    assert events.triggers.f1 == 1.0
    assert (events.arguments.precision, events.arguments.recall) == (1.0, 1.0)
    assert events.arguments_all.f1 == 1.0
    assert events.type is not None and events.type.rate == 1.0
    assert events.type_unmapped == 0
    assert events.realis.rate == (1.0 if realis else None)
    for row in report.per_document:
        assert row.status == "ok" and not row.text_mismatch
        if row.claims is not None:
            assert row.claims.matching.f1 == 1.0
        assert row.events is not None
        assert row.events.triggers.f1 == 1.0


def test_article_gold_against_itself_is_perfect() -> None:
    gold = _gold(PACT)
    table = load_type_map()
    report = evaluate((_gold_as_prediction(g, type_map=table) for g in gold), gold, type_map=table)
    _assert_perfect(report, claims=True, realis=True)
    assert report.total.claims is not None and report.total.claims.matching.gold == 18
    assert report.total.events is not None and report.total.events.triggers.gold == 6


def test_example_gold_against_itself_is_perfect() -> None:
    gold = _gold(EXAMPLE_GOLD)
    table = load_type_map()
    report = evaluate([_gold_as_prediction(g, type_map=table) for g in gold], gold, type_map=table)
    _assert_perfect(report, claims=True, realis=True)
    assert report.total.events is not None and report.total.events.triggers.gold == 11
