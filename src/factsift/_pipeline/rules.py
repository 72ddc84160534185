"""Rule-based proposals, sentence by sentence: claims, cues, speakers, event triggers.

These rules are the offline default's extraction and the floor a model has to beat.
Everything here is pure and returns offsets into the text, so what it proposes is
grounded by construction.

- Attribution: each sentence's cue, source and content, from
  :mod:`factsift._pipeline.attribution`.
- Kind, certainty and events: future markers, hedges, denials, the evaluative words of
  the VADER lexicon, and words that name events with their realis and arguments.
- ``propose_all`` adds what needs the neighbours: quotations over several sentences and
  paragraphs, transcript turns and colon speech, and pronoun speakers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

from factsift._pipeline.attribution import (
    _AGENT_NOUNS,
    _CALENDAR,
    _CLOSE_QUOTES,
    _CLOSED,
    _DETERMINERS,
    _NAME_LINKS,
    _OPEN_QUOTES,
    _PRONOUNS,
    _TIME_WORDS,
    _WORD,
    Mention,
    _attribution,
    _mention,
    _np_back,
    _np_end_before,
    _np_forward,
    _span,
    _title_case,
    _Tok,
    _tokens,
)
from factsift._pipeline.segment import Sentence

__all__ = ["Mention", "SentenceProposal", "Trigger", "propose", "propose_all"]


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
# A claim's kind. Predictions: the future markers of English grammars (will/shall,
# be going/expected/set/due/likely to, plan/intend to) and reported "would" after a verb
# of saying. Opinions: deontic modals, stance adverbials (Biber et al., Longman Grammar
# of Spoken and Written English, 1999, ch. 10) and evaluative words (the VADER lexicon,
# Hutto and Gilbert, 2014) in a predicate ("is a disgrace", "was magnificent").
_STRONG_FUTURE = re.compile(
    r"\b(?:(?:is|are|was|were)\s+(?:\w+\s+)?(?:expected|set|due|scheduled|poised|likely|unlikely)"
    r"\s+to|expected\s+to|predict(?:s|ed|ion)?|forecasts?)\b",
    re.I,
)
_FUTURE = re.compile(
    r"\b(?:will|shall|won[’']t|going to|(?:is|are)\s+to\s+(?!blame\b)\w+|plans?\s+to|"
    r"planned\s+to|intends?\s+to|expects?|next (?:week|month|year|spring|summer|autumn|fall|"
    r"winter|quarter)|(?:said|says|warned|told \w+|announced|promised|pledged)\b[^.;]*\bwould)\b"
    r"|[’']ll\b",
    re.I,
)
_MODAL_FUTURE = re.compile(
    r"\b(?:could|may|might)\b[^.;]*\b(?:next|coming|within|by (?:19|20)\d\d|soon|eventually|"
    r"later)\b",
    re.I,
)
_STANCE = re.compile(
    r"\b(?:should|must|ought to|deserves?|frankly|clearly|undoubtedly|sadly|unfortunately|"
    r"fortunately|surely|obviously|arguably|admittedly|rightly|wrongly)\b",
    re.I,
)
_PREDICATE = re.compile(
    r"""\b(?:is|are|was|were|be|been|remains?|seems?|looks?|sounds?|feels?|called|calling|"""
    r"""makes?)\b((?:\s+[“"‘]?[\w’'-]+){0,5})""",
    re.I,
)
_SUPERLATIVE = re.compile(r"\b(?:best|worst|finest|most \w+)\b", re.I)
_OPENS_QUOTE = re.compile(r"""^\s*[“"‘]""")


@lru_cache(maxsize=1)
def _evaluative() -> frozenset[str]:
    """Strongly valenced words of the VADER lexicon that are not verb forms.

    Verbs such as "killed" are negative but report events, not judgements. Without
    the package (it comes with the ``local`` extra) the other opinion cues still work.
    """
    try:
        text = (resources.files("vaderSentiment") / "vader_lexicon.txt").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return frozenset()
    words = set()
    for line in text.splitlines():
        word, _, rest = line.partition("\t")
        valence = rest.partition("\t")[0]
        try:
            strong = abs(float(valence)) >= 1.5
        except ValueError:
            continue
        if strong and word.isalpha() and not word.endswith(("ed", "ing")):
            words.add(word)
    return frozenset(words)


def _is_opinion(s: str) -> bool:
    if _STANCE.search(s) or _SUPERLATIVE.search(s):
        return True
    evaluative = _evaluative()
    return any(
        w in evaluative for m in _PREDICATE.finditer(s) for w in _WORD.findall(m.group(1).lower())
    )


def _kind(s: str) -> str:
    """Fact, opinion or prediction, from the sentence's own words."""
    if _STRONG_FUTURE.search(s):
        return "prediction"
    opinion = _is_opinion(s)
    if opinion:
        return "opinion"
    if _FUTURE.search(s) or _MODAL_FUTURE.search(s):
        return "prediction"
    # A direct quotation with no judgement word is still a voice, rarely a checkable fact.
    return "opinion" if _OPENS_QUOTE.search(s) else "fact"


_NEGATION = re.compile(r"\b(not|no|never|neither|nor|denied|without)\b", re.I)
_PREVENTION = re.compile(
    r"\b(thwarted|foiled|prevented|averted|disrupted|stopped|intercepted)\b", re.I
)
_PLANNED = re.compile(
    r"\b(will|plans? to|planned|planning|scheduled|(?:is|are) to (?!blame\b)|expected to|set to|"
    r"(?:is|are|was|were) due to|next|upcoming|proposed|intends? to|would)\b",
    re.I,
)
_HYPOTHETICAL = re.compile(r"\b(if|may|might|could|potential|possible|threatened to)\b", re.I)

_TIME = re.compile(
    r"\b(?:(?:earlier|later) this (?:year|month|week)|(?:last|this|next) (?:year|month|week|"
    r"spring|summer|autumn|fall|winter|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday)|(?:on )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|"
    r"yesterday|today|tomorrow|tonight|(?:\d+|two|three|four|five|several) (?:days|weeks|"
    r"months|years) ago|(?:in |on )?(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December)(?: \d{1,2}(?:st|nd|rd|th)?)?(?:,? \d{4})?|"
    r"(?:in )?(?:19|20)\d{2})\b"
)
# "in Lyon, France" joins across the comma only when the sentence or clause ends there,
# so "to France, the minister said" stays "France".
_PLACE = re.compile(
    r"\b(?:in|at|near|outside|inside|from|to) ((?:the )?[A-Z][\w'’-]+(?:(?: | of | de | al-)"
    r"[A-Z][\w'’-]+)*(?:, [A-Z][\w'’-]+(?=[.,;:]|$))?)"
)
_CAPITALISED = re.compile(
    r"\b(?:[A-Z][\w'’.-]*|al-[A-Z][\w-]*)(?:(?: | of | de | bin | al-| and (?=[A-Z]))"
    r"(?:[A-Z][\w'’.-]*))*"
)

# Event words by factsift type. Deliberately short lists of unambiguous forms; words for
# the people and the instruments of an event ("protesters", "bombs", "court") are its
# participants, not the event.
_TRIGGERS: dict[str, str] = {}
for _type, _words in {
    "meet": "met meet meets meeting meetings talks summit discussed discussions dialogue "
    "conference negotiations",
    "visit": "visit visits visited visiting travelled traveled arrived trip flew "
    "transported deployed evacuated returned fled",
    "statement": "statement announced announcement reported declared broadcast told "
    "interview speech press",
    "attack": "attack attacks attacked bombing bombings bombed explosion explosions "
    "exploded explode explodes exploding detonated detonation shot shooting shootings fired "
    "blast blasts clash clashes clashed battle battles gunfire attacking "
    "airstrike airstrikes raid raids ambush assault struck stabbing thwarted foiled",
    "death": "killed died dead death deaths kill killing killings murdered murder "
    "assassinated assassination assassinations fatalities kills slain slaying slaughter",
    "injury": "injured injuring injure injures injury injuries wounded wounding hurt maimed "
    "maiming",
    "agreement": "signed agreement deal accord treaty agreed pact",
    "appointment": "appointed appoint appointment named elected hired nominated sworn inauguration",
    "resignation": "resigned resign resignation fired dismissed sacked ousted retired",
    "opening": "opened opening inaugurated launched unveiled",
    "arrest": "arrested arrest arrests detained detention jailed custody captured imprisoned",
    "legal": "charged charges convicted sentenced trial indicted prosecuted "
    "investigation investigating probe released freed acquitted pleaded lawsuit "
    "inquiry",  # a keyword of KAIROS Justice.InvestigateCrime (gen-arg event_role_KAIROS.json)
    "protest": "protest protests demonstration demonstrations rally marched",
    "vote": "vote voted votes election referendum approved",
    "transaction": "bought sold purchase purchased acquired funding paid loan sale sales smuggling",
    "disaster": "earthquake flood floods outbreak epidemic pandemic hurricane crash",
    "other": "threatened threat threats warning warnings ultimatum crime crimes homicide "
    "terrorism treason",
}.items():
    for _w in _words.split():
        _TRIGGERS[_w.lower()] = _type
# Support verbs: with an event noun as object, the noun is the event (the support verbs
# of NomBank, Meyers et al., 2004: "launched an attack", "opened an investigation"), also
# after a quantity ("a series of attacks") and in the passive ("an inquiry was opened").
_SUPPORT_VERBS = frozenset("launched launch carried staged conducted held opened open".split())
_EVENT_NOUNS = (
    r"(?:attacks?|raids?|strikes?|airstrikes?|offensive|bombings?|assault|protests?|talks|"
    r"meetings?|elections?|votes?|referendum|investigations?|probes?|inquiry|inquiries|trial|"
    r"ambush|operations?|campaigns?|crackdown)\b"
)
_EVENT_NOUN_AHEAD = re.compile(
    r"\s+(?:out\s+)?(?:an?|the|their|its|his|her|two|three|several|new|further)?\s*"
    r"(?:(?:series|wave|string|number|spate) of\s+)?(?:\w+\s+)?" + _EVENT_NOUNS,
    re.I,
)
_EVENT_NOUN_BEHIND = re.compile(
    _EVENT_NOUNS + r"\s+(?:(?:has|have|had|was|were|is|are|will)\s+)?(?:been\s+|be\s+)?$",
    re.I,
)
# "charges" is an indictment only with its legal frame ("charged with", "on charges of").
_LEGAL_CHARGE = re.compile(
    r"\b(?:charged? with|charges? (?:of|against|including|over|related)|(?:faces?|facing|faced|"
    r"filed|brought|pressed|dropped|on|criminal|murder|fraud|corruption|terrorism) charges?|"
    r"(?:was|were|been|be|is|are) charged)\b",
    re.I,
)
# "Reported" in an evidential passive ("is reported to have fled") or as an adjective
# ("the first reported case") hedges what follows: nobody is said to report anything
# (Biber et al., Longman Grammar of Spoken and Written English, 1999, on evidentials).
_EVIDENTIAL = re.compile(
    r"\b(?:(?:is|are|was|were|be|been|being)\s+(reported)\s+to\b|"
    r"(?:the|a|an|its|their|first|only|latest)\s+(reported)\s+[a-z])",
    re.I,
)
# Inaugurating a library is an opening, a president an appointment: by context.
_OPENING_OBJECTS = re.compile(r"\b(embassy|hospital|school|plant|factory|library|office)\b", re.I)


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
    source_name: Mention | None = None
    """Who the rules' speaker is: the name in "Jane Doe, the mayor", a pronoun's antecedent."""
    more_evidence: tuple[tuple[int, Mention], ...] = ()
    """Further sentences of the same quotation: (sentence index, content)."""


def _hedge(s: str) -> re.Match[str] | None:
    """The first hedge; "May" mid-sentence is the month, not the modal."""
    return next((m for m in _HEDGE.finditer(s) if m.group() != "May" or m.start() == 0), None)


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


_BULLET = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s")


def _is_heading(text: str, start: int, end: int) -> bool:
    """A line of its own that does not end as a sentence does ("Background: a decade of
    delays", "Day two: talks"), or a list's lead-in ("Key measures include:")."""
    s = text[start:end].rstrip()
    if s.endswith(":"):
        return True
    whole_line = (start == 0 or text[start - 1] == "\n") and text[end : end + 1] in ("", "\n")
    closed = s[-1:] in ".!?\"”’'»)"
    return whole_line and not closed and _BULLET.match(s) is None


def _is_headline(s: str) -> bool:
    return bool(s.strip()) and s.rstrip()[-1:] not in ".!?\"”’'" and _title_case(s)


def _realis(s: str, at: int, word: str) -> str:
    # Only the trigger's own clause: "Due to the flooding, five people died" and
    # "the man who is to blame, was arrested" are not plans.
    before = re.split(r"[,;:—–]", s[max(0, at - 60) : at])[-1]
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
    # Tokens and hedges once per sentence: a run-on "sentence" of a whole page has
    # thousands of event words.
    toks = _tokens(s)
    at = {t.start: i for i, t in enumerate(toks)}
    hedged = {e.start(g) for e in _EVIDENTIAL.finditer(s) for g in (1, 2) if e.start(g) >= 0}
    for m in _WORD.finditer(s):
        word = m.group()
        kind = _TRIGGERS.get(word.lower())
        if kind is None or (word[0].isupper() and m.start() > 0):
            continue  # capitalised mid-sentence: part of a name ("Geneva Peace Conference")
        if word.lower() in _SUPPORT_VERBS and (
            _EVENT_NOUN_AHEAD.match(s, m.end())
            or _EVENT_NOUN_BEHIND.search(s[max(0, m.start() - 40) : m.start()])
        ):
            continue  # "launched an attack", "a probe was opened": the noun names the event
        if m.start() in hedged:
            continue  # "is reported to", "a reported sighting": a hedge, not a report
        charge = word.lower() in ("charge", "charges", "charged")
        if charge and not _LEGAL_CHARGE.search(s[max(0, m.start() - 12) : m.end() + 10]):
            continue  # parking charges, charged a fee: not an indictment
        if word.lower() == "inauguration" and _OPENING_OBJECTS.search(s[m.end() : m.end() + 40]):
            kind = "opening"
        realis = _realis(s, m.start(), word)
        if realis == "prevented" and prevented_at >= 0 and kind == "attack":
            continue  # "foiled a planned bombing": one event, named by "foiled"
        if _PREVENTION.fullmatch(word):
            prevented_at = m.start()
        agent, patient = _arguments(s, base, toks, at.get(m.start(), -1))
        if agent is None:
            agent = next((n for n in reversed(names) if n.end <= base + m.start()), None)
        found.append(Trigger(_mention(s, base, m.start(), m.end()), kind, realis, agent, patient))
    return found


def _arguments(
    s: str, base: int, toks: list[_Tok], k: int
) -> tuple[Mention | None, Mention | None]:
    """The noun phrases next to the event word at token ``k``: its subject before it
    ("police arrested", "two soldiers were killed") and its object after it ("attacked
    the convoy", "killed by gunmen"), each in the same clause."""
    if k < 0:
        return None, None
    first = next((i for i, t in enumerate(toks) if t.word), 0)
    before: Mention | None = None
    j = _np_end_before(toks, k - 1)
    if j >= 0 and toks[j].word and toks[j].low not in _CLOSED:
        left = _np_back(toks, j, first)
        if left <= j and not (left == j and toks[j].low in _PRONOUNS):
            before = _span(s, base, toks, left, j)
    after: Mention | None = None
    i = k + 1
    if i < len(toks) and toks[i].low in ("by", "on", "against", "of"):
        i += 1
    if i < len(toks) and toks[i].word and toks[i].low not in _CLOSED - _DETERMINERS:
        right = _np_forward(toks, i)
        if right >= i and not (right == i and toks[i].low in _DETERMINERS):
            after = _span(s, base, toks, i, right)
    return before, after


def _evidence(s: str, base: int) -> Mention:
    """The claimed content of an unattributed sentence: all of it, without edge punctuation."""
    start, end = 0, len(s.rstrip())
    while start < end and not s[start].isalnum() and s[start] not in "“\"‘'":
        start += 1
    while end > start and s[end - 1] in " .":
        end -= 1
    return _mention(s, base, start, end)


@lru_cache(maxsize=8)
def _lowercase_words(text: str) -> frozenset[str]:
    """Words the text also writes in lower case: capitalised only to open a sentence."""
    return frozenset(w for w in _WORD.findall(text) if w.islower())


def _names(text: str, s: str, base: int) -> list[Mention]:
    """Capitalised mentions, without sentence-opening common words ("Meanwhile", "Day")."""
    found: list[Mention] = []
    lower = _lowercase_words(text)
    for m in _CAPITALISED.finditer(s):
        start, end = m.start(), m.end()
        words = m.group().split(" ")
        while words and (words[0].lower() in _CLOSED or words[0].lower() in _STARTERS):
            start += len(words[0]) + 1
            words = words[1:]
        if not words:
            continue
        if len(words) == 1 and (words[0].lower() in lower or words[0].lower() in _CLOSED):
            continue  # a common word that opens the sentence, or a heading word
        mention = _name(s, base, start, min(end, len(s)))
        if mention is not None and mention.text:
            found.append(mention)
    return found


def propose(text: str, sentence: Sentence, quoted: bool = False) -> SentenceProposal:
    """What the rules propose for one sentence of ``text`` (no context: see propose_all).

    ``quoted``: the sentence opens inside a quotation an earlier sentence began, so a
    cue before the quotation closes is the quoted speaker's own words.
    """
    base = sentence.start
    s = text[sentence.start : sentence.end]
    attribution = _attribution(s, base, _lowercase_words(text), quoted)
    names = _names(text, s, base)
    speakers: list[Mention] = []
    cue_mention: Mention | None = None
    evidence = _evidence(s, base)
    if attribution is not None:
        speakers.append(attribution.source)
        cue_mention, evidence = attribution.cue, attribution.content
    attributed = bool(speakers)
    # Other candidates for a model to choose from: the sentence's names.
    speakers += [m for m in names if all(m.start != f.start for f in speakers)][:5]
    if _DENIAL.search(s):
        certainty = "denied"
    elif _hedge(s):
        certainty = "hedged"
    elif attributed:
        certainty = "reported"
    else:
        certainty = "asserted"
    kind = _kind(s)
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
        is_claim=words >= 5
        and not _is_headline(s)
        and not _is_heading(text, sentence.start, sentence.end),
        evidence=evidence,
        cue=cue_mention,
        speakers=tuple(speakers if attributed else ()),
        certainty=certainty,
        kind=kind,
        # A reporting cue is the claim's attribution, not an event of its own.
        triggers=tuple(
            t
            for t in _triggers(s, base, names)
            if cue_mention is None or not cue_mention.start <= t.word.start < cue_mention.end
        ),
        times=times,
        places=places,
        mentions=tuple(names),
        source_name=attribution.name if attribution is not None else None,
    )


_DEFINITE = frozenset("the this that these those its their his her".split())


def _quote_balance(s: str) -> int:
    """Quotations opened minus closed in ``s``: curly quotes, and straight ones by position."""
    balance = 0
    s = s.replace("``", '"').replace("''", '"')  # the typewriter style of some newspapers
    for i, ch in enumerate(s):
        if ch == "“":
            balance += 1
        elif ch == "”":
            balance -= 1
        elif ch == '"':
            before = s[i - 1] if i else " "
            balance += 1 if before.isspace() or before in "([{—–-" else -1
    return balance


_GENDER = {
    "he": "m",
    "his": "m",
    "him": "m",
    "mr": "m",
    "she": "f",
    "her": "f",
    "ms": "f",
    "mrs": "f",
}


def _gender(text: str, p: SentenceProposal, name: Mention) -> str | None:
    """ "m" or "f" when the article says so: an honorific, or the pronoun that follows the
    name in its own sentence ("Jane Doe, 71, … as she left"); None when it does not."""
    honorific = _GENDER.get(name.text.split()[0].lower().rstrip("."))
    if honorific:
        return honorific
    after = text[name.end : p.whole.end].lower()
    found = [_GENDER[w] for w in re.findall(r"\b(?:he|his|him|she|her)\b", after)]
    return found[0] if found else None


def _antecedent(
    text: str, proposals: Sequence[SentenceProposal], upto: int, pronoun: str
) -> Mention | None:
    """The last named speaker before sentence ``upto`` that the pronoun can refer to,
    else the last compatible personal name."""
    wanted = _GENDER[pronoun]
    common = _lowercase_words(text)

    def fits(p: SentenceProposal, name: Mention) -> bool:
        words = name.text.split()
        if words[-1].lower() in common or name.text.lower() in _PRONOUNS:
            return False  # "Organisers", "the minister": not a name
        return _gender(text, p, name) in (None, wanted)

    # Named speakers first, then any personal name; a name the article itself gives the
    # right pronoun beats one it says nothing about.
    candidates = [
        (p, p.source_name)
        for p in proposals[max(0, upto - 8) : upto + 1]
        if p.source_name is not None and p.source_name.text[:1].isupper()
    ] or [
        (p, m) for p in proposals[max(0, upto - 3) : upto + 1] for m in p.mentions if " " in m.text
    ]
    fitting = [(p, m) for p, m in candidates if fits(p, m)]
    known = [m for p, m in fitting if _gender(text, p, m) == wanted]
    # No candidate the article gives this pronoun: only a single one is safe to name.
    names = {m.text for _, m in fitting}
    chosen = known[-1] if known else fitting[-1][1] if len(names) == 1 else None
    if chosen is None:
        return None
    # A person named after the chosen one whom the article gives this pronoun ("Tom
    # Reid, a farmer, lost his home. He said …") is the one meant.
    later = [
        m
        for p in proposals[max(0, upto - 3) : upto + 1]
        for m in p.mentions
        if m.start > chosen.end
        and _person_name(m.text)
        and m.text not in chosen.text
        and _gender(text, p, m) == wanted
    ]
    return later[-1] if later else chosen


def _person_name(text: str) -> bool:
    """Whether a capitalised mention looks like a person's name: two to four capitalised
    words, none of them a word of institutions ("University of Westhaven")."""
    words = text.split()
    institution = _AGENT_NOUNS | _NAME_LINKS | {"university", "party", "council", "union"}
    return 2 <= len(words) <= 4 and all(
        w[:1].isupper() and w.lower().strip(".,") not in institution for w in words
    )


def _quote_depths(text: str, sentences: Sequence[Sentence]) -> list[int]:
    """How many quotations are open where each sentence starts.

    News closes a quotation that runs over paragraphs only at its end and opens each of
    its paragraphs with a quotation mark: such a mark continues the quotation, and a
    paragraph that opens without one ends any quotation left open.
    """
    depths: list[int] = []
    depth = 0
    previous_end = 0
    for sentence in sentences:
        s = text[sentence.start : sentence.end]
        balance = _quote_balance(s)
        if "\n" in text[previous_end : sentence.start]:
            if s[:1] in _OPEN_QUOTES + '"' and depth > 0:
                balance -= 1  # the quotation goes on
            elif s[:1] not in _OPEN_QUOTES + '"':
                depth = 0
        depths.append(depth)
        depth = max(0, depth + balance)
        previous_end = sentence.end
    return depths


def _all_quoted(proposals: Sequence[SentenceProposal], group: list[int]) -> bool:
    """Whether a run of sentences is one quotation and nothing else: it opens with a
    quotation mark and closes with one ('"We will win."'), not '"Tides" opens today.'"""
    opening = proposals[group[0]].whole.text.lstrip()
    closing = proposals[group[-1]].whole.text.rstrip()
    if closing[-1:] in ".!?" and closing[-2:-1] in _CLOSE_QUOTES + '"':
        closing = closing[:-1]
    return opening[:1] in _OPEN_QUOTES + "\"'" and closing[-1:] in _CLOSE_QUOTES + "\"'"


def propose_all(text: str, sentences: Sequence[Sentence]) -> list[SentenceProposal]:
    """The proposals for every sentence, with what needs the neighbours: a pronoun
    speaker resolved to the last named one, and the further sentences of a quotation
    folded into the claim of the sentence that names its speaker."""
    depths = _quote_depths(text, sentences)
    proposals = [
        propose(text, sentence, quoted=depth > 0)
        for sentence, depth in zip(sentences, depths, strict=True)
    ]
    # A transcript has turns: one "LIVE:" or "BREAKING:" label is a heading, not a speaker.
    labels = [i for i, p in enumerate(proposals) if p.cue is not None and p.cue.text == ":"]
    if len(labels) == 1:
        p = proposals[labels[0]]
        certainty = "asserted" if p.certainty == "reported" else p.certainty
        proposals[labels[0]] = replace(
            p, cue=None, speakers=(), source_name=None, certainty=certainty
        )
    for i, p in enumerate(proposals):
        # "he"/"she" name a person; "they" and "it" are left as the article says them.
        pronoun = p.source_name.text.lower() if p.source_name is not None else ""
        if pronoun in ("he", "she") and (found := _antecedent(text, proposals, i - 1, pronoun)):
            proposals[i] = replace(p, source_name=found)
    # Quotations: runs of sentences from an opening quote to its close.
    groups: list[list[int]] = []
    for i, depth in enumerate(depths):
        if depth > 0 and groups:
            groups[-1].append(i)
        else:
            groups.append([i])
    heads: list[int | None] = []
    for group in groups:
        named = [i for i in group if proposals[i].source_name is not None]
        heads.append(named[0] if len(named) == 1 else None)
    for g, group in enumerate(groups):
        head = heads[g]
        if head is None and g > 0 and heads[g - 1] is not None and _all_quoted(proposals, group):
            # '"…," she said. "More of the same quotation."', and '…, she said. "A quote."':
            # an unattributed quotation goes on with the speaker just named.
            head = heads[g - 1]
        if head is None:
            continue
        more: list[tuple[int, Mention]] = list(proposals[head].more_evidence)
        for i in group:
            p = proposals[i]
            if i == head or p.source_name is not None:
                continue
            more.append((i, p.evidence))
            proposals[i] = replace(p, is_claim=False)
        heads[g] = head
        proposals[head] = replace(proposals[head], more_evidence=tuple(more))
    # A definite mention of an event already named ("the summit", "the attack") is that
    # event again, not a new one.
    # A modifier stays part of the name: "the next summit" is another event than "the
    # summit", but the same as an earlier "next summit".
    seen: set[tuple[str, str]] = set()
    for i, p in enumerate(proposals):
        kept = []
        for t in p.triggers:
            word = t.word.text.lower()
            before = text[max(p.whole.start, t.word.start - 30) : t.word.start].lower().split()
            modifiers: list[str] = []
            while before and before[-1] not in _DEFINITE and len(modifiers) < 2:
                if not before[-1].replace("-", "").isalpha() or before[-1] in _CLOSED - _TIME_WORDS:
                    break
                modifiers.insert(0, before.pop())
            definite = bool(before) and before[-1] in _DEFINITE
            key = (t.type, " ".join([*modifiers, word]))
            nominal = not t.word.text.endswith(("ed", "ing"))
            if definite and nominal and key in seen:
                continue
            seen.update({key, (t.type, word)})
            kept.append(t)
        if len(kept) != len(p.triggers):
            proposals[i] = replace(p, triggers=tuple(kept))
    # A transcript's turn, or speech a colon introduces ("Jane Doe added: …"), runs to
    # the end of its paragraph; a colon that ends its paragraph introduces the next one
    # (a block quotation).
    for i, p in enumerate(proposals):
        if p.cue is None or p.source_name is None:
            continue
        colon = p.cue.text.endswith(":") or text[p.cue.end : p.cue.end + 1] == ":"
        if not colon:
            continue
        transcript = p.cue.text == ":"
        block = p.whole.text.rstrip().endswith(":") and i + 1 < len(proposals)
        speech = text[p.cue.end : p.whole.end]
        if not transcript and _quote_balance(speech) == 0 and any(q in speech for q in '"“'):
            continue  # 'Jane Doe said: "We will win."': the quotation ends in its sentence
        more = list(p.more_evidence)
        k = i + 1
        while k < len(proposals) and (
            "\n" not in text[proposals[k - 1].whole.end : proposals[k].whole.start]
            or (block and k == i + 1)
        ):
            q = proposals[k]
            if q.cue is not None and q.cue.text == ":":
                break  # the next turn
            if not transcript and q.source_name is not None:
                break  # "Jane Doe said: … Critics said …": someone else speaks
            # Everything in a transcript's turn is the speaker's, reported speech too.
            more.append((k, _evidence(q.whole.text, q.whole.start)))
            proposals[k] = replace(q, is_claim=False)
            k += 1
        proposals[i] = replace(p, more_evidence=tuple(more))
    return proposals
