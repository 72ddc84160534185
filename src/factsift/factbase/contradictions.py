"""Whether two claims about the same thing conflict: a denial, a number or a date.

Called on pairs the claim stage already found to be about the same content
(see ``factsift.factbase.claims``). Pure: features in, a reason out.
"""

from __future__ import annotations

from dataclasses import dataclass

from factsift.factbase.text import Features

__all__ = ["Conflict", "conflict"]


@dataclass(frozen=True)
class Conflict:
    kind: str
    """``denial`` (one asserts, the other denies), ``number`` or ``date``."""
    detail: str


def _fmt(value: float) -> str:
    return f"{value:g}"


def _numbers(a: Features, b: Features) -> Conflict | None:
    if not a.numbers or not b.numbers:
        return None
    heads_a: dict[str, set[float]] = {}
    for value, head in a.numbers:
        heads_a.setdefault(head, set()).add(value)
    heads_b: dict[str, set[float]] = {}
    for value, head in b.numbers:
        heads_b.setdefault(head, set()).add(value)
    for head in heads_a.keys() & heads_b.keys():
        if not heads_a[head] & heads_b[head]:
            left = "/".join(_fmt(v) for v in sorted(heads_a[head]))
            right = "/".join(_fmt(v) for v in sorted(heads_b[head]))
            return Conflict("number", f"{left} vs {right} {head}".strip())
    return None


def _span(value: str) -> tuple[str, str]:
    start, _, end = value.partition("/")
    return start, end or start


def _dates(a: Features, b: Features) -> Conflict | None:
    if not a.dates or not b.dates:
        return None
    for x in a.dates:
        for y in b.dates:
            (x0, x1), (y0, y1) = _span(x), _span(y)
            if x0 <= y1 and y0 <= x1:
                return None
    return Conflict("date", f"{a.dates[0]} vs {b.dates[0]}")


def conflict(a: Features, b: Features) -> Conflict | None:
    """The first conflict between two claims on the same content, if any."""
    if a.negated != b.negated:
        return Conflict("denial", "one source asserts, the other denies")
    return _numbers(a, b) or _dates(a, b)
