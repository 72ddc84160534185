"""Claims across articles: which assert the same content, which contradict each other.

Candidate pairs come from an inverted index of content stems (prefix
filtering: a pair is scored only when it can share enough stems), each cluster
entering the index through its first few members, and a stem so common that its
postings pass a cap blocks nothing. The work grows with the corpus, not with
its square (see ``bench/link.py``). Two claims are the *same* when their
content overlaps enough and nothing conflicts; they *contradict* when the
content overlaps and a denial, a number or a date conflicts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from factsift.factbase.contradictions import Conflict, conflict
from factsift.factbase.text import Features

__all__ = ["INDEXED_PER_CLUSTER", "Index", "Verdict", "judge", "similarity"]

#: Overlap above which two claims are about the same content (tuned on bench/data).
SAME = 0.65
#: Blocked pairs between this and SAME are borderline: the optional LLM judge decides them.
BORDERLINE = 0.45
#: Members of one cluster that enter the blocking index (the first ones).
INDEXED_PER_CLUSTER = 4
#: Postings longer than this make a stem useless for blocking.
_POSTINGS_CAP = 32


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

    def candidates(self, tokens: frozenset[str]) -> set[int]:
        """Items that may share enough stems with ``tokens`` to be the same claim.

        ``similarity >= SAME`` needs a Jaccard of at least ``2 * SAME - 1``, so at least
        ``k`` = that share of the claim's stems in common; then one of any ``n - k + 1``
        of its ``n`` stems is shared (prefix filtering, Chaudhuri et al. 2006), and only
        the rarest ``n - k + 1`` are looked up. A stem whose postings pass the cap is too
        common to block on: a pair that shares only such stems is not a candidate.
        """
        postings = self.postings
        n = len(tokens)
        k = max(1, math.ceil((2 * SAME - 1) * n))
        found: set[int] = set()
        for token in sorted(tokens, key=lambda t: len(postings.get(t, ())))[: n - k + 1]:
            items = postings.get(token)
            if items is None:
                continue
            if len(items) > _POSTINGS_CAP:
                break  # the rest are commoner still
            found.update(items)
        return found
