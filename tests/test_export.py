"""Flat tables: the rows, CSV and Parquet round trips, and the optional extra."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from factsift import (
    Alignment,
    ArticleFacts,
    Attribution,
    Certainty,
    Claim,
    ClaimKind,
    ConfigError,
    Event,
    EventType,
    InputError,
    Participant,
    PromptInfo,
    Realis,
    Rejected,
    SourceType,
    Span,
    TimeRef,
    Usage,
)
from factsift._edges.results import ResultsWarning
from factsift.export import COLUMNS, TABLES, rows, to_frames, write_tables

# Commas, quotes and a newline: what naive CSV writers break on.
TEXT_A = (
    'Officials said on Monday, "the talks, in Tallinn, went well."\n'
    "Ortiz met Keller in Tallinn on Monday."
)
TEXT_B = "The plant opened on 3 March."


def _span(text: str, quote: str, **extra: Any) -> Span:
    start = text.index(quote)
    return Span(start=start, end=start + len(quote), text=quote, **extra)


def _facts(doc_id: str, text: str, **fields: Any) -> ArticleFacts:
    return ArticleFacts(
        id=doc_id,
        text=text,
        model="test-model",
        provider="openai-compatible",
        strategy="chunk",
        prompt=PromptInfo(name="default", version="1", sha256="0" * 64),
        **fields,
    )


def article_a() -> ArticleFacts:
    t = TEXT_A
    return _facts(
        "a",
        t,
        title="Talks, in Tallinn",
        source="a.txt",
        url="https://example.com/a",
        published=dt.date(2024, 3, 12),
        claims=[
            Claim(
                statement='The talks in Tallinn went "well", officials said.',
                kind=ClaimKind.opinion,
                certainty=Certainty.reported,
                attribution=Attribution(
                    source_type=SourceType.government,
                    name="Officials",
                    speaker=_span(t, "Officials"),
                    cue=_span(t, "said"),
                ),
                entities=["Tallinn", "Ortiz"],
                time=TimeRef(span=_span(t, "on Monday"), normalized="2024-03-11"),
                evidence=[
                    _span(t, '"the talks, in Tallinn, went well."', alignment=Alignment.normalized),
                    _span(t, "Officials said"),
                ],
            ),
            Claim(
                statement="Ortiz met Keller.",
                kind=ClaimKind.fact,
                certainty=Certainty.asserted,
                attribution=Attribution(source_type=SourceType.author),
                evidence=[_span(t, "Ortiz met Keller")],
            ),
        ],
        events=[
            Event(
                type=EventType.meet,
                trigger=_span(t, "met"),
                participants=[
                    Participant(role="participant", span=_span(t, "Ortiz")),
                    Participant(role="participant", span=_span(t, "Keller")),
                ],
                location=_span(t, "Tallinn on"),
                time=TimeRef(span=_span(t, "Monday.")),
                realis=Realis.occurred,
                evidence=[_span(t, "Ortiz met Keller in Tallinn on Monday.")],
            )
        ],
        rejected=[Rejected(field="claims", reasons=["quote not found"], item={})],
        warnings=["one", "two"],
        usage=Usage(calls=2, prompt_tokens=120, completion_tokens=30, cost_usd=0.0012),
    )


def article_b() -> ArticleFacts:
    t = TEXT_B
    return _facts(
        "b",
        t,
        events=[
            Event(
                type=EventType.opening,
                trigger=_span(t, "opened"),
                realis=Realis.occurred,
                evidence=[_span(t, t)],
            )
        ],
        cached=True,
    )


ERROR = {"id": "c", "source": "c.html", "error": "no article text found"}


def results() -> list[Any]:
    return [article_a(), article_b(), ERROR]


def test_rows_counts_and_order() -> None:
    tables = rows(results())
    assert set(tables) == set(TABLES)
    counts = {name: len(table) for name, table in tables.items()}
    assert counts == {"claims": 2, "events": 2, "participants": 2, "articles": 3}
    for name, table in tables.items():
        for row in table:
            assert list(row) == list(COLUMNS[name])
    assert [r["article_id"] for r in tables["articles"]] == ["a", "b", "c"]


def test_claim_rows_point_into_the_text() -> None:
    first, second = rows(results())["claims"]
    t = TEXT_A
    assert first["claim_index"] == 0 and second["claim_index"] == 1
    assert first["statement"] == 'The talks in Tallinn went "well", officials said.'
    assert (first["kind"], first["certainty"], first["source_type"]) == (
        "opinion",
        "reported",
        "government",
    )
    assert first["speaker"] == "Officials"
    assert t[first["speaker_start"] : first["speaker_end"]] == "Officials"
    assert t[first["cue_start"] : first["cue_end"]] == first["cue_text"] == "said"
    assert t[first["time_start"] : first["time_end"]] == first["time_text"] == "on Monday"
    assert first["time_normalized"] == "2024-03-11"
    assert first["entities"] == "Tallinn; Ortiz"
    assert t[first["evidence_start"] : first["evidence_end"]] == first["evidence_text"]
    assert first["evidence_text"] == '"the talks, in Tallinn, went well."'
    assert first["evidence_count"] == 2
    assert first["alignment"] == "normalized"
    # The article's own voice: no speaker, cue or time.
    for col in ("speaker", "speaker_start", "cue_text", "cue_start", "time_text"):
        assert second[col] is None
    assert second["entities"] == ""
    assert second["alignment"] == "exact"


def test_event_and_participant_rows() -> None:
    tables = rows(results())
    meet, opening = tables["events"]
    t = TEXT_A
    assert (meet["article_id"], meet["event_index"], meet["type"]) == ("a", 0, "meet")
    assert meet["realis"] == "occurred"
    assert t[meet["trigger_start"] : meet["trigger_end"]] == meet["trigger_text"] == "met"
    assert t[meet["location_start"] : meet["location_end"]] == meet["location_text"]
    assert meet["time_text"] == "Monday." and meet["time_normalized"] is None
    assert t[meet["evidence_start"] : meet["evidence_end"]] == meet["evidence_text"]
    assert meet["participant_count"] == 2
    assert opening["article_id"] == "b" and opening["location_text"] is None
    assert opening["evidence_text"] == TEXT_B and opening["participant_count"] == 0
    for p in tables["participants"]:
        assert (p["article_id"], p["event_index"], p["role"]) == ("a", 0, "participant")
        assert t[p["start"] : p["end"]] == p["text"]
    assert [p["text"] for p in tables["participants"]] == ["Ortiz", "Keller"]


def test_article_rows_and_error_records() -> None:
    a, b, c = rows(results())["articles"]
    assert a == {
        "article_id": "a",
        "title": "Talks, in Tallinn",
        "source": "a.txt",
        "url": "https://example.com/a",
        "published": "2024-03-12",
        "claims": 2,
        "events": 1,
        "rejected": 1,
        "warnings": 2,
        "model": "test-model",
        "cached": False,
        "prompt_tokens": 120,
        "completion_tokens": 30,
        "cost_usd": 0.0012,
        "error": None,
    }
    assert b["cached"] is True and b["cost_usd"] is None and b["published"] is None
    assert c["article_id"] == "c" and c["source"] == "c.html"
    assert c["error"] == "no article text found"
    assert all(c[col] is None for col in ("claims", "events", "model", "cached"))


def test_dicts_are_validated_like_results() -> None:
    as_json = [json.loads(f.model_dump_json()) for f in (article_a(), article_b())]
    assert rows([*as_json, ERROR]) == rows(results())
    with pytest.raises(InputError, match=r"result 0: not a factsift result: .*text"):
        rows([{"id": "x", "model": "m"}])


def test_a_single_result_is_accepted() -> None:
    assert len(rows(article_a())["claims"]) == 2


def write_jsonl(path: Path, items: list[Any]) -> Path:
    lines = [i.model_dump_json() if isinstance(i, ArticleFacts) else json.dumps(i) for i in items]
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def test_jsonl_path_input(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "facts.jsonl", results())
    assert rows(path) == rows(results())
    assert rows(str(path)) == rows(results())


def test_bad_jsonl_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text(article_b().model_dump_json() + "\n{oops\n", encoding="utf-8")
    # One policy for every reader of results: a bad line is skipped and named once.
    with pytest.warns(ResultsWarning, match=r": 2 \(not JSON"):
        tables = rows(path)
    assert len(tables["articles"]) == 1


def test_csv_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "tables"
    paths = write_tables(results(), out, "csv")
    assert paths == [out / f"{name}.csv" for name in TABLES]
    expected = rows(results())
    for name, path in zip(TABLES, paths, strict=True):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == list(COLUMNS[name])
            got = list(reader)
        want = [{k: "" if v is None else str(v) for k, v in row.items()} for row in expected[name]]
        assert got == want
    with (out / "claims.csv").open(encoding="utf-8", newline="") as handle:
        claim = next(csv.DictReader(handle))
    start, end = int(claim["evidence_start"]), int(claim["evidence_end"])
    assert TEXT_A[start:end] == claim["evidence_text"]


def test_csv_needs_no_pandas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    assert len(write_tables(results(), tmp_path, "csv")) == 4


def test_text_with_newlines_survives_csv(tmp_path: Path) -> None:
    text = 'He said, "yes,\nno".'
    facts = _facts(
        "n",
        text,
        claims=[
            Claim(
                statement='Line one,\n"line" two',
                kind=ClaimKind.fact,
                certainty=Certainty.asserted,
                attribution=Attribution(source_type=SourceType.author),
                evidence=[_span(text, '"yes,\nno"')],
            )
        ],
    )
    write_tables(facts, tmp_path, "csv")
    with (tmp_path / "claims.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["statement"] == 'Line one,\n"line" two'
    assert row["evidence_text"] == '"yes,\nno"'


def test_to_frames_dtypes(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    frames = to_frames(write_jsonl(tmp_path / "facts.jsonl", results()))
    assert {name: len(frame) for name, frame in frames.items()} == {
        "claims": 2,
        "events": 2,
        "participants": 2,
        "articles": 3,
    }
    claims = frames["claims"]
    assert list(claims.columns) == list(COLUMNS["claims"])
    assert claims["evidence_start"].dtype == "int64"
    assert claims["speaker_start"].dtype == "Int64"
    assert claims["speaker_start"].isna().tolist() == [False, True]
    row = claims.iloc[0]
    assert TEXT_A[row["evidence_start"] : row["evidence_end"]] == row["evidence_text"]
    articles = frames["articles"]
    assert articles["claims"].dtype == "Int64"
    assert articles["claims"].tolist()[:2] == [2, 0] and articles["claims"].isna().tolist()[2]
    assert articles["cost_usd"].dtype == "float64"
    assert articles.loc[2, "error"] == "no article text found"
    assert pd.api.types.is_bool_dtype(articles["cached"])


def test_to_frames_of_one_result_and_of_nothing() -> None:
    pytest.importorskip("pandas")
    assert len(to_frames(article_b())["events"]) == 1
    empty = to_frames([])
    assert all(len(frame) == 0 for frame in empty.values())
    assert list(empty["participants"].columns) == list(COLUMNS["participants"])
    assert empty["claims"]["claim_index"].dtype == "int64"


def test_parquet_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    paths = write_tables(results(), tmp_path / "pq", "parquet")
    assert [p.name for p in paths] == [f"{name}.parquet" for name in TABLES]
    frames = {p.stem: pd.read_parquet(p) for p in paths}
    expected = to_frames(results())
    for name in TABLES:
        assert list(frames[name].columns) == list(COLUMNS[name])
        assert len(frames[name]) == len(expected[name])
    claims = frames["claims"]
    assert claims["evidence_text"].tolist() == [
        '"the talks, in Tallinn, went well."',
        "Ortiz met Keller",
    ]
    assert str(claims["evidence_start"].dtype) == "int64"
    assert claims["speaker_start"].isna().tolist() == [False, True]
    assert frames["articles"]["error"].tolist()[2] == "no article text found"


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ConfigError, match=r"needs pandas.*pip install 'factsift\[export\]'"):
        to_frames(results())


def test_missing_pyarrow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ConfigError, match=r"needs pyarrow.*pip install 'factsift\[export\]'"):
        write_tables(results(), tmp_path / "out", "parquet")
    assert not (tmp_path / "out").exists()


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="csv or parquet"):
        write_tables(results(), tmp_path, "xlsx")  # type: ignore[arg-type]
