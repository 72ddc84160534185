"""Attribution: who a sentence credits with its content, and with which words.

One sentence at a time, pure, offsets into the sentence: a cue, its source and its
content, as the attribution literature describes them (PARC 3.0, the PolNeAR
guidelines).

- Cues: reporting verbs (VerbNet's verbs of saying, telling, complaining, advising,
  conjecturing and judging), verbs of stance and judgement (FrameNet frames), phrasal
  verbs of saying, "according to" and nominal cues ("in a statement from"), a
  transcript's label, and a colon after a verb of saying.
- Sources: a noun phrase that can hold a view (a name, a pronoun, a source, institution
  or agent noun), found by a small chunker over the sentence's tokens, before the cue,
  after it ('"…," said Jane Doe'), after "by" in the passive, or the main clause's
  subject for a gerund or an infinitive.
- Guards: a word with an everyday sense ("added a goal", "attacked the city", "called
  the police") is a cue only where it cannot have that sense, so a plain fact is not put
  in someone's mouth. tests/test_rules.py holds the sentences reviews wrote to break this.

:mod:`factsift._pipeline.rules` builds its proposals on this, and on the chunker for the
arguments of events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Attribution", "Mention"]


_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


_CALENDAR = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


_FUNCTION_WORDS = frozenset(
    "a an the this that these those it its he she they we i you in on at of for to from by "
    "with and or but as is are was were be been has have had not no".split()
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A stretch of text (absolute offsets) and what it says."""

    start: int
    end: int
    text: str


def _mention(text: str, base: int, start: int, end: int) -> Mention:
    return Mention(base + start, base + end, text[start:end])


def _title_case(s: str, share: float = 0.6) -> bool:
    """Whether most content words are capitalised, as in a headline."""
    words: list[str] = _WORD.findall(s)
    capitalised = sum(w[0].isupper() for w in words if w.lower() not in _FUNCTION_WORDS)
    return bool(words) and capitalised >= share * max(
        1, sum(w.lower() not in _FUNCTION_WORDS for w in words)
    )


# Reporting verbs, by lemma: the verbs of VerbNet 3.4 classes say-37.7, tell-37.2,
# complain-37.8, advise-37.9, inquire-37.1.2, conjecture-29.5, judgment-33, dub-29.3
# (call) and want-32.1 that news uses to attribute content, as listed among the
# attribution cues of PARC 3.0 (Pareti, 2016), which also counts intentions and
# stances ("wants", "is defending"), and the PolNeAR annotation guidelines (Newell,
# Margolin and Ruths, 2018). Inflected by _forms.
_REPORTING_LEMMAS = """
    say tell add state claim report announce argue insist warn explain note write tweet
    acknowledge admit allege assert contend declare deny suggest believe think predict
    estimate confirm reveal recall complain promise vow pledge urge stress emphasize
    emphasise maintain comment observe remark reply respond testify concede caution
    indicate disclose boast hint conclude mention reiterate repeat counter retort quip
    exclaim recount clarify recommend advise demand doubt fear expect hope speculate
    predict forecast worry agree disagree acknowledge tell ask accuse question demand cite
    criticize criticise condemn denounce praise blame mock dismiss want seek propose defend
    encourage recommend learn call
"""
# Verbs of stance, intention and judgement, by lemma: lexical units of FrameNet 1.7's
# frames Judgment_communication, Evaluative_comparison, Judgment, Experiencer_focus,
# Desiring, Purpose, Deciding, Agree_or_refuse_to_act, Coming_to_believe,
# Expressing_publicly, Emphasizing, Commitment, Taking_sides, Attempt_suasion, Request,
# Evidence and Opinion. PARC 3.0 and PolNeAR count them as attribution cues when their
# subject is the source of the attitude ("the union backs the plan", "she plans to run");
# being common words, they count only after a name, a pronoun or a source noun (_stance).
# Verbs of judgement and taking sides carry their stance with a plain object ("slammed
# the plan", "endorses the mayor").
_JUDGEMENT_LEMMAS = """
    accuse assail belittle berate blast castigate censure chide decry denigrate deride
    disparage excoriate fault hail laud lambast rebuke ridicule scold slam vilify commend
    applaud extol tout admire respect despise scorn disdain deplore resent revere loathe
    detest endorse oppose favor favour champion advocate lobby implore liken equate compare
    highlight underscore underline dispute support express voice
"""
# The others have another, plain sense ("attacked the city", "found the wallet", "backed
# the car into a wall"), so they count only before a clause or an infinitive ("attacked
# the plan as …", "found that …", "plans to …"): _has_complement.
_COMPLEMENT_LEMMAS = """
    attack love hate like dislike dread enjoy wish desire yearn aspire plan intend aim
    decide choose opt threaten swear guarantee commit back persuade convince pressure
    beg request appeal show prove illustrate consider feel reckon deem outline detail
    describe characterize characterise portray depict present unveil challenge debate
    charge decline refuse find discover realize realise determine care brand dub label
"""
_STANCE_LEMMAS = _JUDGEMENT_LEMMAS + _COMPLEMENT_LEMMAS
# Phrasal verbs of saying, and their particles: "pointed out that", "laid out a plan".
_PHRASAL = {
    "point": "out",
    "lay": "out",
    "spell": "out",
    "speak": "out",
    "weigh": "in",
    "call": "for",
    "make": "clear",
}
_IRREGULAR = {
    "say": "said",
    "tell": "told",
    "write": "wrote written",
    "think": "thought",
    "feel": "felt",
    "choose": "chose chosen",
    "swear": "swore sworn",
    "show": "showed shown",
    "prove": "proved proven",
    "find": "found",
    "lay": "laid",
    "make": "made",
    "speak": "spoke spoken",
}
_DOUBLED = frozenset({"admit", "quip", "regret", "omit", "refer", "commit", "plan", "beg", "slam"})


def _forms(lemma: str) -> set[str]:
    """The regular inflections of an English verb, with the few irregular pasts."""
    if lemma.endswith(("s", "sh", "ch", "x", "z", "o")):
        third = lemma + "es"
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        third = lemma[:-1] + "ies"
    else:
        third = lemma + "s"
    if lemma in _IRREGULAR:
        past = set(_IRREGULAR[lemma].split())
    elif lemma.endswith("e"):
        past = {lemma + "d"}
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        past = {lemma[:-1] + "ied"}
    elif lemma in _DOUBLED:
        past = {lemma + lemma[-1] + "ed"}
    else:
        past = {lemma + "ed"}
    if lemma in _DOUBLED:
        gerund = lemma + lemma[-1] + "ing"
    elif lemma.endswith("e") and not lemma.endswith("ee"):
        gerund = lemma[:-1] + "ing"
    else:
        gerund = lemma + "ing"
    return {lemma, third, gerund, *past}


_REPORTING: frozenset[str] = frozenset(
    form for lemma in _REPORTING_LEMMAS.split() for form in _forms(lemma)
)
_BARE = frozenset(_REPORTING_LEMMAS.split())
_STANCE_VERBS: frozenset[str] = (
    frozenset(form for lemma in _STANCE_LEMMAS.split() for form in _forms(lemma)) - _REPORTING
)
_BARE_STANCE = frozenset(_STANCE_LEMMAS.split())
_NEEDS_COMPLEMENT = (
    frozenset(form for lemma in _COMPLEMENT_LEMMAS.split() for form in _forms(lemma)) - _REPORTING
)
_PHRASAL_FORMS = {form: particle for lemma, particle in _PHRASAL.items() for form in _forms(lemma)}
_STANCE_OR_REPORTING = _STANCE_VERBS | _REPORTING
# English closed-class words (determiners, pronouns, prepositions, conjunctions,
# auxiliaries) and sentence adverbs: they end a noun phrase or never start a name.
_DETERMINERS = frozenset(
    "the a an this that these those his her their its our my your another some many several "
    "most all both each every other one two three four five six seven eight nine ten "
    "dozens hundreds such".split()
)
_PREPOSITIONS = frozenset(
    "in on at to from by with about into onto over under after before during since for "
    "against among between through without within upon via per like than as toward towards "
    "across behind beyond near despite amid following including due owing regarding "
    "concerning except besides throughout along around outside inside above below till "
    "until".split()
)
_CONJUNCTIONS = frozenset(
    "and or but nor so yet because although though while whereas if unless when whenever "
    "where whether that which who whom whose what why how once until neither either nor "
    "there".split()
)
# Negated auxiliaries are one token ("isn’t"), with either apostrophe.
_NEGATED_BE = frozenset(
    w.replace("'", q) for w in "isn't aren't wasn't weren't".split() for q in "'’"
)
_NEGATED_MODALS = frozenset(
    w.replace("'", q)
    for w in "don't doesn't didn't won't can't couldn't wouldn't shouldn't".split()
    for q in "'’"
)
_AUXILIARIES = (
    frozenset(
        "is are was were be been being am has have had having do does did will would shall "
        "should can could may might must also later previously earlier then again still just "
        "repeatedly recently once now even already further further publicly privately "
        "separately reportedly allegedly often never not only first ’s 's ’re 're ’ve 've ’ll 'll "
        "’d 'd hasn’t haven’t hadn’t hasn't haven't hadn't".split()
    )
    | _NEGATED_BE
    | _NEGATED_MODALS
)
_PRONOUNS = frozenset("he she they it we i you".split())
_SENTENCE_ADVERBS = frozenset(
    "however meanwhile moreover furthermore nevertheless nonetheless still instead "
    "tonight today yesterday tomorrow now then later earlier also indeed thus hence "
    "according our my your their his her its we us".split()
)
# Words that end a noun phrase as a time adverbial ("visit Paris next week").
_TIME_WORDS = frozenset(
    "next last yesterday today tomorrow tonight week weekend month year morning afternoon "
    "evening night".split()
)
_CLOSED = (
    _DETERMINERS | _PREPOSITIONS | _CONJUNCTIONS | _AUXILIARIES | _SENTENCE_ADVERBS | _TIME_WORDS
)
# Honorifics and titles that make a capitalised name a person.
_ABBREV_TOKEN = re.compile(
    r"(?:[A-Z]\.)+|(?:Mr|Mrs|Ms|Dr|Prof|Gov|Sen|Rep|Gen|Col|Lt|Sgt|Capt|St|Jr|Sr|Rev|Hon|Inc|"
    r"Co|Corp|Ltd|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\."
)
_TOKEN = re.compile(r"[A-Za-z0-9][\w’'&-]*(?:\.[A-Za-z][\w’'-]*)*\.?|``|''|[^\w\s]")
# Heads of source mentions that name no one: the unnamed sources of PARC 3.0 and the
# PolNeAR guidelines, and the news media (with the common words of newspaper titles).
UNNAMED_SOURCES = frozenset(
    "source sources official officials spokesman spokeswoman spokesperson expert experts "
    "analyst analysts observer observers witness witnesses insider insiders aide aides "
    "person people critics critic diplomat diplomats someone".split()
)
MEDIA_SOURCES = frozenset(
    "media newspaper newspapers paper magazine outlet outlets network broadcaster agency "
    "press report reports times post journal herald tribune guardian telegraph gazette "
    "news reuters tv television radio channel editorial board columnist daily weekly".split()
)
SOURCE_NOUNS = UNNAMED_SOURCES | MEDIA_SOURCES
# Heads of sources by type (decompose compares them word by word, never as substrings:
# "Kompany" is not a company).
GOVERNMENT_SOURCES = frozenset(
    "government ministry ministries department administration authorities police military "
    "army kremlin white house parliament congress senate cabinet embassy state council "
    "prosecutors prosecutor court office authority presidency".split()
)
ORGANIZATION_SOURCES = frozenset(
    "company corporation firm union bank group party campaign committee association "
    "institute university foundation inc corp ltd llc organization organisation charity "
    "club team board league federation chamber centre center secretariat".split()
)
PERSON_TITLES = frozenset(
    "mr mrs ms dr prof sen gov rep gen president minister mayor governor senator "
    "representative chancellor secretary director chairman chairwoman chief he she i".split()
)
# Documents that PARC 3.0 counts as sources ("polls showed", "the study found").
_DOCUMENT_SOURCES = frozenset(
    "poll polls survey surveys study studies data document documents records research "
    "analysis review".split()
)
# Heads that can hold a stance: "the president declined", "the committee wants".
_AGENT_NOUNS = (
    SOURCE_NOUNS
    | GOVERNMENT_SOURCES
    | ORGANIZATION_SOURCES
    | _DOCUMENT_SOURCES
    | (PERSON_TITLES - _PRONOUNS)
)
_CLITIC = re.compile(r"(he|she|it|they|we|i|you|there|that|who)([’'](?:s|re|ve|ll|d|m))", re.I)
_OPEN_QUOTES = "“‘«"
_CLOSE_QUOTES = "”’»"
_NOUN_LIKE_BEFORE = _DETERMINERS | _PREPOSITIONS


@dataclass(frozen=True, slots=True)
class _Tok:
    start: int
    end: int
    text: str

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def word(self) -> bool:
        return self.text[:1].isalnum()


def _tokens(s: str) -> list[_Tok]:
    found: list[_Tok] = []
    for m in _TOKEN.finditer(s):
        text, start, end = m.group(), m.start(), m.end()
        clitic = _CLITIC.fullmatch(text)
        if clitic:
            found.append(_Tok(start, start + clitic.end(1), clitic.group(1)))
            found.append(_Tok(start + clitic.end(1), end, clitic.group(2)))
        elif text.endswith(".") and len(text) > 1 and not _ABBREV_TOKEN.fullmatch(text):
            found.append(_Tok(start, end - 1, text[:-1]))
            found.append(_Tok(end - 1, end, "."))
        else:
            found.append(_Tok(start, end, text))
    return found


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who a sentence credits with its content, and with which words."""

    cue: Mention
    source: Mention
    """The whole source mention ("Jane Doe, the mayor of X", "he", "sources")."""
    name: Mention
    """The name within it ("Jane Doe"); a pronoun's antecedent once resolved."""
    content: Mention


# Verb forms that are also common nouns ("the claims", "battleground states").
_NOUN_TOO = frozenset(
    form
    for lemma in "state claim report note tweet comment remark reply promise doubt fear hope "
    "worry counter demand estimate forecast hint boast pledge vow repeat quip question "
    "answer post mention charge".split()
    for form in (lemma, lemma + "s", lemma + "es", lemma[:-1] + "ies")
)
_NUMBERS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "hundred hundreds thousands millions dozens several many".split()
)
_BE = frozenset("is are was were am be been being ’s 's ’re 're".split()) | _NEGATED_BE
_MODALS = (
    frozenset("do does did will would can could may might should must to".split()) | _NEGATED_MODALS
)


_CALL_FORMS = frozenset(_forms("call"))
_ADMIT_FORMS = frozenset(_forms("admit"))


def _calls_for_speech(toks: list[_Tok], i: int) -> bool:
    """ "called for …", "called on X to …", "called the plan a disgrace", "called it
    unfair": calling as speech, not "called the police" or "called a meeting"."""
    n = len(toks)
    nxt = toks[i + 1] if i + 1 < n else None
    if nxt is None:
        return False
    if nxt.low in ("for", "on") or nxt.text in _OPEN_QUOTES + '"':
        return True
    if i > 0 and toks[i - 1].low in ("what", "which", "who"):
        return False  # "what organisers called a peace march": naming, not a claim
    for k in range(i + 2, min(n, i + 12)):
        t = toks[k]
        if not t.word:
            return t.text in _OPEN_QUOTES + '"'  # "called the plan “reckless”"
        if toks[k - 1].low in _PREPOSITIONS:
            continue  # "called the police after a fight"
        if t.low in ("a", "an") or (
            t.text.islower() and t.low.endswith(("ous", "ful", "ible", "able", "ive", "ic", "al"))
        ):
            return k > i + 2 or nxt.low in ("it", "them", "him", "her")
    return False


# Reporting verbs with an everyday sense and a plain object ("added a goal", "defended
# the title", "recalled 400,000 cars"): a cue only before a clause or an infinitive, or
# after its content ('"…," she added').
_SENSE_FORMS = frozenset(
    form
    for lemma in "add claim report recall observe maintain repeat learn state".split()
    for form in _forms(lemma)
)


def _object_then_to(toks: list[_Tok], i: int) -> bool:
    """ "expects sales to rise": an object and an infinitive; "learned during the debate
    that …": an adverbial before the clause."""
    for k in range(i + 1, min(len(toks), i + 11)):
        if not toks[k].word:
            break
        if toks[k].low == "that":
            return True  # "learned again during the debate that …"
    for k in range(i + 2, min(len(toks) - 1, i + 7)):
        if not toks[k].word:
            return False
        if toks[k].low == "to" and toks[k + 1].text.islower() and toks[k + 1].low not in _CLOSED:
            return True
    return False


def _is_cue(toks: list[_Tok], i: int, common: frozenset[str] = frozenset()) -> bool:
    t = toks[i]
    if t.low not in _REPORTING or not t.text.islower():
        return False
    j = _np_end_before(toks, i - 1)
    prev = toks[i - 1].low if i > 0 else ""
    subject = toks[j] if j >= 0 else None
    possessive = prev.endswith(("’s", "'s")) and prev not in _BE  # "he’s" is "he is"
    if prev == "to" and i > 1 and toks[i - 2].text.islower() and toks[i - 2].low not in _CLOSED:
        return True  # "Jane Doe went on television to accuse …": see _around_cue
    if prev in _NOUN_LIKE_BEFORE or prev == "to" or possessive:
        return False  # "the claims", "to say", "Graham's comments"
    if t.low.endswith("ed") and i + 1 < len(toks) and toks[i + 1].low == "by":
        return False  # "the money pledged by donors": a participle, not a verb
    if t.low in _CALL_FORMS and not _calls_for_speech(toks, i):
        return False  # "protesters called the police"
    if t.low in _ADMIT_FORMS:
        admitted = toks[i + 1].low if i + 1 < len(toks) else ""
        if not (admitted in ("that", "to", "it", "having") or admitted.endswith("ing")):
            return False  # "the hospital admitted 30 patients"
    plain_sense = (
        t.low in _SENSE_FORMS
        and i + 1 < len(toks)
        and toks[i + 1].word
        and toks[i + 1].low != "that"
        and toks[i - 1].text not in _COMMA_OR_CLOSE  # '"…," added Jane Doe'
    )
    if plain_sense and not _has_complement(toks, i) and not _object_then_to(toks, i):
        return False  # "added a goal", "defended the title", "recalled 400,000 cars"
    if t.low.endswith(("ed", "told", "said")) and any(x.low in _BE for x in toks[j + 1 : i]):
        return False  # passive: "was first reported by": the source follows "by"
    if t.low.endswith("ing"):
        # "is questioning", "he’s claiming": a progressive verb.
        if any(x.low in _BE for x in toks[j + 1 : i]):
            return subject is not None and subject.word
        if (
            toks[i - 1].text == "," or _after_nominal_cue(toks, i) > 0
        ) and t.low in _SPEECH_GERUNDS:
            return True  # "…, saying that", "a statement saying": see _around_cue
        # "reports suggesting that", "Jane Doe asking": a gerund needs its subject just before.
        return (
            subject is not None
            and j == i - 1
            and subject.word
            and (subject.text[:1].isupper() or subject.low in _PRONOUNS | SOURCE_NOUNS)
        )
    if t.low in _NOUN_TOO and not t.low.endswith("ed"):
        # "Jane claims", "they state" but "battleground states", "New York state".
        if subject is None:
            return False
        # A capital that only opens the sentence ("Health worries") is no name.
        named = subject.text[:1].isupper() and subject.low not in _NUMBERS | common
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        # "Jane claims the …", "the memo states that"; not "Baltic states sent …".
        # The next word starts an object or a clause, not a verb ("states sent") or a
        # prepositional phrase on a noun ("attacks on").
        opens = nxt is not None and (
            nxt.low in _OBJECT_STARTS or nxt.text[:1].isupper() or nxt.text in (":", ",")
        )
        verb = (named and opens) or (nxt is not None and nxt.low == "that")
        return subject.low in _PRONOUNS or subject.low in _MODALS or (verb and t.low.endswith("s"))
    if (
        t.low in _BARE
        and not t.low.endswith(("s", "ed"))
        and t.low not in ("said", "told", "wrote", "thought")
    ):
        return (
            subject is not None
            and (
                subject.low in _PRONOUNS
                or subject.low in _MODALS
                or any(x.low in _MODALS for x in toks[j + 1 : i])
                or (subject.low.endswith("s") and not subject.low.endswith("’s"))
                or subject.low in _AGENT_NOUNS  # "Police say"
                or any(x.low == "and" for x in toks[_np_back(toks, j, 0) : j])  # "X and Y say"
            )
        )
    return True


# Adverbs without -ly that come between a subject and its verb ("have long argued").
_DEGREE = frozenset("long so almost".split())


def _np_end_before(toks: list[_Tok], j: int) -> int:
    """Skip auxiliaries, adverbs and a time between a subject and its verb ("has also
    said", "on Wednesday called", "in 2008 questioned")."""
    while j >= 0:
        t = toks[j]
        adverb = t.low.endswith("ly") and t.text.islower() and t.low not in _LY_NOUNS
        if adverb and j > 0 and toks[j - 1].low in _DETERMINERS | _POSSESSIVES:
            adverb = False  # "the family", "a key ally": a noun
        if t.low in _AUXILIARIES or adverb or t.low in _DEGREE:
            if t.text[:1].isupper():
                break
            j -= 1
        elif j > 1 and toks[j - 1].low in ("on", "in") and _is_time(t):
            j -= 2
        else:
            break
    return j


# Common nouns that end in -ly, never adverbs before a verb.
_LY_NOUNS = frozenset("family ally assembly rally supply reply monopoly anomaly bully".split())


def _is_time(t: _Tok) -> bool:
    """A day, a month or a year ("Wednesday", "2008")."""
    return (t.low in _CALENDAR and t.text[:1].isupper()) or (
        len(t.text) == 4 and t.text.isdigit() and t.text[:2] in ("19", "20")
    )


_NAME_LINKS = frozenset("of for on at".split())
# Adjectives that take a phrase after a noun: "sources close to", "people familiar with".
_POSTMODIFIERS = frozenset("close familiar involved near opposed loyal".split())
_SOURCE_LINKS = frozenset("to with from near in at for".split())


def _np_back(toks: list[_Tok], j: int, first_word: int) -> int:
    """The first token of the noun phrase that ends at token ``j`` (or j + 1 if none).

    It runs back over nouns, names and adjectives, through "of", "for", "on" and
    "at" when a name follows them ("the editorial board of The Post", "a
    spokeswoman for Jane Doe"), and stops at punctuation, a verb form, a
    clause word, or after a determiner or a pronoun.
    """
    start = j + 1
    k = j
    words = 0
    while k >= 0 and words < 10:
        t = toks[k]
        low = t.low
        if not t.word:
            if t.text in "()" or (t.text in ".-" and k > 0 and toks[k - 1].word):
                k -= 1
                continue
            break
        if low == "that" and (
            not (toks[k + 1].text.islower() and toks[k + 1].low not in _CLOSED)
            or toks[k + 1].low.endswith("s")
            or (k > 0 and toks[k - 1].low in _STANCE_OR_REPORTING)
        ):
            # "that Jane Doe", "showed that few", "a plan that aides said": a
            # complementizer or a relative pronoun, not the determiner of "that aide".
            break
        if low in _DETERMINERS:
            start = k
            # "the editorial board of The Post": the phrase goes on before "of".
            if k > 1 and toks[k - 1].low in _NAME_LINKS and toks[k - 2].word:
                k -= 1
                continue
            break
        if low in _NAME_LINKS:
            following = toks[k + 1]
            # "the board of The Post", "a review of records"; not "Jane Doe on Monday".
            named = (
                following.text[:1].isupper() or following.low in _DETERMINERS or low == "of"
            ) and following.low not in _CALENDAR
            if k == j or k + 1 < start or not named or not toks[k - 1].word:
                break
        elif low in _CLOSED:
            break
        elif low in _REPORTING and t.text.islower() and k < j:
            # "officials said Jane Doe" ends the phrase, but a noun-like form before a
            # noun modifies it: "state news media", "the state attorney general".
            modifier = low in _NOUN_TOO and toks[k + 1].text.islower() and toks[k + 1].word
            if not modifier:
                break
        if t.text[:1].islower() and low.endswith(("ed", "ing")) and low not in _PRONOUNS:
            break
        if low in _CALENDAR:
            break  # "early Friday": a time, not a source
        start = k
        words += 1
        if low in _PRONOUNS:
            break
        k -= 1
    # A sentence-opening word that is not a name ("Legal" in "Legal scholars" stays).
    while start <= j and start == first_word and toks[start].low in _CLOSED - _DETERMINERS:
        start += 1
    while start <= j and toks[start].low in _NAME_LINKS:
        start += 1
    # A source with a phrase after it: "a source close to the minister", "sources
    # familiar with the plan", "officials from two countries": the source is the
    # person before the phrase, not its object.
    p = start - 1
    if (
        start <= j
        and p > first_word
        and toks[p].low in _SOURCE_LINKS
        and toks[start].low not in _PRONOUNS
    ):
        q = p - 1
        if toks[q].text.islower() and toks[q].low in _POSTMODIFIERS:
            q -= 1
        person = (
            toks[q].low in _AGENT_NOUNS
            or _holder(toks[q], frozenset({toks[q].low}))
            or (q > 0 and toks[q - 1].low in _DETERMINERS and toks[q].text.islower())
        )
        common_head = toks[q].text.islower() or q == first_word  # "Sources close to"
        if q >= first_word and toks[q].word and person and common_head:
            head_start = _np_back(toks, q, first_word)
            if head_start <= q:
                start = head_start
    # A coordinated subject that opens its clause: "RT and its defenders say".
    # The left part ends in a name, a pronoun or a source noun, not a verb ("Germany won
    # and fans said").
    left_end = toks[start - 2] if start >= 2 else None
    if (
        start <= j
        and left_end is not None
        and toks[start - 1].low == "and"
        and left_end.word
        and _holder(left_end)
        and not (left_end.text.islower() and left_end.low.endswith("ed"))
    ):
        left = _np_back(toks, start - 2, first_word)
        opens = left == first_word or (
            left > 0 and (toks[left - 1].text in ",;:(" or toks[left - 1].low in _CONJUNCTIONS)
        )
        if left <= start - 2 and opens:
            return left
    return start


def _np_forward(toks: list[_Tok], i: int) -> int:
    """The last token of the noun phrase that starts at token ``i`` (or i - 1)."""
    k = i
    end = i - 1
    while k < len(toks) and k - i < 8:
        t = toks[k]
        low = t.low
        if not t.word:
            break
        if low in _CLOSED and low not in _DETERMINERS and low != "of":
            break
        if low in _REPORTING and t.text.islower():
            break
        if k > i and low in _DETERMINERS and toks[k - 1].low != "of":
            break
        if k > i and t.text[:1].islower() and low.endswith(("ed", "ing")):
            break
        end = k
        k += 1
    while end >= i and (toks[end].low in _DETERMINERS or toks[end].low == "of"):
        end -= 1
    return end


def _span(s: str, base: int, toks: list[_Tok], a: int, b: int) -> Mention:
    return _mention(s, base, toks[a].start, toks[b].end)


def _content(s: str, base: int, toks: list[_Tok], a: int, b: int) -> Mention | None:
    """Tokens a..b as content, without edge punctuation; None if too short to be a claim."""
    while a <= b and not toks[a].word and toks[a].text not in "“\"‘'":
        a += 1
    while b >= a and not toks[b].word and toks[b].text not in ("”", '"', "’", "'", "?", "!", "''"):
        b -= 1
    if b - a < 2:
        return None
    return _span(s, base, toks, a, b)


def _after_cue(toks: list[_Tok], i: int) -> int:
    """Where the content starts after a cue: past an addressee ("told reporters") and "that"."""
    k = i + 1
    if toks[i].low in _ADDRESSEE_VERBS:
        k = next((m + 1 for m in range(i + 1, min(len(toks), i + 7)) if toks[m].low == "that"), k)
    else:
        # "said Monday that", "said in a statement that", "said privately that".
        for m in range(i + 1, min(len(toks), i + 7)):
            if toks[m].low == "that":
                between = toks[i + 1 : m]
                if all(_adverbial(t) for t in between):
                    k = m
                break
            if not toks[m].word:
                break
    if k < len(toks) and toks[k].low == "that":
        k += 1
    return k


def _adverbial(t: _Tok) -> bool:
    """A word of a time or manner adverbial between a cue and its "that"."""
    low = t.low
    return (
        low in _CALENDAR
        or low in _TIME_WORDS
        or low in _PREPOSITIONS
        or low in _DETERMINERS
        or low in _MESSAGES
        or (low.endswith("ly") and t.text.islower())
        or low in ("earlier", "later", "again", "also")
    )


def _subject_first(toks: list[_Tok], first: int, comma: int) -> bool:
    """Whether tokens first..comma-1 read as a short subject ("Jane Doe", "The mayor")."""
    words = [t for t in toks[first:comma] if t.word]
    return (
        0 < len(words) <= 6
        and (
            (words[0].text[:1].isupper() and words[0].low not in _CLOSED)
            or words[0].low in _DETERMINERS
        )
        and all(t.low not in _REPORTING for t in words)
    )


_NOMINAL_CUES = frozenset("statement report letter note interview post message".split())
# Messages whose gerund belongs to their sender ("a statement calling …").
_MESSAGES = _NOMINAL_CUES | frozenset("statements letters tweet tweets remarks comments".split())


def _after_nominal_cue(toks: list[_Tok], i: int) -> int:
    """The message before the gerund at ``i`` ("a statement calling", "a letter on
    Friday saying", "tweets early Friday saying"), or -1."""
    k = i - 1
    while k > 0 and (toks[k].low in _CALENDAR | _TIME_WORDS or toks[k].low in _TIME_LINKS):
        k -= 1
    return k if toks[k].low in _MESSAGES else -1


_TIME_LINKS = frozenset("on early late".split())


def _sender(
    toks: list[_Tok], message: int, first: int, common: frozenset[str]
) -> tuple[int, int] | None:
    """The subject of the verb that governs the message at ``message``: "Jane Doe
    issued a statement calling …", "after Jane Doe posted a series of tweets saying …"."""
    k = _np_back(toks, message, first)
    while k - 1 >= first and toks[k - 1].low == "of":  # "a series of tweets"
        k = _np_back(toks, k - 2, first)
    verb = k - 1
    if verb <= first or not toks[verb].text.islower() or toks[verb].low in _CLOSED:
        return None
    j = _np_end_before(toks, verb - 1)
    if j < first or not toks[j].word or not _holder(toks[j], common):
        return None
    start = _np_back(toks, j, first)
    return (start, j) if start <= j else None


def _holder(t: _Tok, common: frozenset[str] = frozenset()) -> bool:
    """Whether a noun phrase ending in ``t`` can hold a view: a name, a pronoun, a source
    noun, or an agent noun by its suffix ("founder", "director", "activist", "nominee").
    A capital that only opens the sentence (a word in ``common``) is no name."""
    low = t.low
    stem = low[:-1] if low.endswith("s") and not low.endswith("ss") else low
    agentive = stem.endswith(("er", "or", "ist", "ian", "al", "ant", "ent", "ee"))
    return (
        (t.text[:1].isupper() and low not in common)
        or low in _PRONOUNS
        or low in _AGENT_NOUNS
        or ((t.text.islower() or low in common) and agentive)
    )


def _appositive(toks: list[_Tok], comma: int, first: int) -> tuple[int, int] | None:
    """The last tokens of the name and of the appositive that ends at ``comma``, before
    a verb: "Jane Doe, the mayor of X, said", '"…," Mr. Doe, 82, said'."""
    # The subject opens the sentence.
    k = next((m for m in range(first, comma) if toks[m].text == ","), -1)
    # The head of "the minister of the economy" is "minister".
    head = next((m - 1 for m in range(first + 1, k) if toks[m].low in _NAME_LINKS), k - 1)
    inner = [t for t in toks[k + 1 : comma] if t.word]
    # "Her deputy, Jane Doe,", "His wife, 52,", "The chief executive, who …,": the
    # appositive itself shows a person.
    person = bool(inner) and (
        inner[0].low in ("who", "whose")
        or inner[0].text.isdigit()
        or all(t.text[:1].isupper() for t in inner)
    )
    comma_pair = toks[comma].text == ","
    if (
        comma_pair
        and k > first
        and _subject_first(toks, first, k)
        and (_holder(toks[head]) or person)
    ):
        return k - 1, comma - 1
    # Or a name after a quotation or a clause: the comma (or dash) pair just before the
    # verb ("Jane Doe -- the author of a book on trade -- said").
    mark = toks[comma].text
    closing = comma - 1 if mark in "-—–" and toks[comma - 1].text == mark else comma
    k = max((m for m in range(first, closing) if toks[m].text == mark), default=-1)
    if mark in "-—–" and k > first and toks[k - 1].text == mark:
        k -= 1  # "--" is two tokens
    if k < first + 1 or comma - k > 25 or not _holder(toks[k - 1]):
        return None
    start = _np_back(toks, k - 1, first)
    before = toks[start - 1].text if start > 0 else ""
    opener = before.lower()
    opens = (
        start == first
        or before in _CLOSERS
        or before in ",;:"
        or opener in _CONJUNCTIONS | _SUBORDINATORS
        or (opener in _CLOSED and opener not in _PREPOSITIONS | _DETERMINERS)  # "Even"
    )
    if start <= k - 1 and opens:
        return k - 1, closing - 1
    return None


# Gerunds of saying, which take the main clause's subject after a comma ("…, saying
# that"); not those of evidence or result ("…, suggesting that", "…, confirming").
_SPEECH_GERUNDS = frozenset(
    lemma[:-1] + "ing" if lemma.endswith("e") else lemma + "ing"
    for lemma in """say tell add warn argue note insist cite call claim write explain accuse
    promise urge vow pledge deny blame criticize criticise praise ask reply respond stress
    emphasize emphasise repeat declare announce tweet complain describe""".split()
)
# Main verbs whose infinitive the subject does not carry out, or that deny it.
_NOT_DONE = frozenset(
    "fail fails failed failing refuse refuses refused decline declines declined unable yet "
    "expected scheduled due set likely able available willing".split()
)


def _purpose(toks: list[_Tok], subject_end: int, i: int) -> bool:
    """Whether "to" + the cue at ``i`` is the subject's own purpose ("went on television
    to accuse"), not an object's ("ordered the company to disclose"), a passive or a
    raising frame ("is expected to announce", "It is fair to say"), or a failure."""
    head = toks[subject_end].low
    verb = toks[subject_end + 1] if subject_end + 1 < i else None
    if head in ("it", "there") or verb is None:
        return False
    middle = toks[subject_end + 1 : i - 1]
    if any(x.low in _BE or x.low in _NOT_DONE for x in middle):
        return False
    after_verb = toks[subject_end + 2] if subject_end + 2 < i - 1 else None
    # A direct object after the main verb is who the infinitive belongs to.
    return not (
        after_verb is not None
        and (
            after_verb.low in _DETERMINERS
            or after_verb.text[:1].isupper()
            or after_verb.low in ("him", "her", "them", "us", "me")
        )
    )


def _around_cue(
    s: str,
    base: int,
    toks: list[_Tok],
    i: int,
    first: int,
    last: int,
    common: frozenset[str] = frozenset(),
    opens_quoted: bool = False,
) -> Attribution | None:
    """Source and content around the cue at token ``i``, if the sentence has them.

    ``opens_quoted``: the sentence opens inside or with a quotation."""
    n = len(toks)
    cue = _span(s, base, toks, i, i)
    message = _after_nominal_cue(toks, i) if toks[i].low.endswith("ing") else -1
    if toks[i - 1].low == "to" or message > 0:
        # An infinitive of purpose or intent: the main clause's subject is the source; a
        # message's gerund ("issued a statement calling …"): its sender.
        if message > 0:
            subject = _sender(toks, message, first, common)
        else:
            subject = _clause_subject(toks, first, i - 1, common)
        if toks[i - 1].low == "to" and subject is not None and not _purpose(toks, subject[1], i):
            return None
        content = _content(s, base, toks, _after_cue(toks, i), last)
        content = content or _content(s, base, toks, first, last)
        if subject is None or content is None:
            return None
        source = _span(s, base, toks, *subject)
        return Attribution(cue, source, source, content)
    j = _np_end_before(toks, i - 1)
    prev = toks[j].text if j >= 0 else ""
    appositive_end = -1
    if prev in (",", "-", "—", "–") and (found := _appositive(toks, j, first)) is not None:
        j, appositive_end = found
        prev = toks[j].text
    if j < first or prev in ",:;" or prev in _CLOSERS:
        if toks[i].low.endswith("ing") and prev == ",":
            # "Jane Doe spoke on Monday, saying that …": the main clause's subject.
            subject = _clause_subject(toks, first, j, common)
            content = _content(s, base, toks, _after_cue(toks, i), last)
            if subject is None or content is None:
                return None
            source = _span(s, base, toks, *subject)
            return Attribution(_span(s, base, toks, i, i), source, source, content)
        if toks[i].low.endswith("ing") or i + 1 >= n or not toks[i + 1].word:
            return None
        if toks[i].low in ("told", "tell", "tells"):
            return None  # "X, …, told journalists": the addressee follows, never the speaker
        if toks[i + 1].low in ("that", "me", "him", "us", "them"):
            return None  # '"…" suggests that', '"…" told me': no source follows
        # '"…," said Jane Doe, the mayor': the source follows the cue.
        end = _np_forward(toks, i + 1)
        if end < i + 1:
            return None
        following = toks[end + 1] if end + 1 < n else None
        if (
            following is not None
            and following.word
            and following.text.islower()
            and following.low not in _PREPOSITIONS | _CONJUNCTIONS | {"who", "which", "adding"}
        ):
            # "His wife, speaking in Paris, said the budget would be cut": the words after
            # the cue are the content's subject, so the speaker opens the sentence.
            k = next((m for m in range(first, j + 1) if toks[m].text == ","), -1)
            if k <= first or not _subject_first(toks, first, k) or j < first:
                return None
            after = _content(s, base, toks, _after_cue(toks, i), last)
            if after is None:
                return None
            return Attribution(
                cue, _span(s, base, toks, first, j - 1), _span(s, base, toks, first, k - 1), after
            )
        name = _span(s, base, toks, i + 1, end)
        tail = end
        if end + 1 < n and toks[end + 1].text == "," and last - end < 40:
            # "said Jane Doe, the mayor of X, who …": the whole mention, as PARC marks it.
            tail = last if toks[last].word else last - 1
            if any(t.text in '“”"«»' for t in toks[end + 1 : tail + 1]):
                tail = end
        content = _content(s, base, toks, first, j if j >= first else i - 1)
        if content is None:
            return None
        return Attribution(cue, _span(s, base, toks, i + 1, tail), name, content)
    start = _np_back(toks, j, first)
    if start > j:
        return None
    if start > first and toks[start - 1].low == "as" and i + 2 < n and toks[i + 1].text == ",":
        # "As the mayor said, the budget is safe": the parenthetical credits the rest.
        content = _content(s, base, toks, i + 2, last)
        if content is not None:
            mention = _span(s, base, toks, start, j)
            return Attribution(cue, mention, mention, content)
    if (
        start > first
        and toks[start - 1].low in _SUBORDINATORS
        and any(t.text in ",;" for t in toks[i + 1 : last])
    ):
        # "While officials argued over it, the river rose": the main clause that follows
        # is not what they said. A clause that ends the sentence ("…, when Jane Doe
        # cited the figures") may be the claim.
        return None
    name = _span(s, base, toks, start, j)
    if appositive_end > 0 and toks[j].text.islower():
        # "The mayor, Jane Doe, said": the person's name is the appositive.
        inner = toks[j + 2 : appositive_end + 1] if appositive_end > j + 1 else []
        if inner and all(t.text[:1].isupper() or not t.word for t in inner):
            name = _span(s, base, toks, j + 2, appositive_end)
    source = _span(s, base, toks, start, appositive_end if appositive_end > 0 else j)
    # Content: after the cue ("said (that) C"), or before the source ("C, X said"):
    # '"…," she said in an interview' keeps the quotation, "In Ohio, she said …" what
    # follows the cue.
    after = _content(s, base, toks, _after_cue(toks, i), last)
    before = None
    if start > first + 1 and toks[start - 1].text in _COMMA_OR_CLOSE:
        stop = start - 2 if toks[start - 1].text == "," else start - 1
        before = _content(s, base, toks, first, stop)
    # '"…," she said': the quotation before the source is the content; not a title in
    # quotation marks ('On "Fox News Sunday," the senator said that …').
    quoted = (
        start > 1
        and any(t.text in _CLOSERS for t in toks[start - 2 : start])
        and (opens_quoted or after is None)
    )
    content = before if quoted and before is not None else after or before
    # A short object ("did not suggest retaliation") leaves the sentence as the claim,
    # when the source is the sentence's subject (not "…, but critics disagreed").
    if content is None and start == first:
        content = _content(s, base, toks, first, last)
        if content is None and i + 1 < n and toks[i + 1].text == ":" and i + 2 == n:
            content = _span(s, base, toks, first, i)  # "Jane Doe added:" and a block quote
    if content is None:
        return None
    return Attribution(cue, source, name, content)


_OBJECT_STARTS = _DETERMINERS | frozenset("to that him her them it us me".split())


_CLAUSE_WORDS = frozenset("that whether how why what if".split())
_SUBORDINATORS = frozenset(
    "while as when after before because since although though once until unless if "
    "whereas what".split()
)
_POSSESSIVES = frozenset("his her its their our my your".split())


def _clause_follows(toks: list[_Tok], k: int) -> bool:
    """Whether a clause with its own subject starts after the complementizer at ``k``
    ("that the mayor …", "that she …"), not a verb ("that leaked")."""
    if k + 1 >= len(toks):
        return False
    t = toks[k + 1]
    if t.low in _DETERMINERS or t.low in _PRONOUNS or t.text[:1].isupper() or t.low in _NUMBERS:
        return True
    # "that countries …", "that few voters …"; not "that leaked", "that would".
    return t.word and t.low not in _CLOSED and not t.low.endswith(("ed", "ing"))


def _has_complement(toks: list[_Tok], end: int, subject: str = "") -> bool:
    """Whether the verb ending at ``end`` takes a clause or an infinitive: "found that
    …", "plans to run", "asked whether …", "described the plan as …", "polls showed
    Jane Doe was ahead"; a refusal takes its object ("declined the offer"), and a
    medium's or a document's report needs none ("the newspaper detailed its spending")."""
    n = len(toks)
    if end + 1 >= n:
        return False
    if subject in SOURCE_NOUNS or subject in _DOCUMENT_SOURCES:
        return True
    nxt = toks[end + 1].low
    lemma = toks[end].low
    if lemma in _REFUSALS and nxt in _DETERMINERS:
        return True
    if lemma in _FEELINGS and toks[end + 1].text.islower() and nxt not in _CLOSED:
        return True  # "felt betrayed", "feels strongly"
    if nxt in _CLAUSE_WORDS:
        return nxt != "that" or _clause_follows(toks, end + 1)
    if nxt == "to":
        # An infinitive, not a destination or an amount: "plans to run", not "declined
        # to 5 percent" or "backed to the wall".
        after = toks[end + 2] if end + 2 < n else None
        return (
            after is not None
            and after.text.islower()
            and after.low not in _CLOSED
            and not after.low[:1].isdigit()
        )
    for k in range(end + 1, min(n, end + 8)):
        t = toks[k]
        if not t.word or (k > end + 1 and t.low in ("who", "which", "that")):
            return False  # a relative clause on the object is no complement of the verb
        following = toks[k + 1].low if k + 1 < n else ""
        naming_as = t.low == "as" and lemma in _AS_VERBS and k > end + 1
        if naming_as and following not in ("well", "part", "far", "long", "soon", "much"):
            return True  # "described the talks as …", "branded them as …"
        finite = t.low in _BE or t.low in _MODALS - {"to"} or t.low in ("has", "had")
        if k > end + 1 and finite and t.text.islower():
            return True  # "showed the mayor was ahead": a clause without "that"
        subject_pronoun = toks[k - 1].low in _PRONOUNS - {"it"} or (
            toks[k - 1].low == "it" and t.low.endswith("s")
        )
        if k > end + 1 and subject_pronoun and t.text.islower() and t.low not in _CLOSED:
            return True  # "has shown they know": a pronoun subject and its verb
        if t.low == "to" and k + 1 < n and toks[k + 1].text.islower() and lemma in _TO_VERBS:
            verb = toks[k + 1].low
            if verb not in _CLOSED and not verb[:1].isdigit():
                return True  # "decided after a long inquiry not to …"
        if lemma in _NAMING and k > end + 1 and t.low in ("a", "an", *_OPEN_QUOTES):
            return True  # "branded the country an outlaw"
    return False


_REFUSALS = frozenset(_forms("decline") | _forms("refuse"))


def _no_comment(toks: list[_Tok], end: int) -> bool:
    """ "declined to comment", "refused to say whether …", "declined an interview"."""
    words = [t.low for t in toks[end + 1 : end + 4]]
    return (words[:1] == ["to"] and words[1:2] and words[1] in _NO_COMMENT) or bool(
        set(words) & {"interview", "comment"}
    )


_NO_COMMENT = frozenset("comment say elaborate discuss speak confirm respond specify".split())
# Verbs whose "as" names what the object is said to be, and verbs that take an infinitive
# even after an object or an adverbial ("persuaded the council to", "decided in May to").
_AS_VERBS = frozenset(
    form
    for lemma in "describe characterize characterise portray depict brand dub label consider "
    "present see regard".split()
    for form in _forms(lemma)
)
_TO_VERBS = frozenset(
    form
    for lemma in "plan intend aim decide choose opt threaten swear refuse decline persuade "
    "convince pressure beg request appeal wish desire yearn aspire commit".split()
    for form in _forms(lemma)
)
_FEELINGS = frozenset(_forms("feel") - {"feel"})
_NAMING = frozenset(form for lemma in ("brand", "dub", "label") for form in _forms(lemma))


def _stance_subject(
    toks: list[_Tok], i: int, common: frozenset[str], end: int = -1
) -> tuple[int, int]:
    """The last tokens of the source's name and of its whole mention (with an appositive)
    for the stance verb at ``i`` (its particle at ``end``); (-1, -1) if it has none.

    A stance verb is a common word ("plans", "backed", "attacks"), so it counts only as
    a verb with a subject that can hold an attitude just before it: a name, a pronoun
    or a source noun, or any noun phrase before a "that" clause ("polls show that").
    """
    none = (-1, -1)
    t = toks[i]
    if not t.text.islower():
        return none
    j = _np_end_before(toks, i - 1)
    mention_end = j
    if j > 0 and toks[j].text == ",":
        first = next((m for m in range(j) if toks[m].word), j)
        if (found := _appositive(toks, j, first)) is not None:
            j, mention_end = found
    if j < 0 or not toks[j].word:
        return none
    prev = toks[i - 1].low
    if prev in _NOUN_LIKE_BEFORE or (prev.endswith(("’s", "'s")) and prev not in _BE):
        return none  # "the plans", "to support", "Trump's attacks"
    subject = toks[j]
    low = subject.low
    end = max(end, i)
    nxt = toks[end + 1].low if end + 1 < len(toks) else ""
    between = toks[j + 1 : i]
    if t.low in _NEEDS_COMPLEMENT and not _has_complement(toks, end, toks[j].low):
        return none
    if t.low in _REFUSALS and _no_comment(toks, end):
        return none  # "declined to comment": nothing is claimed
    if nxt == "that" and not _clause_follows(toks, end + 1):
        return none  # "plans that leaked": a relative clause on a noun
    if low in _CLOSED - _PRONOUNS or low in _NUMBERS:
        return none
    named = subject.text[:1].isupper() and low not in common
    agent = named or _holder(subject, common)
    if t.low.endswith("ing"):
        # Only the progressive ("is promoting"): a bare gerund is a noun or an adjunct.
        return (j, mention_end) if agent and any(x.low in _BE for x in between) else none
    if any(x.low in _BE for x in between):
        return none  # passive: see _passive
    if t.low in _BARE_STANCE:
        # "they back", "will support", "polls show that"; never "Democrats like
        # Sanders" or "the debate that".
        modal = any(x.low in _MODALS for x in between)
        plural = nxt == "that" and low.endswith("s") and not low.endswith(("’s", "'s"))
        return (j, mention_end) if low in _PRONOUNS or modal or plural else none
    if nxt == "that":
        return j, mention_end
    if not agent:
        return none
    following = toks[end + 1] if end + 1 < len(toks) else None
    if t.low.endswith("s") and not (
        nxt in _OBJECT_STARTS or (following is not None and following.text[:1].isupper())
    ):
        return none  # "Russian attacks on …": a noun
    return j, mention_end


def _stance(
    s: str,
    base: int,
    toks: list[_Tok],
    i: int,
    first: int,
    last: int,
    common: frozenset[str],
    end: int = -1,
) -> Attribution | None:
    """Source and content of a stance verb ("X backs Y", "X plans to …"); a phrasal
    verb's particle is at ``end`` ("X pointed out that …")."""
    end = max(end, i)
    j, mention_end = _stance_subject(toks, i, common, end)
    if j < first:
        return None
    start = _np_back(toks, j, first)
    if start > j or (start > 0 and toks[start - 1].low in ("that", "which", "who", "whom")):
        return None  # "the law that parliament backed": a relative clause
    name = _span(s, base, toks, start, j)
    source = _span(s, base, toks, start, mention_end)
    # The content is what the stance is about; a short object ("attacked Y") leaves the
    # sentence as the claim.
    skip = end + 2 if end + 1 < len(toks) and toks[end + 1].low == "that" else end + 1
    after = _content(s, base, toks, skip, last)
    content = after or (_content(s, base, toks, first, last) if start == first else None)
    if content is None:
        return None
    return Attribution(_span(s, base, toks, i, end), source, name, content)


def _particle(toks: list[_Tok], i: int) -> int:
    """The index of the particle of the phrasal verb at ``i`` ("made it clear"), or -1.

    Only in the sense of saying: "made it clear that", "laid out her plan", "weighed in
    on", "spoke out against"; not "made clear progress", "laid out hoses", "weighed in
    at 60 kilograms"."""
    particle = _PHRASAL_FORMS.get(toks[i].low)
    if particle is None:
        return -1
    for k in (i + 1, i + 2):
        if k < len(toks) and toks[k].low == particle and (k == i + 1 or toks[i + 1].low == "it"):
            break
    else:
        return -1
    nxt = toks[k + 1] if k + 1 < len(toks) else None
    lemma = next(lemma for lemma, p in _PHRASAL.items() if toks[i].low in _forms(lemma))
    if lemma == "make":
        fits = k == i + 2 or (nxt is not None and nxt.low == "that")
    elif lemma == "lay":
        fits = nxt is not None and nxt.low in _POSSESSIVES | {"a", "an", "the"}
    elif lemma == "weigh":
        fits = nxt is None or not nxt.word or nxt.low in ("on", "against", "about", "for")
    else:
        fits = True
    return k if fits else -1


def _colon_speech(
    s: str,
    base: int,
    toks: list[_Tok],
    first: int,
    last: int,
    common: frozenset[str],
    inside: list[bool],
) -> Attribution | None:
    """'Jane Doe continued: "…"': a named speaker, a verb and a colon before a quotation."""
    for k in range(first + 2, last):
        opens = toks[k + 1].text in (*_OPEN_QUOTES, '"', "``", "''")
        if toks[k].text != ":" or inside[k] or not opens:
            continue
        verb = toks[k - 1]
        saying = verb.low in _REPORTING or verb.low in ("continued", "continues")
        if not verb.text.islower() or not saying:
            continue  # "The mood was grim:", "Fans sang:"
        j = _np_end_before(toks, k - 2)
        if any(x.low in _BE for x in toks[j + 1 : k - 1]):
            continue
        if j < first or not toks[j].word:
            continue
        subject = toks[j]
        named = subject.text[:1].isupper() and subject.low not in common | _CLOSED
        if not (named or _holder(subject, common)) or subject.low in _CLOSED - _PRONOUNS:
            continue
        start = _np_back(toks, j, first)
        content = _content(s, base, toks, k + 1, last)
        if start > j or content is None:
            continue
        source = _span(s, base, toks, start, j)
        return Attribution(_span(s, base, toks, k - 1, k), source, source, content)
    return None


def _clause_subject(
    toks: list[_Tok], first: int, upto: int, common: frozenset[str]
) -> tuple[int, int] | None:
    """The first and last tokens of the sentence's subject, after any opening phrase ("On
    Monday, however, Jane Doe spoke"), when it names a source; None otherwise."""
    starts = [first] + [m + 1 for m in range(first, upto) if toks[m].text == ","]
    for c in starts:
        if c >= upto or not toks[c].word or (toks[c].low in _CLOSED - _DETERMINERS):
            continue
        end = c + 1 if toks[c].low in _DETERMINERS else c
        while end + 1 < upto and toks[end + 1].word and toks[end + 1].text[:1].isupper():
            end += 1
        if toks[c].low in _DETERMINERS or toks[c].text.islower():
            # "The harbour board issued", "party rules give": common nouns up to the
            # first verb-like word.
            while (
                end + 1 < upto
                and toks[end + 1].word
                and toks[end + 1].low not in _CLOSED
                and not toks[end + 1].low.endswith(("ed", "ing"))
                and end - c < 4
                and end + 2 < upto
                and toks[end + 2].word
                and toks[end + 2].low not in _CLOSED - _AUXILIARIES
            ):
                end += 1
        if end + 1 >= upto:
            return None
        head, verb = toks[end], toks[end + 1]
        named = head.text[:1].isupper() and head.low not in common | _CLOSED
        source = named or (head.low not in _CLOSED - _PRONOUNS and _holder(head, common))
        if source and verb.word and verb.text.islower() and verb.low not in _CLOSED - _AUXILIARIES:
            return c, end
        return None  # the subject is not a source: "The rally went on, …"
    return None


# Reporting verbs whose passive has a plain sense: "was called by the union" (a strike).
_PASSIVE_PLAIN = frozenset("called shown charged presented".split())


def _passive(
    s: str, base: int, toks: list[_Tok], i: int, first: int, last: int
) -> Attribution | None:
    """ "C was reported by X", "C is endorsed by X": the source follows "by"; verbs with a
    plain sense ("was attacked by drones", "was decided by a penalty") are left out."""
    t = toks[i]
    if not t.text.islower() or not t.low.endswith(("ed", "wn", "en", "ld", "id")):
        return None
    if t.low in _NEEDS_COMPLEMENT or t.low in _PASSIVE_PLAIN:
        return None
    k = i - 1
    while k >= first and (toks[k].low.endswith("ly") or toks[k].low in ("first", "also", "not")):
        k -= 1
    if k < first or toks[k].low not in _BE:
        return None
    by = i + 1
    while by < len(toks) and toks[by].low.endswith("ly"):
        by += 1
    if by + 1 >= len(toks) or toks[by].low != "by":
        return None
    end = _np_forward(toks, by + 1)
    while end > by + 1 and toks[end].low in _TIME_WORDS | {"overnight"}:
        end -= 1
    if end < by + 1:
        return None
    head = toks[end]
    agent = head.text[:1].isupper() or head.low in _AGENT_NOUNS or head.low in _PRONOUNS
    if not agent:
        return None
    source = _span(s, base, toks, by + 1, end)
    content = _content(s, base, toks, first, last)
    if content is None:
        return None
    return Attribution(_span(s, base, toks, i, by), source, source, content)


_CLOSERS = frozenset({"”", '"', "’", "'", "»", "''"})
_COMMA_OR_CLOSE = _CLOSERS | {","}
_ADDRESSEE_VERBS = frozenset(
    "told tell tells asked ask asks warned warn warns advised urged assured".split()
)


def _inside_quotes(toks: list[_Tok], quoted: bool = False) -> list[bool]:
    """Whether each token lies inside a quotation: one opened in the same sentence, or,
    when ``quoted``, the one an earlier sentence opened, up to its close."""
    inside, depth = [], int(quoted)
    for k, t in enumerate(toks):
        if t.text in "“«" or t.text == "``":
            depth += 1
        elif t.text in "”»":
            depth = max(0, depth - 1)
        elif t.text in ('"', "''"):
            opening = k == 0 or toks[k - 1].end < t.start or not toks[k - 1].word
            depth = depth + 1 if opening and depth == 0 else max(0, depth - 1)
        inside.append(depth > 0)
    return inside


def _attribution(
    s: str, base: int, common: frozenset[str] = frozenset(), quoted: bool = False
) -> Attribution | None:
    """The source, cue and content of a sentence of reported speech, if it is one."""
    toks = _tokens(s)
    n = len(toks)
    if n < 3:
        return None
    first = next((i for i, t in enumerate(toks) if t.word), 0)
    last = n - 1
    while last > 0 and not toks[last].word and toks[last].text not in "”\"’'":
        last -= 1
    # "according to X, C" / "C, according to X", and nominal cues that PARC marks the
    # same way: "in a report by X", "in a letter from X".
    for i in range(n - 2):
        width = 0
        if toks[i].low == "according" and toks[i + 1].low == "to":
            width = 2
        elif (
            toks[i].low == "in"
            and i + 3 < n
            and toks[i + 1].low in ("a", "an")
            and toks[i + 2].low in _NOMINAL_CUES
            and toks[i + 3].low in ("from", "by")
        ):
            width = 4
        if width:
            end = _np_forward(toks, i + width)
            if end < i + width:
                continue
            cue = _span(s, base, toks, i, i + width - 1)
            source = _span(s, base, toks, i + width, end)
            if i <= first + 1:
                content = _content(s, base, toks, end + 1, last)
            else:
                content = _content(s, base, toks, first, i - 1)
            if content is not None:
                return Attribution(cue, source, source, content)
    # A transcript's speaker label: "SMITH: …" (capitals, as transcripts print names).
    colon = next((m for m in range(first, min(n, first + 4)) if toks[m].text == ":"), -1)
    if colon > first and all(t.text.isupper() and len(t.text) > 1 for t in toks[first:colon]):
        content = _content(s, base, toks, colon + 1, last)
        if content is not None:
            label = _span(s, base, toks, first, colon - 1)
            return Attribution(_span(s, base, toks, colon, colon), label, label, content)
    # A cue inside quotation marks ("I think …") belongs to the quoted speech.
    inside = _inside_quotes(toks, quoted)
    if (speech := _colon_speech(s, base, toks, first, last, common, inside)) is not None:
        return speech
    cues = [i for i in range(n) if not inside[i] and _is_cue(toks, i, common)]
    if not cues and _title_case(s, 0.8):
        # A headline in title case ("Mayor Says Budget Is Safe"): case cannot tell the
        # cue from a name, so a capitalised reporting verb ending in -s counts.
        cues = [
            i
            for i in range(first + 1, n)
            if toks[i].text[:1].isupper()
            and toks[i].low.endswith("s")
            and toks[i].low in _REPORTING
            and toks[i].low not in _NOUN_TOO
        ]
    # "…, the source added": a cue in the closing clause governs the sentence; an
    # earlier one ("had told police") is part of what is reported.
    if len(cues) > 1 and last - cues[-1] < 10:
        clause = max((m for m in range(cues[-1]) if toks[m].text in ',”"'), default=-1)
        # "…, the source added", "…, said Jane Doe": only a short subject, if any,
        # between the comma and the cue.
        subject = [t for t in toks[clause + 1 : cues[-1]] if t.word]
        short = len(subject) <= 6 and not any(
            t.text.islower() and t.low.endswith(("ed", "ing")) for t in subject
        )
        inverted = not subject  # "…, said Jane Doe, the mayor"
        if clause > cues[0] and (inverted or (short and last - cues[-1] <= 3)):
            cues = [cues[-1], *cues[:-1]]
    # "Polls show that few voters believe …": a stance verb whose clause holds the cue
    # governs it.
    # So does one whose subject opens the sentence ("Jane Doe is speaking out about
    # why she believes …").
    # Not when a closing clause names the source ("They plan to strike, officials said").
    closing = bool(cues) and any(toks[m].text in ',”"' for m in range(first, cues[-1]))
    closing = closing and last - cues[-1] < 10
    if cues:
        for i in range(first + 1, cues[0]):
            particle = _particle(toks, i)
            if inside[i] or (particle < 0 and toks[i].low not in _STANCE_VERBS):
                continue
            found = _stance(s, base, toks, i, first, last, common, particle)
            if found is None:
                continue
            opens = found.source.start == toks[first].start + base
            if toks[max(i, particle) + 1].low == "that" or (opens and not closing):
                return found
    for i in cues:
        found = _around_cue(s, base, toks, i, first, last, common, quoted or first > 0)
        if found is not None:
            return found
    # A stance verb after a reporting cue is inside what is reported.
    for i in range(first + 1, min(cues, default=n - 1)):
        if inside[i] or any(t.low in ("whether", "how", "why", "what") for t in toks[first:i]):
            continue  # "Asked whether she planned to rest, …": inside a question
        if (particle := _particle(toks, i)) > 0:
            found = _stance(s, base, toks, i, first, last, common, particle)
        elif toks[i].low in _STANCE_VERBS:
            found = _stance(s, base, toks, i, first, last, common)
        elif toks[i].low in _STANCE_OR_REPORTING:
            found = _passive(s, base, toks, i, first, last)
        else:
            continue
        if found is None and toks[i].low in _STANCE_VERBS:
            found = _passive(s, base, toks, i, first, last)
        if found is not None:
            return found
    return None
