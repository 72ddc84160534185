"""Support: is the free text a model writes backed by the article?

Spans are grounded to the character by ``ground``; the words around them are
not: a claim's ``statement``, its source's ``name`` and its ``entities`` are
written by the model. This module checks them against the article.

A statement is *supported* when its words are the words of its evidence and
of the sentences it cites:

- every number in it occurs there (``7`` and ``seven`` alike);
- it negates only what they negate, and keeps the negations they have;
- every content word occurs there, as the same lemma or a close variant
  ("agreed"/"agreement", "defence"/"defense"), except that a name from the
  sentence before may stand for a pronoun ("he", "the minister") that the
  evidence uses.

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
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any

import simplemma
import snowballstemmer
from rapidfuzz import fuzz, process

from .ground import TextIndex, normalize_quote
from .segment import Sentence

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
#: "just", "now"), less its negations ("no", "nor", "not": checked on their own below)
#: and its quantifiers ("all", "any", "both", "each", "few", "more", "most", "only",
#: "some"), which change what a statement claims.
_STOP_WORDS = frozenset(
    """
    i me my myself we us our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing would should could ought i'm you're he's she's it's we're they're i've
    you've we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll
    they'll isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't
    wouldn't shan't shouldn't can't cannot couldn't mustn't let's that's who's what's here's
    there's when's where's why's how's a an the and but if or because as until while of at
    by for with about against between into through during before after above below to from
    up down in out on off over under again further then once here there when where why how
    other such own same so than too very will can just now
    """.split()
)
# Words that reverse what follows them. "n't" is matched as a suffix.
_NEGATIONS = frozenset(
    "not no never neither nor none nobody nothing nowhere cannot without".split()
)
# Verbs and adjectives that say "not" in other words: "denied that X" may become "X is not".
_NEGATIVE_POLARITY = frozenset(
    "deny refuse reject fail dismiss decline false unable lack absent".split()
)
# Quantifiers: left out of the stop words, and never taken for a name at a sentence start.
_QUANTIFIERS = frozenset("all any both each few more most only some".split())
# Pronouns a statement is asked to resolve: personal ones may stand for a name of the
# sentence before, the others for a thing it mentions.
_PERSONAL = frozenset("he him his she her hers they them their theirs".split())
_IMPERSONAL = frozenset("it its this these those".split())
# Ways of saying who said it: one may stand for another ("according to X" -> "X said").
_REPORTING = frozenset("say tell state add accord according note".split())
# Prefixes that turn a word into its opposite: "possible"/"impossible" is no variant.
_OPPOSING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "non-", "anti")
_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_TENS = "thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(_UNITS)} | {
    w: str(30 + 10 * i) for i, w in enumerate(_TENS)
}
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
# Numbers, and words with their inner apostrophes and hyphens: "second-highest" is
# not "highest".
_TOKEN = re.compile(r"(\d(?:[\d,.]*\d)?)(%?)|([^\W\d_]+(?:['’-][^\W\d_]+)*)")
_POSSESSIVE = re.compile(r"['’]s$", re.I)
# A close variant: a spelling or inflection the lemmatiser does not know.
_VARIANT_SCORE = 85.0
_VARIANT_PREFIX = 5


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

    @property
    def capitalised(self) -> bool:
        return self.word[:1].isupper()

    @property
    def common(self) -> bool:
        """A function word or quantifier: never a name, even capitalised."""
        return self.lower in _STOP_WORDS or self.lower in _QUANTIFIERS

    @property
    def keys(self) -> tuple[str, str, str]:
        """What the word may match by: itself, its lemma, its stem."""
        return (self.lower, self.lemma, self.stem)


_STEMMER = snowballstemmer.stemmer("english")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _word(word: str) -> _Token:
    lower = _fold(word)
    if lower in _NUMBER_WORDS:
        return _Token(word, lower, lower, lower, _NUMBER_WORDS[lower])
    lemma = _fold(str(simplemma.lemmatize(lower, lang="en")))
    return _Token(word, lower, lemma, _STEMMER.stemWord(lemma))


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    for match in _TOKEN.finditer(text):
        digits, percent, word = match.groups()
        if digits is not None:
            value = digits.replace(",", "")
            found.append(_Token(digits, value, value, value, value))
            if percent:
                found.append(_word("percent"))
            continue
        found.append(_word(_POSSESSIVE.sub("", word).replace("’", "'")))
    return found


def _is_negation(token: _Token) -> bool:
    return token.lower in _NEGATIONS or token.lower.endswith("n't")


def _is_content(token: _Token, previous: _Token | None) -> bool:
    if token.number is not None or _is_negation(token):
        return False
    if len(token.word) < 2:
        return False
    if token.lower in _ORDINAL_SUFFIXES and previous is not None and previous.number:
        return False
    # "US" is a country, "us" a pronoun.
    return token.lower not in _STOP_WORDS or (token.word.isupper() and len(token.word) > 1)


def _content(tokens: Sequence[_Token]) -> list[_Token]:
    return [t for i, t in enumerate(tokens) if _is_content(t, tokens[i - 1] if i else None)]


def _shared_prefix(a: str, b: str) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _opposed(a: str, b: str) -> bool:
    return any(a == p + b or b == p + a for p in _OPPOSING_PREFIXES)


def _variant_of(word: str, vocabulary: Sequence[str]) -> bool:
    """Whether ``word`` is a close variant of a word in ``vocabulary`` (not its opposite)."""
    if len(word) < 4:
        return False
    candidates = [v for v in vocabulary if len(v) >= 4 and not _opposed(word, v)]
    for other in candidates:
        shared = _shared_prefix(word, other)
        if shared >= _VARIANT_PREFIX and shared >= 0.7 * min(len(word), len(other)):
            return True
    best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=_VARIANT_SCORE)
    return best is not None


def _negated(tokens: Sequence[_Token]) -> set[str]:
    """Lemmas of the word right after each negation or denial: what the text says is
    not so."""
    scope: set[str] = set()
    for i, token in enumerate(tokens):
        if _is_negation(token) or token.lemma in _NEGATIVE_POLARITY:
            scope.update(t.lemma for t in _content(tokens[i + 1 : i + 5])[:1])
    return scope


def _in_order(first: str, second: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(first)}\s+{re.escape(second)}(?!\w)", text) is not None


def check_statement(
    statement: str,
    evidence: Sequence[str],
    context: Sequence[str] = (),
    before: Sequence[str] = (),
    article: str = "",
    *,
    denied: bool = False,
) -> Support:
    """Whether ``statement`` is backed by its ``evidence`` (the quoted words) and the
    ``context`` (the sentences they come from).

    Where those refer back ("he", "they", "the statement" naming something of the
    sentence before), the words of the sentences ``before`` may stand in for the
    reference. A name backed in part ("Sørlie") may be given in full as the
    ``article`` gives it elsewhere ("Jakub Sørlie"). A ``denied`` claim states what
    its source says is untrue ("X denied that the plot had any link" gives "the plot
    had a link", certainty denied), so it may drop its evidence's negation.
    """
    said = _tokens(statement)
    region = [t for text in (*evidence, *context) for t in _tokens(text)]
    earlier = [t for text in before for t in _tokens(text)]
    keys = {k for t in region for k in t.keys}
    earlier_keys = {k for t in earlier for k in t.keys}
    lowered = {t.lower for t in region}
    if lowered & _PERSONAL or any(
        first.lower == "the" and second.lemma in earlier_keys for first, second in pairwise(region)
    ):
        keys |= earlier_keys
    elif lowered & _IMPERSONAL:
        keys |= {k for t in earlier if not t.capitalised for k in t.keys}
    numbers = {t.number for t in (*region, *earlier) if t.number is not None}
    # "according to X" may become "X said"; "X denied that" may become "X said ... not".
    reporting = bool(keys & (_REPORTING | _NEGATIVE_POLARITY))
    vocabulary = sorted({t.lower for t in region} | {t.lemma for t in region})
    folded_article = _fold(article)

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
    names = [t.capitalised and not (i == 0 and t.common) for i, t in enumerate(content)]
    found: list[bool] = []
    for token, name in zip(content, names, strict=True):
        parts = [_word(p) for p in token.word.split("-")] if "-" in token.word else []
        found.append(
            any(k in keys for k in token.keys)
            or (reporting and token.lemma in _REPORTING)
            or (bool(parts) and all(any(k in keys for k in p.keys) for p in parts))
            # Spelling variants of words, never of names: "Westmoor" is not "Eastmoor".
            or (not name and _variant_of(token.lower, vocabulary))
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

    polarity: list[str] = []
    said_negated = any(_is_negation(t) for t in said)
    said_polar = any(t.lemma in _NEGATIVE_POLARITY for t in said)
    region_negated = any(_is_negation(t) for t in region)
    region_polar = any(t.lemma in _NEGATIVE_POLARITY for t in region)
    if said_negated and not (region_negated or region_polar):
        polarity.append("statement negates its evidence")
    elif not (said_negated or said_polar or denied) and (region_negated or region_polar):
        dropped = _negated(region) & {t.lemma for t in said}
        if dropped:
            polarity.append(
                f"statement drops the negation of '{sorted(dropped)[0]}' in its evidence"
            )

    score = backed / units if units else 1.0
    if polarity:
        score /= 2
    # A missing word or number says more than a polarity mismatch it may cause.
    reasons += polarity
    return Support(round(score, 3), reasons[0] if reasons else None)


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
    its evidence quotes gave."""
    review = Review()
    text = index.text
    evidence = [s for s in claim.get("evidence") or [] if s]
    held = _sentences_of(evidence, cited, sentences)
    context = [text[sentences[i].start : sentences[i].end] for i in held]
    before = [
        text[sentences[i - 1].start : sentences[i - 1].end]
        for i in held
        if i > 0 and i - 1 not in held
    ]
    attribution = claim.get("attribution") or {}
    # The source the claim credits, where the text names it, backs its own name.
    context += [span["text"] for span in (attribution.get("speaker"),) if span]
    statement = str(claim.get("statement") or "")
    denied = claim.get("certainty") == "denied"
    quoted = [s["text"] for s in evidence]
    support = check_statement(statement, quoted, context, before, text, denied=denied)
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


#: A participant's role is a label ("agent", "place-of-origin"), not a sentence.
_ROLE = re.compile(r"[A-Za-z]+(?:[-_ ][A-Za-z]+){0,3}")
_ROLE_MAX_CHARS = 32
DEFAULT_ROLE = "participant"


def review_event(event: dict[str, Any]) -> Review:
    """Replace participant roles that are not role labels with ``participant``."""
    review = Review()
    for i, participant in enumerate(event.get("participants") or []):
        role = str(participant.get("role") or "").strip()
        if len(role) <= _ROLE_MAX_CHARS and _ROLE.fullmatch(role):
            participant["role"] = role
            continue
        participant["role"] = DEFAULT_ROLE
        review.warnings.append(
            f"participants[{i}].role {role[:60]!r} is not a role label; set to {DEFAULT_ROLE}"
        )
    return review
