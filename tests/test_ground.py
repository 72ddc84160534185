"""Quote alignment (_pipeline.ground): every Span points at the article's own characters."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factsift._pipeline.ground import TextIndex, Unaligned, align_quote, normalize_quote
from factsift.schema import Alignment, Span

SENTENCE = "The regional committee approved the new budget proposal on Wednesday evening."
TEXT = (
    "Officials met in the capital on Monday. "
    + SENTENCE
    + " The mayor said the talks would resume next week. "
    + "Critics said the budget was too small."
)


def _region(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def _assert_grounded(text: str, span: Span) -> None:
    assert 0 <= span.start <= span.end <= len(text)
    assert text[span.start : span.end] == span.text


def _align(quote: str, text: str, region: tuple[int, int] | None = None, **kw: float) -> Span:
    result = align_quote(quote, TextIndex(text), region or (0, len(text)), **kw)
    assert isinstance(result, Span), result
    _assert_grounded(text, result)
    return result


# --- exact -------------------------------------------------------------------------------------


def test_exact_match() -> None:
    span = _align("the talks would resume", TEXT)
    assert span.alignment is Alignment.exact
    assert span.score == 100.0
    assert span.start == TEXT.index("the talks would resume")
    assert span.text == "the talks would resume"


def test_exact_prefers_the_occurrence_inside_region() -> None:
    text = "The minister resigned. Later, reporters asked why. The minister resigned."
    second = text.rindex("The minister resigned")
    assert second != text.index("The minister resigned")
    span = _align("The minister resigned", text, (second, len(text)))
    assert span.start == second
    span_first = _align("The minister resigned", text, (0, 22))
    assert span_first.start == 0


def test_exact_falls_back_to_whole_text() -> None:
    region = _region(TEXT, "Officials met in the capital on Monday.")
    span = _align("Critics said the budget was too small", TEXT, region)
    assert span.alignment is Alignment.exact
    assert span.start == TEXT.index("Critics said")


# --- normalized --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quote", "original"),
    [
        (
            "Before. She said \u201cWe will not yield\u201d and left. After.",
            'She said "We will not yield" and left',
            "She said \u201cWe will not yield\u201d and left",
        ),
        (
            "Before. It\u2019s the minister\u2019s call. After.",
            "It's the minister's call",
            "It\u2019s the minister\u2019s call",
        ),
        ("Before. The Prime Minister Said So. After.", "the prime minister said so", None),
        ("Before. The minister\n   said  so today. After.", "The minister said so today", None),
        ("Before. The minister said so today. After.", "The   minister\nsaid so  today", None),
        ("Before. A 2014\u20132016 plan \u2014 dead. After.", "A 2014-2016 plan - dead", None),
        ("Before. A cease\u2011fire held. After.", "A cease-fire held", None),
        ("Before. Price:\u00a0ten dollars. After.", "Price: ten dollars", None),
    ],
    ids=["curly-double", "curly-single", "case", "text-whitespace", "quote-whitespace", "dashes",
         "nb-hyphen", "nbsp"],
)  # fmt: skip
def test_normalized_match_returns_original_text(
    text: str, quote: str, original: str | None
) -> None:
    assert quote not in text
    span = _align(quote, text)
    assert span.alignment is Alignment.normalized
    assert span.score == 100.0
    if original is not None:
        assert span.text == original
    assert span.text != quote
    assert normalize_quote(span.text) == normalize_quote(quote)


def test_normalized_prefers_region() -> None:
    text = "The Minister Resigned on Friday. Nothing else. The Minister  Resigned on Friday."
    second = text.rindex("The Minister")
    span = _align("the minister resigned on friday", text, (second, len(text)))
    assert span.alignment is Alignment.normalized
    assert span.start == second
    assert span.text == "The Minister  Resigned on Friday"


def test_normalize_quote() -> None:
    assert normalize_quote("  \u201cHello\u201d \n\t World\u2014OK  ") == '"hello" world-ok'
    assert normalize_quote("") == ""


# --- fuzzy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [lambda q: q.replace("budget", "budgt"), lambda q: q.replace("approved", "approvad")],
    ids=["dropped", "changed"],
)
def test_fuzzy_inside_region_snaps_to_words(edit: object) -> None:
    quote = SENTENCE[4:66]  # "regional ... on Wednesd": cuts the last word
    assert len(quote) >= 60
    assert quote.endswith("Wednesd")
    bad = edit(quote)  # type: ignore[operator]
    assert bad != quote and bad not in TEXT
    span = _align(bad, TEXT, _region(TEXT, SENTENCE))
    assert span.alignment is Alignment.fuzzy
    assert span.score >= 90
    start, end = span.start, span.end
    # Whole words: no letter on either side of the span.
    assert start == 0 or not TEXT[start - 1].isalnum()
    assert end == len(TEXT) or not TEXT[end].isalnum()
    assert span.text == "regional committee approved the new budget proposal on Wednesday"


def test_fuzzy_is_bounded_to_region() -> None:
    quote = SENTENCE[4:66].replace("budget", "budgt")
    elsewhere = _region(TEXT, "Critics said the budget was too small.")
    result = align_quote(quote, TextIndex(TEXT), elsewhere)
    assert isinstance(result, Unaligned)
    assert "budgt" in result.reason


def test_fuzzy_rejects_quote_much_longer_than_match() -> None:
    quote = "The mayor said the talks would resume next week and that taxes would fall sharply"
    result = align_quote(quote, TextIndex(TEXT), (0, len(TEXT)), fuzzy_threshold=80)
    assert isinstance(result, Unaligned)


@pytest.mark.parametrize("quote", ["Mondy", "Mondaay", "capitl", "Mondai!"])
def test_short_quotes_never_fuzzy(quote: str) -> None:
    assert len(normalize_quote(quote)) < 8
    result = align_quote(quote, TextIndex(TEXT), (0, len(TEXT)), fuzzy_threshold=0)
    assert isinstance(result, Unaligned)


# --- failures ----------------------------------------------------------------------------------


def test_fabricated_quote_is_unaligned_with_reason() -> None:
    quote = "The moon is made of green cheese, officials confirmed"
    result = align_quote(quote, TextIndex(TEXT), (0, len(TEXT)))
    assert isinstance(result, Unaligned)
    assert "moon is made of green cheese" in result.reason
    assert "not in the article" in result.reason


def test_long_fabricated_quote_reason_is_shortened() -> None:
    quote = "fabricated words " * 20
    result = align_quote(quote, TextIndex(TEXT), (0, len(TEXT)))
    assert isinstance(result, Unaligned)
    assert len(result.reason) < 150
    assert "fabricated words" in result.reason


@pytest.mark.parametrize("quote", ["", "   ", '""', "\u201c\u201d", "[3] ", "..."])
def test_empty_quote_is_unaligned(quote: str) -> None:
    result = align_quote(quote, TextIndex(TEXT), (0, len(TEXT)))
    assert isinstance(result, Unaligned)
    assert "empty" in result.reason


@pytest.mark.parametrize(
    "quote",
    [
        '"the talks would resume"',
        "\u201cthe talks would resume\u201d",
        "'the talks would resume.'",
        "[3] the talks would resume",
        "[12]the talks would resume",
        " [3] \u201cthe talks would resume\u201d ",
    ],
)
def test_wrapped_or_tagged_quote_aligns(quote: str) -> None:
    span = _align(quote, TEXT, _region(TEXT, "The mayor said the talks would resume next week."))
    assert span.text == "the talks would resume"
    assert span.alignment is Alignment.exact


def test_tagged_quote_with_normalization() -> None:
    span = _align("[2] THE TALKS WOULD  RESUME", TEXT)
    assert span.alignment is Alignment.normalized
    assert span.text == "the talks would resume"


def test_quote_in_furniture_is_unaligned() -> None:
    furniture = "Share this article on Facebook"
    text = f"The minister resigned on Friday. {furniture}. Exit mobile version"
    start = text.index(furniture)
    index = TextIndex(text, furniture=((start, len(text)),))
    result = align_quote(furniture, index, (0, len(text)))
    assert isinstance(result, Unaligned)
    assert "page furniture" in result.reason
    # Article text next to the furniture still aligns.
    ok = align_quote("The minister resigned", index, (0, len(text)))
    assert isinstance(ok, Span)


def test_normalized_quote_in_furniture_is_unaligned() -> None:
    text = "Body text here. SHARE  THIS  STORY"
    start = text.index("SHARE")
    index = TextIndex(text, furniture=((start, len(text)),))
    result = align_quote("share this story", index, (0, len(text)))
    assert isinstance(result, Unaligned)
    assert "page furniture" in result.reason


def test_quote_also_in_article_text_skips_furniture_occurrence() -> None:
    text = "Related: Minister resigns. Body. Minister resigns after the vote, aides said."
    index = TextIndex(text, furniture=((0, 26),))
    # The model cited the wrong sentence (region holds neither occurrence).
    result = align_quote("Minister resigns", index, (27, 32))
    assert isinstance(result, Span)
    assert result.start == text.rindex("Minister resigns")


def test_dotted_capital_i_does_not_disable_normalized_matching() -> None:
    text = "İstanbul, Monday. The  Minister said the talks would resume."
    span = _align("The Minister said", text)
    assert span.text == "The  Minister said"


def test_dotted_capital_i_exact_still_works() -> None:
    text = "Talks in İstanbul ended. The Minister said so."
    span = _align("İstanbul", text)
    assert span.alignment is Alignment.exact


# --- long text ---------------------------------------------------------------------------------


def test_long_text_quotes_near_end_with_region() -> None:
    sentences = [
        f"Sentence number {i} reports that the council discussed item {i * 7} at length."
        for i in range(4000)
    ]
    text = " ".join(sentences)
    assert len(text) > 300_000
    index = TextIndex(text)
    starts = []
    pos = 0
    for s in sentences:
        starts.append(pos)
        pos += len(s) + 1
    for k, i in enumerate(range(3800, 4000)):
        region = (starts[i], starts[i] + len(sentences[i]))
        sentence = sentences[i]
        quote = sentence[:-1]
        if k % 3 == 1:
            quote = quote.upper()
        elif k % 3 == 2:
            quote = quote.replace("discussed", "discused")
        result = align_quote(quote, index, region)
        assert isinstance(result, Span), (i, result)
        _assert_grounded(text, result)
        # Each quote lands in its own sentence, not in an earlier look-alike.
        assert region[0] <= result.start < result.end <= region[1], (i, result)
        expected = {0: Alignment.exact, 1: Alignment.normalized, 2: Alignment.fuzzy}[k % 3]
        assert result.alignment is expected


# --- the core promise, as a property -----------------------------------------------------------

_ALPHABET = st.sampled_from(
    [
        *"abcdefghij ABCDEF.,;:!?'\"-[]0123",
        *("\u201c", "\u201d", "\u2019", "\u2018", "\u2014", "\u2013", "\u00e9", "\u0130", "\u00df"),
        *("\n", "\t", "  ", "\n\n", "\u00a0", "\u2028", "\u0131", "\ufb01"),
    ]
)
_TEXTS = st.lists(_ALPHABET, min_size=0, max_size=120).map("".join)
_SWAPS = str.maketrans({"'": "\u2019", '"': "\u201c", "\u201c": '"', "\u2019": "'", "-": "\u2014"})


def _perturb(quote: str, how: str) -> str:
    if how == "upper":
        return quote.upper()
    if how == "lower":
        return quote.lower()
    if how == "swapcase":
        return quote.swapcase()
    if how == "collapse":
        return re.sub(r"\s+", " ", quote)
    if how == "expand":
        return quote.replace(" ", "  \n")
    if how == "swap-quotes":
        return quote.translate(_SWAPS)
    if how == "drop-char" and len(quote) > 2:
        mid = len(quote) // 2
        return quote[:mid] + quote[mid + 1 :]
    if how == "wrap":
        return f'"{quote}"'
    if how == "tag":
        return f"[7] {quote}"
    return quote


@settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    text=_TEXTS,
    data=st.data(),
    how=st.sampled_from(
        ["none", "upper", "lower", "swapcase", "collapse", "expand", "swap-quotes", "drop-char",
         "wrap", "tag"]
    ),
)  # fmt: skip
def test_any_returned_span_is_grounded(text: str, data: st.DataObject, how: str) -> None:
    n = len(text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(start, n))
    r_start = data.draw(st.integers(0, n))
    r_end = data.draw(st.integers(r_start, n))
    quote = _perturb(text[start:end], how)
    threshold = data.draw(st.sampled_from([90.0, 60.0]))
    result = align_quote(quote, TextIndex(text), (r_start, r_end), fuzzy_threshold=threshold)
    if isinstance(result, Span):
        _assert_grounded(text, result)
        assert 0 <= result.score <= 100
    else:
        assert isinstance(result, Unaligned) and result.reason


@settings(max_examples=200, deadline=None, database=None)
@given(text=_TEXTS, data=st.data())
def test_exact_substrings_always_align_exactly(text: str, data: st.DataObject) -> None:
    n = len(text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(start, n))
    quote = text[start:end]
    r_start = data.draw(st.integers(0, n))
    r_end = data.draw(st.integers(r_start, n))
    result = align_quote(quote, TextIndex(text), (r_start, r_end))
    if not any(c.isalnum() for c in quote):
        # Punctuation and spaces alone are no evidence of anything.
        assert isinstance(result, Unaligned)
        return
    assert isinstance(result, Span), (quote, result)
    _assert_grounded(text, result)
    assert result.alignment is Alignment.exact
    assert result.text == quote
