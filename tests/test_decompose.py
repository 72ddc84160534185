"""The sentence strategy's pure parts (_pipeline.decompose): questions, prompts, assembly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from factsift import Extraction
from factsift._edges.llm import Scope
from factsift._pipeline.answer import GroundingState, answer_model
from factsift._pipeline.decompose import (
    AUTHOR,
    DECISIONS,
    SENTENCE_MAX_CHARS,
    assemble,
    choice_model,
    prompt_values,
)
from factsift._pipeline.documents import load_documents
from factsift._pipeline.drafts import LIST_CAP, ground_answer
from factsift._pipeline.extract import Extractor
from factsift._pipeline.ground import TextIndex
from factsift._pipeline.rules import SentenceProposal, propose, propose_all
from factsift._pipeline.segment import Sentence, Window, split_sentences
from factsift.schema import QUOTE_MAX_CHARS, Document

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"

# Sentence 1 is a short fragment (not a claim, one event word); sentence 2 is an
# attributed claim with two event words, a place and a time; sentence 3 has neither
# attribution nor event words.
TEXT = (
    "Ministers met\n"
    "Officials said that police arrested five men after the bombing in Lyon on Tuesday. "
    "The weather was calm and dry across the whole region."
)


@pytest.fixture(scope="module")
def sentences() -> list[Sentence]:
    found = split_sentences(TEXT)
    assert len(found) == 3
    return found


@pytest.fixture(scope="module")
def proposals(sentences: list[Sentence]) -> list[SentenceProposal]:
    return [propose(TEXT, s) for s in sentences]


def _options(prop: dict[str, Any]) -> list[str]:
    """The allowed values of a string property (a one-value Literal is a const)."""
    return list(prop["enum"]) if "enum" in prop else [prop["const"]]


# --------------------------------------------------------------------------- choice_model


def test_proposals_are_as_expected(proposals: list[SentenceProposal]) -> None:
    fragment, claim, plain = proposals
    assert not fragment.is_claim and [t.word.text for t in fragment.triggers] == ["met"]
    assert claim.is_claim and claim.speakers
    assert [t.word.text for t in claim.triggers] == ["arrested", "bombing"]
    assert plain.is_claim and not plain.speakers and not plain.triggers


def test_choice_model_asks_all_decisions_of_a_claim(proposals: list[SentenceProposal]) -> None:
    claim = proposals[1]
    model = choice_model(claim, DECISIONS)
    assert model is not None
    assert list(model.model_fields) == ["kind", "certainty", "speaker", "events"]
    props = model.model_json_schema()["properties"]
    assert _options(props["kind"]) == ["fact", "opinion", "prediction"]
    assert _options(props["certainty"]) == ["asserted", "hedged", "reported", "denied"]
    assert _options(props["speaker"]) == [m.text for m in claim.speakers] + [AUTHOR]
    assert props["events"]["type"] == "array"
    assert _options(props["events"]["items"]) == ["arrested", "bombing"]
    assert props["events"]["maxItems"] == 2


def test_choice_model_only_asks_what_is_asked(proposals: list[SentenceProposal]) -> None:
    claim = proposals[1]
    for decisions in (["kind"], ["certainty", "events"], ["speaker"]):
        model = choice_model(claim, decisions)
        assert model is not None
        assert set(model.model_fields) == set(decisions)
    assert choice_model(claim, ()) is None


def test_choice_model_non_claim_gets_only_events(proposals: list[SentenceProposal]) -> None:
    fragment = proposals[0]
    model = choice_model(fragment, DECISIONS)
    assert model is not None
    assert list(model.model_fields) == ["events"]
    assert _options(model.model_json_schema()["properties"]["events"]["items"]) == ["met"]
    assert choice_model(fragment, ["kind", "certainty", "speaker"]) is None


def test_choice_model_no_speaker_or_events_when_none_proposed(
    proposals: list[SentenceProposal],
) -> None:
    plain = proposals[2]
    model = choice_model(plain, DECISIONS)
    assert model is not None
    assert list(model.model_fields) == ["kind", "certainty"]
    assert choice_model(plain, ["speaker", "events"]) is None


def test_choice_model_rejects_values_outside_the_options(
    proposals: list[SentenceProposal],
) -> None:
    model = choice_model(proposals[1], DECISIONS)
    assert model is not None
    good = {"kind": "fact", "certainty": "reported", "speaker": "Officials", "events": []}
    model.model_validate(good)
    for bad in (
        {"kind": "rumour"},
        {"certainty": "sure"},
        {"speaker": "Someone Else"},
        {"events": ["exploded"]},
        {"events": ["arrested", "bombing", "arrested"]},
    ):
        with pytest.raises(ValidationError):
            model.model_validate({**good, **bad})


def test_choice_model_on_a_hedged_media_sentence() -> None:
    text = (
        "Security services foiled a plot against a stadium in the capital, "
        "with media suggesting that the target may have been a concert."
    )
    [sentence] = split_sentences(text)
    p = propose(text, sentence)
    model = choice_model(p, DECISIONS)
    assert model is not None
    props = model.model_json_schema()["properties"]
    assert _options(props["speaker"])[0] == "media"
    assert _options(props["speaker"])[-1] == AUTHOR
    assert _options(props["events"]["items"]) == ["foiled"]


# --------------------------------------------------------------------------- prompt_values


def test_prompt_values_only_the_asked_questions(
    sentences: list[Sentence], proposals: list[SentenceProposal]
) -> None:
    claim = proposals[1]
    model = choice_model(claim, ["kind"])
    assert model is not None
    values = prompt_values(TEXT, sentences, 1, claim, model)
    assert set(values) == {"before", "sentence", "after", "questions"}
    assert values["before"] == "Ministers met"
    assert values["sentence"] == TEXT[sentences[1].start : sentences[1].end]
    assert values["after"].startswith("The weather was calm")
    assert values["questions"].startswith("kind:")
    for other in ("certainty:", "speaker:", "events:"):
        assert other not in values["questions"]


def test_a_run_on_sentence_is_shown_to_the_model_cut_to_a_bounded_size() -> None:
    """A page glued without full stops is one "sentence"; the request stays small."""
    text = "Officials said " + "the port would reopen and " * 20_000 + "ships waited."
    sentences = split_sentences(text)
    (proposal,) = [propose(text, s) for s in sentences]
    model = choice_model(proposal, ["kind"])
    assert model is not None
    values = prompt_values(text, sentences, 0, proposal, model)
    assert len(text) > 400_000 and len(values["sentence"]) <= SENTENCE_MAX_CHARS + 2
    assert text.startswith(values["sentence"].removesuffix(" …"))


def test_prompt_values_lists_candidates(
    sentences: list[Sentence], proposals: list[SentenceProposal]
) -> None:
    claim = proposals[1]
    model = choice_model(claim, ["speaker", "events"])
    assert model is not None
    questions = prompt_values(TEXT, sentences, 1, claim, model)["questions"].splitlines()
    assert len(questions) == 2
    speakers = "; ".join([m.text for m in claim.speakers] + [AUTHOR])
    assert questions[0].startswith("speaker:") and questions[0].endswith(speakers)
    assert questions[1].startswith("events:") and questions[1].endswith("arrested; bombing")
    assert "kind:" not in "\n".join(questions)


def test_prompt_values_edges_are_dashes(
    sentences: list[Sentence], proposals: list[SentenceProposal]
) -> None:
    first = choice_model(proposals[0], DECISIONS)
    last = choice_model(proposals[2], DECISIONS)
    assert first is not None and last is not None
    assert prompt_values(TEXT, sentences, 0, proposals[0], first)["before"] == "-"
    values = prompt_values(TEXT, sentences, 2, proposals[2], last)
    assert values["after"] == "-"
    assert [q.split(":")[0] for q in values["questions"].splitlines()] == ["kind", "certainty"]


# --------------------------------------------------------------------------- assemble


def test_assemble_without_labels_is_the_proposal(proposals: list[SentenceProposal]) -> None:
    claim = proposals[1]
    claims, events = assemble(claim, None)
    [c] = claims
    n = claim.sentence.index + 1
    assert n == 2
    assert c["statement"] == claim.evidence.text
    assert c["kind"] == claim.kind and c["certainty"] == claim.certainty == "reported"
    assert c["evidence"] == [{"sentence": n, "text": claim.evidence.text}]
    assert (
        c["evidence"][0]["text"] == "police arrested five men after the bombing in Lyon on Tuesday"
    )
    attribution = c["attribution"]
    assert attribution["name"] == claim.speakers[0].text == "Officials"
    assert attribution["speaker"] == {"sentence": n, "text": "Officials"}
    assert attribution["cue"] == {"sentence": n, "text": "said"}
    assert c["time"] == {"span": {"sentence": n, "text": "on Tuesday"}}
    assert c["entities"] == list(dict.fromkeys(m.text for m in claim.mentions))

    assert [e["trigger"] for e in events] == [
        {"sentence": n, "text": "arrested"},
        {"sentence": n, "text": "bombing"},
    ]
    for event, trigger in zip(events, claim.triggers, strict=True):
        assert event["type"] == trigger.type
        assert event["realis"] == trigger.realis
        assert event["evidence"] == [{"sentence": n, "text": claim.whole.text}]
        assert event["location"] == {"sentence": n, "text": "Lyon"}
        assert event["time"] == {"span": {"sentence": n, "text": "on Tuesday"}}
        expected = [
            {"role": role, "span": {"sentence": n, "text": m.text}}
            for role, m in (("agent", trigger.agent), ("patient", trigger.patient))
            if m is not None
        ]
        assert event["participants"] == expected


def test_assemble_author_voice_and_non_claims(proposals: list[SentenceProposal]) -> None:
    fragment, _, plain = proposals
    claims, events = assemble(fragment, None)
    assert claims == []
    assert [(e["type"], e["trigger"]) for e in events] == [("meet", {"sentence": 1, "text": "met"})]
    claims, events = assemble(plain, None)
    assert events == []
    [c] = claims
    assert c["attribution"] == {"source_type": "author", "name": None}
    assert c["evidence"] == [{"sentence": 3, "text": plain.evidence.text}]
    assert "time" not in c


def test_assemble_labels_override(proposals: list[SentenceProposal]) -> None:
    claim = proposals[1]
    model = choice_model(claim, DECISIONS)
    assert model is not None
    other = claim.speakers[1].text
    labels = model(kind="opinion", certainty="denied", speaker=other, events=["bombing"])
    claims, events = assemble(claim, labels)
    [c] = claims
    assert (c["kind"], c["certainty"]) == ("opinion", "denied")
    assert c["attribution"]["name"] == other
    assert c["attribution"]["speaker"] == {"sentence": 2, "text": other}
    assert c["attribution"]["cue"] == {"sentence": 2, "text": "said"}
    assert [e["trigger"]["text"] for e in events] == ["bombing"]
    assert events[0]["type"] == "attack"


def test_assemble_labels_author_and_no_events(proposals: list[SentenceProposal]) -> None:
    claim = proposals[1]
    model = choice_model(claim, ["speaker", "events"])
    assert model is not None
    claims, events = assemble(claim, model(speaker=AUTHOR, events=[]))
    [c] = claims
    assert c["attribution"] == {"source_type": "author", "name": None}
    # What was not asked stays as the rules proposed it.
    assert (c["kind"], c["certainty"]) == (claim.kind, claim.certainty)
    assert events == []


def test_assemble_kind_label_only(proposals: list[SentenceProposal]) -> None:
    claim = proposals[1]
    model = choice_model(claim, ["kind"])
    assert model is not None
    claims, events = assemble(claim, model(kind="prediction"))
    rules_claims, rules_events = assemble(claim, None)
    assert claims[0]["kind"] == "prediction"
    assert {**claims[0], "kind": rules_claims[0]["kind"]} == rules_claims[0]
    assert events == rules_events


def _check_long_quote(text: str, start: int, quote: dict[str, Any]) -> None:
    cut = quote["text"]
    assert 0 < len(cut) <= QUOTE_MAX_CHARS
    assert text[start : start + len(cut)] == cut
    after = text[start + len(cut)]
    assert after == " ", f"cut inside a word: {cut[-10:]!r} + {after!r}"
    assert cut == cut.rstrip()


def test_long_sentence_evidence_is_cut_at_a_word() -> None:
    text = (
        "The council approved "
        + "the plan for the new road and the bridge across the river " * 10
        + "after a long debate."
    )
    [sentence] = split_sentences(text)
    assert sentence.end - sentence.start > QUOTE_MAX_CHARS
    p = propose(text, sentence)
    assert p.is_claim and p.evidence.start == sentence.start
    claims, events = assemble(p, None)
    _check_long_quote(text, sentence.start, claims[0]["evidence"][0])
    assert events and events[0]["trigger"]["text"] == "approved"
    _check_long_quote(text, sentence.start, events[0]["evidence"][0])
    # The cut quotes are valid drafts and ground exactly.
    answer = answer_model(Extraction).model_validate({"claims": claims, "events": events})
    grounded = ground_answer(answer, _locator(text, [sentence]).locate)
    assert not grounded.rejected
    span = grounded.data["claims"][0]["evidence"][0]
    assert span["start"] == sentence.start and span["alignment"] == "exact"


def test_run_on_text_without_spaces_is_cut_at_the_limit() -> None:
    text = "y" * 450 + " and then police arrested five men."
    [sentence] = split_sentences(text)
    p = propose(text, sentence)
    assert p.is_claim
    claims, events = assemble(p, None)
    assert claims[0]["evidence"][0]["text"] == text[:QUOTE_MAX_CHARS]
    assert events[0]["evidence"][0]["text"] == text[:QUOTE_MAX_CHARS]
    assert events[0]["trigger"]["text"] == "arrested"


# --------------------------------------------------------------------------- end to end


def _locator(text: str, sentences: list[Sentence], furniture: Any = ()) -> GroundingState:
    """The grounding state the sentence strategy uses: the whole article as one window."""
    return GroundingState(
        TextIndex(text, tuple(furniture)),
        sentences,
        Window(0, tuple(sentences)),
        Scope(),
        reasks=1,
        fuzzy_threshold=90.0,
    )


def _example_documents() -> list[Document]:
    return [d for d in load_documents([EXAMPLES]) if isinstance(d, Document)]


EXAMPLE_DOCS = _example_documents()


def _drafts(doc: Document) -> tuple[list[Sentence], list[dict[str, Any]], list[dict[str, Any]]]:
    sentences = split_sentences(doc.text, skip=doc.furniture)
    claims: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for sentence in sentences:
        found_claims, found_events = assemble(propose(doc.text, sentence), None)
        claims += found_claims
        events += found_events
    return sentences, claims, events


def _spans(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        own = [value] if {"start", "end", "text", "alignment"} <= set(value) else []
        return own + [s for v in value.values() for s in _spans(v)]
    if isinstance(value, list):
        return [s for v in value for s in _spans(v)]
    return []


@pytest.mark.parametrize("doc", EXAMPLE_DOCS, ids=[d.id for d in EXAMPLE_DOCS])
def test_rules_drafts_ground_completely(doc: Document) -> None:
    sentences, claims, events = _drafts(doc)
    assert claims
    state = _locator(doc.text, sentences, doc.furniture)
    model = answer_model(Extraction)
    kept_claims = kept_events = 0
    # The draft model bounds each list at LIST_CAP items (see the sentence-strategy test
    # below for what that does to a long article), so validate in batches.
    for at in range(0, max(len(claims), len(events)), LIST_CAP):
        batch: dict[str, Any] = {
            "claims": claims[at : at + LIST_CAP],
            "events": events[at : at + LIST_CAP],
        }
        answer = model.model_validate(batch)
        # The rules' statements are their evidence, and their names and entities are
        # mentions: the support check passes them all.
        grounded = ground_answer(answer, state.locate, state.review)
        assert grounded.rejected == [], grounded.failures
        assert grounded.warnings == []
        assert all(c["support"] == 1.0 for c in grounded.data["claims"])
        kept_claims += len(grounded.data["claims"])
        kept_events += len(grounded.data["events"])
        spans = _spans(grounded.data)
        assert spans
        for span in spans:
            assert doc.text[span["start"] : span["end"]] == span["text"], span
            assert span["alignment"] == "exact", span
    assert (kept_claims, kept_events) == (len(claims), len(events))


class _NoTransport:
    """Fails the test if the extractor tries to reach a model."""

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("no model call expected")

    async def acomplete(self, request: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("no model call expected")

    def close(self) -> None:
        pass


def _sentence_extractor() -> Extractor:
    return Extractor(
        "scripted",
        base_url="http://127.0.0.1:9/v1",
        api_key="unused",
        cache="off",
        strategy="sentence",
        decisions=(),
        transport=_NoTransport(),
    )


@pytest.mark.parametrize("doc", EXAMPLE_DOCS, ids=[d.id for d in EXAMPLE_DOCS])
def test_sentence_strategy_without_a_model(doc: Document) -> None:
    """With no decision left to the model, the rules' proposal is the whole result."""
    _, claims, events = _drafts(doc)
    with _sentence_extractor() as extractor:
        facts = extractor.extract(doc)
    assert facts.rejected == []
    assert facts.usage.calls == 0
    assert 0 < len(facts.claims) <= len(claims)
    assert len(facts.events) <= len(events)
    for span in facts.spans():
        assert facts.text[span.start : span.end] == span.text


# --------------------------------------------------------------------------- attribution


def _claims_of(text: str) -> list[dict[str, Any]]:
    claims: list[dict[str, Any]] = []
    for p in propose_all(text, split_sentences(text)):
        claims += assemble(p, None)[0]
    return claims


@pytest.mark.parametrize(
    ("sentence", "name", "source_type"),
    [
        ("Lena Kompany said the club had paid the fee.", "Lena Kompany", "person"),
        ("Ayla Pressman said the bill would pass.", "Ayla Pressman", "person"),
        ("The Harbour Post reported that the mayor had resigned.", "The Harbour Post", "media"),
        ("The health ministry said the clinic had closed.", "The health ministry", "government"),
        (
            "The Eastvale Chamber of Commerce said sales had fallen.",
            "The Eastvale Chamber of Commerce",
            "organization",
        ),
        ("Two officials said the talks had stalled.", "Two officials", "unknown"),
    ],
)
def test_source_types_come_from_the_head_word(sentence: str, name: str, source_type: str) -> None:
    [claim] = _claims_of(sentence)
    assert claim["attribution"]["name"] == name
    assert claim["attribution"]["source_type"] == source_type


def test_a_pronoun_speaker_is_named_and_quoted() -> None:
    text = (
        "Marta Ruiz, 64, has run the bakery since her husband died. "
        "Tomas Berg owns the shop next door. "
        '"Nobody comes here any more," she said.'
    )
    claims = _claims_of(text)
    quoted = [c for c in claims if c["attribution"].get("speaker")]
    said = next(c for c in quoted if c["attribution"]["speaker"]["text"] == "she")
    # The last named person the article calls "she", not the nearest name.
    assert said["attribution"]["name"] == "Marta Ruiz"
    assert said["attribution"]["cue"]["text"] == "said"


def test_a_quotation_over_three_sentences_is_one_claim() -> None:
    text = '"We will rebuild," the mayor said. "It will take years. But the town will come back."'
    claims = _claims_of(text)
    assert len(claims) == 1
    [claim] = claims
    assert claim["attribution"]["name"] == "the mayor"
    assert [e["sentence"] for e in claim["evidence"]] == [1, 2, 3]


def test_the_quickstart_folder_extracts_with_no_failure_however_many_run_at_once(
    tmp_path: Path,
) -> None:
    """The README's first command, with the default strategy and no model call: articles
    run on worker threads at once, and nothing they share may be clobbered."""
    from factsift._edges.batch import run_batch
    from factsift._pipeline.extract import Extractor

    out = tmp_path / "facts.jsonl"
    with Extractor(cache="off") as extractor:
        assert extractor.strategy == "sentence"
        summary = run_batch(extractor, [EXAMPLES], out, concurrency=8)
    assert summary.errors == [] and summary.failed == 0
    assert summary.articles >= 7 and summary.llm_calls == 0
