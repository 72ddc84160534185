"""The sentence strategy: rules propose, a small model chooses.

A 135M-parameter model cannot read a whole article and answer in one nested
JSON object: it loops and invents quotes. It can make a small choice about
one sentence when the answer is constrained to a few options. So this
strategy works sentence by sentence: ``rules.propose`` finds the candidates
(claim sentences, cues, speakers, event words, hedges), the model is asked
only the decisions it is trusted with (an enum, or a pick from candidates
taken from the sentence), and the answer is assembled as a draft of the
built-in schema with quotes from the text, which then goes through the same
grounding as any other answer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from factsift._pipeline.attribution import GOVERNMENT_SOURCES as _GOVERNMENT
from factsift._pipeline.attribution import MEDIA_SOURCES as _MEDIA
from factsift._pipeline.attribution import ORGANIZATION_SOURCES as _ORGANIZATION
from factsift._pipeline.attribution import PERSON_TITLES as _PERSON_TITLES
from factsift._pipeline.attribution import UNNAMED_SOURCES as _UNNAMED
from factsift._pipeline.rules import Mention, SentenceProposal
from factsift._pipeline.segment import Sentence
from factsift.schema import QUOTE_MAX_CHARS

__all__ = ["DECISIONS", "assemble", "choice_model", "prompt_values"]

#: The decisions a model can be asked for, per sentence.
DECISIONS = ("kind", "certainty", "speaker", "events")
AUTHOR = "the article itself"
_KINDS = ("fact", "opinion", "prediction")
_CERTAINTIES = ("asserted", "hedged", "reported", "denied")


def _options(values: Sequence[str]) -> Any:
    return Literal[tuple(dict.fromkeys(values))]  # type: ignore[valid-type]


def choice_model(proposal: SentenceProposal, decisions: Collection[str]) -> type[BaseModel] | None:
    """The constrained answer for one sentence, or None if nothing is left to ask."""
    fields: dict[str, Any] = {}
    claim = proposal.is_claim
    if "kind" in decisions and claim:
        fields["kind"] = (_options(_KINDS), ...)
    if "certainty" in decisions and claim:
        fields["certainty"] = (_options(_CERTAINTIES), ...)
    if "speaker" in decisions and claim and proposal.speakers:
        fields["speaker"] = (_options([m.text for m in proposal.speakers] + [AUTHOR]), ...)
    if "events" in decisions and proposal.triggers:
        words = _options([t.word.text for t in proposal.triggers])
        fields["events"] = (list[words], Field(max_length=len(proposal.triggers)))  # type: ignore[valid-type]
    if not fields:
        return None
    return create_model("SentenceLabels", **fields)  # type: ignore[no-any-return]


_QUESTIONS = {
    "kind": "kind: fact (can be checked), opinion (a judgement or praise), or prediction "
    "(about the future).",
    "certainty": "certainty: asserted (stated plainly), hedged (may, reportedly, hinting), "
    "reported (someone is said to have said it), or denied (said to be untrue).",
    "speaker": "speaker: who says it, from this list: {speakers}",
    "events": "events: which of these words name an event that happened or was planned: {words}",
}


def prompt_values(
    text: str,
    sentences: Sequence[Sentence],
    index: int,
    proposal: SentenceProposal,
    question: type[BaseModel],
) -> dict[str, str]:
    """The placeholders of the ``sentence`` prompt: the sentence, its neighbours, and
    only the questions ``question`` asks."""

    def at(i: int) -> str:
        if not 0 <= i < len(sentences):
            return "-"
        # A run-on "sentence" (a page glued without full stops) must not become a
        # request of a hundred thousand tokens: the model sees its start.
        return _clip(text[sentences[i].start : sentences[i].end])

    speakers = "; ".join([m.text for m in proposal.speakers] + [AUTHOR])
    words = "; ".join(t.word.text for t in proposal.triggers)
    questions = "\n".join(
        _QUESTIONS[name].format(speakers=speakers, words=words) for name in question.model_fields
    )
    return {
        "before": at(index - 1),
        "sentence": at(index),
        "after": at(index + 1),
        "questions": questions,
    }


#: The most characters of one sentence the model is shown to choose about.
SENTENCE_MAX_CHARS = 2000


def _clip(sentence: str) -> str:
    if len(sentence) <= SENTENCE_MAX_CHARS:
        return sentence
    cut = sentence.rfind(" ", 0, SENTENCE_MAX_CHARS)
    return sentence[: cut if cut > 0 else SENTENCE_MAX_CHARS] + " …"


def _quote(sentence: int, mention: Mention) -> dict[str, Any]:
    text = mention.text
    if len(text) > QUOTE_MAX_CHARS:
        # A run-on "sentence" (text glued without spaces): quote its start, whole words.
        cut = text.rfind(" ", 0, QUOTE_MAX_CHARS)
        text = text[: cut if cut > 0 else QUOTE_MAX_CHARS].rstrip()
    return {"sentence": sentence + 1, "text": text}


def _source_type(name: str) -> str:
    words = [w.strip(".,'’").lower() for w in name.replace("’s", " ").replace("'s", " ").split()]
    words = [w for w in words if w]
    if "of" in words[1:]:
        words = words[: words.index("of", 1)]  # "the Chamber of Commerce": its head is "Chamber"
    if not words:
        return "unknown"
    head = words[-1]
    if words[0] in _PERSON_TITLES or head in _PERSON_TITLES:
        return "person"
    for lexicon, kind in (
        (_MEDIA, "media"),
        (_GOVERNMENT, "government"),
        (_ORGANIZATION, "organization"),
    ):
        if head in lexicon or (len(words) > 1 and words[-2] + " " + head in lexicon):
            return kind
    if head in _UNNAMED:
        return "unknown"
    if any(w in _MEDIA for w in words[-2:]) and name[:1].isupper():
        return "media"
    return "person"


def assemble(
    proposal: SentenceProposal, labels: BaseModel | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Draft claims and events for one sentence: the rules' proposal, overridden
    by the model's labels where it was asked."""
    chosen: dict[str, Any] = labels.model_dump() if labels is not None else {}
    n = proposal.sentence.index
    claims: list[dict[str, Any]] = []
    if proposal.is_claim:
        speaker: Mention | None = proposal.speakers[0] if proposal.speakers else None
        if "speaker" in chosen:
            speaker = next((m for m in proposal.speakers if m.text == chosen["speaker"]), None)
        attribution: dict[str, Any] = {"source_type": "author", "name": None}
        if speaker is not None:
            # The rules' own speaker has a name (an appositive's head, a pronoun's antecedent).
            named = proposal.source_name if speaker == proposal.speakers[0] else None
            name = (named or speaker).text
            attribution = {
                "source_type": _source_type(name),
                "name": name,
                "speaker": _quote(n, speaker),
                "cue": _quote(n, proposal.cue) if proposal.cue else None,
            }
        claim: dict[str, Any] = {
            "statement": proposal.evidence.text,
            "kind": chosen.get("kind", proposal.kind),
            "certainty": chosen.get("certainty", proposal.certainty),
            "attribution": attribution,
            "entities": list(dict.fromkeys(m.text for m in proposal.mentions))[:6],
            # The schema holds five spans: a long quotation keeps its first sentences.
            "evidence": [
                _quote(n, proposal.evidence),
                *(_quote(i, m) for i, m in proposal.more_evidence[:4]),
            ],
        }
        if proposal.times:
            claim["time"] = {"span": _quote(n, proposal.times[0])}
        claims.append(claim)
    picked = set(chosen["events"]) if "events" in chosen else None
    events: list[dict[str, Any]] = []
    for trigger in proposal.triggers:
        if picked is not None and trigger.word.text not in picked:
            continue
        participants = [
            {"role": role, "span": _quote(n, mention)}
            for role, mention in (("agent", trigger.agent), ("patient", trigger.patient))
            if mention is not None
        ]
        event: dict[str, Any] = {
            "type": trigger.type,
            "trigger": _quote(n, trigger.word),
            "participants": participants,
            "realis": trigger.realis,
            "evidence": [_quote(n, proposal.whole)],
        }
        if proposal.places:
            event["location"] = _quote(n, proposal.places[0])
        if proposal.times:
            event["time"] = {"span": _quote(n, proposal.times[0])}
        events.append(event)
    return claims, events
