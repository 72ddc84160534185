"""Words of a claim as the linker compares them: content stems, numbers, polarity, dates.

Pure functions of a string. The word lists are general English lexicons, each cited
where it is defined; nothing here comes from an evaluation text.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from factsift._pipeline.timex import resolve_time

__all__ = ["Features", "features", "fold", "is_common_word"]

# Function words: the Snowball English stop list (snowballstem.org/algorithms/english/stop.txt),
# without its negations, which carry polarity here.
_STOP = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing would should could ought a an the and but if or because as until while of
    at by for with about against between into through during before after above below to
    from up down in out on off over under again further then once here there when where why
    how all any both each few more most other some such only own same so than too very s t
    can will just don now also may might must shall""".split()
)
# Reporting verbs and nouns only say who asserts: attribution, not content (the
# communication verbs of Levin 1993, §37, that news uses most).
_REPORTING = frozenset(
    """say said says saying told tell tells according announce announced statement
    stated states report reported reports claim claimed claims added adds""".split()
)
# Negation cues of the *SEM 2012 shared task (Morante and Blanco 2012) and the negative
# source-introducing predicates of FactBank (Saurí and Pustejovsky 2009).
_NEGATION = frozenset(
    """not no never nothing nobody none nor neither without n't cannot deny denied denies
    denying denial reject rejected rejects rejecting refute refuted refutes dismissed
    false untrue baseless""".split()
)
# English cardinal number words (any grammar of English numerals).
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
}
_SCALES = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "k": 1e3}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "january february march april may june july august september october november december"
).split()

_WORD = re.compile(r"\d[\d,]*(?:\.\d+)?[a-z]*|[^\W\d_]+(?:['’][^\W\d_]+)*")
_TIME_PHRASE = re.compile(
    r"\b(?:(?:on|last|next|this)\s+)?(?:" + "|".join(_WEEKDAYS) + r")\b"
    r"|\b\d{1,2}\s+(?:" + "|".join(_MONTHS) + r")(?:\s+\d{4})?\b"
    r"|\b(?:" + "|".join(_MONTHS) + r")\s+\d{1,2}(?:,?\s+\d{4})?\b"
    r"|\b(?:yesterday|today|last\s+week|last\s+month)\b",
    re.I,
)
# A Snowball stemmer keeps the word it works on in itself: one per thread.
_stemmers = threading.local()


def fold(text: str) -> str:
    """Case- and accent-free form, for matching names and words."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def is_common_word(word: str) -> bool:
    """A function, reporting, negation, number or calendar word: never a name on its own."""
    w = fold(word)
    return (
        w in _STOP
        or w in _REPORTING
        or w in _NEGATION
        or w in _NUMBER_WORDS
        or w in _WEEKDAYS
        or w in _MONTHS
        or w in _SCALES
    )


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


@dataclass(frozen=True)
class Features:
    """What the comparison of two claims looks at."""

    tokens: frozenset[str]
    """Content stems: no function words, reporting words, negations, numbers or dates."""
    numbers: tuple[tuple[float, str], ...]
    """Each number with the content stem it counts (the next one, else the one before)."""
    negated: bool
    dates: tuple[str, ...]
    """Time expressions resolved against the publication date (ISO dates or intervals)."""


def _number(word: str) -> float | None:
    if word in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[word])
    if not word[0].isdigit():
        return None
    m = re.fullmatch(r"(\d[\d,]*(?:\.\d+)?)([a-z]*)", word)
    if not m:
        return None
    value = float(m[1].replace(",", ""))
    return value * _SCALES.get(m[2], 1.0)


def features(
    statement: str,
    *,
    denied: bool = False,
    time: str | None = None,
    published: dt.date | None = None,
) -> Features:
    """The features of one claim statement; ``denied`` is its certainty, ``time`` its
    normalised time if extraction resolved one."""
    words = _WORD.findall(fold(statement).replace("’", "'"))
    tokens: list[str] = []
    numbers: list[tuple[float, int]] = []
    negated = denied
    stems: list[str | None] = []
    for i, word in enumerate(words):
        value = _number(word)
        if value is not None:
            if word in _SCALES and numbers:
                continue
            scale = _SCALES.get(words[i + 1], 1.0) if i + 1 < len(words) else 1.0
            numbers.append((value * scale, i))
            stems.append(None)
            continue
        if word.endswith("n't") or word in _NEGATION:
            negated = True
            stems.append(None)
            continue
        if word in _STOP or word in _REPORTING or word in _SCALES or word in _WEEKDAYS:
            stems.append(None)
            continue
        stem = _stem(word.removesuffix("'s"))
        stems.append(stem)
        tokens.append(stem)
    counted: list[tuple[float, str]] = []
    for value, i in numbers:
        after = next((s for s in stems[i + 1 : i + 4] if s), None)
        before = next((s for s in reversed(stems[max(0, i - 3) : i]) if s), None)
        counted.append((value, after or before or ""))
    dates: list[str] = [time] if time else []
    if not dates:
        for phrase in _TIME_PHRASE.findall(statement):
            resolved = resolve_time(phrase, published)
            if resolved:
                dates.append(resolved)
    return Features(frozenset(tokens), tuple(counted), negated, tuple(dates))
