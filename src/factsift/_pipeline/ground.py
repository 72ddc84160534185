"""Alignment: find the model's quotes in the article's text.

The model never gives offsets; it copies words. This module turns a copied
quote into a :class:`~factsift.schema.Span` whose ``text`` is taken from the
article itself, so ``text[span.start:span.end] == span.text`` holds by
construction. Matching is tried in order of strictness:

1. exact: the quote occurs verbatim (the cited region first, then anywhere);
2. normalized: it occurs once whitespace, quote characters, dashes and case
   are normalised on both sides;
3. fuzzy: a close match (rapidfuzz) *inside the cited sentences only*, so the
   cost stays linear in the region and never scans the whole article.

Everything here is pure: plain strings in, spans or reasons out.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

from factsift.schema import Alignment, Span

__all__ = ["TextIndex", "Unaligned", "align_quote"]

# One-to-one character substitutions, so normalising never changes offsets.
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_SPACE_RUN = re.compile(r"\s+")
_SENTENCE_TAG = re.compile(r"^\s*\[\d+\]\s*")
_OUTER_JUNK = "\"'“”‘’«»…."
_MIN_FUZZY_CHARS = 8


@dataclass(frozen=True, slots=True)
class Unaligned:
    """Why a quote could not be found; the text goes back to the model."""

    reason: str


def _fold(text: str) -> str:
    """Same-length normalisation: quote characters, dashes, case."""
    folded = text.translate(_CHAR_MAP)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    # A few characters ("İ") lower to two; leave just those as they are, so offsets hold.
    return "".join(c if len(low := c.lower()) != 1 else low for c in folded)


def normalize_quote(quote: str) -> str:
    """Normalise a quote the same way :class:`TextIndex` normalises the text."""
    return _SPACE_RUN.sub(" ", _fold(quote)).strip()


@dataclass
class TextIndex:
    """A document's text with a lazily built normalised copy for matching.

    ``origin[i]`` is the offset in ``text`` of character ``i`` of ``norm``;
    the normalised copy is built once per document, and only if some quote
    fails to match exactly.
    """

    text: str
    furniture: tuple[tuple[int, int], ...] = ()

    @cached_property
    def _normalized(self) -> tuple[str, list[int]]:
        folded = _fold(self.text)
        parts: list[str] = []
        origin: list[int] = []
        pos = 0
        for run in _SPACE_RUN.finditer(folded):
            parts.append(folded[pos : run.start()])
            origin.extend(range(pos, run.start()))
            parts.append(" ")
            origin.append(run.start())
            pos = run.end()
        parts.append(folded[pos:])
        origin.extend(range(pos, len(folded)))
        return "".join(parts), origin

    @property
    def norm(self) -> str:
        return self._normalized[0]

    @property
    def origin(self) -> list[int]:
        return self._normalized[1]

    def norm_offset(self, offset: int) -> int:
        """The first normalised position at or after text offset ``offset``."""
        return bisect_left(self.origin, offset)

    def in_furniture(self, start: int, end: int) -> bool:
        return any(start < f_end and f_start < end for f_start, f_end in self.furniture)


def _span(index: TextIndex, start: int, end: int, how: Alignment, score: float) -> Span:
    return Span(start=start, end=end, text=index.text[start:end], alignment=how, score=score)


def _find_nearest(
    haystack: str,
    needle: str,
    regions: Sequence[tuple[int, int]],
    blocked: Callable[[int, int], bool],
) -> int:
    """Offset of ``needle``: the first occurrence that is not ``blocked`` inside the
    first region that has one, else anywhere; -1 if none."""
    for lo, hi in (*regions, (0, len(haystack))):
        found = haystack.find(needle, lo, hi)
        while found >= 0 and blocked(found, found + len(needle)):
            found = haystack.find(needle, found + 1, hi)
        if found >= 0:
            return found
    return -1


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a fuzzy match that cuts a word in two; trim spaces and stray punctuation."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end and not text[start].isalnum() and text[start] not in "\"“‘'(":
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def align_quote(
    quote: str,
    index: TextIndex,
    region: tuple[int, int],
    *,
    fuzzy_threshold: float = 90.0,
    prefer: Sequence[tuple[int, int]] = (),
    avoid: Collection[int] = (),
) -> Span | Unaligned:
    """Locate ``quote`` in ``index.text``.

    ``region`` is the stretch of text the model cited (its sentences, or the
    window it was shown). Exact and normalised matches are looked for first in
    each of the narrower ``prefer`` regions, then in ``region``, then anywhere;
    fuzzy matches must lie inside ``region``. Occurrences starting at an offset
    in ``avoid`` (taken by a sibling: "killed" quoted by two events) are passed
    over while another occurrence exists.
    """
    cleaned = _SENTENCE_TAG.sub("", quote).strip().strip(_OUTER_JUNK).strip()
    if not any(c.isalnum() for c in cleaned):
        return Unaligned("empty quote: it has no words")
    regions = (*prefer, region)
    found = _align(quote, cleaned, index, regions, fuzzy_threshold, frozenset(avoid))
    if found is None and avoid:
        found = _align(quote, cleaned, index, regions, fuzzy_threshold, frozenset())
    if found is None:
        return Unaligned(f"{_preview(quote)} is not in the article")
    if index.in_furniture(found.start, found.end):
        return Unaligned(f"{_preview(quote)} is page furniture, not article text")
    return found


def _align(
    quote: str,
    cleaned: str,
    index: TextIndex,
    regions: Sequence[tuple[int, int]],
    threshold: float,
    taken: frozenset[int],
) -> Span | None:
    def blocked(start: int, end: int) -> bool:
        return start in taken or index.in_furniture(start, end)

    for candidate in dict.fromkeys((quote, cleaned)):
        at = _find_nearest(index.text, candidate, regions, blocked)
        if at >= 0:
            return _span(index, at, at + len(candidate), Alignment.exact, 100.0)
    found = _align_normalized(cleaned, index, regions, blocked)
    if found is None and not taken:
        found = _align_fuzzy(cleaned, index, regions[-1], threshold)
    return found


def _align_normalized(
    quote: str,
    index: TextIndex,
    regions: Sequence[tuple[int, int]],
    blocked: Callable[[int, int], bool],
) -> Span | None:
    needle = normalize_quote(quote)
    if not needle:
        return None
    origin = index.origin

    def blocked_norm(a: int, b: int) -> bool:
        return blocked(origin[a], origin[b - 1] + 1)

    norm_regions = [(index.norm_offset(lo), index.norm_offset(hi)) for lo, hi in regions]
    at = _find_nearest(index.norm, needle, norm_regions, blocked_norm)
    if at < 0:
        return None
    start = origin[at]
    end = origin[at + len(needle) - 1] + 1
    return _span(index, start, end, Alignment.normalized, 100.0)


def _align_fuzzy(
    quote: str, index: TextIndex, region: tuple[int, int], threshold: float
) -> Span | None:
    needle = normalize_quote(quote)
    if len(needle) < _MIN_FUZZY_CHARS:
        return None
    lo, hi = index.norm_offset(region[0]), index.norm_offset(region[1])
    hay = index.norm[lo:hi]
    if not hay:
        return None
    match = fuzz.partial_ratio_alignment(needle, hay, score_cutoff=threshold)
    if match is None:
        return None
    n_start, n_end = lo + match.dest_start, lo + match.dest_end
    if n_end <= n_start:
        return None
    start = index.origin[n_start]
    end = index.origin[n_end - 1] + 1
    start, end = _snap_to_words(index.text, start, end)
    # A partial match much shorter than the quote means the model wrote more
    # than the article says: that is not grounding.
    if end - start < 0.8 * len(needle):
        return None
    return _span(index, start, end, Alignment.fuzzy, round(float(match.score), 1))


def _preview(quote: str, limit: int = 80) -> str:
    flat = _SPACE_RUN.sub(" ", quote).strip()
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
