"""The results file (factsift._edges.results): one reading policy, and a writer that touches
only what factsift wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factsift import ArticleFacts, PromptInfo
from factsift._edges.results import (
    ResultsFile,
    ResultsWarning,
    read_records,
    read_results,
    scan_results,
)
from factsift.errors import OutputError


def facts(key: str, *, partial: bool = False, claims: int = 0) -> str:
    text = "Officials said the bridge would open."
    record = ArticleFacts(
        id=f"doc-{key}",
        key=key,
        text=text,
        model="scripted",
        provider="openai-compatible",
        strategy="chunk",
        prompt=PromptInfo(name="extract", version="1", sha256="ab" * 32),
        partial=partial,
        warnings=["x"] * claims,
    )
    return record.model_dump_json()


def error(key: str) -> str:
    return json.dumps({"id": f"doc-{key}", "source": f"{key}.txt", "error": "HTTP 500", "key": key})


def write(path: Path, *lines: str, end: str = "\n") -> bytes:
    data = ("\n".join(lines) + end).encode()
    path.write_bytes(data)
    return data


# --------------------------------------------------------------------------- reading


def test_the_last_line_for_a_key_wins(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    write(path, error("a"), facts("b"), facts("a", claims=2), error("c"))
    items = read_results(path)
    assert [
        (type(i).__name__, i.key if isinstance(i, ArticleFacts) else i["key"]) for i in items
    ] == [
        ("ArticleFacts", "b"),
        ("ArticleFacts", "a"),
        ("dict", "c"),
    ]
    assert [r["key"] for r in read_records(path)] == ["b", "a", "c"]


def test_records_without_a_key_stand_alone(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    unkeyed = json.dumps({"id": "x", "source": "x", "error": "bad"})
    write(path, unkeyed, unkeyed)
    assert len(read_records(path)) == 2


def test_bad_lines_are_skipped_and_reported_once_by_number(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    write(path, facts("a"), "{cut", "", "[1, 2]", json.dumps({"id": "z", "text": 3}), facts("b"))
    with pytest.warns(ResultsWarning) as caught:
        items = read_results(path)
    assert [i.key for i in items if isinstance(i, ArticleFacts)] == ["a", "b"]
    assert len(caught) == 1
    message = str(caught[0].message)
    assert str(path) in message and "skipped 3 line(s)" in message
    assert "2 (not JSON" in message and "4 (not a JSON object)" in message
    assert "5 (not a valid result" in message


def test_scan_keeps_the_last_status_and_counts_superseded_lines(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    write(path, error("a"), facts("b", partial=True), facts("a"), error("a"))
    scan = scan_results(path)
    assert scan.status("a") == "error" and scan.status("b") == "partial"
    assert scan.superseded == 2 and scan.lines == 4 and not scan.bad and not scan.cut_off


# --------------------------------------------------------------------------- writing


@pytest.mark.parametrize(
    "content",
    [
        b'{"important":"data"}',
        b"line1\nline2",
        b"a,b,c\n1,2,3\n",
        b'{"id": "x", "key": "k", "error": "e"}\nnot ours\n',
        b'{"id": "x", "key": "k", "error": "e"}\n{"id": 1}\n{"id": "y", "key": "j", "error": ',
    ],
)
def test_a_file_factsift_did_not_write_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(content)
    with pytest.raises(OutputError, match="not written by factsift") as err, ResultsFile(path):
        pass
    assert "\n" not in str(err.value)
    assert path.read_bytes() == content


def test_a_cut_off_last_line_is_cut_away(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    whole = write(path, facts("a"), facts("b"))
    path.write_bytes(whole + facts("c").encode()[:40])
    with ResultsFile(path) as results:
        assert set(results.scan.latest) == {"a", "b"}
    assert path.read_bytes() == whole


def test_a_file_holding_only_a_cut_off_first_line_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_bytes(error("a").encode()[:30])
    with ResultsFile(path) as results:
        assert not results.scan.latest
    assert path.read_bytes() == b""


def test_a_whole_last_record_that_lost_its_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    data = write(path, facts("a"), facts("b"), end="")
    with ResultsFile(path) as results:
        assert set(results.scan.latest) == {"a", "b"}
    assert path.read_bytes() == data + b"\n"


def test_superseded_lines_are_compacted_on_open(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    write(path, error("a"), facts("b"), error("c"), facts("a"), facts("c"))
    with ResultsFile(path) as results:
        assert results.scan.superseded == 0
    assert path.read_text().splitlines() == [facts("b"), facts("a"), facts("c")]
    assert not (tmp_path / "facts.jsonl.tmp").exists()


def test_a_second_writer_is_refused_at_once(tmp_path: Path) -> None:
    import os

    path = tmp_path / "facts.jsonl"
    data = write(path, facts("a"))
    with ResultsFile(path):
        with pytest.raises(OutputError, match="being written by another factsift run") as err:
            with ResultsFile(path):
                pass
        assert f"process {os.getpid()}" in str(err.value)
    assert path.read_bytes() == data
    with ResultsFile(path):  # released: the next run may go on
        pass


def test_an_output_in_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot create its lock file"):
        with ResultsFile(tmp_path / "missing" / "facts.jsonl"):
            pass


def test_every_spelling_of_the_output_shares_one_lock(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    write(path, error("a"), facts("a"))
    (tmp_path / "link.jsonl").symlink_to(path)
    with ResultsFile(tmp_path / "link.jsonl") as results:
        assert results.scan.superseded == 0  # compacted through the link...
        with pytest.raises(OutputError, match="being written"), ResultsFile(path):
            pass
    assert (tmp_path / "link.jsonl").is_symlink()  # ...which is still a link
    assert path.read_text().splitlines() == [facts("a")]


@pytest.mark.parametrize("where", ["folder", "device"])
def test_an_output_that_is_not_a_file_is_refused_without_a_trace(
    tmp_path: Path, where: str
) -> None:
    path = tmp_path / "out" if where == "folder" else Path("/dev/null")
    if where == "folder":
        path.mkdir()
    with pytest.raises(OutputError, match="not a regular file"), ResultsFile(path):
        pass
    assert not Path(str(path) + ".lock").exists()
