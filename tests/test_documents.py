"""Loading, cleaning and page furniture (factsift._pipeline.documents)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

from factsift._pipeline.documents import (
    find_furniture,
    iter_paths,
    load_documents,
    load_path,
    make_document,
    normalize_text,
)
from factsift.errors import InputError
from factsift.schema import Document

REPO = Path(__file__).parents[1]
DATA = REPO / "tests" / "data"
EXAMPLES = REPO / "examples" / "articles"
#: A news article written for the tests, with page furniture at its end.
ARTICLE = DATA / "harbour-pact.txt"


def _article_text() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def _one(path: Path, **kwargs: int) -> Document | InputError:
    items = list(load_path(path, **kwargs))
    assert len(items) == 1, items
    return items[0]


def _error(path: Path, **kwargs: int) -> InputError:
    item = _one(path, **kwargs)
    assert isinstance(item, InputError), item
    assert str(path) in str(item)
    assert "\n" not in str(item)
    return item


def _doc(path: Path, **kwargs: int) -> Document:
    item = _one(path, **kwargs)
    assert isinstance(item, Document), item
    return item


def _html_available() -> bool:
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        return False
    return True


needs_html = pytest.mark.skipif(not _html_available(), reason="trafilatura not importable")


# --------------------------------------------------------------------------- normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb\rc\n", "a\nb\nc"),
        ("\ufeffHeadline", "Headline"),
        ("one\u00a0two\u202fthree\u2009four\u3000five", "one two three four five"),
        ("tab\there", "tab here"),
        ("zero\u200bwidth\u200c\u200d\u2060join", "zerowidthjoin"),
        ("a\x00b\x07c\x1bd\x9fe", "abcde"),
        ("many     spaces", "many spaces"),
        ("  line one  \n  line two  ", "line one\nline two"),
        ("para one\n\n\n\n\npara two", "para one\n\npara two"),
        ("para one\n \n\t\n \npara two", "para one\n\npara two"),
        ("\n\n  padded  \n\n", "padded"),
        ("e\u0301", "\u00e9"),  # NFC
        ("e\u200b\u0301", "\u00e9"),  # removing the zero-width joins base and mark
        ("\u201cquoted\u201d \u2014 Dash’s CASE", "\u201cquoted\u201d \u2014 Dash’s CASE"),
        ("a \u200b b", "a b"),
        ("", ""),
    ],
)
def test_normalize_text_cases(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_is_idempotent_on_random_input() -> None:
    pool = "ab .\n\r\t\u00a0\u200b\ufeff\x00\x85\u2028\u2029\u2003e\u0301\u201c\u2014"
    rng = random.Random(1234)
    for _ in range(2000):
        raw = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        once = normalize_text(raw)
        assert normalize_text(once) == once, repr(raw)
        assert "\r" not in once and "\t" not in once and "\n\n\n" not in once
        assert "  " not in once and " \n" not in once and "\n " not in once
        assert once == once.strip()


def test_normalize_text_keeps_a_clean_article_verbatim_except_whitespace() -> None:
    raw = _article_text()
    text = normalize_text(raw)
    assert text == raw.strip()  # the article is already clean: nothing may move
    assert normalize_text(text) == text


# --------------------------------------------------------------------------- find_furniture


def test_furniture_in_the_article_is_exactly_exit_mobile_version() -> None:
    text = normalize_text(_article_text())
    ranges = find_furniture(text)
    assert [text[a:b] for a, b in ranges] == ["Exit mobile version"]


@pytest.mark.parametrize(
    "line",
    [
        "Exit mobile version",
        "Share this article",
        "Share on Facebook",
        "Share on X",
        "share on linkedin",
        "Share",
        "Tweet",
        "Print",
        "Email",
        "We use cookies to improve your experience. By continuing you agree.",
        "Accept all cookies",
        "Accept cookies",
        "Cookie settings",
        "Cookie policy",
        "Subscribe to our newsletter",
        "Sign up for our daily newsletter",
        "Sign up to the Morning Briefing newsletter",
        "Advertisement",
        "ADVERTISEMENT",
        "Skip to main content",
        "Skip to content",
        "Read more",
        "Read more: Budget row deepens",
        "Related articles",
        "Related stories",
        "All rights reserved.",
        "© 2024 Example News. All rights reserved.",
        "Copyright 2024 Example News",
        "Follow us on Twitter",
        "Click here to subscribe",
        "Back to top",
        "Jump to comments",
        "• Share on WhatsApp",
    ],
)
def test_furniture_lines_are_found(line: str) -> None:
    text = f"Headline\n\nA real first sentence of the story.\n\n{line}\n\nThe story goes on."
    ranges = find_furniture(text)
    assert len(ranges) == 1, ranges
    start, end = ranges[0]
    assert text[start:end] == line


@pytest.mark.parametrize(
    "line",
    [
        "The bakery said it would stop selling cookies after we use cookies less.",
        "Critics say the company uses cookies to track users across the web.",
        "Printing presses ran through the night as the strike ended.",
        "Email records show the minister knew about the plan.",
        "Share prices fell 3 per cent after the announcement.",
        "Advertisers pulled out of the deal last week.",
        "(c) the third point of the agreement covers fishing rights.",
        "Read the full report on the ministry's website.",
        "Related costs rose by 4 per cent, the council said.",
    ],
)
def test_article_sentences_are_not_furniture(line: str) -> None:
    assert find_furniture(f"Headline\n\n{line}\n\nMore text.") == []


def test_long_line_starting_like_furniture_is_not_furniture() -> None:
    line = "We use cookies " + "and a great deal of other things in this long sentence " * 4
    assert len(line) > 150
    assert find_furniture(line) == []


def test_furniture_ranges_cover_whole_lines() -> None:
    text = "Story text here.\nShare this article\nExit mobile version"
    ranges = find_furniture(text)
    assert [text[a:b] for a, b in ranges] == ["Share this article", "Exit mobile version"]
    for start, end in ranges:
        assert start == 0 or text[start - 1] == "\n"
        assert end == len(text) or text[end] == "\n"


# --------------------------------------------------------------------------- make_document


def test_make_document_defaults() -> None:
    doc = make_document("  Headline\r\n\r\n\r\nBody text here.\n")
    assert doc.text == "Headline\n\nBody text here."
    assert doc.id.startswith("doc-") and len(doc.id) == 16
    assert doc.id == make_document("Headline\n\nBody text here.").id  # hash of the clean text
    assert doc.furniture == [] and doc.warnings == [] and doc.published is None


def test_make_document_marks_furniture() -> None:
    doc = make_document("Body text here.\n\nShare this article\nExit mobile version")
    assert [doc.text[a:b] for a, b in doc.furniture] == [
        "Share this article",
        "Exit mobile version",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-12", dt.date(2024, 3, 12)),
        ("2024-03-12T09:30:00Z", dt.date(2024, 3, 12)),
        ("2024-03-12T09:30:00+02:00", dt.date(2024, 3, 12)),
        ("2024-03-12 09:30", dt.date(2024, 3, 12)),
        (dt.date(2024, 3, 12), dt.date(2024, 3, 12)),
        (dt.datetime(2024, 3, 12, 23, 59), dt.date(2024, 3, 12)),
        (None, None),
        ("", None),
    ],
)
def test_make_document_parses_dates(value: dt.date | str | None, expected: dt.date) -> None:
    doc = make_document("Body.", published=value)
    assert doc.published == expected
    assert doc.warnings == []


def test_make_document_bad_date_is_a_warning() -> None:
    doc = make_document("Body.", published="last Tuesday", warnings=["earlier"])
    assert doc.published is None
    assert doc.warnings[0] == "earlier"
    assert "last Tuesday" in doc.warnings[1]


@pytest.mark.parametrize("text", ["", "   \n\n ", "\u200b\u200b", "Share this article\nPrint"])
def test_make_document_refuses_empty_text(text: str) -> None:
    with pytest.raises(InputError, match="empty article: no text after cleaning") as info:
        make_document(text, source="somewhere.txt")
    assert info.value.source == "somewhere.txt"


# --------------------------------------------------------------------------- iter_paths


def test_iter_paths_expands_folders_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in ["b.txt", "a.md", "c.html", "d.json", "e.jsonl", "f.csv", ".hidden.txt"]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "g.TXT").write_text("x", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "h.txt").write_text("x", encoding="utf-8")
    found = list(iter_paths([tmp_path]))
    assert found == [
        tmp_path / "a.md",
        tmp_path / "b.txt",
        tmp_path / "c.html",
        tmp_path / "d.json",
        tmp_path / "e.jsonl",
        tmp_path / "sub" / "g.TXT",
    ]


def test_iter_paths_yields_explicit_files_and_missing_ones(tmp_path: Path) -> None:
    odd = tmp_path / "notes.csv"
    odd.write_text("x", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    found = list(iter_paths([str(odd), missing]))
    assert found[0] == odd
    assert isinstance(found[1], InputError)
    assert str(found[1]) == f"{missing}: no such file or directory"


# --------------------------------------------------------------------------- load_path


def test_load_text_file(tmp_path: Path) -> None:
    path = tmp_path / "story-one.txt"
    path.write_text("Big news today\r\n\r\nSomething happened.\r\n", encoding="utf-8")
    doc = _doc(path)
    assert doc.id == "story-one"
    assert doc.source == str(path)
    assert doc.text == "Big news today\n\nSomething happened."
    assert doc.title == "Big news today"


def test_text_file_without_headline_has_no_title(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("Something happened.\n\nThen more happened.", encoding="utf-8")
    assert _doc(path).title is None


def test_markdown_title_drops_markup(tmp_path: Path) -> None:
    path = tmp_path / "s.md"
    path.write_text("# Council passes budget\n\nThe council met.", encoding="utf-8")
    doc = _doc(path)
    assert doc.title == "Council passes budget"
    assert doc.text.startswith("# Council passes budget")  # text itself is not rewritten


def test_load_an_article() -> None:
    doc = _doc(ARTICLE)
    assert doc.id == "harbour-pact"
    assert doc.title is not None and doc.title.startswith("Harbour Pact")
    assert [doc.text[a:b] for a, b in doc.furniture] == ["Exit mobile version"]


def test_utf8_bom_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffCafé opens.".encode())
    doc = _doc(path)
    assert doc.text == "Café opens." and doc.warnings == []


def test_latin1_file_decodes_with_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("A café in Grünwald won “an award”.".encode("cp1252"))
    doc = _doc(path)
    assert doc.text == "A café in Grünwald won “an award”."
    assert doc.warnings == ["not valid UTF-8 (byte 0xe9 at offset 5); decoded as Windows-1252"]


def test_latin1_example_file() -> None:
    path = DATA / "latin1.txt"
    if not path.exists():
        pytest.skip("tests/data/latin1.txt not present")
    doc = _doc(path)
    assert "Grünwald" in doc.text
    assert len(doc.warnings) == 1 and "Windows-1252" in doc.warnings[0]


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert _error(path).reason == "binary file, not text"


@pytest.mark.parametrize("content", [b"", b"   \n\n\t \r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert _error(path).reason == "empty file"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty file"),
        ("whitespace.txt", "empty file"),
        ("binary.txt", "binary file, not text"),
    ],
)
def test_bad_example_files(name: str, reason: str) -> None:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"tests/data/{name} not present")
    assert _error(path).reason == reason


def test_furniture_only_text_file(tmp_path: Path) -> None:
    path = tmp_path / "chrome.txt"
    path.write_text("Share this article\nExit mobile version\n", encoding="utf-8")
    assert _error(path).reason == "empty article: no text after cleaning"


def test_too_long_article(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("word " * 5000, encoding="utf-8")
    err = _error(path, max_chars=10_000)
    assert err.reason == (
        "article is 24,999 characters, over the limit of 10,000 (raise it with --max-chars)"
    )


def test_os_error_is_yielded_not_raised(tmp_path: Path) -> None:
    err = _error(tmp_path)  # a folder passed straight to load_path
    assert err.reason == "is a directory"


def test_other_suffix_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "story.log"
    path.write_text("Something happened.", encoding="utf-8")
    assert _doc(path).text == "Something happened."


# --------------------------------------------------------------------------- JSON and JSONL


def test_jsonl_malformed_line_and_others_still_load(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    good = {"id": "a", "text": "First story.", "published": "2025-01-20", "title": "One"}
    path.write_text(
        json.dumps(good)
        + "\n\n"
        + '{"id": "b", "text": \n'
        + json.dumps({"text": "Third."})
        + "\n",
        encoding="utf-8",
    )
    items = list(load_path(path))
    assert len(items) == 3
    first, bad, third = items
    assert isinstance(first, Document) and first.id == "a"
    assert first.published == dt.date(2025, 1, 20) and first.title == "One"
    assert first.source == str(path)
    assert isinstance(bad, InputError)
    assert bad.source == f"{path}:3"
    assert bad.reason.startswith("malformed JSON: ")
    assert isinstance(third, Document) and third.id == "feed#4"


def test_malformed_jsonl_example() -> None:
    path = DATA / "malformed.jsonl"
    if not path.exists():
        pytest.skip("tests/data/malformed.jsonl not present")
    items = list(load_path(path))
    docs = [i for i in items if isinstance(i, Document)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert len(docs) == 2
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{path}:2: malformed JSON")


def test_jsonl_record_without_text(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": "x", "body": "no"}\n{"text": 5}\n[1, 2]\n', encoding="utf-8")
    items = list(load_path(path))
    assert [str(i) for i in items] == [
        f'{path}:1: record has no "text" string',
        f'{path}:2: record has no "text" string',
        f"{path}:3: record is a JSON list, not an object",
    ]


def test_jsonl_empty_record_text_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text('{"text": "Fine."}\n{"text": "  "}\n', encoding="utf-8")
    items = list(load_path(path))
    assert isinstance(items[0], Document)
    assert str(items[1]) == f"{path}:2: empty article: no text after cleaning"


def test_json_list_and_object(tmp_path: Path) -> None:
    many = tmp_path / "many.json"
    many.write_text(
        json.dumps([{"text": "One.", "id": 7}, {"text": "Two.", "url": "https://x.example/2"}]),
        encoding="utf-8",
    )
    one, two = load_path(many)
    assert isinstance(one, Document) and one.id == "7"
    assert isinstance(two, Document) and two.id == "many#2" and two.url == "https://x.example/2"
    single = tmp_path / "single.json"
    single.write_text(json.dumps({"text": "Only.", "title": "T", "source": "wire"}), "utf-8")
    doc = _doc(single)
    assert (doc.id, doc.title, doc.source) == ("single#1", "T", "wire")


def test_json_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"text": ', encoding="utf-8")
    assert _error(path).reason.startswith("malformed JSON: ")


def test_json_bad_date_and_field_types_are_warnings(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"text": "Hi.", "published": "soon", "title": 3}), "utf-8")
    doc = _doc(path)
    assert doc.published is None and doc.title is None
    assert len(doc.warnings) == 2


# --------------------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Hospital opens in Riverton | Example News</title>
<meta property="og:title" content="New children's hospital opens in Riverton">
<meta property="article:published_time" content="2024-05-14T09:30:00Z">
<link rel="canonical" href="https://news.example.com/riverton-hospital">
</head><body>
<div class="cookie-banner">We use cookies to improve your experience.
<button>Accept all cookies</button></div>
<nav><a href="/">Home</a> <a href="/world">World news</a> <a href="/sport">Sport</a></nav>
<main><article>
<h1>New children's hospital opens in Riverton</h1>
<p>The Riverton Children's Hospital opened its doors on Monday, ending a six-year
building project that cost 240 million dollars.</p>
<p>Health minister Dr. Karen Holt cut the ribbon at the ceremony, which was attended by
about 300 staff and local residents. "This is a proud day for the city," she said.</p>
<p>The hospital has 180 beds and a new paediatric intensive-care unit, the first in the
region. It will treat its first patients next week.</p>
</article></main>
<aside><h3>Related articles</h3><ul><li><a href="/a">Budget row deepens</a></li></ul></aside>
<footer><p>&copy; 2024 Example News. All rights reserved.</p><p>Follow us on Twitter</p></footer>
</body></html>
"""


@needs_html
def test_html_page_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "riverton.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = _doc(path)
    assert doc.id == "riverton"
    assert doc.published == dt.date(2024, 5, 14)
    assert doc.title == "New children's hospital opens in Riverton"
    assert doc.url == "https://news.example.com/riverton-hospital"
    assert doc.text.startswith("New children's hospital opens in Riverton\n\nThe Riverton")
    assert "six-year building project" in doc.text
    assert "It will treat its first patients next week." in doc.text
    for chrome in ["cookies", "World news", "Budget row", "rights reserved", "Follow us"]:
        assert chrome not in doc.text
    assert "\n\n\n" not in doc.text
    assert doc.text.count("\n\n") == 3  # headline + three paragraphs


@needs_html
def test_html_title_is_prepended_when_missing(tmp_path: Path) -> None:
    path = tmp_path / "p.htm"
    path.write_text(PAGE.replace("<h1>New children's hospital opens in Riverton</h1>", ""), "utf-8")
    doc = _doc(path)
    assert doc.text.startswith("New children's hospital opens in Riverton\n\nThe Riverton")


@needs_html
def test_html_example_article() -> None:
    path = EXAMPLES / "hospital-opening.html"
    if not path.exists():
        pytest.skip("examples/articles/hospital-opening.html not present")
    doc = _doc(path)
    assert doc.published is not None
    assert doc.title and doc.text.startswith(doc.title)
    for chrome in ["We use cookies", "Accept all cookies", "Related stories", "All rights"]:
        assert chrome not in doc.text
    assert len(doc.text.split("\n\n")) >= 4


@needs_html
def test_html_without_article_text(tmp_path: Path) -> None:
    path = tmp_path / "nav.html"
    path.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", "utf-8")
    err = _error(path)
    assert err.reason in {
        "no article text found in the HTML page",
        "empty article: no text after cleaning",
    }


@needs_html
def test_furniture_only_html_example() -> None:
    path = DATA / "furniture-only.html"
    if not path.exists():
        pytest.skip("tests/data/furniture-only.html not present")
    err = _error(path)
    assert err.reason in {
        "no article text found in the HTML page",
        "empty article: no text after cleaning",
    }


def test_html_without_trafilatura(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "trafilatura", None)  # makes the import fail
    path = tmp_path / "p.html"
    path.write_text(PAGE, encoding="utf-8")
    assert _error(path).reason == (
        "reading HTML needs the html extra: pip install 'factsift[html]'"
    )


# --------------------------------------------------------------------------- load_documents


def test_load_documents_chains_paths_and_errors(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Story A.", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "Story B."}\n', encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"")
    items = list(load_documents([tmp_path, tmp_path / "nope.txt"]))
    assert [i.id if isinstance(i, Document) else i.reason for i in items] == [
        "a",
        "b#1",
        "empty file",
        "no such file or directory",
    ]


def test_load_documents_on_examples_never_raises() -> None:
    if not EXAMPLES.exists():
        pytest.skip("examples/articles not present")
    items = list(load_documents([EXAMPLES]))
    assert items
    for item in items:
        if isinstance(item, Document):
            assert item.text == normalize_text(item.text)
