"""Load articles from files, clean their text once, and mark page furniture.

The cleaned text made here is the one every span of a result points into, so
cleaning happens exactly once, in :func:`normalize_text`, and nothing later
changes the text. Loaders never raise for bad input: they yield an
:class:`~factsift.errors.InputError` in place of the article, so one bad file
does not stop a batch.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from factsift.errors import InputError

if TYPE_CHECKING:
    from factsift.schema import Document

__all__ = [
    "find_furniture",
    "iter_paths",
    "load_documents",
    "load_path",
    "make_document",
    "normalize_text",
]

#: Suffixes picked up when a folder is expanded.
ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"})
DEFAULT_MAX_CHARS = 1_000_000

_HTML_SUFFIXES = frozenset({".html", ".htm"})
_BINARY_SNIFF = 8192
# Files above this are refused before reading; articles are kilobytes, and
# even an HTML page rarely weighs 50 times its text.
_MIN_READ_LIMIT = 64 * 1024 * 1024

# --------------------------------------------------------------------------- normalisation

_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028]")
_PARAGRAPH_SEP = re.compile("\u2029")
_INVISIBLE_CHARS = "\u200b-\u200d\u2060\ufeff\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
# Zero-width characters, and C0/C1 controls other than \t and \n (\r is gone by then).
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]+")
_SPACE_CHARS = "\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
# Single plain spaces are left unmatched: most of an article's spaces need no work.
_SPACES = re.compile(f"[ {_SPACE_CHARS}]{{2,}}|[{_SPACE_CHARS}]")
_PLAIN_SPACES = re.compile(" {2,}")
# Every character some step above would change; most articles have none.
_ODD = re.compile(f"[\r\x0b\x0c\x85\u2028\u2029{_INVISIBLE_CHARS}{_SPACE_CHARS}]")
_LINE_EDGE_SPACE = re.compile(r" \n ?|\n ")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(raw: str) -> str:
    """The article's canonical text: spans are offsets into what this returns.

    Only invisible differences are removed (line endings, odd spaces, zero-width
    and control characters, extra blank lines); quotes, dashes and case stay as
    written so that quotes from the model can be found verbatim. Idempotent.
    """
    text = raw
    # Each regex pass costs tens of microseconds on a 3 KB article, so steps
    # run only when a single scan (or a substring test) says they are needed.
    if _ODD.search(text):
        text = _NEWLINES.sub("\n", text)
        text = _PARAGRAPH_SEP.sub("\n\n", text)
        text = _INVISIBLE.sub("", text)
        text = _SPACES.sub(" ", text)
    elif "  " in text:
        text = _PLAIN_SPACES.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _LINE_EDGE_SPACE.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    # NFC last: removing a zero-width character can bring a base letter and a
    # combining mark together, and NFC creates no spaces or controls of its own.
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.strip()


# --------------------------------------------------------------------------- page furniture

_MAX_FURNITURE_LINE = 150

# Lines that are furniture only when they are nothing else (give or take
# trailing punctuation or a counter): "Print" must not catch "Printing presses ...".
_WHOLE_LINE = [
    r"exit mobile version",
    r"share(?: (?:this|the) (?:article|story|page|post))?",
    r"share (?:on|to|via|with) (?:facebook|twitter|x|linkedin|whatsapp|reddit|telegram"
    r"|pinterest|email|e-mail|messenger|bluesky|threads)",
    r"(?:facebook|twitter|x|linkedin|whatsapp|reddit|telegram|pinterest)",
    r"tweet(?: this)?",
    r"print(?: this (?:article|story|page))?",
    r"e-?mail(?: this (?:article|story|page))?",
    r"advertisement(?: ?[-–—:] ?scroll to continue(?: with content)?)?",
    r"ad(?:vert)?",
    r"sponsored(?: content)?",
    r"skip to (?:the )?(?:main )?(?:content|navigation|article)",
    r"back to top",
    r"jump to comments?",
    r"(?:show |view |load )?comments?(?: \(\d+\))?",
    r"(?:accept|reject|allow|decline)(?: all)?(?: cookies)?",
    r"(?:manage )?cookies?(?: settings| policy| preferences| notice| consent)?",
    r"(?:privacy|cookie) (?:policy|settings|preferences)",
    r"(?:subscribe|sign up|log ?in|sign in|register)",
    r"(?:related|more|recommended|popular|trending|latest)"
    r"(?: (?:articles?|stories|stories for you|content|posts|news|from [\w ]+|videos))?",
    r"most (?:read|popular|viewed)",
    r"(?:read|see|view) (?:more|also|next)",
    r"(?:photo|image|video|credit|caption)s?",
    r"listen(?: to (?:this )?(?:article|story))?(?: \d+ min(?:utes?)?)?",
    r"\d+ min(?:ute)?s? read",
    r"(?:home|menu|search|close|open|toggle navigation)",
]
# Lines that are furniture when they start like this and stay short.
_LINE_PREFIX = [
    r"(?:read more|see also|more on this story|related (?:articles?|stories|content|posts|news))\b",
    r"we (?:use|value|and our partners use) cookies",
    r"we value your privacy",
    r"this (?:web)?site uses cookies",
    r"by (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site",
    r"(?:accept|allow|manage|reject)(?: all)? cookies",
    r"cookie (?:settings|policy|preferences|consent|notice)",
    r"subscribe (?:to|for) (?:our|the)\b.{0,60}\bnewsletters?",
    r"sign up (?:for|to)\b.{0,80}\bnewsletters?",
    r"get (?:our|the)\b.{0,60}\bnewsletters? (?:in|delivered|sent)",
    # "(c)" alone would also catch point (c) of a list, so it needs a year.
    r"(?:©|(?:\(c\)|copyright) ?©? ?\d{4})",
    r"all rights reserved",
    r"follow us (?:on|at)\b",
    r"click here (?:to|for)\b",
    r"(?:share|tweet) (?:this|on|to|via)\b",
    r"skip to (?:the )?(?:main )?content",
    r"advertisement\b",
]
_PUNCT_TAIL = r"[ \t.:!|»›>…\-–—]*(?:\(?\d+\)?)?[ \t.:!|»›>…\-–—]*"
# Matched line by line (pos/endpos), so the pattern needs no MULTILINE and
# lines too long to be furniture never reach the regex.
_FURNITURE = re.compile(
    r"[ \t|•·›»▸►*#>\-–—]*(?:"
    rf"(?:{'|'.join(_WHOLE_LINE)}){_PUNCT_TAIL}$"
    rf"|(?:{'|'.join(_LINE_PREFIX)})"
    # "… All rights reserved." ends a footer line whatever stands before it.
    rf"|.{{0,100}}\ball rights reserved{_PUNCT_TAIL}$"
    r")",
    re.IGNORECASE,
)


def find_furniture(text: str) -> list[tuple[int, int]]:
    """Ranges ``[start, end)`` of whole lines that are page chrome, not article.

    Share buttons, cookie notices and the like are kept in the text (offsets
    must not move) but no fact may be drawn from them. Only short lines that
    start like furniture count, so a sentence that mentions cookies is kept.
    """
    found: list[tuple[int, int]] = []
    start = 0
    while True:
        newline = text.find("\n", start)
        end = len(text) if newline < 0 else newline
        if 0 < end - start <= _MAX_FURNITURE_LINE and _FURNITURE.match(text, start, end):
            found.append((start, end))
        if newline < 0:
            return found
        start = newline + 1


# --------------------------------------------------------------------------- documents


def make_document(
    text: str,
    *,
    id: str | None = None,
    source: str | None = None,
    title: str | None = None,
    url: str | None = None,
    published: dt.date | str | None = None,
    warnings: list[str] | None = None,
) -> Document:
    """A :class:`Document` from raw text: cleaned, furniture marked, date parsed.

    Raises :class:`InputError` when nothing but furniture is left, since there
    would be nothing to extract from and an empty answer would look like success.
    """
    # Imported here: the schema builds pydantic models, which commands that only
    # look for files (and --help) need not wait for.
    from factsift.schema import Document

    clean = normalize_text(text)
    doc_id = id if id else "doc-" + hashlib.sha256(clean.encode("utf-8")).hexdigest()[:12]
    furniture = find_furniture(clean)
    if not _has_content(clean, furniture):
        raise InputError(source or doc_id, "empty article: no text after cleaning")
    notes = list(warnings or [])
    date, problem = _parse_date(published)
    if problem:
        notes.append(problem)
    return Document(
        id=doc_id,
        text=clean,
        source=source,
        title=_one_line(title),
        url=url or None,
        published=date,
        furniture=furniture,
        warnings=notes,
    )


def _has_content(text: str, furniture: list[tuple[int, int]]) -> bool:
    pos = 0
    for start, end in furniture:
        if text[pos:start].strip():
            return True
        pos = end
    return bool(text[pos:].strip())


def _one_line(value: str | None) -> str | None:
    if value is None:
        return None
    line = " ".join(value.split())
    return line or None


def _parse_date(value: dt.date | str | None) -> tuple[dt.date | None, str | None]:
    """The date, or None and a warning: a bad date should not lose the article."""
    if value is None:
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = value.strip()
    if not text:
        return None, None
    try:
        return dt.date.fromisoformat(text), None
    except ValueError:
        pass
    # Python 3.10's fromisoformat knows neither "Z" nor every ISO variant.
    iso = text[:-1] + "+00:00" if text[-1:] in "Zz" else text
    try:
        return dt.datetime.fromisoformat(iso).date(), None
    except ValueError:
        pass
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ][^\n]*", text):
        try:
            return dt.date.fromisoformat(text[:10]), None
        except ValueError:
            pass
    return None, f"ignored publication date {text[:40]!r}: not an ISO 8601 date"


# --------------------------------------------------------------------------- finding files


def count_articles(
    paths: Iterable[str | Path],
    *,
    follow_symlinks: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> int:
    """How many articles ``paths`` hold, cheaply: one per file, one per JSONL line.

    For a progress bar's total; a .json file holding a list counts as one, and
    the files factsift wrote that :func:`load_documents` passes over count none.
    """
    paths = [Path(p) for p in paths]
    total = 0
    for item in iter_paths(paths, follow_symlinks=follow_symlinks):
        if isinstance(item, InputError):
            total += 1
        elif item not in paths and _written_by_factsift(item):
            continue
        elif item.suffix.lower() == ".jsonl":
            try:
                with item.open("rb") as lines:
                    limit = _line_limit(max_chars)
                    total += sum(
                        1 for line in _bounded_lines(lines, limit) if line is None or line.strip()
                    )
            except OSError:
                total += 1
        else:
            total += 1
    return total


def iter_paths(
    paths: Iterable[str | Path], *, follow_symlinks: bool = False
) -> Iterator[Path | InputError]:
    """Files to read, folders expanded recursively in sorted (repeatable) order.

    Hidden files and folders inside a folder are skipped; a file named
    explicitly is always yielded, whatever its suffix. Inside a folder, a
    symbolic link is read only when it stays inside that folder, unless
    ``follow_symlinks``; a link that leads out, or nowhere, is an error.
    """
    for raw in paths:
        path = Path(raw)
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists()
        except OSError as exc:
            yield InputError(path, _os_reason(exc))
            continue
        if not exists:
            yield InputError(path, "no such file or directory")
        elif is_dir:
            yield from _walk(path, path.resolve(), follow_symlinks, set())
        else:
            yield path


def _walk(folder: Path, root: Path, follow: bool, seen: set[Path]) -> Iterator[Path | InputError]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield InputError(folder, _os_reason(exc))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        wanted = Path(entry.name).suffix.lower() in ARTICLE_SUFFIXES
        try:
            if entry.is_symlink():
                target = path.resolve()
                if not target.exists():
                    if wanted:
                        yield InputError(path, "broken symbolic link")
                    continue
                if target.is_dir():
                    # Followed only when asked, and each folder once: links can loop.
                    if follow and target not in seen:
                        seen.add(target)
                        yield from _walk(path, root, follow, seen)
                    continue
                if wanted and not follow and not target.is_relative_to(root):
                    yield InputError(
                        path,
                        f"symbolic link to {target}, outside {root}; not read "
                        "(--follow-symlinks reads it)",
                    )
                    continue
            elif entry.is_dir(follow_symlinks=False):
                yield from _walk(path, root, follow, seen)
                continue
            is_file = entry.is_file()
        except OSError:
            continue
        if is_file and wanted:
            yield path


def _os_reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return reason[:1].lower() + reason[1:]


# --------------------------------------------------------------------------- reading files


def load_documents(
    paths: Iterable[str | Path],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    exclude: Collection[Path] = (),
    follow_symlinks: bool = False,
) -> Iterator[Document | InputError]:
    """Every article in ``paths`` (files or folders), errors in place of bad ones.

    Files in ``exclude`` are passed over: a batch's own output may sit in a
    folder it reads, and must not become its input. So are the files factsift
    writes (results, reports) found in a folder; named explicitly, they are
    an error.
    """
    paths = [Path(p) for p in paths]
    skip = {p.resolve() for p in exclude}
    for item in iter_paths(paths, follow_symlinks=follow_symlinks):
        if isinstance(item, InputError):
            yield item
        elif item.resolve() not in skip:
            for loaded in load_path(item, max_chars=max_chars):
                if not isinstance(loaded, _OwnFile) or item in paths:
                    yield loaded


class _OwnFile(InputError):
    """A file factsift wrote (results, a report): never an article."""


# The mark report.py puts in its page's head.
_REPORT_MARK = re.compile(r'<meta name="generator" content="factsift\b', re.IGNORECASE)


_RESULT_FIELDS = frozenset({"id", "text", "claims", "events", "usage"})


def _is_result(record: object) -> bool:
    """Whether a JSON line is one factsift wrote: an article's facts or an error record."""
    if not isinstance(record, dict):
        return False
    if "error" in record:
        return "source" in record or "key" in record
    return record.keys() >= _RESULT_FIELDS


def holds_results(path: Path, *, lines: int = 100) -> bool:
    """Whether ``path`` may be a results file ``extract`` wrote: its first JSON line
    is an article's facts or an error record (lines that are not JSON are passed
    over), or it is empty (a run over no articles)."""
    blank = True
    try:
        with path.open("rb") as fh:
            text = (
                raw for raw in _bounded_lines(fh, 64 * 1024 * 1024) if raw is None or raw.strip()
            )
            for raw in itertools.islice(text, lines):
                blank = False
                try:
                    record = json.loads(raw) if raw is not None else None
                except ValueError:
                    continue
                if record is not None:
                    return _is_result(record)
    except OSError:
        return False
    return blank


def _written_by_factsift(path: Path) -> bool:
    """Whether ``path`` is a report or results file factsift wrote, from its first bytes."""
    suffix = path.suffix.lower()
    try:
        if suffix in _HTML_SUFFIXES:
            with path.open("rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace")
            return _REPORT_MARK.search(head) is not None
        if suffix == ".jsonl":
            return path.stat().st_size > 0 and holds_results(path, lines=1)
    except OSError:
        pass
    return False


def load_path(path: Path, *, max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Document | InputError]:
    """The articles in one file: one for text or HTML, one per record for JSON.

    Never raises for bad input; each problem is yielded as an :class:`InputError`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            yield from _load_jsonl(path, max_chars)
            return
        size = path.stat().st_size
        limit = max(_MIN_READ_LIMIT, 50 * max_chars)
        if size > limit:
            yield InputError(path, f"file is {size:,} bytes, too large to be an article")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield InputError(path, _os_reason(exc))
        return

    if _bom(data) is None and b"\x00" in data[:_BINARY_SNIFF]:
        yield InputError(path, "binary file, not text")
        return
    text, warning = _decode(data)
    if not text.strip():
        yield InputError(path, "empty file")
        return
    warnings = [warning] if warning else []

    if suffix in _HTML_SUFFIXES:
        if _REPORT_MARK.search(text, 0, 4096):
            yield _OwnFile(path, "a report written by factsift, not an article")
            return
        yield _load_html(path, text, warnings, max_chars)
    elif suffix == ".json":
        yield from _load_json(path, text, warnings, max_chars)
    else:
        yield _checked(
            path,
            max_chars,
            text,
            id=path.stem,
            source=str(path),
            title=_guess_title(normalize_text(text)),
            warnings=warnings,
        )


def _checked(
    location: str | Path, max_chars: int, text: str, **fields: Any
) -> Document | InputError:
    """make_document, with its errors and the size limit reported against ``location``."""
    try:
        doc = make_document(text, **fields)
    except InputError as exc:
        return InputError(location, exc.reason)
    if len(doc.text) > max_chars:
        return InputError(
            location,
            f"article is {len(doc.text):,} characters, over the limit of {max_chars:,} "
            "(raise it with --max-chars)",
        )
    return doc


# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
# Bytes that are not UTF-8, as "surrogateescape" decoding leaves them.
_ESCAPED = re.compile("[\udc80-\udcff]")
_VALID_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _bom(data: bytes) -> tuple[str, str] | None:
    """The codec and name of the byte-order mark ``data`` starts with, if any."""
    for mark, codec, name in _BOMS:
        if data.startswith(mark):
            return codec, name
    return None


def _byte_as_cp1252(match: re.Match[str]) -> str:
    byte = bytes([ord(match.group()) - 0xDC00])
    try:
        return byte.decode("cp1252")
    except UnicodeDecodeError:  # five bytes Windows-1252 leaves undefined
        return byte.decode("latin-1")


def _decode(data: bytes) -> tuple[str, str | None]:
    """Text and a warning: mis-encoded files are common and still worth reading.

    A byte-order mark names the encoding. Otherwise the text is UTF-8, and each
    byte that is not (a Latin-1 or Windows-1252 character pasted into a UTF-8
    file, or a whole file in that encoding) is read as Windows-1252 on its own,
    so the valid UTF-8 around it survives.
    """
    if (bom := _bom(data)) is not None:
        codec, name = bom
        try:
            return data.decode(codec), None
        except UnicodeDecodeError as exc:
            text = data.decode(codec, errors="replace")
            return text, f"not valid {name} (at byte offset {exc.start}); bad bytes replaced"
    text = data.decode("utf-8", errors="surrogateescape")
    bad = _ESCAPED.search(text)
    if bad is None:
        return text, None
    offset = len(text[: bad.start()].encode("utf-8", "surrogateescape"))
    where = f"0x{ord(bad.group()) - 0xDC00:02x} at offset {offset}"
    count = len(_ESCAPED.findall(text))
    mixed = _VALID_NON_ASCII.search(text) is not None
    text = _ESCAPED.sub(_byte_as_cp1252, text)
    if not mixed:
        return text, f"not valid UTF-8 (byte {where}); decoded as Windows-1252"
    many = f"{count} bytes, the first" if count > 1 else "byte"
    return text, f"not valid UTF-8 ({many} {where}); read as Windows-1252, the rest as UTF-8"


_MARKUP_EDGES = re.compile(r"^[#>*_\s]+|[*_\s]+$")


def _guess_title(text: str) -> str | None:
    """The first line when it looks like a headline: short, not a sentence."""
    first, sep, rest = text.strip().partition("\n")
    if not sep or not rest.strip():
        return None
    title = _MARKUP_EDGES.sub("", first)
    if not title or len(title) > 200 or title.rstrip("”’\"')")[-1:] in (".", ",", ";", ":"):
        return None
    return title


def _load_html(path: Path, html: str, warnings: list[str], max_chars: int) -> Document | InputError:
    try:
        import trafilatura
    except ImportError:
        return InputError(path, "reading HTML needs the html extra: pip install 'factsift[html]'")
    try:
        result = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
        )
    except Exception as exc:  # trafilatura/lxml raise many types on odd pages
        return InputError(path, f"could not parse the HTML: {_first_line(exc)}")
    body = _field(result, "text")
    if not body or not body.strip():
        return InputError(path, "no article text found in the HTML page")
    # trafilatura puts one block per line; blank lines make them paragraphs,
    # as in the plain-text articles.
    body = re.sub(r"\n+", "\n\n", body.strip())
    title = _field(result, "title")
    if title and not _starts_with(body, title):
        body = f"{title}\n\n{body}"
    return _checked(
        path,
        max_chars,
        body,
        id=path.stem,
        source=str(path),
        title=title,
        url=_field(result, "url"),
        published=_field(result, "date"),
        warnings=warnings,
    )


def _field(result: object, name: str) -> str | None:
    """A string field of trafilatura's result (a dict in 1.x, an object in 2.x)."""
    value = result.get(name) if isinstance(result, dict) else getattr(result, name, None)
    return value if isinstance(value, str) and value.strip() else None


def _starts_with(text: str, prefix: str) -> bool:
    head = " ".join(text[: len(prefix) + 20].split()).casefold()
    return head.startswith(" ".join(prefix.split()).casefold())


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# --------------------------------------------------------------------------- JSON records

_RECORD_FIELDS = ("id", "title", "published", "url", "source")


def _load_json(
    path: Path, text: str, warnings: list[str], max_chars: int
) -> Iterator[Document | InputError]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        yield InputError(path, f"malformed JSON: {exc}")
        return
    records = value if isinstance(value, list) else [value]
    if not records:
        yield InputError(path, "the JSON file holds no records")
    for n, record in enumerate(records, start=1):
        yield _record(path, f"{path}#{n}", n, record, warnings, max_chars)


def _line_limit(max_chars: int) -> int:
    # A record is its text, escaped (at most 6 bytes a character, as \\uXXXX),
    # and a few fields; anything longer cannot hold an article under the limit.
    return 6 * max_chars + 64 * 1024


def _bounded_lines(fh: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The lines of ``fh``, None for one over ``limit`` bytes: never held whole."""
    while line := fh.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
            pass
        yield None


def _load_jsonl(path: Path, max_chars: int) -> Iterator[Document | InputError]:
    # Read line by line, each line bounded: a JSONL corpus may be far larger than
    # one article, and one line of it too.
    limit = _line_limit(max_chars)
    with path.open("rb") as fh:
        head = fh.read(_BINARY_SNIFF)
        if (bom := _bom(head)) is not None and bom[1] != "UTF-8":
            yield InputError(path, f"JSON Lines must be UTF-8, this file is {bom[1]}; convert it")
            return
        if b"\x00" in head:
            yield InputError(path, "binary file, not text")
            return
        fh.seek(0)
        seen_text = False
        for lineno, raw in enumerate(_bounded_lines(fh, limit), start=1):
            where = f"{path}:{lineno}"
            if raw is None:
                seen_text = True
                yield InputError(
                    where,
                    f"line is over {limit:,} bytes, too long for an article of at most "
                    f"{max_chars:,} characters (raise it with --max-chars)",
                )
                continue
            line, warning = _decode(raw)
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                seen_text = True
                # str(exc) would count lines within this one line; the column is what helps.
                yield InputError(where, f"malformed JSON: {exc.msg} (column {exc.colno})")
                continue
            if not seen_text and _is_result(record):
                yield _OwnFile(path, "results written by factsift, not articles")
                return
            seen_text = True
            notes = [warning.replace("offset", "line offset")] if warning else []
            yield _record(path, where, lineno, record, notes, max_chars)
    if not seen_text:
        yield InputError(path, "empty file")


def _record(
    path: Path, where: str, n: int, record: object, warnings: list[str], max_chars: int
) -> Document | InputError:
    if not isinstance(record, dict):
        return InputError(where, f"record is a JSON {type(record).__name__}, not an object")
    text = record.get("text")
    if not isinstance(text, str):
        return InputError(where, 'record has no "text" string')
    notes = list(warnings)
    fields: dict[str, str | None] = {}
    for name in _RECORD_FIELDS:
        value = record.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "id":
            value = str(value)
        if value is not None and not isinstance(value, str):
            notes.append(f'record field "{name}" is not a string; ignored')
            value = None
        fields[name] = value or None
    return _checked(
        where,
        max_chars,
        text,
        id=fields["id"] or f"{path.stem}#{n}",
        source=fields["source"] or str(path),
        title=fields["title"],
        url=fields["url"],
        published=fields["published"],
        warnings=notes,
    )
