"""Claims across articles: which assert the same content, which contradict each other.

Candidate pairs come from an inverted index of content stems: a pair is scored
only when the two claims share enough stems, and a stem so common that its
postings pass a cap blocks nothing. The work grows with the corpus, not with
its square (see ``bench/link.py``). Two claims are the *same* when their
content overlaps enough and nothing conflicts; they *contradict* when the
content overlaps and a denial, a number or a date conflicts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .contradictions import Conflict, conflict
from .text import Features

__all__ = ["Index", "Verdict", "judge", "similarity"]

#: Overlap above which two claims are about the same content (tuned on bench/data).
SAME = 0.65
#: Blocked pairs between this and SAME are borderline: the optional LLM judge decides them.
BORDERLINE = 0.45
#: Postings longer than this make a stem useless for blocking.
_POSTINGS_CAP = 200


@dataclass(frozen=True)
class Verdict:
    label: str
    """``same``, ``contradicts`` or ``unrelated``."""
    score: float
    conflict: Conflict | None = None


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Mean of Jaccard and the overlap coefficient of two stem sets."""
    shared = len(a & b)
    if not shared:
        return 0.0
    la, lb = len(a), len(b)
    return 0.5 * shared / (la + lb - shared) + 0.5 * shared / min(la, lb)


def judge(a: Features, b: Features) -> Verdict:
    """Same, contradicts or unrelated, from the features alone."""
    score = similarity(a.tokens, b.tokens)
    if score < SAME:
        return Verdict("unrelated", score)
    found = conflict(a, b)
    if found is not None:
        return Verdict("contradicts", score, found)
    return Verdict("same", score)


@dataclass
class Index:
    """Stem postings of every claim linked so far, for blocking."""

    postings: dict[str, list[int]] = field(default_factory=dict)

    def add(self, item: int, tokens: Iterable[str]) -> None:
        for token in tokens:
            self.postings.setdefault(token, []).append(item)

    def candidates(self, tokens: frozenset[str]) -> list[int]:
        """Items that share enough stems with ``tokens`` to be the same claim.

        ``similarity >= SAME`` needs a Jaccard of at least ``2 * SAME - 1``, so at least
        that share of the claim's stems in common; stems too common to look up are
        counted as if shared, so no pair that could pass is lost.
        """
        counts: Counter[int] = Counter()
        skipped = 0
        for token in tokens:
            items = self.postings.get(token)
            if items is None:
                continue
            if len(items) > _POSTINGS_CAP:
                skipped += 1
            else:
                counts.update(items)
        need = max(1, math.ceil((2 * SAME - 1) * len(tokens)) - skipped)
        return [item for item, n in counts.items() if n >= need]


def pairs(
    features: Sequence[Features], articles: Sequence[str], new: Sequence[int], index: Index
) -> Iterable[tuple[int, int]]:
    """Candidate pairs (old or new, new) across articles; each new item joins the index.

    Items before ``new[0]`` are assumed already in the index.
    """
    for item in new:
        tokens = features[item].tokens
        for other in index.candidates(tokens):
            if articles[other] != articles[item]:
                yield other, item
        index.add(item, tokens)
