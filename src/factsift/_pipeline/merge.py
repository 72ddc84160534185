"""Merge the items extracted from overlapping windows, without duplicates.

Windows overlap by a few sentences, so the same claim or event can come back
twice, with slightly different quotes. Items are plain dicts (grounded
answers); two items of one list are the same fact when they are of the same
type and their anchor spans (the trigger, else the first evidence span)
overlap for at least half of the shorter one. Within one window, two claims
with different statements are both kept even so: one answer saying two things
about the same words is not a repeat, and the first may not push out the second.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from typing import Any

from factsift.schema import is_span_dict

__all__ = ["anchor_span", "merge_answers"]

_TYPE_KEYS = ("type", "kind")
_MIN_OVERLAP = 0.5


def _first_span(value: Any) -> tuple[int, int] | None:
    if isinstance(value, dict):
        if is_span_dict(value):
            return int(value["start"]), int(value["end"])
        for v in value.values():
            if (found := _first_span(v)) is not None:
                return found
    elif isinstance(value, list):
        for v in value:
            if (found := _first_span(v)) is not None:
                return found
    return None


def anchor_span(item: Any) -> tuple[int, int] | None:
    """The span that identifies an item: its trigger, else its first evidence, else any."""
    if isinstance(item, dict):
        for key in ("trigger", "evidence"):
            if key in item and (found := _first_span(item[key])) is not None:
                return found
    return _first_span(item)


def _same_fact(a: Any, b: Any) -> bool:
    """Whether two items of one list report the same fact."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in _TYPE_KEYS:
            if a.get(key) != b.get(key):
                return False
    span_a, span_b = anchor_span(a), anchor_span(b)
    if span_a is None or span_b is None:
        return bool(a == b)
    return _overlaps(span_a, span_b)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return overlap > 0 and overlap >= _MIN_OVERLAP * max(shorter, 1)


def _group(item: Any) -> tuple[Any, ...]:
    return tuple(item.get(k) for k in _TYPE_KEYS) if isinstance(item, dict) else ()


def _statement(item: Any) -> Any:
    return item.get("statement") if isinstance(item, dict) else None


def _merge_list(batches: Iterable[Sequence[Any]]) -> list[Any]:
    """Keep the first of each set of same-fact items (in one window, of same-fact items
    with the same statement); near-linear in the item count."""
    kept: list[tuple[tuple[int, int], Any]] = []
    # The window and statement of each item kept at an anchor.
    owners: dict[tuple[tuple[Any, ...], tuple[int, int]], list[tuple[int, Any]]] = {}
    spanless: list[Any] = []
    # Per type: kept anchors sorted by start, and the longest, to bound the search.
    starts: dict[tuple[Any, ...], list[tuple[int, int]]] = {}
    longest: dict[tuple[Any, ...], int] = {}
    for number, batch in enumerate(batches):
        for item in batch:
            anchor = anchor_span(item)
            if anchor is None:
                if item not in spanless:
                    spanless.append(item)
                continue
            group = _group(item)
            bucket = starts.setdefault(group, [])
            reach = max(longest.get(group, 0), anchor[1] - anchor[0])
            lo = bisect_left(bucket, (anchor[0] - reach, -1))
            hi = bisect_left(bucket, (anchor[1], -1))
            said = _statement(item)
            if any(
                _overlaps(anchor, other) and (window != number or statement == said)
                for other in bucket[lo:hi]
                for window, statement in owners[(group, other)]
            ):
                continue
            if (group, anchor) not in owners:
                insort(bucket, anchor)
            owners.setdefault((group, anchor), []).append((number, said))
            longest[group] = reach
            kept.append((anchor, item))
    # Text order reads best and does not depend on how windows were cut.
    kept.sort(key=lambda pair: pair[0])
    return [item for _, item in kept] + spanless


def merge_answers(answers: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One answer from several windows' answers: lists merged, scalars from the first."""
    merged: dict[str, Any] = {}
    for answer in answers:
        for key, value in answer.items():
            if isinstance(value, list):
                continue
            merged.setdefault(key, value)
    list_keys = dict.fromkeys(k for a in answers for k, v in a.items() if isinstance(v, list))
    for key in list_keys:
        merged[key] = _merge_list(a.get(key) or [] for a in answers)
    return merged
