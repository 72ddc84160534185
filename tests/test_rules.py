"""Rule-based sentence proposals (factsift.rules): pure, no model, no network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factsift.documents import load_documents, make_document
from factsift.rules import Mention, SentenceProposal, propose
from factsift.schema import Document
from factsift.segment import split_sentences

SEED = Path(__file__).resolve().parents[2] / "shared/articles/israel-azerbaijan-alliance.txt"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"


def _one(text: str) -> SentenceProposal:
    """The proposal for a text that is exactly one sentence."""
    sentences = split_sentences(text)
    assert len(sentences) == 1, sentences
    return propose(text, sentences[0])


def _all_mentions(p: SentenceProposal) -> Iterator[tuple[str, Mention]]:
    yield "whole", p.whole
    yield "evidence", p.evidence
    if p.cue is not None:
        yield "cue", p.cue
    for name, group in (
        ("speakers", p.speakers),
        ("times", p.times),
        ("places", p.places),
        ("mentions", p.mentions),
    ):
        for m in group:
            yield name, m
    for t in p.triggers:
        yield "trigger.word", t.word
        if t.agent is not None:
            yield "trigger.agent", t.agent
        if t.patient is not None:
            yield "trigger.patient", t.patient


# --------------------------------------------------------------------------- the seed article


@pytest.fixture(scope="module")
def seed() -> tuple[Document, list[SentenceProposal]]:
    if not SEED.is_file():
        pytest.skip(f"seed article not found at {SEED}")
    doc = make_document(SEED.read_text(encoding="utf-8"))
    sentences = split_sentences(doc.text, skip=doc.furniture)
    return doc, [propose(doc.text, s) for s in sentences]


def _find(seed: tuple[Document, list[SentenceProposal]], words: str) -> SentenceProposal:
    _, proposals = seed
    found = [p for p in proposals if words in p.whole.text]
    assert len(found) == 1, f"{words!r} is in {len(found)} sentences"
    return found[0]


def test_seed_headline_is_not_a_claim(seed: tuple[Document, list[SentenceProposal]]) -> None:
    _, proposals = seed
    headline = proposals[0]
    assert headline.whole.text.startswith("Building Bridges:")
    assert not headline.is_claim
    # Every body sentence of the seed is long enough to be a claim.
    assert all(p.is_claim for p in proposals[1:])


def test_seed_statement_from_cue_speaker_and_evidence(
    seed: tuple[Document, list[SentenceProposal]],
) -> None:
    p = _find(seed, "In a statement from Israel, the leaders discussed")
    assert p.is_claim
    assert p.cue is not None and p.cue.text == "In a statement from"
    assert p.speakers and p.speakers[0].text == "Israel"
    assert p.certainty == "reported"
    # The evidence is the claimed content, without the attribution clause.
    assert p.evidence.text.startswith("the leaders discussed")
    assert "statement" not in p.evidence.text
    assert not p.evidence.text.endswith(".")


def test_seed_media_hinting_is_hedged(seed: tuple[Document, list[SentenceProposal]]) -> None:
    p = _find(seed, "media hinting that the target may have been the Israeli embassy")
    assert p.certainty == "hedged"
    assert p.cue is not None and p.cue.text == "hinting"
    assert p.speakers and p.speakers[0].text == "media"


def test_seed_thwarted_is_one_prevented_attack(
    seed: tuple[Document, list[SentenceProposal]],
) -> None:
    p = _find(seed, "thwarted a potential attack")
    attacks = [t for t in p.triggers if t.type == "attack"]
    assert [t.word.text for t in attacks] == ["thwarted"]
    assert attacks[0].realis == "prevented"
    # "thwarted a potential attack" is one event, named by "thwarted".
    assert all(t.word.text.lower() != "attack" for t in p.triggers)


def test_seed_time_earlier_this_year(seed: tuple[Document, list[SentenceProposal]]) -> None:
    p = _find(seed, "Munich Security Conference earlier this year")
    assert "earlier this year" in [m.text for m in p.times]
    _, proposals = seed
    assert sum("earlier this year" in [m.text for m in q.times] for q in proposals) == 2


def test_seed_place_baku_azerbaijan(seed: tuple[Document, list[SentenceProposal]]) -> None:
    p = _find(seed, "Yoav Gallant met Azerbaijani President Ilham Aliyev")
    assert "Baku, Azerbaijan" in [m.text for m in p.places]
    met = [t for t in p.triggers if t.word.text == "met"]
    assert met and met[0].type == "meet" and met[0].realis == "occurred"


def test_seed_capitalised_conference_is_not_a_trigger(
    seed: tuple[Document, list[SentenceProposal]],
) -> None:
    p = _find(seed, "Munich Security Conference")
    words = [t.word.text for t in p.triggers]
    assert "Conference" not in words
    assert "meeting" in words  # the lower-case event word is still found


def test_seed_place_does_not_swallow_the_subject(
    seed: tuple[Document, list[SentenceProposal]],
) -> None:
    p = _find(seed, "Before his visit to Azerbaijan, Gallant underlined")
    assert [m.text for m in p.places] == ["Azerbaijan"]


def test_seed_furniture_is_never_proposed(seed: tuple[Document, list[SentenceProposal]]) -> None:
    doc, proposals = seed
    exit_at = doc.text.index("Exit mobile version")
    assert any(start <= exit_at < end for start, end in doc.furniture)
    # Without the skip the line would be a sentence of its own.
    assert any(
        "Exit mobile version" in doc.text[s.start : s.end] for s in split_sentences(doc.text)
    )
    for p in proposals:
        for name, m in _all_mentions(p):
            for start, end in doc.furniture:
                assert m.end <= start or m.start >= end, (name, m)
        assert "Exit mobile version" not in p.whole.text


# --------------------------------------------------------------------------- small sentences


def test_said_that_is_reported_with_speaker_and_content() -> None:
    text = "John Smith said that the bridge would reopen."
    p = _one(text)
    assert p.is_claim
    assert p.certainty == "reported"
    assert p.cue is not None and p.cue.text == "said"
    assert p.speakers[0].text == "John Smith"
    assert p.speakers[0].start == 0
    assert p.evidence.start == text.index("the bridge")
    assert p.evidence.text == "the bridge would reopen"


def test_speaker_after_a_quote() -> None:
    text = "“The bridge will reopen soon,” said Jane Doe."
    p = _one(text)
    assert p.cue is not None and p.cue.text == "said"
    assert p.certainty == "reported"
    assert p.speakers[0].start == text.index("Jane Doe")


def test_speaker_after_a_quote_has_no_final_period() -> None:
    p = _one("“The bridge will reopen soon,” said Jane Doe.")
    assert p.speakers[0].text == "Jane Doe"


def test_denied() -> None:
    text = "The company denied that it had hired foreign workers illegally."
    p = _one(text)
    assert p.certainty == "denied"
    assert p.cue is not None and p.cue.text == "denied"
    assert p.speakers and p.speakers[0].text == "company"


def test_expected_to_is_a_prediction() -> None:
    p = _one("Prices are expected to rise next year.")
    assert p.is_claim
    assert p.kind == "prediction"
    assert p.certainty == "asserted"
    assert p.speakers == ()
    assert [m.text for m in p.times] == ["next year"]


def test_arrest_occurred_with_time() -> None:
    text = "Police arrested five men on Tuesday."
    p = _one(text)
    assert p.kind == "fact" and p.certainty == "asserted"
    [trigger] = p.triggers
    assert trigger.word.text == "arrested"
    assert trigger.word.start == text.index("arrested")
    assert trigger.type == "arrest"
    assert trigger.realis == "occurred"
    assert trigger.agent is not None and trigger.agent.text == "Police"
    assert [m.text for m in p.times] == ["on Tuesday"]


def test_will_visit_is_planned() -> None:
    p = _one("The minister will visit Paris next week.")
    assert p.kind == "prediction"
    [trigger] = p.triggers
    assert (trigger.word.text, trigger.type, trigger.realis) == ("visit", "visit", "planned")
    assert trigger.patient is not None and trigger.patient.text == "Paris"
    assert [m.text for m in p.times] == ["next week"]


def test_two_events_in_one_sentence() -> None:
    p = _one("Police arrested five men after the bombing in Baku on Tuesday.")
    assert [(t.word.text, t.type) for t in p.triggers] == [
        ("arrested", "arrest"),
        ("bombing", "attack"),
    ]
    assert [m.text for m in p.places] == ["Baku"]


def test_capitalised_words_inside_names_are_not_triggers() -> None:
    p = _one("Delegates gathered at the Munich Security Conference to talk.")
    assert p.triggers == ()
    p = _one("Officials said the Munich Security Conference Attack Summit was held.")
    assert p.triggers == ()
    assert "Munich Security Conference Attack Summit" in [m.text for m in p.mentions]


def test_sentence_initial_trigger_is_kept() -> None:
    p = _one("Talks resumed in Geneva on Monday after a long pause.")
    assert [(t.word.text, t.type) for t in p.triggers] == [("Talks", "meet")]


def test_short_fragment_is_not_a_claim_but_keeps_triggers() -> None:
    p = _one("Ministers met")
    assert not p.is_claim
    assert [t.word.text for t in p.triggers] == ["met"]


def test_month_may_is_not_a_hedge() -> None:
    p = _one("Officials said the bridge would reopen in May.")
    assert p.certainty == "reported"  # as with "in June"


def test_month_is_not_a_place() -> None:
    p = _one("Officials said the bridge would reopen in June.")
    assert [m.text for m in p.times] == ["in June"]
    assert p.places == ()


# --------------------------------------------------------------------------- offsets


def _example_documents() -> list[Document]:
    docs = [d for d in load_documents([EXAMPLES]) if isinstance(d, Document)]
    if SEED.is_file():
        docs.append(make_document(SEED.read_text(encoding="utf-8"), id=SEED.stem))
    return docs


EXAMPLE_DOCS = _example_documents()


def test_examples_are_loaded() -> None:
    txt = {p.stem for p in EXAMPLES.glob("*.txt")}
    assert txt and txt <= {d.id for d in EXAMPLE_DOCS}


@pytest.mark.parametrize("doc", EXAMPLE_DOCS, ids=[d.id for d in EXAMPLE_DOCS])
def test_every_mention_is_its_text(doc: Document) -> None:
    sentences = split_sentences(doc.text, skip=doc.furniture)
    assert sentences
    checked = 0
    for sentence in sentences:
        p = propose(doc.text, sentence)
        assert p.sentence == sentence
        assert (p.whole.start, p.whole.end) == (sentence.start, sentence.end)
        for name, m in _all_mentions(p):
            assert doc.text[m.start : m.end] == m.text, (sentence.index, name, m)
            assert sentence.start <= m.start <= m.end <= sentence.end, (sentence.index, name, m)
            assert m.text.strip(), (sentence.index, name, m)
            checked += 1
    assert checked > len(sentences)
