"""Sentence splitting and windowing (factsift._pipeline.segment)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from factsift._pipeline.documents import find_furniture, normalize_text
from factsift._pipeline.segment import (
    Sentence,
    Window,
    _sentences_in,
    estimate_tokens,
    make_windows,
    split_sentences,
)

#: A news article written for the tests, with page furniture at its end.
ARTICLE = Path(__file__).parent / "data" / "harbour-pact.txt"
EXAMPLES = Path(__file__).parents[1] / "examples" / "articles"


def _texts(text: str, skip: list[tuple[int, int]] | None = None) -> list[str]:
    sentences = split_sentences(text, skip or ())
    _check_offsets(text, sentences)
    return [text[s.start : s.end] for s in sentences]


def _check_offsets(text: str, sentences: list[Sentence]) -> None:
    previous_end = 0
    for i, s in enumerate(sentences):
        piece = text[s.start : s.end]
        assert piece and piece == piece.strip(), (s, piece)
        assert s.index == i
        assert s.start >= previous_end
        previous_end = s.end


def _article() -> str:
    return normalize_text(ARTICLE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- split_sentences


def test_simple_sentences() -> None:
    assert _texts("One thing happened. Then another! Did it? Yes.") == [
        "One thing happened.",
        "Then another!",
        "Did it?",
        "Yes.",
    ]


def test_newlines_are_hard_boundaries() -> None:
    text = (
        "A headline without a full stop\n\nFirst para. Second sentence.\n- a list item\n- another"
    )
    assert _texts(text) == [
        "A headline without a full stop",
        "First para.",
        "Second sentence.",
        "- a list item",
        "- another",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Mr. Smith met Dr. Jones and Gen. Lee in Baku.",
        "Prof. Ana Ruiz joined Acme Inc. Board members agreed.",
        "The U.S. Senate and the U.K. Parliament voted.",
        "Fruit, e.g. Apples, was sold.",
        "J. R. Smith and A. Jones signed it.",
        "Growth was 3.5 per cent, up from 2.25 per cent.",
        "It opened on Jan. 5 at No. 10 Downing Street.",
        "Talks with St. Petersburg officials resumed.",
        "Lt. Col. Ward and Sgt. Brown were there.",
    ],
)
def test_no_split_after_abbreviations_initials_or_decimals(sentence: str) -> None:
    assert _texts(sentence) == [sentence]


def test_no_is_an_abbreviation_only_before_a_number() -> None:
    assert _texts("He said no. Then he left.") == ["He said no.", "Then he left."]


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    text = (
        "She said “it is over.” Then she left. He called it “a triumph”. "
        '"Today that changes." The crowd cheered. (He was late.) It rained.'
    )
    assert _texts(text) == [
        "She said “it is over.”",
        "Then she left.",
        "He called it “a triumph”.",
        '"Today that changes."',
        "The crowd cheered.",
        "(He was late.)",
        "It rained.",
    ]


def test_split_before_opening_quote_and_digit() -> None:
    assert _texts("He paused. “We won,” he said. 2024 was good.") == [
        "He paused.",
        "“We won,” he said.",
        "2024 was good.",
    ]


def test_no_split_before_lowercase() -> None:
    assert _texts('"Why?" she asked. "Because," he said.') == [
        '"Why?" she asked.',
        '"Because," he said.',
    ]


def test_skip_ranges_drop_sentences_and_renumber() -> None:
    text = "Real sentence one.\nShare this article\nReal sentence two.\nExit mobile version"
    skip = find_furniture(text)
    sentences = split_sentences(text, skip)
    assert [text[s.start : s.end] for s in sentences] == [
        "Real sentence one.",
        "Real sentence two.",
    ]
    assert [s.index for s in sentences] == [0, 1]


def test_skip_range_overlapping_part_of_a_sentence_drops_it() -> None:
    text = "Keep this. Drop this one. Keep that."
    start = text.index("one")
    assert _texts(text, [(start, start + 3)]) == ["Keep this.", "Keep that."]
    assert _texts(text, [(0, 0)]) == ["Keep this.", "Drop this one.", "Keep that."]


def test_empty_and_whitespace_only() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n\n \t ") == []


def test_offsets_hold_on_random_text() -> None:
    pool = ["Mr.", "Dr", "U.S.", "J.", "3.5", "word", "Word", "“Quote.”", "?", "!", ".", " ", "\n"]
    rng = random.Random(99)
    for _ in range(1000):
        text = " ".join(rng.choice(pool) for _ in range(rng.randint(0, 25)))
        sentences = split_sentences(text)
        _check_offsets(text, sentences)
        # Nothing but whitespace is lost between sentences.
        covered = "".join(text[s.start : s.end] for s in sentences)
        assert "".join(covered.split()) == "".join(text.split())


def test_article_sentences() -> None:
    text = _article()
    furniture = find_furniture(text)
    sentences = split_sentences(text, furniture)
    _check_offsets(text, sentences)
    first = text[sentences[0].start : sentences[0].end]
    assert first == ("Harbour Pact: Norland and Vestria Deepen Ties Amid Regional Strain")
    assert 15 <= len(sentences) <= 25
    assert all("Exit mobile version" not in text[s.start : s.end] for s in sentences)
    assert text[sentences[-1].start : sentences[-1].end].endswith("fishing communities worse off.")
    with_all = split_sentences(text)
    assert len(with_all) == len(sentences) + 1


def test_example_articles_split_cleanly() -> None:
    paths = sorted(EXAMPLES.glob("*.txt")) + sorted(EXAMPLES.glob("*.md"))
    if not paths:
        pytest.skip("no example articles")
    for path in paths:
        text = normalize_text(path.read_text(encoding="utf-8"))
        sentences = split_sentences(text, find_furniture(text))
        _check_offsets(text, sentences)
        assert sentences


# --------------------------------------------------------------------------- estimate_tokens


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens(0) == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens(4000) == 1000
    assert estimate_tokens(4001) == 1001


# --------------------------------------------------------------------------- make_windows


def _sentences(lengths: list[int], gap: int = 1) -> list[Sentence]:
    out: list[Sentence] = []
    pos = 0
    for i, n in enumerate(lengths):
        out.append(Sentence(i, pos, pos + n))
        pos += n + gap
    return out


def _start(sentence: Sentence) -> int:
    return sentence.start


def _window_tokens(window: Window) -> int:
    return estimate_tokens(sum(s.end - s.start for s in window.sentences))


def _check_windows(
    sentences: list[Sentence], windows: list[Window], max_tokens: int, overlap: int
) -> None:
    assert [w.index for w in windows] == list(range(len(windows)))
    covered = {s.index for w in windows for s in w.sentences}
    assert covered == {s.index for s in sentences}
    seen_up_to = -1
    for w in windows:
        idx = [s.index for s in w.sentences]
        assert sorted(set(idx)) == list(range(idx[0], idx[-1] + 1))  # consecutive
        assert w.end > seen_up_to  # always progresses
        seen_up_to = w.end
        assert w.start == w.sentences[0].start and w.end == w.sentences[-1].end
        assert _window_tokens(w) <= max_tokens


def test_empty_input_gives_no_windows() -> None:
    assert make_windows([], max_tokens=100) == []


def test_whole_article_fits_in_one_window() -> None:
    sentences = _sentences([40] * 10)
    windows = make_windows(sentences, max_tokens=100)
    assert len(windows) == 1
    assert windows[0].sentences == tuple(sentences)


def test_windows_share_overlap_sentences() -> None:
    sentences = _sentences([40] * 20)  # 10 tokens each
    windows = make_windows(sentences, max_tokens=50, overlap=2)
    _check_windows(sentences, windows, 50, 2)
    assert len(windows) > 1
    for a, b in itertools.pairwise(windows):
        assert a.sentences[-2:] == b.sentences[:2]
    assert [s.index for s in windows[0].sentences] == [0, 1, 2, 3, 4]
    assert [s.index for s in windows[1].sentences] == [3, 4, 5, 6, 7]


def test_no_overlap() -> None:
    sentences = _sentences([40] * 9)
    windows = make_windows(sentences, max_tokens=30, overlap=0)
    assert [[s.index for s in w.sentences] for w in windows] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_long_sentence_is_cut_into_pieces_that_fit() -> None:
    sentences = _sentences([40, 40, 1000, 40, 40])
    windows = make_windows(sentences, max_tokens=50, overlap=1)
    _check_windows(sentences, windows, 50, 1)
    pieces = sorted({s for w in windows for s in w.sentences if s.index == 2}, key=_start)
    assert len(pieces) == 5  # 1000 characters in pieces of at most 200
    assert (pieces[0].start, pieces[-1].end) == (sentences[2].start, sentences[2].end)
    assert all(a.end == b.start for a, b in itertools.pairwise(pieces))


def test_long_sentence_is_cut_between_words() -> None:
    words = [f"word{i:03d}" for i in range(2000)]  # a run-on "sentence" of 16 KB
    text = "Intro here. Then " + " ".join(words) + ". Outro there."
    sentences = split_sentences(text)
    assert len(sentences) == 3
    windows = make_windows(sentences, max_tokens=100, overlap=2, text=text)
    _check_windows(sentences, windows, 100, 2)
    pieces = sorted({s for w in windows for s in w.sentences if s.index == 1}, key=_start)
    assert len(pieces) > 1
    for piece in pieces:
        chunk = text[piece.start : piece.end]
        assert chunk == chunk.strip()
        assert text[piece.start - 1].isspace() and not text[piece.end].isalnum()
    # Every word is in exactly one piece, whole.
    assert (
        " ".join(text[p.start : p.end] for p in pieces)
        == text[sentences[1].start : sentences[1].end]
    )


def test_a_word_longer_than_the_window_is_cut_at_the_budget() -> None:
    text = "a" * 1000
    [sentence] = split_sentences(text)
    windows = make_windows([sentence], max_tokens=10, overlap=0, text=text)
    assert [(w.start, w.end) for w in windows] == [(i, i + 40) for i in range(0, 1000, 40)]


def test_progress_when_overlap_is_not_smaller_than_window() -> None:
    sentences = _sentences([40] * 12)
    for overlap in (2, 3, 5, 50):
        windows = make_windows(sentences, max_tokens=20, overlap=overlap)
        _check_windows(sentences, windows, 20, overlap)
        assert len(windows) <= len(sentences)


@pytest.mark.parametrize("seed", range(30))
def test_random_windows_cover_and_fit(seed: int) -> None:
    rng = random.Random(seed)
    sentences = _sentences([rng.randint(1, 400) for _ in range(rng.randint(1, 60))])
    max_tokens = rng.randint(1, 300)
    overlap = rng.randint(0, 4)
    windows = make_windows(sentences, max_tokens=max_tokens, overlap=overlap)
    _check_windows(sentences, windows, max_tokens, overlap)


def test_article_windows() -> None:
    text = _article()
    sentences = split_sentences(text, find_furniture(text))
    assert len(make_windows(sentences, max_tokens=4000)) == 1
    windows = make_windows(sentences, max_tokens=200, overlap=2)
    _check_windows(sentences, windows, 200, 2)
    assert len(windows) > 2


def test_bad_window_arguments() -> None:
    with pytest.raises(ValueError):
        make_windows(_sentences([4]), max_tokens=0)
    with pytest.raises(ValueError):
        make_windows(_sentences([4]), max_tokens=10, overlap=-1)


# --------------------------------------------------------------------------- _sentences_in


def test_sentences_in() -> None:
    sentences = _sentences([10, 10, 10, 10], gap=2)  # [0,10) [12,22) [24,34) [36,46)
    assert _sentences_in(sentences, 0, 10) == [sentences[0]]
    assert _sentences_in(sentences, 5, 13) == sentences[0:2]
    assert _sentences_in(sentences, 10, 12) == []  # the gap between two sentences
    assert _sentences_in(sentences, 0, 100) == sentences
    assert _sentences_in(sentences, 21, 25) == sentences[1:3]
    assert _sentences_in(sentences, 12, 12) == [sentences[1]]  # a point inside
    assert _sentences_in(sentences, 11, 11) == []
    assert _sentences_in([], 0, 5) == []
    assert _sentences_in(sentences, 50, 60) == []
