"""ECB+-format reading, the coreference scorer, and ``factsift eval-coref``.

The fixture ``tests/data/ecb-tiny.jsonl`` was written for these tests: one topic,
two made-up floods in two towns, four short articles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from factsift._tools.cli import app
from factsift.factbase.ecb import mentions_of_topic, predict, read_topics, score, score_clusters
from tests.conftest import DATA

TINY = DATA / "ecb-tiny.jsonl"
runner = CliRunner()


def test_scores_match_hand_computed_values() -> None:
    # key {a b c} {d e}, response {a b} {c d e}: worked by hand from the definitions.
    key = [frozenset("abc"), frozenset("de")]
    resp = [frozenset("ab"), frozenset("cde")]
    s = score_clusters(key, resp)
    assert s.muc.recall == pytest.approx(2 / 3) and s.muc.precision == pytest.approx(2 / 3)
    assert s.b3.recall == pytest.approx(11 / 15) and s.b3.precision == pytest.approx(11 / 15)
    # CEAF-e: best alignment abc-ab (phi4 0.8) and de-cde (0.8), over 2 clusters a side.
    assert s.ceafe.recall == pytest.approx(0.8) and s.ceafe.precision == pytest.approx(0.8)
    assert s.conll_f1 == pytest.approx((2 / 3 + 11 / 15 + 0.8) / 3)


def test_degenerate_responses() -> None:
    key = [frozenset("abc"), frozenset("de"), frozenset("f")]
    singletons = score_clusters(key, [frozenset(x) for x in "abcdef"])
    assert singletons.muc.f1 == 0.0 and singletons.b3.precision == 1.0
    assert singletons.b3.recall == pytest.approx((3 * 1 / 3 + 2 * 1 / 2 + 1) / 6)
    assert singletons.ceafe.recall == pytest.approx((2 / 4 + 2 / 3 + 1) / 3)
    perfect = score_clusters(key, list(key))
    assert perfect.conll_f1 == pytest.approx(1.0)
    # CEAF-e aligns one to one: the all-in-one response matches only one key cluster.
    one = score_clusters(key, [frozenset("abcdef")])
    assert one.muc.recall == 1.0 and one.ceafe.precision == pytest.approx(2 * 3 / 9)


def test_predictions_never_read_gold_clusters_or_the_subtopic() -> None:
    topics = read_topics(TINY)
    first = predict(topics)
    scrambled: list[dict[str, Any]] = json.loads(json.dumps(topics))
    for n, event in enumerate(scrambled[0]["events"]):
        event["cluster"] = f"X{n % 2}"
        event["type"] = "NEG_ACTION_OCCURRENCE"
    for doc in scrambled[0]["documents"]:
        doc["subtopic"] = "ecbplus"
    assert predict(scrambled) == first


def test_mentions_carry_what_factsift_reads_in_the_text() -> None:
    topic = read_topics(TINY)[0]
    mentions, texts = mentions_of_topic(topic)
    assert len(mentions) == len(topic["events"])
    for m, e in zip(mentions, topic["events"], strict=True):
        assert m.trigger == e["trigger_text"] and m.trigger in m.sentence
        assert m.sentence in texts[m.doc]
    assert any("Marlowe" in m.participants for m in mentions)


def test_eval_coref_prints_the_scores_and_writes_the_clusters(tmp_path: Path) -> None:
    out = tmp_path / "pred.jsonl"
    result = runner.invoke(app, ["eval-coref", str(TINY), "-o", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("MUC", "B3", "CEAF-e", "CoNLL F1"):
        assert name in result.output
    gold = read_topics(TINY)
    predicted = read_topics(out)
    mentions = [(e["doc"], *e["trigger"]) for e in predicted[0]["events"]]
    assert mentions == [(e["doc"], *e["trigger"]) for e in gold[0]["events"]]
    clusters = {
        (e["doc"], e["trigger_text"], e["trigger"][0]): e["cluster"] for e in predicted[0]["events"]
    }
    marlowe = {
        c
        for (doc, word, _), c in clusters.items()
        if word.lower().startswith("flood") and doc in ("1_1", "1_2")
    }
    kestrel = {
        c for (doc, word, _), c in clusters.items() if word == "flood" and doc in ("1_3", "1_4")
    }
    assert len(marlowe) == 1 and len(kestrel) == 1 and marlowe != kestrel
    # The written file scores as the printed figures.
    as_json = runner.invoke(app, ["eval-coref", str(TINY), "--json"])
    scores = json.loads(as_json.output)
    assert scores["conll_f1"] == pytest.approx(score(predicted, gold).conll_f1)
    assert scores["conll_f1"] > score([{"topic": "1", "events": []}], gold).conll_f1


def test_eval_coref_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["eval-coref", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"topic": "1", "events": []}\n{not json\n', encoding="utf-8")
    result = runner.invoke(app, ["eval-coref", str(bad)])
    assert result.exit_code == 2
    assert "bad.jsonl:2" in result.output and "not valid JSON" in result.output
    bad.write_text('{"topic": "1", "events": [{"doc": "d", "trigger": "x"}]}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval-coref", str(bad)])
    assert result.exit_code == 2 and "bad.jsonl:1" in result.output and "trigger" in result.output
