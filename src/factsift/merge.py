"""Merge the items extracted from overlapping windows, without duplicates.

Windows overlap by a few sentences, so the same claim or event can come back
twice, with slightly different quotes. Items are plain dicts (grounded
answers); two items of one list are the same fact when they are of the same
type and their anchor spans (the trigger, else the first evidence span)
overlap for at least half of the shorter one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["anchor_span", "merge_answers", "same_fact"]

_TYPE_KEYS = ("type", "kind")
_MIN_OVERLAP = 0.5


def _first_span(value: Any) -> tuple[int, int] | None:
    if isinstance(value, dict):
        if {"start", "end", "text"} <= value.keys():
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


def same_fact(a: Any, b: Any) -> bool:
    """Whether two items of one list report the same fact."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in _TYPE_KEYS:
            if a.get(key) != b.get(key):
                return False
    span_a, span_b = anchor_span(a), anchor_span(b)
    if span_a is None or span_b is None:
        return bool(a == b)
    overlap = min(span_a[1], span_b[1]) - max(span_a[0], span_b[0])
    shorter = min(span_a[1] - span_a[0], span_b[1] - span_b[0])
    return overlap > 0 and overlap >= _MIN_OVERLAP * max(shorter, 1)


def _merge_list(batches: Iterable[Sequence[Any]]) -> list[Any]:
    kept: list[Any] = []
    for batch in batches:
        for item in batch:
            if not any(same_fact(item, other) for other in kept):
                kept.append(item)
    # Text order reads best and does not depend on how windows were cut.
    return sorted(kept, key=lambda it: anchor_span(it) or (1 << 62, 0))


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
        merged[key] = _merge_list(a.get(key, []) for a in answers)
    return merged
