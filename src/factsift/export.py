"""Flat tables from results: claims, events, participants and articles.

Nested ``ArticleFacts`` are awkward in spreadsheets and dataframes, so this
module flattens them into four tables joined on ``article_id`` (and
``event_index`` for participants). :func:`rows` needs nothing beyond the
standard library, CSV output neither; pandas and pyarrow (the ``export``
extra) are imported only by the functions that need them.
"""

from __future__ import annotations

import csv
import importlib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TypeAlias

from pydantic import ValidationError

from factsift._edges.results import read_results
from factsift.errors import ConfigError, InputError
from factsift.schema import ArticleFacts, Span, TimeRef

__all__ = ["COLUMNS", "TABLES", "Results", "read_results", "rows", "to_frames", "write_tables"]

#: What the functions accept: a results JSONL path, one result, or many results
#: (``ArticleFacts`` or their JSON form, error records included).
Results: TypeAlias = (
    "str | os.PathLike[str] | ArticleFacts | Mapping[str, Any]"
    " | Iterable[ArticleFacts | Mapping[str, Any]]"
)

#: Every table's columns, in order, with their kind. A trailing ``?`` marks a
#: column that may be empty; the kinds give typed columns in pandas and Parquet
#: even when a table has no rows.
COLUMNS: dict[str, dict[str, str]] = {
    "claims": {
        "article_id": "str",
        "claim_index": "int",
        "statement": "str",
        "kind": "str",
        "certainty": "str",
        "source_type": "str",
        "speaker": "str?",
        "speaker_start": "int?",
        "speaker_end": "int?",
        "cue_text": "str?",
        "cue_start": "int?",
        "cue_end": "int?",
        "entities": "str",
        "time_text": "str?",
        "time_start": "int?",
        "time_end": "int?",
        "time_normalized": "str?",
        "evidence_text": "str",
        "evidence_start": "int",
        "evidence_end": "int",
        "evidence_count": "int",
        "alignment": "str",
        "support": "float?",
    },
    "events": {
        "article_id": "str",
        "event_index": "int",
        "type": "str",
        "realis": "str",
        "trigger_text": "str",
        "trigger_start": "int",
        "trigger_end": "int",
        "location_text": "str?",
        "location_start": "int?",
        "location_end": "int?",
        "time_text": "str?",
        "time_start": "int?",
        "time_end": "int?",
        "time_normalized": "str?",
        "evidence_text": "str",
        "evidence_start": "int",
        "evidence_end": "int",
        "evidence_count": "int",
        "participant_count": "int",
    },
    "participants": {
        "article_id": "str",
        "event_index": "int",
        "role": "str",
        "text": "str",
        "start": "int",
        "end": "int",
    },
    "articles": {
        "article_id": "str",
        "title": "str?",
        "source": "str?",
        "url": "str?",
        "published": "str?",
        "claims": "int?",
        "events": "int?",
        "rejected": "int?",
        "warnings": "int?",
        "model": "str?",
        "cached": "bool?",
        "prompt_tokens": "int?",
        "completion_tokens": "int?",
        "cost_usd": "float?",
        "error": "str?",
    },
}

#: The table names, in the order they are written.
TABLES: tuple[str, ...] = tuple(COLUMNS)

_EXTRA = "pip install 'factsift[export]'"


def rows(results: Results) -> dict[str, list[dict[str, Any]]]:
    """The four flat tables as lists of row dicts (keys in ``COLUMNS`` order).

    Error records (``{"id", "source", "error"}``) become a row of "articles"
    only, so failed articles are still counted. Dicts are validated into
    ``ArticleFacts`` first, so bad input fails here rather than downstream.
    """
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for record in _records(results):
        if isinstance(record, ArticleFacts):
            _add_article(tables, record)
        else:
            tables["articles"].append(
                _row(
                    "articles",
                    article_id=str(record.get("id", "")),
                    source=record.get("source"),
                    error=str(record["error"]),
                )
            )
    return tables


def to_frames(results: Results) -> dict[str, Any]:
    """The four tables as pandas DataFrames, keyed by table name.

    Offsets are ``int64`` where always present and nullable ``Int64`` where
    they may be missing, so joins and arithmetic on them behave.
    """
    pd = _require("pandas", "to_frames")
    frames: dict[str, Any] = {}
    for name, table in rows(results).items():
        columns = COLUMNS[name]
        frame = pd.DataFrame.from_records(table, columns=list(columns))
        dtypes = {col: _PANDAS[kind] for col, kind in columns.items() if kind in _PANDAS}
        frames[name] = frame.astype(dtypes)
    return frames


def write_tables(
    results: Results, out_dir: str | os.PathLike[str], fmt: Literal["csv", "parquet"]
) -> list[Path]:
    """Write ``<table>.csv`` or ``<table>.parquet`` for each table; return the paths.

    CSV uses the standard library only (quoting keeps commas, quotes and
    newlines in text intact); Parquet needs pyarrow but not pandas.
    """
    if fmt not in ("csv", "parquet"):
        raise ConfigError(f"unknown export format {fmt!r}; choose csv or parquet")
    pa: ModuleType | None = None
    pq: ModuleType | None = None
    if fmt == "parquet":
        pa = _require("pyarrow", "parquet export")
        pq = _require("pyarrow.parquet", "parquet export")
    tables = rows(results)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, table in tables.items():
        path = out / f"{name}.{fmt}"
        if pa is not None and pq is not None:
            _write_parquet(pa, pq, name, table, path)
        else:
            _write_csv(name, table, path)
        written.append(path)
    return written


# --- flattening ---------------------------------------------------------------


def _add_article(tables: dict[str, list[dict[str, Any]]], facts: ArticleFacts) -> None:
    aid = facts.id
    for i, claim in enumerate(facts.claims):
        who = claim.attribution
        first = claim.evidence[0]
        tables["claims"].append(
            _row(
                "claims",
                article_id=aid,
                claim_index=i,
                statement=claim.statement,
                kind=claim.kind.value,
                certainty=claim.certainty.value,
                source_type=who.source_type.value,
                # The name as the model gave it, else the words in the text.
                speaker=who.name if who.name is not None else _text(who.speaker),
                **_span_cols("speaker", who.speaker, text=False),
                **_span_cols("cue", who.cue),
                entities="; ".join(claim.entities),
                **_time_cols(claim.time),
                **_span_cols("evidence", first),
                evidence_count=len(claim.evidence),
                alignment=first.alignment.value,
                support=claim.support,
            )
        )
    for i, event in enumerate(facts.events):
        tables["events"].append(
            _row(
                "events",
                article_id=aid,
                event_index=i,
                type=event.type.value,
                realis=event.realis.value,
                **_span_cols("trigger", event.trigger),
                **_span_cols("location", event.location),
                **_time_cols(event.time),
                **_span_cols("evidence", event.evidence[0]),
                evidence_count=len(event.evidence),
                participant_count=len(event.participants),
            )
        )
        for p in event.participants:
            tables["participants"].append(
                _row(
                    "participants",
                    article_id=aid,
                    event_index=i,
                    role=p.role,
                    text=p.span.text,
                    start=p.span.start,
                    end=p.span.end,
                )
            )
    tables["articles"].append(
        _row(
            "articles",
            article_id=aid,
            title=facts.title,
            source=facts.source,
            url=facts.url,
            # ISO text rather than a date, so it reads the same in every format.
            published=facts.published.isoformat() if facts.published else None,
            claims=len(facts.claims),
            events=len(facts.events),
            rejected=len(facts.rejected),
            warnings=len(facts.warnings),
            model=facts.model,
            cached=facts.cached,
            prompt_tokens=facts.usage.prompt_tokens,
            completion_tokens=facts.usage.completion_tokens,
            cost_usd=facts.usage.cost_usd,
        )
    )


def _row(table: str, **values: Any) -> dict[str, Any]:
    """A row with every column of ``table``, in order; absent ones are None."""
    columns = COLUMNS[table]
    unknown = values.keys() - columns.keys()
    assert not unknown, f"{table} has no columns {sorted(unknown)}"
    return {col: values.get(col) for col in columns}


def _text(span: Span | None) -> str | None:
    return span.text if span is not None else None


def _span_cols(prefix: str, span: Span | None, *, text: bool = True) -> dict[str, Any]:
    cols: dict[str, Any] = {
        f"{prefix}_start": span.start if span else None,
        f"{prefix}_end": span.end if span else None,
    }
    if text:
        cols[f"{prefix}_text"] = _text(span)
    return cols


def _time_cols(time: TimeRef | None) -> dict[str, Any]:
    cols = _span_cols("time", time.span if time else None)
    cols["time_normalized"] = time.normalized if time else None
    return cols


# --- input ----------------------------------------------------------------------


def _records(results: Results) -> Iterator[ArticleFacts | Mapping[str, Any]]:
    """Results as ``ArticleFacts`` or error-record mappings, whatever was passed."""
    if isinstance(results, (str, os.PathLike)):
        yield from _read_jsonl(Path(results))
        return
    if isinstance(results, ArticleFacts):
        yield results
        return
    if isinstance(results, Mapping):
        results = [results]
    for i, item in enumerate(results):
        yield _coerce(item, f"result {i}")


def _read_jsonl(path: Path) -> Iterator[ArticleFacts | Mapping[str, Any]]:
    # One reader for every command: the last line per article, bad lines reported once.
    try:
        yield from read_results(path)
    except OSError as err:
        raise InputError(path, err.strerror or str(err)) from err


def _coerce(item: object, where: str) -> ArticleFacts | Mapping[str, Any]:
    if isinstance(item, ArticleFacts):
        return item
    if not isinstance(item, Mapping):
        raise InputError(where, f"expected a result object, got {type(item).__name__}")
    if "error" in item:
        return item
    try:
        return ArticleFacts.model_validate(item)
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(part) for part in first["loc"]) or "result"
        more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
        raise InputError(where, f"not a factsift result: {loc}: {first['msg']}{more}") from err


# --- output ---------------------------------------------------------------------

#: pandas dtypes by column kind; text columns keep the pandas default string dtype.
_PANDAS = {
    "int": "int64",
    "int?": "Int64",
    "float?": "float64",
    "bool?": "boolean",
}


def _require(module: str, what: str) -> ModuleType:
    """Import an optional dependency, or say which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.split(".")[0]
        raise ConfigError(f"{what} needs {top}, part of the export extra: {_EXTRA}") from err


# A spreadsheet runs a cell that starts with one of these as a formula
# (=HYPERLINK(...), =cmd|...): OWASP's CSV injection guidance. The full-width
# forms are read as the same by some spreadsheets.
_FORMULA_START = tuple("=+-@\t\r＝＋－＠")


def _inert(value: Any) -> Any:
    """A text cell no spreadsheet runs: a leading single quote where it would."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _write_csv(name: str, table: list[dict[str, Any]], path: Path) -> None:
    # Text from articles and models is untrusted, and CSV files get opened in
    # spreadsheets; Parquet and DataFrames keep the values as they are.
    # newline="" lets the csv module quote embedded newlines itself.
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS[name]))
        writer.writeheader()
        writer.writerows({col: _inert(value) for col, value in row.items()} for row in table)


def _write_parquet(
    pa: ModuleType, pq: ModuleType, name: str, table: list[dict[str, Any]], path: Path
) -> None:
    kinds = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    schema = pa.schema(
        [
            pa.field(col, kinds[kind.rstrip("?")], nullable=kind.endswith("?"))
            for col, kind in COLUMNS[name].items()
        ]
    )
    pq.write_table(pa.Table.from_pylist(table, schema=schema), path)
