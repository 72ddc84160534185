"""Rule-based sentence proposals (factsift._pipeline.rules): pure, no model, no network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factsift._pipeline.documents import load_documents
from factsift._pipeline.rules import Mention, SentenceProposal, propose, propose_all
from factsift._pipeline.segment import split_sentences
from factsift.schema import Document

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


# --------------------------------------------------------------------------- an article

# Written for these tests: reported speech in its usual shapes, a quotation that runs on,
# a pronoun speaker, a heading, a list lead-in and repeated mentions of one event.
ARTICLE = """Harbour council approves flood barrier

Background: a decade of delays

The city council approved a new flood barrier on Monday, after a debate that lasted six hours.
Key measures in the plan include:
- a freeze on parking charges in the old town
Mayor Ines Valbuena, the head of the ruling coalition, told reporters that the barrier \
would be finished by 2030.
"This is the most important decision of my term," she said. "Our grandchildren will \
thank us. They will not have to sandbag their doors."
The cost will rise to 90 million euros, according to the city's finance office.
Meanwhile, the summit of coastal mayors opened in the port on Tuesday.
Delegates said the summit was the largest in a decade.
For the mayors, the summit ended with a joint declaration.
Legal scholars said the plan could face challenges in court.
The editorial board of The Harbour Post wrote that the vote was long overdue.
Due to the flooding, five people died last winter.
The man who is to blame for the fire, a local landlord, was arrested on Friday.
In a statement from the port authority, officials confirmed the closure of two docks.
"""


@pytest.fixture(scope="module")
def article() -> list[SentenceProposal]:
    return propose_all(ARTICLE, split_sentences(ARTICLE))


def _find(proposals: list[SentenceProposal], words: str) -> SentenceProposal:
    found = [p for p in proposals if words in p.whole.text]
    assert len(found) == 1, f"{words!r} is in {len(found)} sentences"
    return found[0]


def test_headline_heading_and_lead_in_are_not_claims(article: list[SentenceProposal]) -> None:
    assert not _find(article, "Harbour council approves").is_claim
    assert not _find(article, "Background: a decade").is_claim
    assert not _find(article, "Key measures in the plan include:").is_claim
    assert _find(article, "The city council approved").is_claim


def test_appositive_speaker_told_that(article: list[SentenceProposal]) -> None:
    p = _find(article, "Mayor Ines Valbuena")
    assert p.cue is not None and p.cue.text == "told"
    assert p.speakers[0].text == "Mayor Ines Valbuena, the head of the ruling coalition"
    assert p.source_name is not None and p.source_name.text == "Mayor Ines Valbuena"
    assert p.evidence.text == "the barrier would be finished by 2030"
    assert p.certainty == "reported" and p.kind == "prediction"


def test_quotation_runs_on_with_its_speaker(article: list[SentenceProposal]) -> None:
    head = _find(article, "most important decision")
    assert head.cue is not None and head.cue.text == "said"
    assert head.speakers[0].text == "she"
    # "she" is the mayor, named two sentences before.
    assert head.source_name is not None and head.source_name.text == "Mayor Ines Valbuena"
    more = [m.text for _, m in head.more_evidence]
    assert more == [
        '"Our grandchildren will thank us',
        'They will not have to sandbag their doors."',
    ]
    assert not _find(article, "Our grandchildren").is_claim


def test_according_to_after_the_content(article: list[SentenceProposal]) -> None:
    p = _find(article, "according to the city")
    assert p.cue is not None and p.cue.text == "according to"
    assert p.speakers[0].text == "the city's finance office"
    assert p.evidence.text == "The cost will rise to 90 million euros"


def test_sentence_opening_words_are_never_speakers_or_participants(
    article: list[SentenceProposal],
) -> None:
    p = _find(article, "Legal scholars said")
    assert p.speakers[0].text == "Legal scholars"
    for words in ("Meanwhile, the summit", "For the mayors", "Due to the flooding"):
        q = _find(article, words)
        names = [m.text for m in q.mentions] + [
            m.text for t in q.triggers for m in (t.agent, t.patient) if m is not None
        ]
        assert not any(n.split()[0] in ("Meanwhile", "For", "Due") for n in names), names


def test_the_editorial_board_of_a_paper_is_kept_whole(article: list[SentenceProposal]) -> None:
    p = _find(article, "The editorial board")
    assert p.speakers[0].text == "The editorial board of The Harbour Post"


def test_nominal_cue_in_a_statement_from(article: list[SentenceProposal]) -> None:
    p = _find(article, "In a statement from the port authority")
    assert p.cue is not None and p.cue.text == "In a statement from"
    assert p.speakers[0].text == "the port authority"
    assert p.evidence.text.startswith("officials confirmed")


def test_realis_reads_the_trigger_clause(article: list[SentenceProposal]) -> None:
    died = [t for t in _find(article, "Due to the flooding").triggers if t.word.text == "died"]
    assert died and died[0].realis == "occurred"
    arrested = [t for t in _find(article, "who is to blame").triggers if t.type == "arrest"]
    assert arrested and arrested[0].realis == "occurred"


def test_parking_charges_are_not_a_legal_event(article: list[SentenceProposal]) -> None:
    assert not [t for t in _find(article, "parking charges").triggers if t.type == "legal"]


def test_repeated_definite_mentions_are_one_event(article: list[SentenceProposal]) -> None:
    summits = [t for p in article for t in p.triggers if t.word.text == "summit"]
    assert len(summits) == 1
    assert summits[0].word.start == ARTICLE.index("summit of coastal mayors")


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
    assert p.speakers and p.speakers[0].text == "The company"


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
    p = _one("Police arrested five men after the bombing in Lyon on Tuesday.")
    assert [(t.word.text, t.type) for t in p.triggers] == [
        ("arrested", "arrest"),
        ("bombing", "attack"),
    ]
    assert [m.text for m in p.places] == ["Lyon"]


def test_a_support_verb_leaves_the_event_to_its_noun() -> None:
    # "opened an investigation" is an investigation, not an opening; the same after a
    # quantity and in the passive. With an ordinary object the verb is the event.
    p = _one("Auditors opened an investigation into the shipyard's accounts last week.")
    assert [(t.word.text, t.type) for t in p.triggers] == [("investigation", "legal")]
    p = _one("An inquiry was opened after the ferry ran aground near the pier.")
    assert [(t.word.text, t.type) for t in p.triggers] == [("inquiry", "legal")]
    p = _one("The militia launched a string of raids on border posts.")
    assert [(t.word.text, t.type) for t in p.triggers] == [("raids", "attack")]
    p = _one("The governor opened a children's library in the old mill.")
    assert [(t.word.text, t.type) for t in p.triggers] == [("opened", "opening")]


def test_reported_as_a_hedge_is_not_a_statement_event() -> None:
    # An evidential passive or an adjective hedges; a reporting verb with its own object
    # and no cue role is still the report.
    p = _one("The smuggler is reported to have crossed the border at night.")
    assert "reported" not in [t.word.text for t in p.triggers]
    p = _one("Medics counted the first reported case of cholera in the valley.")
    assert "reported" not in [t.word.text for t in p.triggers]
    p = _one("Its first report on the flood was reported across the valley.")
    assert ("reported", "statement") in [(t.word.text, t.type) for t in p.triggers]


def test_capitalised_words_inside_names_are_not_triggers() -> None:
    p = _one("Delegates gathered at the Geneva Peace Conference to talk.")
    assert p.triggers == ()
    p = _one("Officials said the Geneva Peace Conference Attack Summit was held.")
    assert p.triggers == ()
    assert "Geneva Peace Conference Attack Summit" in [m.text for m in p.mentions]


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
    return [d for d in load_documents([EXAMPLES]) if isinstance(d, Document)]


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


# --------------------------------------------------------------------------- stance and shapes
# Sentences written for these tests: stances, passives, transcripts and the shapes of
# subject that news uses around a cue.


def _source(text: str) -> tuple[str | None, str | None, str | None]:
    """(cue, whole source mention, name) the rules give a one-sentence text."""
    p = _one(text)
    if p.cue is None:
        return None, None, None
    name = p.source_name.text if p.source_name is not None else None
    return p.cue.text, p.speakers[0].text, name


@pytest.mark.parametrize(
    ("text", "cue", "source"),
    [
        (
            "The dockers' union endorses the new pay offer from the port.",
            "endorses",
            "The dockers' union",
        ),
        ("Senator Ada Quist plans to run for governor next year.", "plans", "Senator Ada Quist"),
        ("The mayor declined to name the contractor.", "declined", "The mayor"),
        ("She pointed out that the ferry had been late every day.", "pointed out", "She"),
        ("Olsen made it clear he would not sign the lease.", "made it clear", "Olsen"),
        ("Early polls showed that the incumbent was ahead by six points.", "showed", "Early polls"),
        (
            "The new depot was first proposed by the transport board.",
            "proposed by",
            "the transport board",
        ),
    ],
)
def test_stance_and_passive_cues_name_their_source(text: str, cue: str, source: str) -> None:
    found_cue, mention, _ = _source(text)
    assert (found_cue, mention) == (cue, source)


@pytest.mark.parametrize(
    "text",
    [
        "Russian attacks on the border town continued for a week.",  # a noun, not a verb
        "The plans for the new depot were published on Monday.",
        "Farmers like Ada Quist grow barley on the coast.",  # "like" is a preposition
        "The presidential debate that followed lasted two hours.",
        "About a dozen people demonstrated outside the depot on Friday.",
    ],
)
def test_common_words_that_are_not_stances(text: str) -> None:
    assert _source(text)[0] is None


def test_a_stance_keeps_its_appositive_and_a_short_object_keeps_the_sentence() -> None:
    text = "Ada Quist, the head of the dockers' union, slammed the operator."
    p = _one(text)
    assert p.cue is not None and p.cue.text == "slammed"
    assert p.speakers[0].text == "Ada Quist, the head of the dockers' union"
    assert p.source_name is not None and p.source_name.text == "Ada Quist"
    assert p.evidence.text == text.rstrip(".")


def test_negated_and_contracted_auxiliaries_keep_the_cue() -> None:
    assert _source("The ferry operator didn't respond to requests for comment.")[:2] == (
        "respond",
        "The ferry operator",
    )
    assert _source("She’s claiming that the lease was never signed.")[:2] == ("claiming", "She")
    assert _source("The port authority isn’t saying whether the dock will reopen.")[:2] == (
        "saying",
        "The port authority",
    )


def test_names_that_look_like_cues_stay_names() -> None:
    # "States" is a form of "state", but a capitalised word in a name is no cue.
    cue, mention, _ = _source("Under the old treaty, the United States pledged that it would pay.")
    assert (cue, mention) == ("pledged", "the United States")


@pytest.mark.parametrize(
    ("text", "source"),
    [
        (
            "The union and its lawyers say that the dismissals were unlawful.",
            "The union and its lawyers",
        ),
        ("The report found that the company and its suppliers said nothing.", "The report"),
        ("Ms. Quist said on Tuesday that the vote was fair.", "Ms. Quist"),
        ("Olsen spoke on Friday, saying that the lease was void.", "Olsen"),
        ("On Monday, however, Olsen went on the radio, promising to cut fares.", "Olsen"),
        ("Olsen went on the radio to accuse the operator of lying.", "Olsen"),
        (
            "The union, which represents 5,000 dockers, wants to reopen talks by May.",
            "The union, which represents 5,000 dockers",
        ),
    ],
)
def test_subject_shapes(text: str, source: str) -> None:
    assert _source(text)[1] == source


def test_a_day_or_a_complementizer_is_never_the_source() -> None:
    assert (
        _source("Olsen sent letters early Friday saying that the lease was void.")[1]
        != "early Friday"
    )
    cue, mention, _ = _source("The minister said in a letter that Ada Quist supports the plan.")
    assert (cue, mention) == ("said", "The minister")


def test_title_case_headline_cue() -> None:
    assert _source("Harbour Mayor Says Flood Barrier Will Be Ready By 2030")[:2] == (
        "Says",
        "Harbour Mayor",
    )


def test_colon_after_a_verb_introduces_speech() -> None:
    text = 'Olsen continued: "We will not sign this lease, not now and not ever."'
    assert _source(text)[:2] == ("continued:", "Olsen")


def test_a_quotation_opened_earlier_hides_its_own_cues() -> None:
    text = '"The lease is void. They said we could stay, and they lied to us," Olsen said.\n'
    proposals = propose_all(text, split_sentences(text))
    head = [p for p in proposals if p.cue is not None]
    assert len(head) == 1 and head[0].source_name is not None
    assert head[0].source_name.text == "Olsen"


def test_a_quotation_after_a_named_speaker_goes_on_with_them() -> None:
    text = (
        "The dockers will strike on Monday, Ada Quist said. "
        '"We have waited long enough for the operator to listen."\n'
    )
    proposals = propose_all(text, split_sentences(text))
    quote = next(p for p in proposals if "waited long enough" in p.whole.text)
    assert not quote.is_claim  # folded into the claim of the sentence that names its speaker
    owners = [p for p in proposals if any("waited" in m.text for _, m in p.more_evidence)]
    assert len(owners) == 1 and owners[0].source_name is not None


def test_a_transcript_turn_is_the_speaker_s_even_when_it_reports_speech() -> None:
    text = (
        "QUIST: We asked for help. The operator said the port was safe.\n\n"
        "OLSEN: We disagree with all of that.\n"
    )
    proposals = propose_all(text, split_sentences(text))
    turn = proposals[0]
    assert turn.cue is not None and turn.cue.text == ":"
    assert [m.text for _, m in turn.more_evidence] == ["The operator said the port was safe"]
    assert not any(p.is_claim for p in proposals[1:2])


def test_a_noun_like_cue_before_that_is_a_verb() -> None:
    assert _source("The memo on the council's website states that the depot will close.")[:2] == (
        "states",
        "The memo on the council's website",
    )
    assert _source("Coastal states sent their ministers to the summit in May.")[0] is None


def test_speech_a_colon_introduces_runs_to_the_end_of_its_paragraph() -> None:
    text = "Olsen added: the lease is void. We will fight it in court.\n\nThe hearing is in May.\n"
    proposals = propose_all(text, split_sentences(text))
    head = proposals[0]
    assert head.source_name is not None and head.source_name.text == "Olsen"
    assert [m.text for _, m in head.more_evidence] == ["We will fight it in court"]
    assert proposals[-1].is_claim  # the next paragraph is not Olsen's


def test_a_title_in_quotation_marks_is_not_the_content() -> None:
    text = 'On the "Harbour Hour" show, Mayor Ada Quist said that the ferry would run all winter.'
    p = _one(text)
    assert p.evidence.text == "the ferry would run all winter"


def test_coordinated_names_take_the_plural_verb() -> None:
    text = "Both Ms. Quist and Mr. Olsen say the operator never told them about the closure."
    assert _source(text)[:2] == ("say", "Both Ms. Quist and Mr. Olsen")


def test_a_message_s_gerund_belongs_to_its_sender() -> None:
    text = "The harbour board issued a statement on Friday calling the strike unlawful."
    assert _source(text)[:2] == ("calling", "The harbour board")


# --------------------------------------------------------------------------- no false speakers
# Sentences a review wrote to break the rules: a speaker given here would put words in
# someone's mouth, so each must get the right source or none.


@pytest.mark.parametrize(
    "text",
    [
        "Former coach Ana Ruiz speaks out",
        "Russia attacked Kyiv with drones overnight.",
        "Police charged the man with murder on Tuesday.",
        "Nadal challenged the line call in the third set.",
        "He found the wallet on the bus.",
        "Divers discovered the wreck off the coast.",
        "Tesla unveiled its new truck in Texas.",
        "He backed his car into a wall.",
        "Exports declined sharply in May.",
        "He committed the crime in 2015.",
        "The Senate debates the bill next week.",
        "She described a circle with her finger.",
        "The mood in Paris was grim: the shops were shut.",
        "Fans in Madrid sang: “Campeones!”",
        "Prices rose sharply in May, suggesting inflation is back.",
        "The town was attacked by drones overnight.",
        "The game was decided by a penalty in the last minute.",
        "The law that the parliament backed in May takes effect on Monday.",
        "Government plans that leaked last week were shelved.",
        "The court ordered the company to disclose its accounts.",
        "The ministry failed to explain why the money was spent.",
        "It is fair to say the reform has stalled.",
        "Smith is expected to announce his team on Friday.",
        "The government made clear progress on reform.",
        "Firefighters laid out hoses along the street.",
        "She weighed in at 60 kilograms.",
        "Aid was promised to the Gulf states.",
    ],
)
def test_no_speaker_for_plain_facts(text: str) -> None:
    assert _source(text)[0] is None, _source(text)


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("They plan to strike next week, officials said.", "officials"),
        (
            "I feel betrayed by the party, said Tom Reid, a voter in Leeds.",
            "Tom Reid, a voter in Leeds",
        ),
        ("Police found the car abandoned near the border, the ministry said.", "the ministry"),
        ("The mayor said the budget was safe, but critics disagreed.", "The mayor"),
        (
            "The mood in Paris was grim: “We have lost everything,” one resident said.",
            "one resident",
        ),
        ("Germany won and fans said the coach should stay.", "fans"),
        (
            "Mr. Lee lost, and his rival, who won 60 percent, said the count was fair.",
            "his rival, who won 60 percent",
        ),
        (
            "The mayor of Lindau, Ana Ruiz, told delegates that the bridge would reopen.",
            "The mayor of Lindau, Ana Ruiz",
        ),
    ],
)
def test_the_right_speaker_when_another_word_could_be_taken(text: str, source: str) -> None:
    assert _source(text)[1] == source, _source(text)


def test_a_quotation_over_paragraphs_ends_where_a_paragraph_opens_without_one() -> None:
    text = (
        '"We will fight on," Ms. Ahmed said. "We have done it before.\n\n'
        '"Nobody can stop us now."\n\n'
        "Police said 40 people had been arrested. The minister said the protest was illegal.\n"
    )
    proposals = propose_all(text, split_sentences(text))
    police = next(p for p in proposals if p.whole.text.startswith("Police"))
    minister = next(p for p in proposals if p.whole.text.startswith("The minister"))
    assert police.is_claim and police.source_name is not None
    assert police.source_name.text == "Police"
    assert minister.is_claim and minister.source_name is not None


def test_colon_speech_stops_at_a_sentence_with_its_own_speaker() -> None:
    text = 'Ms. Ortiz said: "We are ready." Critics said the plan would fail. Shares fell.\n'
    proposals = propose_all(text, split_sentences(text))
    critics = next(p for p in proposals if p.whole.text.startswith("Critics"))
    assert critics.is_claim and critics.source_name is not None
    assert critics.source_name.text == "Critics"


def test_a_quoted_title_after_a_speaker_is_not_their_speech() -> None:
    text = 'Police said the road would reopen on Monday. "Stranger Tides" opens on Friday.\n'
    proposals = propose_all(text, split_sentences(text))
    assert proposals[1].is_claim and proposals[1].source_name is None


def test_one_label_is_a_heading_and_two_are_a_transcript() -> None:
    text = "LIVE: Ana Ruiz wins the final in three sets.\n\nThe crowd cheered for an hour.\n"
    assert all(p.cue is None for p in propose_all(text, split_sentences(text)))


def test_a_time_between_subject_and_verb() -> None:
    assert _source("Ana Ruiz on Wednesday called on the operator to resign.")[1] == "Ana Ruiz"
    assert _source("A campaign ad in 2008 questioned whether the mayor was ready.")[1] == (
        "A campaign ad"
    )


def test_a_message_s_gerund_belongs_to_the_one_who_sent_it() -> None:
    text = "Ruiz spoke on Friday after Olsen posted a series of tweets calling her a liar."
    assert _source(text)[:2] == ("calling", "Olsen")


def test_a_late_cue_governs_only_after_a_short_closing_subject() -> None:
    text = (
        "Voters learned during the debate that, no matter the stakes, the mayor will "
        "insist on being the mayor."
    )
    assert _source(text)[1] == "Voters"


def test_a_colon_at_the_end_of_a_paragraph_introduces_a_block_quotation() -> None:
    text = (
        "Olsen added:\n\nThe lease is void. We will fight it in court.\n\nThe hearing is in May.\n"
    )
    proposals = propose_all(text, split_sentences(text))
    head = proposals[0]
    assert head.source_name is not None and head.source_name.text == "Olsen"
    assert [m.text for _, m in head.more_evidence] == [
        "The lease is void",
        "We will fight it in court",
    ]
    assert proposals[-1].is_claim and proposals[-1].source_name is None


def test_an_appositive_between_dashes() -> None:
    text = "Ruiz -- the author of a book on the port, which sold well -- said fees would rise."
    cue, mention, name = _source(text)
    assert (cue, name) == ("said", "Ruiz")
    assert mention == "Ruiz -- the author of a book on the port, which sold well"


# A second review's sentences.


@pytest.mark.parametrize(
    "text",
    [
        "While officials argued over the budget, the river burst its banks.",
        "The money pledged by donors has not arrived.",
        "Rebels attacked the town as well as the airport.",
        "Sales declined as rates rose.",
        "Protesters called the police.",
        "The hospital admitted 30 patients on its first day.",
        "The government declined to comment.",
        "Troops attacked the village before dawn to drive out the rebels.",
    ],
)
def test_no_speaker_for_plain_facts_second_review(text: str) -> None:
    assert _source(text)[0] is None, _source(text)


@pytest.mark.parametrize(
    ("text", "source", "name"),
    [
        ("Her deputy, Jane Doe, said the talks were over.", "Her deputy, Jane Doe", "Jane Doe"),
        (
            "His wife, speaking in Paris, said the budget would be cut.",
            "His wife, speaking in Paris",
            "His wife",
        ),
        ("The family said the body had been found.", "The family", "The family"),
        (
            "A source close to the minister said the talks had failed.",
            "A source close to the minister",
            "A source close to the minister",
        ),
        ("Police say the fire is under control.", "Police", "Police"),
        ("Democrats called the plan a political ploy.", "Democrats", "Democrats"),
    ],
)
def test_speakers_second_review(text: str, source: str, name: str) -> None:
    assert _source(text)[1:] == (source, name)


def test_content_skips_the_adverbial_before_that() -> None:
    p = _one("The ministry said on Monday that the talks would resume.")
    assert p.evidence.text == "the talks would resume"


def test_as_parenthetical_credits_the_main_clause() -> None:
    p = _one("As the mayor said, the budget is safe for another year.")
    assert p.source_name is not None and p.source_name.text == "the mayor"
    assert p.evidence.text == "the budget is safe for another year"


def test_a_quotation_closed_after_a_colon_takes_no_more_sentences() -> None:
    text = 'Jane Doe said: "We will win." The rally ended at noon. Police arrested two men there.\n'
    proposals = propose_all(text, split_sentences(text))
    assert proposals[0].more_evidence == ()
    assert all(p.is_claim for p in proposals[1:])


def test_a_pronoun_with_two_possible_speakers_stays_a_pronoun() -> None:
    text = "Tom Reed said the road was closed. Ana Ruiz said it was open. He said it again.\n"
    proposals = propose_all(text, split_sentences(text))
    assert proposals[2].source_name is not None and proposals[2].source_name.text == "He"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "Fans were angry since Ruiz, at Monday's meeting, cited figures the club had made up.",
            "Ruiz",
        ),
        (
            "Even Norway, the region's largest donor and its oldest ally, said it was opposed.",
            "Norway",
        ),
        ("The state news agency claimed the test had succeeded.", "The state news agency"),
        ("Other leaders used blunt language to denounce the test.", "Other leaders"),
    ],
)
def test_more_subject_shapes(text: str, name: str) -> None:
    assert _source(text)[2] == name, _source(text)


# A third review's sentences.


@pytest.mark.parametrize(
    "text",
    [
        "The striker added a second goal after the break.",
        "Toyota recalled 400,000 cars over a faulty pedal.",
        "The team observed a minute's silence before kick-off.",
        "The flood claimed 12 lives in the valley.",
    ],
)
def test_reporting_verbs_in_their_plain_sense(text: str) -> None:
    assert _source(text)[0] is None, _source(text)


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ('"We will win," added Ana Ruiz.', "Ana Ruiz"),
        ("She added that the lease was void.", "She"),
        (
            "Sources close to the presidency suggested that talks had stalled.",
            "Sources close to the presidency",
        ),
    ],
)
def test_reporting_verbs_in_their_speech_sense(text: str, source: str) -> None:
    assert _source(text)[1] == source


def test_the_listener_after_told_is_never_the_speaker() -> None:
    text = (
        "A delegate from one of the countries named in the reports, Rustam Kaldybekov, "
        "told journalists on Wednesday that the deal was dead."
    )
    assert _source(text)[1] != "journalists"


def test_a_pronoun_goes_to_a_later_person_the_article_gives_it() -> None:
    text = (
        "Ana Ruiz said the river would rise. Tom Reid, a farmer, lost his home last night. "
        "He said the water came fast.\n"
    )
    proposals = propose_all(text, split_sentences(text))
    assert proposals[2].source_name is not None and proposals[2].source_name.text == "Tom Reid"
