"""Event coreference across articles, on mentions written for these tests."""

from __future__ import annotations

import random
import re

import pytest

from factsift.factbase.events import EventMention, candidate_pairs, cluster_events

# Two stories with the same kinds of events: a bridge collapse in a made-up town, and a
# ferry sinking elsewhere. Both have deaths and a rescue.
DOCS = {
    "tarn-1": "The old bridge collapsed in Tarnwick on Monday. Two workers died when the "
    "bridge collapsed, and mayor Lena Ostrova ordered a rescue.",
    "tarn-2": "Lena Ostrova said two people were killed after the Tarnwick bridge collapse. "
    "The rescue in Tarnwick went on all night.",
    "tarn-3": "A Tarnwick bridge collapsed on Monday; Ostrova called the collapse a tragedy.",
    "ferry-1": "A ferry sank off Port Halvard. Nine passengers died, and coast guard chief "
    "Emil Brandt led the rescue near Port Halvard.",
    "ferry-2": "Emil Brandt said nine people died when the Port Halvard ferry sank in a storm.",
}


def mention(doc: str, trigger: str, occurrence: int = 0, **fields: object) -> EventMention:
    text = DOCS[doc]
    at = [m.start() for m in re.finditer(rf"\b{trigger}\b", text)][occurrence]
    sentence = next(s for s in text.split(". ") if trigger in s)
    return EventMention(key=f"{doc}:{at}", doc=doc, trigger=trigger, sentence=sentence, **fields)  # type: ignore[arg-type]


def partition(mentions: list[EventMention], ids: list[int]) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for m, c in zip(mentions, ids, strict=True):
        groups.setdefault(c, set()).add(m.key)
    return {frozenset(g) for g in groups.values()}


def together(mentions: list[EventMention], ids: list[int], a: str, b: str) -> bool:
    where = {m.key: c for m, c in zip(mentions, ids, strict=True)}
    return where[a] == where[b]


MENTIONS = [
    mention("tarn-1", "collapsed"),
    mention("tarn-1", "died"),
    mention("tarn-1", "collapsed", 1),
    mention("tarn-1", "rescue"),
    mention("tarn-2", "killed"),
    mention("tarn-2", "collapse"),
    mention("tarn-2", "rescue"),
    mention("tarn-3", "collapsed"),
    mention("tarn-3", "collapse"),
    mention("ferry-1", "sank"),
    mention("ferry-1", "died"),
    mention("ferry-1", "rescue"),
    mention("ferry-2", "died"),
    mention("ferry-2", "sank"),
]


def test_the_same_event_across_articles_merges() -> None:
    ids = cluster_events(MENTIONS, documents=DOCS)
    collapses = [m.key for m in MENTIONS if m.trigger.startswith("collaps")]
    assert len({ids[i] for i, m in enumerate(MENTIONS) if m.key in collapses}) == 1
    sank = [m.key for m in MENTIONS if m.trigger == "sank"]
    assert together(MENTIONS, ids, *sank)
    # "died" in one article and "killed" in another: one event, through the lexicon.
    assert together(MENTIONS, ids, MENTIONS[1].key, MENTIONS[4].key)


def test_the_same_word_in_another_story_is_another_event() -> None:
    ids = cluster_events(MENTIONS, documents=DOCS)
    tarn = {ids[i] for i, m in enumerate(MENTIONS) if m.doc.startswith("tarn")}
    ferry = {ids[i] for i, m in enumerate(MENTIONS) if m.doc.startswith("ferry")}
    assert not tarn & ferry  # the two rescues and the two sets of deaths stay apart


def test_blocking_never_pairs_mentions_across_stories_or_unrelated_words() -> None:
    pairs = candidate_pairs(MENTIONS, documents=DOCS)
    assert pairs  # the same events in one story are compared
    for a, b in pairs:
        x, y = MENTIONS[a], MENTIONS[b]
        assert x.doc.split("-")[0] == y.doc.split("-")[0], (x, y)
        assert {x.trigger, y.trigger} != {"sank", "rescue"}
    n = len(MENTIONS)
    assert len(pairs) < n * (n - 1) // 2 // 2


def test_without_documents_the_story_comes_from_the_mentions() -> None:
    ids = cluster_events(MENTIONS)
    assert partition(MENTIONS, ids) == partition(MENTIONS, cluster_events(MENTIONS))
    rescues = [i for i, m in enumerate(MENTIONS) if m.trigger == "rescue"]
    assert ids[rescues[0]] == ids[rescues[1]] != ids[rescues[2]]


def test_different_times_keep_the_same_word_apart() -> None:
    a = [
        EventMention("a", "d1", "attack", "Rebels attack the Omsvik depot.", time="2019-03-02"),
        EventMention("b", "d2", "attack", "The attack on the Omsvik depot.", time="2019-03-02"),
        EventMention("c", "d3", "attacked", "Rebels attacked the Omsvik depot.", time="2023-07-11"),
        EventMention(
            "d",
            "d4",
            "attack",
            "An attack on the Omsvik depot in 2019.",
            time="2019-01-01/2019-12-31",
        ),
        # A day apart is one night reported from two time zones, not another attack.
        EventMention("e", "d5", "attack", "Rebels attack the Omsvik depot.", time="2019-03-03"),
        EventMention("f", "d6", "attack", "Rebels attack the Omsvik depot.", time="2019-03-09"),
    ]
    ids = cluster_events(a)
    assert ids[0] == ids[1] == ids[3] == ids[4]
    assert ids[2] != ids[0] and ids[5] != ids[0]


def test_an_article_cannot_report_an_event_from_after_its_publication() -> None:
    def strike(key: str, **fields: object) -> EventMention:
        sentence = "Dock workers strike at Velmar port over pay."
        return EventMention(key, f"d-{key}", "strike", sentence, **fields)  # type: ignore[arg-type]

    ms = [
        strike("may", time="2024-05-10", published="2024-05-11"),
        strike("march", published="2024-03-01", realis="occurred"),
        strike("june", published="2024-06-02", realis="occurred"),
        strike("plan", published="2024-03-01", realis="planned"),
    ]
    ids = cluster_events(ms)
    assert ids[0] == ids[2] == ids[3]  # reported after, or announced before as a plan
    assert ids[1] != ids[0]  # a March report of a strike that happened is another strike


def test_a_mention_compatible_with_two_incompatible_ones_does_not_chain_them() -> None:
    ms = [
        EventMention("x", "d1", "strike", "Dock workers strike at Velmar port.", time="2021-05-03"),
        EventMention("y", "d2", "strike", "The strike at Velmar port goes on."),
        EventMention("z", "d3", "strike", "Dock workers strike at Velmar port.", time="2024-09-20"),
    ]
    ids = cluster_events(ms)
    assert ids[0] != ids[2]


def test_known_types_that_differ_do_not_merge() -> None:
    ms = [
        EventMention(
            "p", "d1", "fired", "Coach Dale Perrin was fired by Hollins.", type="resignation"
        ),
        EventMention("q", "d2", "fired", "Dale Perrin was fired, Hollins said.", type="attack"),
        EventMention("r", "d3", "fired", "Hollins fired coach Dale Perrin.", type="resignation"),
    ]
    ids = cluster_events(ms)
    assert ids[0] == ids[2] != ids[1]


def test_output_is_deterministic_and_independent_of_input_order() -> None:
    first = cluster_events(MENTIONS, documents=DOCS)
    assert cluster_events(MENTIONS, documents=DOCS) == first
    shuffled = MENTIONS[:]
    random.Random(7).shuffle(shuffled)
    assert partition(shuffled, cluster_events(shuffled, documents=DOCS)) == partition(
        MENTIONS, first
    )


def test_ids_follow_input_order_and_keys_must_be_unique() -> None:
    ids = cluster_events(MENTIONS, documents=DOCS)
    assert ids[0] == 0
    assert all(c <= max(ids[:i], default=-1) + 1 for i, c in enumerate(ids))
    assert cluster_events([]) == []
    with pytest.raises(ValueError, match="unique"):
        cluster_events([MENTIONS[0], MENTIONS[0]])


_SYLLABLES = "ka ro mi ta ve lo su ni da pe".split()


def _stories(count: int) -> list[EventMention]:
    """``count`` made-up stories of three articles, each naming its own town and person."""
    out = []
    for s in range(count):
        word = "".join(_SYLLABLES[int(c)] for c in f"{s:03d}")
        town, person = f"{word.title()}ville", f"Ana {word.title()}son"
        for d in range(3):
            doc = f"s{s}-d{d}"
            for k, verb in enumerate(("attacked", "arrested", "said")):
                sentence = f"{person} {verb} people in {town}, police in {town} said."
                out.append(EventMention(f"{doc}:{k}", doc, verb, sentence, place=town))
    return out


def test_candidate_pairs_grow_with_the_corpus_not_its_square() -> None:
    small, large = _stories(20), _stories(80)
    pairs_small, pairs_large = candidate_pairs(small), candidate_pairs(large)
    # Four times the stories: about four times the pairs (all pairs would be sixteen).
    assert len(pairs_large) <= 5 * len(pairs_small)
    for a, b in pairs_large:
        assert large[a].doc.split("-")[0] == large[b].doc.split("-")[0]
