"""Near-duplicate articles: wire copies and lightly edited reprints count once.

MinHash over word 5-shingles with locality-sensitive hashing (``datasketch``),
so finding an article's near-duplicates costs a few bucket look-ups, not a
comparison with every article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from factsift.factbase.text import fold

__all__ = ["THRESHOLD", "DuplicateFinder", "signature"]

#: Estimated Jaccard similarity of shingles above which two articles are copies.
THRESHOLD = 0.7
NUM_PERM = 64
_SHINGLE = 5
_SCHEME = "affine32"
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    # Drawing the permutations costs more than hashing a short article: draw them once.
    return np.asarray(MinHash(num_perm=NUM_PERM, seed=1, scheme=_SCHEME).permutations)


def signature(text: str) -> np.ndarray:
    """The MinHash values of an article's word shingles (``NUM_PERM`` unsigned ints)."""
    words = _WORD.findall(fold(text))
    shingles = {
        " ".join(words[i : i + _SHINGLE]).encode() for i in range(max(1, len(words) - _SHINGLE + 1))
    }
    minhash = MinHash(num_perm=NUM_PERM, seed=1, scheme=_SCHEME, permutations=_permutations())
    minhash.update_batch(list(shingles))
    return np.asarray(minhash.hashvalues, dtype=np.uint64)


class DuplicateFinder:
    """Articles seen so far, grouped: each article's group is the first copy's key."""

    def __init__(self) -> None:
        self._lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self.group: dict[str, str] = {}

    def add(self, key: str, values: Sequence[int] | np.ndarray, group: str | None = None) -> str:
        """Index an article; its group (given when it was grouped before, else found)."""
        minhash = LeanMinHash(
            seed=1, hashvalues=np.asarray(values, dtype=np.uint64), scheme=_SCHEME
        )
        if group is None:
            found = sorted(self.group[k] for k in self._lsh.query(minhash))
            group = found[0] if found else key
        self._lsh.insert(key, minhash, check_duplication=False)
        self.group[key] = group
        return group
