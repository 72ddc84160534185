"""The support check (factsift._pipeline.support) on sentences written for these tests, and its
place in grounding: an unsupported statement is sent back once, then rejected."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from factsift._edges.llm import Scope
from factsift._pipeline.answer import GroundingState, answer_model, grounding_context
from factsift._pipeline.drafts import draft_model
from factsift._pipeline.ground import TextIndex
from factsift._pipeline.segment import Window, split_sentences
from factsift._pipeline.support import check_statement, in_article, review_claim, review_event
from factsift.schema import Claim, Extraction, Span

HARBOUR = "The harbour authority said on Monday that seven ferries would resume service in March."


def test_a_faithful_shortening_is_supported() -> None:
    found = check_statement("Seven ferries would resume service in March.", [HARBOUR])
    assert found.supported and found.score == 1.0


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("Nine ferries would resume service in March.", "number Nine in the statement"),
        ("The moon is made of green cheese, officials confirmed.", "'moon' is not"),
        ("Seven ferries would resume service in London.", "name 'London'"),
        ("Seven ferries would resume service in May.", "name 'May'"),
        ("Seven ferries would not resume service in March.", "statement negates its evidence"),
        ("All ferries would resume service in March.", "statement word 'All' is not"),
    ],
)
def test_altered_statements_are_caught_with_a_reason(statement: str, reason: str) -> None:
    found = check_statement(statement, [HARBOUR])
    assert not found.supported
    assert found.reason is not None and reason in found.reason, found.reason
    assert 0 <= found.score < 1


def test_numbers_written_as_words_or_digits_are_the_same() -> None:
    assert check_statement("7 ferries would resume service.", [HARBOUR]).supported
    assert check_statement("Officials found 12 boats.", ["Officials found twelve boats."]).supported
    evidence = ["Prices rose 4.5% in a year, and 1,200 firms closed."]
    assert check_statement("Prices rose 4.5 percent and 1200 firms closed.", evidence).supported


def test_a_dropped_negation_is_caught() -> None:
    evidence = ["The two leaders met in Oslo but did not sign the treaty."]
    assert check_statement("The two leaders met in Oslo.", evidence).supported
    found = check_statement("The two leaders signed the treaty in Oslo.", evidence)
    assert found.reason == "statement drops the negation of 'sign' in its evidence"
    # A denial may be told with "not".
    denied = ["The mayor denied that the library would close."]
    assert check_statement("The mayor said the library would not close.", denied).supported
    found = check_statement("The mayor said the library would close.", denied)
    assert found.reason is not None and found.reason.startswith("statement drops the negation")
    # A claim whose certainty is "denied" states what its source says is untrue.
    assert check_statement("The library would close.", denied, denied=True).supported
    assert not check_statement("The library would close early.", denied, denied=True).supported


def test_inflections_stems_and_spelling_variants_are_the_same_word() -> None:
    evidence = ["The ministers agreed to increase defense spending, warning of new threats."]
    for statement in (
        "The minister agrees to increase defence spending.",
        "The ministers warned of new threats.",
        "The ministers' agreement to increase defense spending.",
    ):
        assert check_statement(statement, evidence).supported, statement
    found = check_statement("The ministers agreed to cut defense spending.", evidence)
    assert found.reason == "statement word 'cut' is not in its evidence"


def test_opposites_and_parts_of_words_are_not_variants() -> None:
    assert not check_statement("A deal is possible.", ["A deal is impossible."]).supported
    evidence = ["Security was raised to its second-highest level."]
    assert not check_statement("Security was raised to its highest level.", evidence).supported
    # Names get no fuzzy match: a one-letter-off place is another place.
    assert not check_statement("Floods hit Westmoor.", ["Floods hit Eastmoor."]).supported


def test_a_pronoun_may_be_resolved_from_the_sentence_before() -> None:
    before = ["Transport Minister Lea Brandt opened the new tram line on Friday."]
    evidence = ["She said it would carry 40,000 passengers a day."]
    statement = "Lea Brandt said the tram line would carry 40,000 passengers a day."
    assert check_statement(statement, evidence, (), before).supported
    # Without the sentence before, the names are not backed.
    assert not check_statement(statement, evidence).supported
    # And a name from before does not replace one the evidence gives.
    named = ["Mayor Ivo Stern said it would carry 40,000 passengers a day."]
    found = check_statement(statement, named, (), before)
    assert found.reason == "name 'Lea' in the statement is not in its evidence"


def test_a_name_may_be_given_in_full_as_the_article_gives_it() -> None:
    article = "Finance Minister Ana Kovac spoke first. Kovac said taxes would not rise."
    evidence = ["Kovac said taxes would not rise."]
    assert check_statement("Ana Kovac said taxes would not rise.", evidence).reason is not None
    assert check_statement(
        "Ana Kovac said taxes would not rise.", evidence, article=article
    ).supported
    # Only as the article writes it.
    assert not check_statement(
        "Boris Kovac said taxes would not rise.", evidence, article=article
    ).supported


def test_a_reporting_verb_may_stand_for_another() -> None:
    evidence = ["Taxes will not rise next year, according to the treasury."]
    assert check_statement("The treasury said taxes will not rise next year.", evidence).supported


# --------------------------------------------------------------------------- names, roles

ARTICLE = (
    "Dr Ruth O\u2019Neill, head of the Marwick Trust, said the \u201cRiver Project\u201d "
    "had  cost 3 million.\nThe Trust's board met in Aldgate."
)


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("Ruth O'Neill", True),  # quote characters
        ("ruth o\u2019neill", True),  # case
        ("Marwick Trust's", True),  # possessive
        ("the Marwick Trust", True),  # leading "the"
        ('"River Project"', True),
        ("had cost", True),  # whitespace
        ("Ruth", True),
        ("Ruth O'Neill and the Marwick Trust", True),  # a list of names, each in it
        ("Ruth O'Neill and Ada Quill", False),
        ("Rut", False),  # part of a word is not a name
        ("Aldgate Council", False),
        ("Professor Ada Quill", False),
        ("  ", False),
    ],
)
def test_in_article(name: str, found: bool) -> None:
    assert in_article(name, TextIndex(ARTICLE)) is found


def _span(text: str, words: str) -> dict[str, Any]:
    start = text.index(words)
    return {"start": start, "end": start + len(words), "text": words}


def test_review_claim_keeps_the_score_and_drops_what_is_not_in_the_article() -> None:
    index = TextIndex(ARTICLE)
    sentences = split_sentences(ARTICLE)
    claim: dict[str, Any] = {
        "statement": "Ruth O'Neill said the River Project had cost 3 million.",
        "attribution": {"source_type": "person", "name": "Ada Quill"},
        "entities": ["Marwick Trust", "Atlantis Bank", "River Project"],
        "evidence": [_span(ARTICLE, "had  cost 3 million")],
    }
    review = review_claim(claim, [1], index, sentences)
    assert review.failures == []
    assert claim["support"] == 1.0
    assert claim["attribution"]["name"] is None
    assert claim["entities"] == ["Marwick Trust", "River Project"]
    assert len(review.warnings) == 2
    assert "'Ada Quill'" in review.warnings[0] and "'Atlantis Bank'" in review.warnings[1]

    claim["statement"] = "Ruth O'Neill said the River Project had cost 30 million."
    review = review_claim(claim, [1], index, sentences)
    assert review.failures == [
        "statement: number 30 million in the statement is not in its evidence"
    ]
    assert claim["support"] < 1.0


def test_the_speaker_a_claim_credits_backs_its_own_name() -> None:
    text = "Mayor Ida Lenz spoke at noon. Rents will be frozen for two years."
    index, sentences = TextIndex(text), split_sentences(text)
    claim: dict[str, Any] = {
        "statement": "Ida Lenz: rents will be frozen for two years.",
        "attribution": {"source_type": "person", "name": "Ida Lenz"},
        "evidence": [_span(text, "Rents will be frozen for two years.")],
    }
    assert review_claim(claim, [2], index, sentences).failures == [
        "statement: name 'Ida' in the statement is not in its evidence"
    ]
    claim["attribution"]["speaker"] = _span(text, "Mayor Ida Lenz")
    assert review_claim(claim, [2], index, sentences).failures == []
    assert claim["support"] == 1.0


def test_review_event_keeps_role_labels_only() -> None:
    event: dict[str, Any] = {
        "participants": [
            {"role": "place-of-origin", "span": {}},
            {"role": "Attacker", "span": {}},
            {"role": "The moon is made of green cheese", "span": {}},
            {"role": "Iran attacked Israel", "span": {}},
            {"role": "fled with the cash", "span": {}},
            {"role": "lieu_d'origine", "span": {}},
            {"role": "lieu-d-arrivée", "span": {}},
            {"role": "victim 2", "span": {}},
        ]
    }
    review = review_event(event)
    assert [p["role"] for p in event["participants"]] == [
        "place-of-origin",
        "Attacker",
        "participant",
        "participant",
        "participant",
        "participant",
        "lieu-d-arrivée",
        "participant",
    ]
    assert len(review.warnings) == 5 and "not a role label" in review.warnings[0]


# --------------------------------------------------------------------------- in grounding

TEXT = "Port workers voted to strike on Monday. They want a 9 per cent pay rise."


def _state(reasks: int = 1) -> GroundingState:
    sentences = split_sentences(TEXT)
    return GroundingState(
        TextIndex(TEXT), sentences, Window(0, tuple(sentences)), Scope(calls=1), reasks, 90.0
    )


def _answer(statement: str, quote: str = "They want a 9 per cent pay rise.") -> dict[str, Any]:
    claim = {
        "statement": statement,
        "kind": "fact",
        "certainty": "asserted",
        "attribution": {"source_type": "author"},
        "evidence": [{"sentence": 2, "text": quote}],
    }
    return {"claims": [claim], "events": []}


def test_an_unsupported_statement_is_sent_back_then_rejected() -> None:
    model = answer_model(Extraction)
    invented = _answer("Port workers want a 19 per cent pay rise.")
    with pytest.raises(ValidationError) as raised:
        model.model_validate(invented, context=grounding_context(_state()))
    message = str(raised.value)
    assert "some statements say what their evidence does not" in message
    assert "claims[0].statement: number 19 in the statement is not in its evidence" in message
    assert "some quotes are not in the article" not in message

    # After the re-ask, the item is rejected with the reason; the honest one is kept.
    state = _state(reasks=0)
    model.model_validate(invented, context=grounding_context(state))
    assert state.result is not None
    assert state.result.data["claims"] == []
    (rejected,) = state.result.rejected
    assert rejected.reasons == [
        "claims[0].statement: number 19 in the statement is not in its evidence"
    ]
    model.model_validate(
        _answer("Port workers want a 9 per cent pay rise."), context=grounding_context(state)
    )
    (claim,) = state.result.data["claims"]
    assert claim["support"] == 1.0


def test_a_quote_failure_alone_reads_as_before() -> None:
    """The re-ask for unaligned quotes is unchanged, so recorded cassettes still match."""
    with pytest.raises(ValidationError) as raised:
        answer_model(Extraction).model_validate(
            _answer("Workers want cheese.", "cheese"), context=grounding_context(_state())
        )
    message = str(raised.value)
    assert (
        "some quotes are not in the article. Copy every quote exactly, character for "
        "character, from the numbered sentence it cites, or leave the item out:\n"
        "- claims[0].evidence[0]: 'cheese' is not in the article"
    ) in message
    assert "statements" not in message


# Holes found in review: each statement below passed with support 1.0 before.


@pytest.mark.parametrize(
    ("statement", "evidence"),
    [
        (
            "The minister said troops entered the city.",
            "The minister denied claims that troops entered the city.",
        ),
        (
            "The ministry said troops entered the city on Monday.",
            "The ministry rejected reports that troops entered the city on Monday.",
        ),
        (
            "The company said the drug had been tested.",
            "The company said the drug had never been properly tested.",
        ),
        (
            "The two leaders met in Oslo but did not sign the treaty.",
            "The two leaders did not meet in Oslo but signed the treaty.",
        ),
        (
            "The firm said the software had been audited.",
            "The firm said the software had not yet been audited.",
        ),
    ],
)
def test_a_negation_reaches_to_the_end_of_its_clause(statement: str, evidence: str) -> None:
    found = check_statement(statement, [evidence])
    assert not found.supported and found.reason is not None
    assert "negat" in found.reason, found.reason


def test_a_denial_word_in_the_statement_does_not_switch_the_check_off() -> None:
    evidence = ["The mayor denied that the library would close but said the pool would shut."]
    found = check_statement("The mayor denied the pool would shut.", evidence)
    assert not found.supported


@pytest.mark.parametrize(
    ("statement", "evidence"),
    [
        ("The bridge would cost 3 billion.", "The bridge would cost 3 million."),
        ("The court convinced the driver.", "The court convicted the driver."),
        ("Ruiz was ejected from the council.", "Ruiz was elected to the council."),
        ("The accused left the court.", "The accuser left the court."),
        ("The employee filed the claim.", "The employer filed the claim."),
        ("The rule was amoral.", "The rule was moral."),
        ("There were twenty-one boats.", "There were twenty-two boats."),
        ("The ferry reached eastmoor.", "The ferry reached Westmoor."),
    ],
)
def test_different_words_are_not_variants(statement: str, evidence: str) -> None:
    assert not check_statement(statement, [evidence], article=evidence).supported


@pytest.mark.parametrize(
    ("statement", "evidence"),
    [
        ("The senate voted for the bill.", "The senate voted against the bill."),
        ("The vote came after the strike.", "The vote came before the strike."),
        ("Prices went down in June.", "Prices went up in June."),
        ("The deal will be signed in May.", "The deal could be signed in May."),
        ("The coalition will collapse.", "The coalition may collapse."),
        ("The coalition might collapse.", "The coalition will collapse."),
    ],
)
def test_direction_order_and_modality_are_checked(statement: str, evidence: str) -> None:
    assert not check_statement(statement, [evidence]).supported


def test_a_hedged_claim_may_drop_its_hedge() -> None:
    evidence = ["The coalition may collapse, analysts said."]
    assert check_statement("The coalition may collapse.", evidence).supported
    assert check_statement("The coalition will collapse.", evidence, hedged=True).supported


def test_the_sentence_before_backs_only_what_the_reference_stands_for() -> None:
    before = ["Rebels shelled the village of Arno on Friday, killing 14."]
    evidence = ["They said the army had withdrawn."]
    assert check_statement(
        "The rebels said the army had withdrawn.", evidence, (), before
    ).supported
    # A pronoun stands for a name, not for the rest of the sentence.
    assert not check_statement("The army shelled the village.", evidence, (), before).supported
    # Its numbers come only with what the reference brings.
    assert not check_statement("The army had withdrawn 14 units.", evidence, (), before).supported
    before = ["Defence Minister Ana Ruiz visited Arno on Friday."]
    evidence = ["The minister said the army had withdrawn."]
    assert check_statement("Ana Ruiz said the army had withdrawn.", evidence, (), before).supported
    assert not check_statement("Ana Ruiz visited the army.", evidence, (), before).supported
    # "it" stands for a thing named there, not for what was done to it.
    before = ["Rebels shelled the old village of Arno on Friday."]
    evidence = ["It was rebuilt by the army."]
    assert check_statement(
        "The old village was rebuilt by the army.", evidence, (), before
    ).supported
    assert not check_statement("The army shelled the village.", evidence, (), before).supported


@pytest.mark.parametrize("statement", ["", "   ", "It is the one that was."])
def test_a_statement_without_content_is_not_supported(statement: str) -> None:
    found = check_statement(statement, [HARBOUR])
    assert not found.supported and found.score == 0


@pytest.mark.parametrize(
    ("statement", "evidence"),
    [
        ("Prices rose 9 percent in May.", "Prices rose 9 per cent in May."),
        ("US troops left Arno.", "U.S. troops left Arno."),
        ("There were 21 boats.", "There were twenty-one boats."),
        ("It was the 2nd attack this year.", "It was the second attack this year."),
        ("Al Qaeda claimed the attack.", "Al-Qaeda claimed the attack."),
        ("The vote was held in January.", "The vote was held in Jan. 2024."),
        ("The bridge would cost 3 million.", "The bridge would cost three million."),
        ("The centre was closed.", "The center was closed."),
        ("The program was canceled.", "The programme was cancelled."),
    ],
)
def test_equivalent_forms_are_the_same(statement: str, evidence: str) -> None:
    assert check_statement(statement, [evidence]).supported


def test_a_speaker_named_elsewhere_does_not_back_the_statement() -> None:
    text = (
        "The bridge would cost 3 million, Ruth Oakes said. Residents met on Monday. "
        "Ada Quill chaired the meeting."
    )
    index, sentences = TextIndex(text), split_sentences(text)
    claim: dict[str, Any] = {
        "statement": "Ada Quill said the bridge would cost 3 million.",
        "certainty": "reported",
        "attribution": {"source_type": "person", "name": "Ada Quill"},
        "evidence": [_span(text, "The bridge would cost 3 million")],
    }
    claim["attribution"]["speaker"] = _span(text, "Ada Quill")
    failures = review_claim(claim, [1], index, sentences).failures
    assert failures and "'Ada'" in failures[0]


def test_a_quote_brings_in_the_sentence_it_aligned_in_not_the_one_it_cited() -> None:
    text = "Rebels shelled the village. The army had withdrawn, officials said."
    index, sentences = TextIndex(text), split_sentences(text)
    claim: dict[str, Any] = {
        "statement": "The army shelled the village.",
        "attribution": {"source_type": "author"},
        "evidence": [_span(text, "The army had withdrawn")],
    }
    # The quote cites sentence 1 but aligned in sentence 2.
    assert review_claim(claim, [1, 2], index, sentences).failures


class _MyClaim(Claim):
    """A user's claim type with one more field."""

    topic: str = ""


class _Quoted(BaseModel):
    statement: str
    evidence: list[Span]


class _Section(BaseModel):
    heading: str
    claims: list[_MyClaim]


class _Report(BaseModel):
    claims: list[_MyClaim] = []
    sections: list[_Section] = []
    notes: list[_Quoted] = []


def _invented_claim() -> dict[str, Any]:
    return _answer("Port workers want a 19 per cent pay rise.")["claims"][0]


@pytest.mark.parametrize(
    ("answer", "path"),
    [
        ({"claims": [_invented_claim()]}, "claims[0].statement"),
        ({"sections": [{"heading": "Pay", "claims": [_invented_claim()]}]}, "sections[0]"),
        (
            {"notes": [{"statement": "They want 19 per cent.", "evidence": [{"text": "9"}]}]},
            "notes[0].statement",
        ),
    ],
)
def test_custom_and_nested_claims_are_checked(answer: dict[str, Any], path: str) -> None:
    state = _state(reasks=0)
    answer_model(_Report).model_validate(answer, context=grounding_context(state))
    assert state.result is not None
    (rejected,) = state.result.rejected
    assert rejected.reasons[0].startswith(path), rejected.reasons
    assert "number 19" in rejected.reasons[0]


def test_a_claim_draft_built_twice_is_still_checked() -> None:
    # Two threads racing to build a draft could make a second class; the check goes by
    # the schema a draft was built from, not by the identity of the cached draft.
    from factsift._pipeline.drafts import _draft_model

    second = _draft_model.__wrapped__(Claim)
    assert second is not draft_model(Claim)

    class Answer(BaseModel):
        claims: list[second]  # type: ignore[valid-type]

    state = _state(reasks=0)
    item = Answer.model_validate({"claims": [_invented_claim()]}).claims[0]
    grounded = item.model_dump(mode="json")
    grounded["evidence"] = [_span(TEXT, "They want a 9 per cent pay rise.")]
    failures, _ = state.review(item, grounded)
    assert failures and "number 19" in failures[0]


def test_drafts_built_at_once_by_threads_are_one() -> None:
    import threading

    class Fresh(BaseModel):
        quote: Span

    barrier = threading.Barrier(4)
    built: list[type[BaseModel]] = []

    def build() -> None:
        barrier.wait()
        built.append(answer_model(Fresh))

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(model) for model in built}) == 1


@pytest.mark.parametrize("statement", ["", "  \n"])
def test_a_claim_needs_a_statement(statement: str) -> None:
    claim = _invented_claim() | {"statement": statement}
    claim["evidence"] = [_span(TEXT, "They want a 9 per cent pay rise.")]
    with pytest.raises(ValidationError, match="a statement must say something"):
        Claim.model_validate(claim)
    # Not by a JSON schema limit: the schema the model is shown does not change.
    assert "minLength" not in Claim.model_json_schema()["properties"]["statement"]


def test_a_word_the_evidence_uses_both_negated_and_not_backs_either() -> None:
    """A quotation of two sentences: "you do not get X" beside "you get Y"."""
    evidence = [
        "If you close the mines without a plan, you do not get a green economy,",
        "You get unemployment and anger.",
    ]
    statement = "If you close the mines without a plan, you do not get a green economy."
    assert check_statement(statement, evidence).supported
    found = check_statement("You do not get unemployment.", ["You get unemployment."])
    assert not found.supported
