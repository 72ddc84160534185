"""Names across articles: one entity for every way the news writes a name.

A mention becomes a name by dropping what precedes the last title or
possessive ("Norway's finance minister", "Finance Minister") and keeping the
capitalised words after it. A one-word name is linked to the full name that
ends (or starts) with it, first in its own article, then across the corpus
when only one full name fits. Lower-case words are never names ("a noble
effort"), nor is a lone capitalised first word followed by lower-case ones
("Noble efforts": a sentence start).
Measured in ``bench/entities.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from factsift.factbase.text import fold, is_common_word

__all__ = ["EntityIndex", "name_key", "resolve_article", "split_name"]

# Titles, honorifics and office nouns that precede names in English news: the honorifics
# and titles of Wikipedia's "English honorifics" and "Title" articles, with office nouns
# from the AP Stylebook entry "titles".
_TITLES = frozenset(
    """mr mrs ms miss mx dr prof professor sir dame lord lady rev reverend fr father sister
    brother president vice prime premier minister secretary chancellor governor mayor
    senator sen rep representative congressman congresswoman councillor councilor
    ambassador envoy general gen colonel col major maj captain capt lieutenant lt admiral
    adm sergeant sgt commander marshal king queen prince princess emperor sheikh emir
    sultan pope cardinal bishop archbishop rabbi imam judge justice chief director chairman
    chairwoman chair ceo spokesman spokeswoman spokesperson officer inspector superintendent
    commissioner deputy leader speaker mp mep attorney""".split()
)
_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*")


@lru_cache(maxsize=65536)
def _is_title(token: str) -> bool:
    return fold(token).strip(".") in _TITLES


def split_name(mention: str) -> tuple[str, ...]:
    """The name in a mention, as words; empty when the mention names no one."""
    words = _split(mention)
    while words and is_common_word(words[0]):  # "The Port Authority"
        words = words[1:]
    if len(words) == 1 and is_common_word(words[0]):
        return ()
    return words


def _split(mention: str) -> tuple[str, ...]:
    tokens = _TOKEN.findall(mention)
    cut = 0
    for i, token in enumerate(tokens):
        if _is_title(token) or token.endswith(("'s", "’s")):
            cut = i + 1
    rest = tokens[cut:]
    trailing: list[str] = []
    for token in reversed(rest):
        if not token[:1].isupper() or _is_title(token):
            break
        trailing.insert(0, token)
    if trailing:
        return tuple(t.rstrip(".") for t in trailing)
    # No name at the end ("the Varnek crossing"): the last capitalised run, unless it is
    # only the first word of the mention (a sentence start, not a name).
    runs: list[list[str]] = []
    for i, token in enumerate(rest):
        if token[:1].isupper() and not _is_title(token):
            if runs and runs[-1][-1] == rest[i - 1]:
                runs[-1].append(token)
            else:
                runs.append([token])
    if not runs or (cut == 0 and len(runs) == 1 and runs[0][0] == tokens[0] and len(runs[0]) == 1):
        return ()
    return tuple(t.rstrip(".") for t in runs[-1])


def name_key(words: Iterable[str]) -> str:
    return " ".join(fold(w).replace("’", "'") for w in words)


@dataclass
class EntityIndex:
    """Full names (two words or more) seen so far, by their first and last word."""

    by_part: dict[str, set[str]]

    @classmethod
    def of(cls, keys: Iterable[str]) -> EntityIndex:
        index = cls({})
        for key in keys:
            index.add(key)
        return index

    def add(self, key: str) -> None:
        parts = key.split()
        if len(parts) >= 2:
            self.by_part.setdefault(parts[-1], set()).add(key)
            self.by_part.setdefault(parts[0], set()).add(key)

    def resolve(self, key: str, local: Mapping[str, set[str]]) -> str:
        """The entity a name key stands for, given the article's own full names."""
        if " " in key:
            return key
        for table in (local, self.by_part):
            found = table.get(key)
            if found is not None and len(found) == 1:
                return next(iter(found))
        return key


def resolve_article(mentions: Iterable[str], corpus: EntityIndex) -> dict[str, str | None]:
    """Entity key of each mention of one article (None: it names no one).

    The article's full names join ``corpus`` first, so that later articles can
    resolve a bare surname to them.
    """
    mentions = list(dict.fromkeys(mentions))
    keys = {m: name_key(split_name(m)) for m in mentions}
    local = EntityIndex({})
    for key in keys.values():
        if key:
            local.add(key)
            corpus.add(key)
    return {m: (corpus.resolve(k, local.by_part) if k else None) for m, k in keys.items()}
