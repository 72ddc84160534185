"""Hostile and odd input files: encodings, symbolic links, factsift's own files, huge lines."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from factsift._pipeline.documents import count_articles, load_documents, load_path
from factsift._tools.report import render_report
from factsift.errors import InputError
from factsift.schema import Document

TEXT = "Zürich — the council said on Monday that the “new bridge” would open in May.\n"


def _one(path: Path) -> Document:
    (doc,) = list(load_path(path))
    assert isinstance(doc, Document), doc
    return doc


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_byte_order_mark_names_the_encoding(codec: str, tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    data = TEXT.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):  # these codecs write no mark of their own
        data = "\ufeff".encode(codec) + data
    path.write_bytes(data)
    doc = _one(path)
    assert doc.text == TEXT.strip() and doc.warnings == []


def test_one_latin1_byte_in_utf8_leaves_the_rest_intact(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes(TEXT.encode() + b"A caf\xe9 opened.\n")
    doc = _one(path)
    assert doc.text == TEXT + "A café opened."
    (warning,) = doc.warnings
    assert "not valid UTF-8" in warning and "the rest as UTF-8" in warning


def test_symbolic_links_stay_inside_the_folder_unless_asked(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("The password is swordfish, the admin said.\n")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT)
    (folder / "inside.txt").symlink_to(folder / "a.txt")
    (folder / "leak.txt").symlink_to(outside)
    (folder / "gone.txt").symlink_to(tmp_path / "nothing-here.txt")

    found = list(load_documents([folder]))
    texts = sorted(d.text for d in found if isinstance(d, Document))
    errors = {Path(e.source).name: e.reason for e in found if isinstance(e, InputError)}
    assert texts == [TEXT.strip(), TEXT.strip()]  # a.txt and the link beside it
    assert errors.keys() == {"leak.txt", "gone.txt"}
    assert "outside" in errors["leak.txt"] and "--follow-symlinks" in errors["leak.txt"]
    assert errors["gone.txt"] == "broken symbolic link"

    followed = list(load_documents([folder], follow_symlinks=True))
    assert any(isinstance(d, Document) and "swordfish" in d.text for d in followed)


def test_files_factsift_wrote_are_not_read_back_as_articles(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT)
    record = {"id": "a", "source": "a.txt", "error": "HTTP 500", "key": "k1"}
    result = {"id": "b", "key": "k2", "text": "x", "claims": [], "events": [], "usage": {}}
    (folder / "facts.jsonl").write_text(json.dumps(result) + "\n" + json.dumps(record) + "\n")
    (folder / "report.html").write_text(render_report([record]))

    found = list(load_documents([folder]))
    assert [d.text for d in found if isinstance(d, Document)] == [TEXT.strip()]
    assert count_articles([folder]) == 1  # the progress bar counts what is read
    assert not [e for e in found if isinstance(e, InputError)]
    # Named on purpose, they are refused with the reason rather than skipped unseen.
    for name in ("facts.jsonl", "report.html"):
        (error,) = list(load_documents([folder / name]))
        assert isinstance(error, InputError) and "factsift" in error.reason

    # An input JSONL of articles is still read.
    (folder / "articles.jsonl").write_text(json.dumps({"id": "c", "text": TEXT}) + "\n")
    assert isinstance(_one(folder / "articles.jsonl"), Document)


def test_a_huge_jsonl_line_is_refused_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    size = 30 * 1024 * 1024
    with path.open("wb") as fh:
        fh.write(b'{"id": "big", "text": "' + b"a" * size + b'"}\n')
        fh.write(json.dumps({"id": "small", "text": TEXT}).encode() + b"\n")
    tracemalloc.start()
    try:
        found = list(load_path(path, max_chars=10_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size / 4, f"peak {peak:,} bytes for a {size:,}-byte line"
    big, small = found
    assert isinstance(big, InputError) and big.source.endswith("big.jsonl:1")
    assert "line is over" in big.reason and "--max-chars" in big.reason
    assert isinstance(small, Document) and small.id == "small"
    assert count_articles([path], max_chars=10_000) == 2
