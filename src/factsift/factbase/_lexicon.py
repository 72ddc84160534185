"""Word forms for event triggers: the head word, its lemma, and how close two lemmas are.

Lemmas come from ``lemminflect`` (its dictionaries ship in the wheel) and
similarity from the ``wordllama`` static embeddings (16 MB of weights in its
wheel, loaded offline). Both are in the ``coref`` extra; without them a crude
suffix stripper and exact lemma matching stand in, so the pure middle still runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")
# English closed classes (prepositions, particles, determiners): a trigger's head is
# the content word before them ("driving under the influence", "gunned down").
_FUNCTION = frozenset(
    "a an the of in on at to for from by with under over into onto about after before "
    "during without against up down out off away back around through no not his her its "
    "their our my your this that these those".split()
)
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


def head_word(trigger: str) -> str:
    """The content word that carries a (possibly multi-word) trigger, lower-cased."""
    words = [w.lower() for w in _WORD.findall(trigger)]
    while words and words[0] in _FUNCTION and len(words) > 1:
        words.pop(0)
    for i, w in enumerate(words[1:], 1):
        if w in _FUNCTION:
            words = words[:i]
            break
    return words[-1] if words else trigger.strip().lower()


def _crude_lemma(word: str) -> str:
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + replacement
    return word


@functools.lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The verb lemma of a word if it has one, else its noun lemma ("shot" -> "shoot")."""
    word = word.lower()
    try:
        from lemminflect import getAllLemmas
    except ImportError:  # the coref extra is not installed
        return _crude_lemma(word)
    lemmas = getAllLemmas(word)
    for pos in ("VERB", "NOUN", "ADJ", "ADV"):
        if pos in lemmas:
            return str(lemmas[pos][0]).lower()
    return word


@functools.lru_cache(maxsize=1)
def _embedder() -> Any:
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError:
        return None
    from pathlib import Path

    # The weights and tokenizer ship inside the wheel; never reach for a model hub.
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


_VECTORS: dict[str, Any] = {}
_MAX_VECTORS = 50_000  # 1 kB each


def neighbours(words: Sequence[str], threshold: float) -> list[tuple[int, int, float]]:
    """Index pairs ``(i, j)``, ``i < j``, of words at least ``threshold`` similar, and how much.

    Without embeddings there are none: distinct words are unrelated. Each word is
    embedded once per process: a corpus has far fewer lemmas than stories.
    """
    model = _embedder()
    if model is None or len(words) < 2:
        return []
    import numpy as np

    new = sorted({w for w in words if w not in _VECTORS})
    if len(_VECTORS) + len(new) > _MAX_VECTORS:
        _VECTORS.clear()
    if new:
        _VECTORS.update(zip(new, model.embed(new, norm=True), strict=True))
    vectors = np.stack([_VECTORS[w] for w in words])
    matrix = np.triu(vectors @ vectors.T, k=1)
    rows, cols = np.nonzero(matrix >= threshold)
    return [(int(i), int(j), float(matrix[i, j])) for i, j in zip(rows, cols, strict=True)]
