"""Rule-based proposals, sentence by sentence: claims, cues, speakers, event triggers.

These rules are the floor a small model has to beat. They find reporting
cues ("said", "according to", "hinting"), the mentions before or after them
that could be the speaker, hedges and denials, and words that name events,
from small word lists. Everything here is pure and returns offsets into the
text, so what it proposes is grounded by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .segment import Sentence

__all__ = ["Mention", "SentenceProposal", "Trigger", "propose"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")

# Cue phrases and the side of the cue the speaker is on.
_CUES_BEFORE = (
    "said|says|say|told|tells|stated|states|added|announced|announces|claimed|claims|"
    "insisted|argued|warned|noted|explained|confirmed|denied|denies|reported|reports|"
    "suggested|suggests|hinted|hinting|expressed|underlined|emphasized|emphasised|"
    "stressed|urged|acknowledged|admitted|alleged|described|believes|believed|accused|"
    "predicted|estimated|wrote|tweeted|posted|declared|vowed|pledged|promised"
)
_CUE = re.compile(rf"\b(?:{_CUES_BEFORE})\b", re.I)
_CUE_AFTER = re.compile(
    r"\b(?:according to|in a statement from|a statement from|quoted by|cited by)\s+", re.I
)
_HEDGE = re.compile(
    r"\b(may|might|could|possibly|reportedly|allegedly|apparently|likely|unlikely|perhaps|"
    r"suggest(?:s|ed)?|hint(?:s|ed|ing)?|appear(?:s|ed)? to|seem(?:s|ed)? to|rumou?red|"
    r"unconfirmed|believed to|thought to|potential(?:ly)?)\b",
    re.I,
)
_DENIAL = re.compile(
    r"\b(denied|denies|deny|refuted|rejected (?:claims|reports|allegations|suggestions)|"
    r"dismissed (?:claims|reports|allegations)|not true|false claims?)\b",
    re.I,
)
_PREDICTION = re.compile(
    r"\b(will|shall|is expected to|are expected to|is set to|are set to|plans? to|"
    r"is due to|are due to|forecast|predicted|is likely to|are likely to|next (?:week|month|"
    r"year|spring|summer|autumn|fall|winter))\b",
    re.I,
)
# Evaluative words that mark an opinion when the article itself speaks.
_OPINION = re.compile(
    r"\b(steadfast|bastion|landmark|exceptional|remarkable|historic|triumph|disastrous|"
    r"shameful|brilliant|unique camaraderie|speaks volumes|stands strong|crucial|"
    r"unprecedented|outrageous|admirable|heroic|disgraceful|common sense|best|worst|"
    r"should|must|ought to|deserves?|welcome(?:d)? step|steadily grown|undoubtedly)\b",
    re.I,
)
_NEGATION = re.compile(r"\b(not|no|never|neither|nor|denied|without)\b", re.I)
_PREVENTION = re.compile(
    r"\b(thwarted|foiled|prevented|averted|disrupted|stopped|intercepted)\b", re.I
)
_PLANNED = re.compile(
    r"\b(will|plans? to|planned|planning|scheduled|is to|are to|expected to|set to|due to|"
    r"next|upcoming|proposed|intends? to|would)\b",
    re.I,
)
_HYPOTHETICAL = re.compile(r"\b(if|may|might|could|potential|possible|threatened to)\b", re.I)
_ONGOING = re.compile(r"\b(continu(?:es|ing)|ongoing|is|are)\s+\w+ing\b", re.I)

_TIME = re.compile(
    r"\b(?:(?:earlier|later) this (?:year|month|week)|(?:last|this|next) (?:year|month|week|"
    r"spring|summer|autumn|fall|winter|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday)|(?:on )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|"
    r"yesterday|today|tomorrow|tonight|(?:\d+|two|three|four|five|several) (?:days|weeks|"
    r"months|years) ago|(?:in |on )?(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December)(?: \d{1,2}(?:st|nd|rd|th)?)?(?:,? \d{4})?|"
    r"(?:in )?(?:19|20)\d{2})\b"
)
# "in Baku, Azerbaijan" joins across the comma only when the sentence or clause ends there,
# so "to Azerbaijan, Gallant underlined" stays "Azerbaijan".
_PLACE = re.compile(
    r"\b(?:in|at|near|outside|inside|from|to) ((?:the )?[A-Z][\w'’-]+(?:(?: | of | de | al-)"
    r"[A-Z][\w'’-]+)*(?:, [A-Z][\w'’-]+(?=[.,;:]|$))?)"
)
_CALENDAR = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_CAPITALISED = re.compile(
    r"\b(?:[A-Z][\w'’.-]*|al-[A-Z][\w-]*)(?:(?: | of | de | bin | al-| and (?=[A-Z]))"
    r"(?:[A-Z][\w'’.-]*))*"
)
_COMMON_NOUN_SPEAKER = re.compile(
    r"\b(?:(?:an?|the|one|two|several|some|many|local|state|foreign|senior|Western)\s+)*"
    r"(?:officials?|sources?|media|spokes(?:man|woman|person)|police|authorities|experts?|"
    r"analysts?|witnesses|residents|government|ministry|company|union|reports?|diplomats?|"
    r"mayor|governor|president|minister|director|chief|secretary|prosecutors?|"
    r"observers|critics|activists|leaders?|statement)\b",
    re.I,
)
_FUNCTION_WORDS = frozenset(
    "a an the this that these those it its he she they we i you in on at of for to from by "
    "with and or but as is are was were be been has have had not no".split()
)

# Event words by factsift type. Deliberately short lists of unambiguous forms.
_TRIGGERS: dict[str, str] = {}
for _type, _words in {
    "meet": "met meet meets meeting meetings talks summit discussed discussions dialogue "
    "conference negotiations",
    "visit": "visit visits visited visiting travelled traveled arrived trip flew "
    "transported deployed evacuated returned fled",
    "statement": "statement announced announcement reported declared broadcast told "
    "interview speech press",
    "attack": "attack attacks attacked bombing bombings bomb bombs explosion explosions "
    "exploded blast blasts detonated detonation IED IEDs shot shooting shootings fired "
    "airstrike airstrikes raid raids ambush assault struck stabbing thwarted foiled",
    "death": "killed died dead death deaths kill killing killings murdered murder "
    "assassinated fatalities",
    "injury": "injured wounded hurt injuries wounding",
    "agreement": "signed agreement deal accord treaty agreed pact",
    "appointment": "appointed appoint appointment named elected hired nominated sworn inauguration",
    "resignation": "resigned resign resignation fired dismissed sacked ousted retired",
    "opening": "opened opening inaugurated launched unveiled",
    "arrest": "arrested arrest arrests detained detention jailed custody captured imprisoned",
    "legal": "charged charges convicted sentenced trial court indicted prosecuted "
    "investigation investigating probe released freed acquitted pleaded lawsuit",
    "protest": "protest protests protesters protestors demonstration demonstrations rally marched",
    "vote": "vote voted votes election referendum approved",
    "transaction": "bought sold purchase purchased acquired funding paid loan sale sales smuggling",
    "disaster": "earthquake flood floods outbreak epidemic pandemic hurricane crash",
    "other": "threatened threat threats",
}.items():
    for _w in _words.split():
        _TRIGGERS[_w.lower()] = _type
# "inauguration of an embassy" is an opening, of a president an appointment: by context.
_OPENING_OBJECTS = re.compile(r"\b(embassy|hospital|school|plant|factory|library|office)\b", re.I)


@dataclass(frozen=True, slots=True)
class Mention:
    """A stretch of text (absolute offsets) and what it says."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Trigger:
    """A word that names an event, with the rules' guesses about it."""

    word: Mention
    type: str
    realis: str
    agent: Mention | None = None
    patient: Mention | None = None


@dataclass(frozen=True)
class SentenceProposal:
    """What the rules see in one sentence."""

    sentence: Sentence
    whole: Mention
    """The sentence itself: the evidence of its events."""
    is_claim: bool
    evidence: Mention
    cue: Mention | None
    speakers: tuple[Mention, ...]
    """Candidate speakers, the rules' choice first; empty for the article's own voice."""
    certainty: str
    kind: str
    triggers: tuple[Trigger, ...]
    times: tuple[Mention, ...]
    places: tuple[Mention, ...]
    mentions: tuple[Mention, ...] = field(default=())
    """Capitalised mentions: the entities the sentence is about."""


def _hedge(s: str) -> re.Match[str] | None:
    """The first hedge; "May" mid-sentence is the month, not the modal."""
    return next((m for m in _HEDGE.finditer(s) if m.group() != "May" or m.start() == 0), None)


def _mention(text: str, base: int, start: int, end: int) -> Mention:
    return Mention(base + start, base + end, text[start:end])


_STARTERS = frozenset(
    "before after both this these those that the a an in on at amid when while however not "
    "highlighting although despite during since as but and so yet with without".split()
)
_TRAILING = re.compile(r"(?:['’]s|[.,;:'’])+$")


def _name(text: str, base: int, start: int, end: int) -> Mention | None:
    """A capitalised mention, without a possessive, trailing dot or a sentence-opening word."""
    piece = text[start:end]
    first, _, rest = piece.partition(" ")
    if first.lower() in _STARTERS:
        if not rest:
            return None
        start += len(first) + 1
    trailing = _TRAILING.search(text[start:end])
    if trailing:
        end -= len(trailing.group())
    if end <= start or text[start:end].lower() in _CALENDAR:
        return None  # "Tuesday" is a time, not a participant
    return _mention(text, base, start, end)


def _is_headline(s: str) -> bool:
    words: list[str] = _WORD.findall(s)
    if not words or s.rstrip()[-1:] in ".!?\"”’'":
        return False
    capitalised = sum(w[0].isupper() for w in words if w.lower() not in _FUNCTION_WORDS)
    return capitalised >= 0.6 * max(1, sum(w.lower() not in _FUNCTION_WORDS for w in words))


def _speakers(
    s: str, base: int, cue: re.Match[str] | None, after: re.Match[str] | None
) -> list[Mention]:
    found: list[Mention] = []
    if after is not None:
        rest = s[after.end() :]
        m = _CAPITALISED.match(rest) or _COMMON_NOUN_SPEAKER.match(rest)
        if m:
            found.append(_mention(s, base, after.end() + m.start(), after.end() + m.end()))
    if cue is not None:
        before = s[: cue.start()]
        # The nearest subject before the cue: a name, or "an official", "media", …
        candidates = [*_CAPITALISED.finditer(before), *_COMMON_NOUN_SPEAKER.finditer(before)]
        candidates = [m for m in candidates if m.group().lower() not in _FUNCTION_WORDS]
        if candidates:
            m = max(candidates, key=lambda m: (m.end(), -m.start()))
            nearest = _name(s, base, m.start(), m.end())
            if nearest is not None:
                found.append(nearest)
        else:
            # '"…," said Jane Doe': the speaker follows the cue.
            m = _CAPITALISED.match(s, cue.end() + 1)
            named = _name(s, base, m.start(), m.end()) if m else None
            if named is not None:
                found.append(named)
    for m in _CAPITALISED.finditer(s):
        mention = _name(s, base, m.start(), m.end())
        if mention is not None and len(found) < 6 and all(mention.start != f.start for f in found):
            found.append(mention)
    return found


def _realis(s: str, at: int, word: str) -> str:
    before = s[max(0, at - 60) : at]
    if _PREVENTION.fullmatch(word) or _PREVENTION.search(before):
        return "prevented"
    if _NEGATION.search(s[max(0, at - 25) : at]):
        return "negated"
    if _PLANNED.search(before):
        return "planned"
    if _HYPOTHETICAL.search(before):
        return "hypothetical"
    return "occurred"


def _triggers(s: str, base: int, names: list[Mention]) -> list[Trigger]:
    found: list[Trigger] = []
    prevented_at = -1
    for m in _WORD.finditer(s):
        word = m.group()
        kind = _TRIGGERS.get(word.lower()) if word != "IED" else "attack"
        if kind is None or (word[0].isupper() and m.start() > 0 and word.lower() != "ied"):
            continue  # capitalised mid-sentence: part of a name ("Munich Security Conference")
        if word.lower() == "inauguration" and _OPENING_OBJECTS.search(s[m.end() : m.end() + 40]):
            kind = "opening"
        realis = _realis(s, m.start(), word)
        if realis == "prevented" and prevented_at >= 0 and kind == "attack":
            continue  # "thwarted a potential attack": one event, named by "thwarted"
        if _PREVENTION.fullmatch(word):
            prevented_at = m.start()
        agent = next((n for n in reversed(names) if n.end <= base + m.start()), None)
        patient = next((n for n in names if n.start >= base + m.end()), None)
        found.append(Trigger(_mention(s, base, m.start(), m.end()), kind, realis, agent, patient))
    return found


def _evidence(s: str, base: int, cue: re.Match[str] | None, after: re.Match[str] | None) -> Mention:
    """The claimed content: the sentence, without a leading attribution clause."""
    start, end = 0, len(s.rstrip())
    if after is not None and after.start() < 5:
        comma = s.find(",", after.end())
        if 0 < comma < len(s) - 10:
            start = comma + 1
    elif cue is not None and cue.group().lower() in ("said", "says", "told", "added"):
        that = re.compile(r"\s+(?:that\s+)?").match(s, cue.end())
        if that and cue.start() < len(s) / 2 and not s[: cue.start()].rstrip().endswith(","):
            start = that.end()
    while start < end and not s[start].isalnum() and s[start] not in "“\"‘'":
        start += 1
    while end > start and s[end - 1] in " .":
        end -= 1
    return _mention(s, base, start, end)


def propose(text: str, sentence: Sentence) -> SentenceProposal:
    """What the rules propose for one sentence of ``text``."""
    base = sentence.start
    s = text[sentence.start : sentence.end]
    after = _CUE_AFTER.search(s)
    cues = list(_CUE.finditer(s))
    hedge_at = _hedge(s)
    # With several cues, a hedging one ("media hinting that …") governs the claim.
    cue = next((c for c in cues if _HEDGE.fullmatch(c.group())), cues[0] if cues else None)
    speakers = _speakers(s, base, cue, after)
    names = [m for m in speakers if m.text[:1].isupper()]
    hedged = hedge_at
    attributed = after is not None or cue is not None
    if _DENIAL.search(s):
        certainty = "denied"
    elif hedged:
        certainty = "hedged"
    elif attributed:
        certainty = "reported"
    else:
        certainty = "asserted"
    if _PREDICTION.search(s):
        kind = "prediction"
    elif _OPINION.search(s) and not attributed:
        kind = "opinion"
    else:
        kind = "fact"
    cue_mention = None
    if after is not None:
        phrase = after.group().rstrip()
        cue_mention = Mention(base + after.start(), base + after.start() + len(phrase), phrase)
    elif cue is not None:
        cue_mention = _mention(s, base, cue.start(), cue.end())
    times = tuple(_mention(s, base, m.start(), m.end()) for m in _TIME.finditer(s))
    places = tuple(
        _mention(s, base, m.start(1), m.end(1))
        for m in _PLACE.finditer(s)
        if m.group(1).lower() not in _CALENDAR
    )
    words = len(_WORD.findall(s))
    return SentenceProposal(
        sentence=sentence,
        whole=_mention(s, base, 0, len(s)),
        is_claim=words >= 5 and not _is_headline(s),
        evidence=_evidence(s, base, cue, after),
        cue=cue_mention,
        speakers=tuple(speakers if attributed else ()),
        certainty=certainty,
        kind=kind,
        triggers=tuple(_triggers(s, base, names)),
        times=times,
        places=places,
        mentions=tuple(names),
    )
