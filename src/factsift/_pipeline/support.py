"""Support: is the free text a model writes backed by the article?

Spans are grounded to the character by ``ground``; the words around them are
not: a claim's ``statement``, its source's ``name`` and its ``entities`` are
written by the model. This module checks them against the article.

A statement is *supported* when its words are the words of its evidence and
of the sentences it cites:

- every number in it occurs there (``7`` and ``seven``, ``3 million`` and
  ``3,000,000`` alike; ``3 billion`` is another number);
- it negates and hedges only what they negate and hedge, and keeps theirs: a
  negation or hedge reaches to the end of its clause, and each word they share
  is compared;
- it does not swap "for" and "against", "before" and "after" and the like;
- every content word occurs there, as the same lemma or stem, a derivational
  suffix ("agreed"/"agreement") or a British spelling ("defence"/"defense")
  aside, never a merely similar word ("convicted"/"convinced"), except that the
  names of the sentence before may stand for a pronoun ("he"), and a noun phrase
  of it for "the minister" or "it".

The check is lexical on purpose: it cannot tell a faithful paraphrase that
uses new words from an invented one, so it rejects both, and the prompt asks
for statements made of the article's words. Its precision and recall on a
labelled set are measured by ``bench/support.py``.

Names and entities must occur in the article (once case, whitespace, quote
characters, a possessive "'s" and a leading "the" are normalised). Everything
here is pure.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from typing import Any

import simplemma
import snowballstemmer

from factsift._pipeline.ground import TextIndex, normalize_quote
from factsift._pipeline.segment import Sentence

__all__ = [
    "Review",
    "Support",
    "check_statement",
    "in_article",
    "review_claim",
    "review_event",
]

#: NLTK's English stop-word list (nltk_data corpora/stopwords/english: the Snowball
#: project's list, snowballstem.org algorithms/english/stop.txt, plus "will", "can",
#: "just", "now"), less its negations ("no", "nor", "not": checked on their own below),
#: its quantifiers ("all", "any", "both", "each", "few", "more", "most", "only",
#: "some"), and the words of ``_CHECKED``, which change what a statement claims.
_STOP_WORDS = frozenset(
    """
    i me my myself we us our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing would will ought i'm you're he's she's it's we're they're i've
    you've we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll
    they'll isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't
    wouldn't shan't shouldn't can't cannot couldn't mustn't let's that's who's what's here's
    there's when's where's why's how's a an the and but if or because as until while of at
    by for with about against between into through during before after above below to
    from up down in out on off over under again further then once here there when where
    why how
    other such own same so than too very just now
    """.split()
)
# Modal verbs that carry the claim ("will"/"may"): they must occur in the evidence like
# content words (a hedge may stand for a hedge).
_CHECKED = frozenset("could can should may might".split())
# Stop words that say the opposite of their pair ("voted for"/"voted against"): the
# statement may not use one where its evidence uses the other.
_PAIRS = {
    a: b
    for x, y in (
        ("for", "against"),
        ("before", "after"),
        ("up", "down"),
        ("over", "under"),
        ("on", "off"),
        ("above", "below"),
    )
    for a, b in ((x, y), (y, x))
}
# Words that reverse what follows them. "n't" is matched as a suffix.
_NEGATIONS = frozenset(
    "not no never neither nor none nobody nothing nowhere cannot without".split()
)
# Verbs and adjectives that say "not" in other words: "denied that X" may become "X is not".
_NEGATIVE_POLARITY = frozenset(
    "deny refuse reject fail dismiss decline false unable lack absent".split()
)
# Negative polarity items ("has not yet", "did not threaten anyone"): they follow a
# negation without being what it denies. The common English ones listed in Wikipedia's
# "Polarity item" article.
_POLARITY_ITEMS = frozenset("yet ever anymore any anyone anybody anything anywhere".split())
# Words that make what follows them uncertain; a statement keeps them unless the claim
# is hedged.
_HEDGES = frozenset("may might could if".split())
# Words that soften what they govern in a statement, besides the hedges.
_HEDGE_CUES = frozenset("expect likely possible possibly perhaps reportedly".split())
# What ends the reach of a negation or a hedge: the end of its clause, or "and" before
# a new verb ("did not meet and was told").
_CLAUSE_END = re.compile(
    r"[;:!?—–]|[,.](?!\d)|\bbut\b"
    r"|\band(?=\s+(?:was|were|had|has|have|is|are|did|does|will|would)\b)",
    re.I,
)
_STATEMENT_CLAUSE_END = re.compile(
    r"[;:!?—–]|[.](?!\d)|\bbut\b"
    r"|\band(?=\s+(?:was|were|had|has|have|is|are|did|does|will|would)\b)",
    re.I,
)
# Quantifiers: left out of the stop words, and never taken for a name at a sentence start.
_QUANTIFIERS = frozenset("all any both each few more most only some".split())
# Pronouns a statement is asked to resolve: personal ones may stand for a name of the
# sentence before, the others for a thing it mentions.
_PERSONAL = frozenset("he him his she her hers they them their theirs".split())
_PLURAL = frozenset("they them their theirs".split())
_DETERMINERS = frozenset("the a an its their this that these those".split())
_IMPERSONAL = frozenset("it its this these those".split())
# Ways of saying who said it: one may stand for another ("according to X" -> "X said").
_REPORTING = frozenset("say tell state add accord according note".split())
_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_TENS = "thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS)} | {w: 30 + 10 * i for i, w in enumerate(_TENS)}
_ORDINAL_WORDS = {
    w: i + 1
    for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
        "twentieth".split()
    )
}
# Magnitude words are numbers: "3 million" is not "3 billion".
_MAGNITUDES = {
    "hundred": Decimal(100),
    "thousand": Decimal(1000),
    "million": Decimal(10**6),
    "billion": Decimal(10**9),
    "trillion": Decimal(10**12),
}
# Month abbreviations (as in AP style) are the month: "Jan." is "January".
_MONTHS = {
    m[:3]: m
    for m in "january february march april june july august september october november "
    "december".split()
} | {"sept": "september"}
#: Derivational suffixes that name the act of a verb ("agree"/"agreement"), after Quirk
#: et al., A Comprehensive Grammar of the English Language (1985), App. I.2; agent
#: suffixes ("-er", "-ee") are left out: an employer is not an employee.
_SUFFIXES = ("ment", "ation", "ion", "ly")
_AGENT_SUFFIXES = ("er", "ee", "or")
#: British spellings to American, after the regular patterns listed in Wikipedia's
#: "American and British English spelling differences" (-our, -ise, -yse, -ence, -tre,
#: doubled -ll-, -ogue, -mme).
_SPELLINGS = (
    (re.compile(r"(?<=\w\w\w)our(s|ed|ing|ite|ites)?$"), r"or\1"),
    (re.compile(r"(?<=\w\w)is(e|es|ed|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"^(de|of|pre)tence|^(de|of)fence|^licence"), lambda m: m[0][:-2] + "se"),
    (re.compile(r"(?<=\w\w)([tb])re(s)?$"), r"\1er\2"),
    (re.compile(r"([aeiou][^aeiou]+e)ll(ed|ing|ers?)$"), r"\1l\2"),
    (re.compile(r"ogue(s)?$"), r"og\1"),
    (re.compile(r"(?<=\w\w)mme(s)?$"), r"m\1"),
)
# Numbers (with a percent sign or an ordinal suffix), and words with their inner
# apostrophes and hyphens: "second-highest" is not "highest".
_TOKEN = re.compile(
    r"(\d(?:[\d,.]*\d)?)(%|(?:st|nd|rd|th)(?![^\W\d_]))?|([^\W\d_]+(?:['’-][^\W\d_]+)*)"
)
_POSSESSIVE = re.compile(r"['’]s$", re.I)
_PER_CENT = re.compile(r"\bper\s+cent\b", re.I)
_INITIALISM = re.compile(r"\b(?:[A-Za-z]\.){2,}")


@dataclass(frozen=True, slots=True)
class Support:
    """How well a statement is backed: the share of its words that are, and why not."""

    score: float
    reason: str | None = None

    @property
    def supported(self) -> bool:
        return self.reason is None


@dataclass(frozen=True, slots=True)
class _Token:
    word: str  # as written, possessive removed
    lower: str  # lowercased, accents removed
    lemma: str
    stem: str
    number: str | None = None
    root: str = ""  # American spelling, derivational suffix removed, stemmed

    @property
    def capitalised(self) -> bool:
        return self.word[:1].isupper()

    @property
    def common(self) -> bool:
        """A function word or quantifier: never a name, even capitalised."""
        return self.lower in _STOP_WORDS or self.lower in _QUANTIFIERS or self.lower in _CHECKED

    @property
    def keys(self) -> tuple[str, ...]:
        """What the word may match by: itself, its lemma, its stem, its root."""
        return (
            (self.lower, self.lemma, self.stem, self.root)
            if self.root
            else (
                self.lower,
                self.lemma,
                self.stem,
            )
        )


# A Snowball stemmer keeps the word it works on in itself: one per thread (the sentence
# strategy checks statements from several worker threads at once).
_STEMMERS = threading.local()


def _stem(word: str) -> str:
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _number(value: Decimal | int) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def _number_word(lower: str) -> str | None:
    """The value of a number word: "seven", "twenty-two", "second", "twenty-first"."""
    if lower in _NUMBER_WORDS:
        return str(_NUMBER_WORDS[lower])
    if lower in _ORDINAL_WORDS:
        return f"{_ORDINAL_WORDS[lower]}th"
    if lower in _MAGNITUDES:
        return _number(_MAGNITUDES[lower])
    tens, _, unit = lower.partition("-")
    if tens in _NUMBER_WORDS and _NUMBER_WORDS[tens] >= 20 and _NUMBER_WORDS[tens] % 10 == 0:
        if unit in _NUMBER_WORDS and 0 < _NUMBER_WORDS[unit] < 10:
            return str(_NUMBER_WORDS[tens] + _NUMBER_WORDS[unit])
        if unit in _ORDINAL_WORDS and _ORDINAL_WORDS[unit] < 10:
            return f"{_NUMBER_WORDS[tens] + _ORDINAL_WORDS[unit]}th"
    return None


def _american(word: str) -> str:
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)  # type: ignore[arg-type]
    return word


@lru_cache(maxsize=65536)
def _word(word: str) -> _Token:
    lower = _fold(word)
    if word[:1].isupper() and lower.rstrip(".") in _MONTHS:
        lower = _MONTHS[lower.rstrip(".")]
    number = _number_word(lower)
    if number is not None:
        return _Token(word, lower, lower, lower, number)
    lemma = _fold(str(simplemma.lemmatize(lower, lang="en")))
    american = _american(lemma)
    stem = _stem(lemma)
    if american.endswith(_AGENT_SUFFIXES) and len(_stem(american)) < len(american) - 1:
        # The stemmer strips "-er": "accuser" would be "accused".
        return _Token(word, lower, lemma, american, root=american)
    base = next(
        (
            american[: -len(s)]
            for s in _SUFFIXES
            if american.endswith(s) and len(american) - len(s) >= 4
        ),
        american,
    )
    return _Token(word, lower, lemma, stem, root=_stem(base))


def _normalise(text: str) -> str:
    text = _PER_CENT.sub("percent", text)
    return _INITIALISM.sub(lambda m: m[0].replace(".", ""), text)


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    for match in _TOKEN.finditer(_normalise(text)):
        digits, suffix, word = match.groups()
        if digits is not None:
            value = digits.replace(",", "")
            if suffix and suffix != "%":
                value = f"{int(value)}th" if value.isdigit() else value
            found.append(_Token(digits, value, value, value, value))
            if suffix == "%":
                found.append(_word("percent"))
            continue
        token = _word(_POSSESSIVE.sub("", word).replace("’", "'"))
        previous = found[-1] if found else None
        if (
            token.lower in _MAGNITUDES
            and previous is not None
            and previous.number is not None
            and not previous.number.endswith("th")
        ):
            # "3 million", "two hundred": one number.
            value = _number(Decimal(previous.number) * _MAGNITUDES[token.lower])
            found[-1] = _Token(f"{previous.word} {token.word}", value, value, value, value)
            continue
        found.append(token)
    return found


def _clauses(text: str) -> list[list[_Token]]:
    """The tokens of each clause of ``text``: the reach of a negation or a hedge."""
    return [_tokens(part) for part in _CLAUSE_END.split(_normalise(text))]


def _statement_clauses(text: str) -> list[list[list[_Token]]]:
    """The clauses of a statement (a comma does not end one: "nobody loses a bin, a
    library or a bus route"), each as its parts between commas."""
    return [
        [_tokens(p) for p in _CLAUSE_END.split(part)]
        for part in _STATEMENT_CLAUSE_END.split(_normalise(text))
    ]


def _is_negation(token: _Token) -> bool:
    return token.lower in _NEGATIONS or token.lower.endswith("n't")


def _is_negator(token: _Token) -> bool:
    return _is_negation(token) or token.lemma in _NEGATIVE_POLARITY


def _is_hedge(token: _Token) -> bool:
    # "May" capitalised is a month.
    return token.lower in _HEDGES and not (token.lower == "may" and token.word == "May")


def _is_content(token: _Token, previous: _Token | None) -> bool:
    if token.number is not None or _is_negation(token):
        return False
    if len(token.word) < 2 and token.lower not in _CHECKED:
        return False
    # "US" is a country, "us" a pronoun.
    return token.lower not in _STOP_WORDS or (token.word.isupper() and len(token.word) > 1)


def _content(tokens: Sequence[_Token]) -> list[_Token]:
    return [t for i, t in enumerate(tokens) if _is_content(t, tokens[i - 1] if i else None)]


def _scopes(
    texts: Iterable[str],
    is_marker: Callable[[_Token], bool],
    split: Callable[[str], list[list[list[_Token]]]] | None = None,
) -> tuple[list[list[_Token]], list[tuple[_Token, bool, bool]]]:
    """What markers (negations, hedges) reach in ``texts``: the content words after each
    marker to the end of its clause, and every content word with whether one reaches
    it (``after``) and whether its clause holds one (``within``)."""
    scopes: list[list[_Token]] = []
    words: list[tuple[_Token, bool, bool]] = []
    for text in texts:
        for parts in split(text) if split else [[c] for c in _clauses(text)]:
            within = any(is_marker(t) for clause in parts for t in clause)
            for clause in parts:
                scope: list[_Token] | None = None
                for i, token in enumerate(clause):
                    if is_marker(token):
                        scope = []
                        scopes.append(scope)
                    elif _is_content(token, clause[i - 1] if i else None):
                        words.append((token, scope is not None, within))
                        if scope is not None:
                            scope.append(token)
    return scopes, words


def _reversed(
    scopes: Sequence[Sequence[_Token]],
    words: Sequence[tuple[_Token, bool, bool]],
    others: Sequence[tuple[_Token, bool, bool]],
) -> str | None:
    """A word of a marked scope (its head, or two of its words) that ``others`` use
    outside any marked clause, and never marked, while ``words`` never use it unmarked:
    a marker dropped or added. ("you do not get X" quoted beside "you get Y" has
    "get" both ways in its evidence: either is backed.)"""
    unmarked = {k for t, after, _ in words if not after for k in t.keys}
    marked = {k for t, after, _ in others if after for k in t.keys}
    loose = {k for t, _, within in others if not within for k in t.keys} - marked
    for scope in scopes:
        hits = [
            t
            for t in scope
            if not any(k in unmarked for k in t.keys) and any(k in loose for k in t.keys)
        ]
        head = next(
            (t for t in scope if not t.lower.endswith("ly") and t.lower not in _POLARITY_ITEMS),
            None,
        )
        if head is not None and head in hits:
            return head.lemma
        if len(hits) >= 2:
            return hits[0].lemma
    return None


def _in_order(first: str, second: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(first)}\s+{re.escape(second)}(?!\w)", text) is not None


def _noun_phrase(tokens: Sequence[_Token], at: int) -> list[_Token]:
    """The words of the noun phrase around ``tokens[at]``: the content words before it
    and the names after it ("Finance Minister Maria Ortiz")."""
    lo = at
    while lo > 0 and _is_content(tokens[lo - 1], None) and tokens[lo - 1].lemma not in _REPORTING:
        lo -= 1
    hi = at + 1
    while hi < len(tokens) and tokens[hi].capitalised and not tokens[hi].common:
        hi += 1
    # "a statement from the National Police Directorate"
    link = hi
    while link < len(tokens) and tokens[link].lower in ("of", "from", "the"):
        link += 1
    if link > hi and link < len(tokens) and tokens[link].capitalised:
        hi = link
        while hi < len(tokens) and tokens[hi].capitalised and not tokens[hi].common:
            hi += 1
    return list(tokens[lo:hi])


def _widening(region: Sequence[_Token], before: Sequence[str]) -> list[_Token]:
    """The words of the sentences ``before`` that may stand for a reference in the
    evidence: the names, for a personal pronoun; the noun phrase "the X" names; things,
    for "it" or "this"."""
    clauses = [c for text in before for c in _clauses(text)]
    earlier = [t for c in clauses for t in c]
    lowered = {t.lower for t in region}
    added: list[_Token] = []
    if lowered & _PERSONAL:
        # The names, and the verb that says they spoke ("said Dalia Orsted").
        added += [t for t in earlier if (t.capitalised and not t.common) or t.lemma in _REPORTING]
    if lowered & _PLURAL:
        # "they" may be "the suspects": the plural nouns of the sentence before.
        added += [
            t
            for t in earlier
            if t.lower != t.lemma and t.lower.endswith("s") and t.lemma not in _REPORTING
        ]
    named = {
        second.lemma
        for first, second in pairwise(region)
        if first.lower == "the" and _is_content(second, first)
    }
    for clause in clauses:
        for i, token in enumerate(clause):
            if token.lemma in named and _is_content(token, None):
                added += _noun_phrase(clause, i)
    if lowered & _IMPERSONAL:
        # "it" may be a thing named there: the words of a noun phrase after a determiner.
        for clause in clauses:
            for i, token in enumerate(clause):
                if token.lower in _DETERMINERS:
                    run = clause[i + 1 : i + 5]
                    end = next(
                        (
                            j
                            for j, t in enumerate(run)
                            if not (_is_content(t, None) or t.number is not None)
                        ),
                        None,
                    )
                    added += run[:end]
    return added


def _article_names(article: str) -> frozenset[str]:
    """Words the article writes only capitalised: names, whatever the statement's case."""
    upper: set[str] = set()
    lower: set[str] = set()
    for match in re.finditer(r"[^\W\d_]+", article):
        (upper if match[0][:1].isupper() else lower).add(_fold(match[0]))
    return frozenset(upper - lower)


def check_statement(
    statement: str,
    evidence: Sequence[str],
    context: Sequence[str] = (),
    before: Sequence[str] = (),
    article: str = "",
    *,
    denied: bool = False,
    hedged: bool = False,
) -> Support:
    """Whether ``statement`` is backed by its ``evidence`` (the quoted words) and the
    ``context`` (the sentences they come from).

    Where those refer back ("he", "they", "the minister" naming something of the
    sentence before), the names of the sentences ``before`` (or that noun phrase)
    may stand in for the reference. A name backed in part ("Sørlie") may be given in
    full as the ``article`` gives it elsewhere ("Jakub Sørlie"). A ``denied`` claim
    states what its source says is untrue ("X denied that the plot had any link" gives
    "the plot had a link", certainty denied), so it may drop its evidence's negation; a
    ``hedged`` one may drop its evidence's "may" or "could".
    """
    said = _tokens(statement)
    region = [t for text in (*evidence, *context) for t in _tokens(text)]
    widened = _widening(region, before)
    keys = {k for t in (*region, *widened) for k in t.keys}
    numbers = {t.number for t in (*region, *widened) if t.number is not None}
    # "according to X" may become "X said"; "X denied that" may become "X said ... not".
    reporting = bool(keys & (_REPORTING | _NEGATIVE_POLARITY))
    hedging = any(_is_hedge(t) or t.lemma in _HEDGE_CUES for t in region)
    hyphened = {t.lower for t in region if "-" in t.lower}
    folded_article = _fold(article)
    article_names = _article_names(article)

    reasons: list[str] = []
    units = 0
    backed = 0
    for token in said:
        if token.number is None:
            continue
        units += 1
        if token.number in numbers:
            backed += 1
        else:
            reasons.append(f"number {token.word} in the statement is not in its evidence")

    content = _content(said)
    names = [
        (t.capitalised and not (i == 0 and t.common)) or t.lower in article_names
        for i, t in enumerate(content)
    ]
    found: list[bool] = []
    for i, token in enumerate(content):
        parts = [_word(p) for p in token.word.split("-")] if "-" in token.word else []
        joined = [
            f"{content[j].lower}-{content[j + 1].lower}"
            for j in (i - 1, i)
            if j >= 0 and j + 1 < len(content)
        ]
        found.append(
            any(k in keys for k in token.keys)
            or (reporting and token.lemma in _REPORTING)
            # "could rise" for "are expected to rise".
            or (token.lower in _HEDGES and hedging)
            or (bool(parts) and all(any(k in keys for k in p.keys) for p in parts))
            # "Al Qaeda" for "Al-Qaeda".
            or any(j in hyphened for j in joined)
        )
    # The rest of a name backed in part, as the article writes it: "Jakub Sørlie".
    for i, token in enumerate(content):
        if found[i] or not names[i] or not folded_article:
            continue
        neighbours = [(j, content[j]) for j in (i - 1, i + 1) if 0 <= j < len(content)]
        found[i] = any(
            found[j]
            and names[j]
            and _in_order(
                *((other.lower, token.lower) if j < i else (token.lower, other.lower)),
                folded_article,
            )
            for j, other in neighbours
        )
    for token, name, ok in zip(content, names, found, strict=True):
        units += 1
        if ok:
            backed += 1
        elif name:
            reasons.append(f"name '{token.word}' in the statement is not in its evidence")
        else:
            reasons.append(f"statement word '{token.word}' is not in its evidence")
    if not units:
        reasons.append("statement has no content word or number")

    polarity = _polarity(statement, [*evidence, *context], denied=denied, hedged=hedged)
    score = backed / units if units else 0.0
    if polarity:
        score /= 2
    # A missing word or number says more than a polarity mismatch it may cause.
    reasons += polarity
    return Support(round(score, 3), reasons[0] if reasons else None)


def _opposite(said: Sequence[_Token], region: Sequence[Sequence[_Token]]) -> str | None:
    """A word of ``_PAIRS`` that the statement uses where its evidence has its pair:
    "voted for" from "voted against"."""
    used = {t.lower for tokens in region for t in tokens}
    follow = set()
    for tokens in region:
        for i, a in enumerate(tokens):
            b = next((t for t in tokens[i + 1 :] if _is_content(t, None)), None)
            follow |= {(a.lower, k) for k in (b.keys if b is not None else ())}
    said_words = {t.lower for t in said}
    for i, word in enumerate(said):
        if word.lower not in _PAIRS:
            continue
        other = _PAIRS[word.lower]
        after = next((t for t in said[i + 1 :] if _is_content(t, None)), None)
        keys = after.keys if after is not None else ()
        alone = other not in said_words and word.lower not in used
        if (other in used and alone) or any(
            (other, k) in follow and (word.lower, k) not in follow for k in keys
        ):
            return f"statement says '{word.word}' where its evidence says '{other}'"
    return None


def _polarity(statement: str, region: Sequence[str], *, denied: bool, hedged: bool) -> list[str]:
    """Where the statement negates or hedges otherwise than its evidence does.

    What a negation reaches in the evidence (to the end of its clause) must be negated
    in the statement, and the other way round, unless the claim is ``denied``; what a
    hedge reaches in the evidence must be hedged in the statement unless the claim is
    ``hedged``.
    """
    problems: list[str] = []
    if opposite := _opposite(_tokens(statement), [_tokens(text) for text in region]):
        problems.append(opposite)
    if any(_is_negation(t) for t in _tokens(statement)) and not any(
        _is_negator(t) for text in region for t in _tokens(text)
    ):
        problems.append("statement negates its evidence")
    said_scopes, said = _scopes([statement], _is_negator, _statement_clauses)
    held_scopes, held = _scopes(region, _is_negator)
    if not denied and (lemma := _reversed(held_scopes, held, said)):
        problems.append(f"statement drops the negation of '{lemma}' in its evidence")
    if lemma := _reversed(said_scopes, said, held):
        problems.append(f"statement negates '{lemma}', which its evidence does not")
    if not hedged:
        held_scopes, held = _scopes(region, _is_hedge)
        _, said = _scopes(
            [statement], lambda t: _is_hedge(t) or t.lemma in _HEDGE_CUES, _statement_clauses
        )
        if lemma := _reversed(held_scopes, held, said):
            problems.append(f"statement drops the hedge on '{lemma}' in its evidence")
    return problems


_NAME_LIST = re.compile(r"\s*(?:,|;|&|\band\b)\s*")


def in_article(name: str, index: TextIndex) -> bool:
    """Whether ``name`` occurs in the article as a whole word or phrase, once case,
    whitespace, quote characters, a possessive "'s" and a leading "the" are normalised;
    a list of names ("Ortiz and Keller") when each of them does."""
    if _occurs(name, index):
        return True
    parts = [p for p in _NAME_LIST.split(name) if p.strip()]
    return len(parts) > 1 and all(_occurs(p, index) for p in parts)


def _occurs(name: str, index: TextIndex) -> bool:
    needle = normalize_quote(name).strip(" \"'.,;:")
    needle = _POSSESSIVE.sub("", needle)
    needle = re.sub(r"^the ", "", needle)
    if not any(c.isalnum() for c in needle):
        return False
    if re.search(rf"(?<!\w){re.escape(name.strip())}(?!\w)", index.text):
        return True
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", index.norm) is not None


@dataclass
class Review:
    """What the checks of one item found: failures reject it, warnings do not."""

    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _sentences_of(
    spans: Iterable[dict[str, Any]], cited: Iterable[int], sentences: Sequence[Sentence]
) -> list[int]:
    """Indexes of the sentences holding the spans, and of the cited ones."""
    starts = [s.start for s in sentences]
    found: set[int] = {n - 1 for n in cited if 1 <= n <= len(sentences)}
    for span in spans:
        first = max(bisect_right(starts, span["start"]) - 1, 0)
        for i in range(first, len(sentences)):
            if sentences[i].start >= span["end"]:
                break
            found.add(i)
    return sorted(found)


def review_claim(
    claim: dict[str, Any],
    cited: Iterable[int],
    index: TextIndex,
    sentences: Sequence[Sentence],
) -> Review:
    """Check a grounded claim's free text; set its ``support`` score, drop a ``name``
    or ``entities`` that are not in the article. ``cited`` are the sentence numbers
    its evidence quotes gave: used only when no quote aligned (a quote that aligned
    elsewhere does not bring in the sentence it cited)."""
    review = Review()
    text = index.text
    evidence = [s for s in claim.get("evidence") or [] if s]
    held = _sentences_of(evidence, () if evidence else cited, sentences)
    context = [text[sentences[i].start : sentences[i].end] for i in held]
    before = [
        text[sentences[i - 1].start : sentences[i - 1].end]
        for i in held
        if i > 0 and i - 1 not in held
    ]
    attribution = claim.get("attribution") or {}
    # The source the claim credits backs its own name, where the text names it in the
    # sentences of the evidence or the one before: not a name from anywhere else.
    near = {*held, *(i - 1 for i in held)}
    speaker = attribution.get("speaker")
    if speaker and set(_sentences_of([speaker], (), sentences)) <= near:
        context.append(speaker["text"])
    statement = str(claim.get("statement") or "")
    certainty = claim.get("certainty")
    quoted = [s["text"] for s in evidence]
    support = check_statement(
        statement,
        quoted,
        context,
        before,
        text,
        denied=certainty == "denied",
        hedged=certainty == "hedged",
    )
    claim["support"] = support.score
    if support.reason is not None:
        review.failures.append(f"statement: {support.reason}")

    name = attribution.get("name")
    if isinstance(name, str) and name.strip() and not in_article(name, index):
        attribution["name"] = None
        review.warnings.append(f"attribution.name {name!r} is not in the article; dropped")
    entities = claim.get("entities") or []
    kept = [e for e in entities if isinstance(e, str) and in_article(e, index)]
    for entity in entities:
        if entity not in kept:
            review.warnings.append(f"entity {entity!r} is not in the article; dropped")
    claim["entities"] = kept
    return review


#: A participant's role is a label ("agent", "place-of-origin", "Attacker"), not a
#: sentence: at most three lowercase words of letters joined by a space, hyphen or
#: underscore, or one capitalised word.
_ROLE_WORD = r"[^\W\d_]+"
_ROLE = re.compile(rf"{_ROLE_WORD}(?:[-_ ]{_ROLE_WORD}){{0,2}}")
_ROLE_MAX_CHARS = 32
DEFAULT_ROLE = "participant"


def _is_role(role: str) -> bool:
    if len(role) > _ROLE_MAX_CHARS or not _ROLE.fullmatch(role):
        return False
    return role.islower() or (role.isalpha() and role[1:].islower())


def review_event(event: dict[str, Any]) -> Review:
    """Replace participant roles that are not role labels with ``participant``."""
    review = Review()
    for i, participant in enumerate(event.get("participants") or []):
        role = str(participant.get("role") or "").strip()
        if _is_role(role):
            participant["role"] = role
            continue
        participant["role"] = DEFAULT_ROLE
        review.warnings.append(
            f"participants[{i}].role {role[:60]!r} is not a role label; set to {DEFAULT_ROLE}"
        )
    return review
