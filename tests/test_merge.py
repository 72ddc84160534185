"""Merging answers from overlapping windows (factsift._pipeline.merge)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from factsift._pipeline.merge import _same_fact, anchor_span, merge_answers


def span(start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": "x" * (end - start)}


def event(kind: str, start: int, end: int, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "trigger": span(start, end), "evidence": [span(0, 200)], **extra}


def claim(start: int, end: int, statement: str = "s", kind: str = "fact") -> dict[str, Any]:
    return {
        "statement": statement,
        "kind": kind,
        "attribution": {"source_type": "person", "speaker": span(500, 505)},
        "evidence": [span(start, end), span(900, 950)],
    }


def test_anchor_is_trigger_then_evidence_then_any() -> None:
    assert anchor_span(event("meet", 10, 13)) == (10, 13)
    # A claim's attribution comes first in the dict, but evidence is the anchor.
    assert anchor_span(claim(40, 60)) == (40, 60)
    assert anchor_span({"who": {"mention": span(7, 9)}}) == (7, 9)
    assert anchor_span({"trigger": None, "evidence": [span(3, 4)]}) == (3, 4)
    assert anchor_span({"name": "no spans"}) is None
    assert anchor_span("plain") is None


def test_duplicates_across_windows_are_merged() -> None:
    first = {"events": [event("meet", 100, 110, note="window 1")], "claims": [claim(10, 50)]}
    second = {
        "events": [event("meet", 104, 112, note="window 2")],
        "claims": [claim(20, 50, statement="slightly different")],
    }
    merged = merge_answers([first, second])
    assert merged["events"] == [event("meet", 100, 110, note="window 1")]
    assert merged["claims"] == [claim(10, 50)]


def test_overlap_threshold_is_half_the_shorter_span() -> None:
    assert _same_fact(event("meet", 10, 20), event("meet", 15, 40))  # 5 of 10
    assert not _same_fact(event("meet", 10, 20), event("meet", 16, 40))  # 4 of 10
    assert not _same_fact(event("meet", 10, 20), event("meet", 20, 30))  # touching only
    assert _same_fact(event("meet", 10, 40), event("meet", 20, 25))  # contained


def test_different_types_at_same_span_are_kept() -> None:
    a = event("attack", 100, 110)
    b = event("death", 100, 110)
    merged = merge_answers([{"events": [a]}, {"events": [b]}])
    assert merged["events"] == [a, b]
    c1, c2 = claim(10, 30, kind="fact"), claim(10, 30, kind="opinion")
    assert merge_answers([{"claims": [c1, c2]}])["claims"] == [c1, c2]


def test_non_overlapping_items_are_kept_and_sorted_by_anchor() -> None:
    late = event("meet", 300, 305)
    early = event("vote", 20, 24)
    middle = event("meet", 150, 160)
    merged = merge_answers([{"events": [late, middle]}, {"events": [early]}])
    assert merged["events"] == [early, middle, late]
    starts = [anchor_span(e)[0] for e in merged["events"]]  # type: ignore[index]
    assert starts == sorted(starts)


def test_duplicates_within_one_window_are_merged_too() -> None:
    merged = merge_answers([{"events": [event("meet", 5, 9), event("meet", 5, 9)]}])
    assert len(merged["events"]) == 1


def test_items_without_spans_dedupe_by_equality_and_sort_last() -> None:
    merged = merge_answers(
        [
            {"tags": ["Paris", "Alice"], "mixed": [{"name": "A"}, event("meet", 50, 52)]},
            {"tags": ["Alice", "Bob"], "mixed": [{"name": "A"}, {"name": "B"}]},
        ]
    )
    # First-seen order is kept among items without spans.
    assert merged["tags"] == ["Paris", "Alice", "Bob"]
    assert merged["mixed"][0] == event("meet", 50, 52)
    assert merged["mixed"][1:] == [{"name": "A"}, {"name": "B"}]


def test_scalars_come_from_the_first_answer() -> None:
    merged = merge_answers(
        [
            {"headline": span(0, 5), "language": "en", "events": []},
            {"headline": span(7, 9), "language": "fr", "summary": "second", "events": []},
        ]
    )
    assert merged["headline"] == span(0, 5)
    assert merged["language"] == "en"
    assert merged["summary"] == "second"  # only the second answer has it
    assert merged["events"] == []


def test_list_missing_from_some_answers() -> None:
    merged = merge_answers([{"events": [event("meet", 1, 3)]}, {"claims": [claim(5, 9)]}])
    assert merged["events"] == [event("meet", 1, 3)]
    assert merged["claims"] == [claim(5, 9)]


def test_no_answers() -> None:
    assert merge_answers([]) == {}


def test_optional_list_null_in_one_window() -> None:
    merged = merge_answers([{"tags": ["a"]}, {"tags": None}, {"tags": ["b", "a"]}])
    assert merged["tags"] == ["a", "b"]


def _naive_merge(batches: list[list[Any]]) -> list[Any]:
    """The definition: keep each item unless an earlier kept one is the same fact."""
    kept: list[Any] = []
    for batch in batches:
        for item in batch:
            if not any(_same_fact(item, other) for other in kept):
                kept.append(item)
    return sorted(kept, key=lambda it: anchor_span(it) or (1 << 62, 0))


_ITEMS = st.one_of(
    st.builds(
        lambda kind, start, length: event(kind, start, start + length),
        st.sampled_from(["meet", "vote"]),
        st.integers(0, 60),
        st.integers(1, 25),
    ),
    st.builds(lambda n: {"name": n}, st.sampled_from(["A", "B"])),
)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.lists(_ITEMS, max_size=8), max_size=4))
def test_merge_matches_pairwise_definition(batches: list[list[Any]]) -> None:
    merged = merge_answers([{"items": batch} for batch in batches])
    assert merged.get("items", []) == (_naive_merge(batches) if batches else [])


def test_two_claims_of_one_window_on_the_same_words_are_both_kept() -> None:
    hostile = claim(10, 40, "The army shelled the village.")
    honest = claim(12, 40, "Rebels shelled the village.")
    merged = merge_answers([{"claims": [hostile, honest]}])
    assert merged["claims"] == [hostile, honest]
    # The same statement twice in one window is a repeat.
    assert merge_answers([{"claims": [honest, dict(honest)]}])["claims"] == [honest]
    # Across windows, the first window's claim stands for the repeat.
    merged = merge_answers([{"claims": [honest]}, {"claims": [hostile, honest]}])
    assert merged["claims"] == [honest]
