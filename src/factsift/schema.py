"""The data types factsift reads and returns.

This module is the leaf of the package: it imports nothing from factsift, so
every other stage can depend on it and users can import it cheaply.

Every :class:`Span` that factsift returns satisfies
``facts.text[span.start:span.end] == span.text``: the model only *quotes* the
article, and code finds the quote in the text (see ``factsift._pipeline.ground``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum
from typing import Annotated, Any, TypeGuard, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

__all__ = [
    "Alignment",
    "ArticleFacts",
    "Attribution",
    "Certainty",
    "Claim",
    "ClaimKind",
    "Document",
    "Event",
    "EventType",
    "Extraction",
    "Participant",
    "PromptInfo",
    "Realis",
    "Rejected",
    "SourceType",
    "Span",
    "TimeRef",
    "Usage",
]

#: The longest quote a model may give: longer ones are a sign of copying whole paragraphs.
QUOTE_MAX_CHARS = 400

#: Marks a field that code fills in after the model answers (the model never sees it).
DERIVED: JsonDict = {"factsift_derived": True}


class _Choice(str, Enum):
    """An enum whose members print as their value: ``asserted``, not ``Certainty.asserted``."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Alignment(_Choice):
    """How a quote from the model was located in the article."""

    exact = "exact"
    """The quote occurs verbatim."""
    normalized = "normalized"
    """It occurs once whitespace, quote characters, dashes and case are normalised."""
    fuzzy = "fuzzy"
    """A close match inside the sentences the model cited (see ``score``)."""


class Span(BaseModel):
    """A stretch of the article's cleaned text, by character offsets.

    Offsets are Python string indices (code points) into ``ArticleFacts.text``,
    end exclusive, so ``text[start:end] == span.text`` always holds.
    """

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0, description="Offset of the first character.")
    end: int = Field(ge=0, description="Offset one past the last character.")
    text: str = Field(description="The characters between start and end, verbatim.")
    alignment: Alignment = Field(
        default=Alignment.exact, description="How the model's quote was matched to the text."
    )
    score: float = Field(
        default=100.0, ge=0, le=100, description="Match score, 100 for exact matches."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Span:
        if self.end - self.start != len(self.text):
            raise ValueError(
                f"span [{self.start}, {self.end}) has {self.end - self.start} characters "
                f"but its text has {len(self.text)}"
            )
        return self


class ClaimKind(_Choice):
    """What sort of statement a claim is."""

    fact = "fact"
    """A checkable statement about the world (it may still be false)."""
    opinion = "opinion"
    """An evaluation, judgement or characterisation ("a disgraceful decision")."""
    prediction = "prediction"
    """A statement about the future ("is expected to", "will")."""
    other = "other"


class Certainty(_Choice):
    """How firmly the claim is put forward in the article."""

    asserted = "asserted"
    """Stated as true by its source, without hedging."""
    hedged = "hedged"
    """Softened: "may", "hinting that", "reportedly", "sources suggest"."""
    reported = "reported"
    """Relayed by the article from someone else ("X said that ...")."""
    denied = "denied"
    """Stated to be untrue ("denied that", "rejected claims that")."""


class SourceType(_Choice):
    """Who asserts a claim."""

    author = "author"
    """The article's own voice: no one else is credited."""
    person = "person"
    organization = "organization"
    government = "government"
    media = "media"
    """News media in general ("media reports suggest", "local reports")."""
    unknown = "unknown"
    """An unnamed or unidentifiable source ("an official", "sources")."""


class Attribution(BaseModel):
    """Who asserts a claim and the words that say so."""

    source_type: SourceType = Field(description="The kind of source asserting the claim.")
    name: str | None = Field(
        default=None,
        description='Who it is, as named in the article ("Maria Ortiz", "the interior ministry"); '
        "null for the article's own voice or an unnamed source.",
    )
    speaker: Span | None = Field(
        default=None, description="Where the source is mentioned in the text, if it is."
    )
    cue: Span | None = Field(
        default=None,
        description='The attribution cue: "said", "according to", "hinting that".',
    )


class TimeRef(BaseModel):
    """A time expression as written, and its resolved value when one can be had."""

    span: Span = Field(description='The expression as written ("earlier this year").')
    normalized: str | None = Field(
        default=None,
        json_schema_extra=DERIVED,
        description="ISO 8601 date (2024-03-12) or interval (2024-01-01/2024-03-12), "
        "resolved against the publication date; null when it cannot be resolved.",
    )


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("a statement must say something")
    return value


class Claim(BaseModel):
    """Something the article asserts, or reports someone as asserting."""

    # Not min_length: that would change the JSON schema sent to the model.
    statement: Annotated[str, AfterValidator(_not_blank)] = Field(
        description="The claim as a self-contained sentence: pronouns resolved, "
        '"the leaders" replaced by their names.'
    )
    kind: ClaimKind = Field(description="Fact, opinion, prediction or other.")
    certainty: Certainty = Field(description="How firmly the claim is put forward.")
    attribution: Attribution = Field(description="Who asserts it.")
    entities: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Names of the people, groups and places it is about.",
    )
    time: TimeRef | None = Field(default=None, description="The time the claim refers to.")
    evidence: list[Span] = Field(
        min_length=1, max_length=5, description="The words of the article that carry the claim."
    )
    support: float | None = Field(
        default=None,
        ge=0,
        le=1,
        json_schema_extra=DERIVED,
        description="Share of the statement's words and numbers found in its evidence and "
        "the sentences it cites (see factsift._pipeline.support); null when not checked.",
    )


class EventType(_Choice):
    """A small taxonomy of news events; ``other`` is allowed.

    It is coarse on purpose: fine types (KAIROS, ACE) map onto it with a table,
    while a model can tell these apart reliably.
    """

    meet = "meet"
    """People meet or talk face to face (meetings, talks, summits)."""
    visit = "visit"
    """Someone travels to a place or is transported."""
    statement = "statement"
    """A public statement, announcement, report or broadcast."""
    attack = "attack"
    """Violence or an attempt at it: strikes, bombings, shootings, explosions."""
    death = "death"
    injury = "injury"
    agreement = "agreement"
    """A deal, treaty, contract or accord is reached or signed."""
    appointment = "appointment"
    """Someone is appointed, elected or hired to a position."""
    resignation = "resignation"
    """Someone leaves a position: resigns, is fired, retires."""
    opening = "opening"
    """Something opens or is inaugurated: an embassy, a hospital, a plant."""
    arrest = "arrest"
    """Arrest, detention or jailing."""
    legal = "legal"
    """Charges, trials, convictions, sentences, investigations, releases."""
    protest = "protest"
    vote = "vote"
    """A vote, election or decision by a body."""
    transaction = "transaction"
    """Buying, selling, funding, aid, price and rate changes."""
    disaster = "disaster"
    """Natural or industrial disasters and outbreaks."""
    other = "other"


class Realis(_Choice):
    """Whether the event really happened."""

    occurred = "occurred"
    prevented = "prevented"
    """It was attempted or planned and then thwarted or foiled."""
    planned = "planned"
    """Scheduled or intended for the future."""
    hypothetical = "hypothetical"
    """Conditional, possible or speculated."""
    negated = "negated"
    """The text says it did not happen."""
    ongoing = "ongoing"


class Participant(BaseModel):
    """Someone or something taking part in an event, in a role."""

    role: str = Field(
        description="Its role: agent, target, victim, participant, recipient, "
        "attacker, place-of-origin, destination, instrument, …"
    )
    span: Span = Field(description="The mention in the text.")


class Event(BaseModel):
    """Something that happened (or was prevented, planned, …) to someone."""

    type: EventType = Field(description="The event's type in factsift's taxonomy.")
    trigger: Span = Field(description='The word or phrase that names the event ("met").')
    participants: list[Participant] = Field(
        default_factory=list, max_length=8, description="Who or what took part, each in a role."
    )
    location: Span | None = Field(default=None, description="Where it happened, as written.")
    time: TimeRef | None = Field(default=None, description="When it happened, as written.")
    realis: Realis = Field(description="Whether it happened, was prevented, is planned, …")
    evidence: list[Span] = Field(
        min_length=1, max_length=5, description="The words of the article that report the event."
    )


class Extraction(BaseModel):
    """The claims and events of an article.

    What factsift asks the model for by default; the first line describes the tool.
    """

    claims: list[Claim] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)


class Document(BaseModel):
    """An article to extract from, with its text already cleaned.

    ``text`` is the normalised text that every span of the result points into.
    ``furniture`` lists the ranges of page furniture (share buttons, cookie
    notices, "Exit mobile version") that no fact may come from.
    """

    id: str = Field(description="A stable identifier (the file name, or a record's id).")
    text: str = Field(description="The cleaned, normalised article text.")
    source: str | None = Field(default=None, description="Where it came from: a path or URL.")
    title: str | None = None
    url: str | None = None
    published: dt.date | None = Field(
        default=None, description="Publication date: the anchor for relative times."
    )
    furniture: list[tuple[int, int]] = Field(
        default_factory=list, description="Page-furniture ranges [start, end) of text."
    )
    warnings: list[str] = Field(
        default_factory=list, description="Problems met while loading (e.g. bad encoding)."
    )


class Usage(BaseModel):
    """Tokens spent on one article, and what they cost."""

    calls: int = Field(default=0, description="Chat-completion calls made or replayed.")
    cached_calls: int = Field(default=0, description="Calls answered from the cache.")
    prompt_tokens: int = 0
    cached_prompt_tokens: int = Field(
        default=0,
        description="Prompt tokens the provider served from its prompt cache (a cheaper rate).",
    )
    completion_tokens: int = 0
    cost_usd: float | None = Field(
        default=None, description="Estimate from the price table; null if the model is unpriced."
    )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class PromptInfo(BaseModel):
    """Which prompt produced a result."""

    name: str
    version: str
    sha256: str = Field(description="Hash of the prompt file, to tell edits apart.")


class Rejected(BaseModel):
    """An item the model produced that factsift refused to return as a fact."""

    field: str = Field(description='Where it was in the answer: "claims", "events", …')
    reasons: list[str] = Field(description="Why, one line per failed quote or check.")
    item: dict[str, Any] = Field(description="The item as the model gave it.")


class ArticleFacts(BaseModel):
    """Everything factsift found in one article, and how."""

    id: str
    key: str | None = Field(
        default=None,
        description="Hash of the article and of every setting that changes the answer: "
        "a results file's index, so that a re-run skips what is done.",
    )
    source: str | None = None
    title: str | None = None
    url: str | None = None
    published: dt.date | None = None
    text: str = Field(description="The cleaned text that every span points into.")
    claims: list[Claim] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    data: dict[str, Any] | None = Field(
        default=None,
        description="The grounded answer when a custom schema was used (see ``parse``).",
    )
    rejected: list[Rejected] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    partial: bool = Field(
        default=False,
        description="True when a window of the article got no usable answer: its facts "
        "are missing (see warnings); --retry-failed redoes the article.",
    )
    model: str = Field(description="The model that answered.")
    provider: str = Field(description='"openai-compatible" or "local".')
    strategy: str = Field(description="How the article was put to the model.")
    prompt: PromptInfo
    usage: Usage = Field(default_factory=Usage)
    cached: bool = Field(default=False, description="True when every call came from the cache.")
    timings_ms: dict[str, float] = Field(
        default_factory=dict, description="Milliseconds per stage."
    )

    def spans(self) -> list[Span]:
        """Every span in the result, claims, events and custom data alike."""
        found: list[Span] = []
        _collect_spans([*self.claims, *self.events], found)
        if self.data is not None:
            _collect_spans(self.data, found)
        return found

    def parse(self, schema: type[_M]) -> _M:
        """The custom-schema answer as an instance of ``schema``."""
        if self.data is None:
            raise ValueError(f"article {self.id!r} holds no custom-schema data")
        return schema.model_validate(self.data)


_M = TypeVar("_M", bound=BaseModel)


def is_span_dict(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether ``value`` is a span as plain data: a mapping with start, end and text.

    The one test for it: grounded answers, custom-schema data and results read
    back from JSON all hold spans as dicts.
    """
    return isinstance(value, Mapping) and {"start", "end", "text"} <= value.keys()


def _collect_spans(value: Any, out: list[Span]) -> None:
    if isinstance(value, Span):
        out.append(value)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _collect_spans(getattr(value, name), out)
    elif isinstance(value, dict):
        if is_span_dict(value):
            out.append(Span.model_validate(value))
        else:
            for v in value.values():
                _collect_spans(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect_spans(v, out)
