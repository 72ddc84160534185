"""Cross-document event coreference: which event mentions, in many articles, name one event.

Three steps, each blocked so that the work grows about linearly with the corpus:

1. **Stories.** Articles are grouped into stories by their vocabulary, names,
   places and years counting most (tf-idf cosine, sparse average linkage). Only
   article pairs that share one of their most distinctive terms are compared.
   Two reports of "the shooting" are one event only if they tell the same story.
   Without the articles' texts, a story is read from its mentions' sentences,
   places and participants.
2. **Candidate pairs.** Within a story, mentions are blocked on their trigger's
   lemma; lemmas that the embedding model puts close together ("die" and
   "death") share a block. Pairs are never drawn across stories.
3. **Merging.** A blocked pair is linked unless something contradicts it: known
   types must agree, and normalised times must overlap (a day's slack). Clusters
   grow by average linkage of the trigger similarities, and a merge that would
   put two incompatible mentions together is refused, so transitive closure
   cannot chain two events.

Everything here is pure: no I/O beyond the lexicon loading its packaged data.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from factsift.factbase import _lexicon

__all__ = ["EventMention", "candidate_pairs", "cluster_events"]


@dataclass(frozen=True)
class EventMention:
    """One mention of an event in one article, with what the article says about it."""

    key: str
    """A unique id of the mention."""
    doc: str
    """The article id."""
    trigger: str
    """The trigger text as in the article."""
    sentence: str
    """The sentence containing the trigger."""
    type: str | None = None
    """The factsift event type (a ``schema.EventType`` value), if known."""
    time: str | None = None
    """ISO date or interval, normalised."""
    place: str | None = None
    participants: tuple[str, ...] = ()
    realis: str | None = None
    published: str | None = None
    """The article's publication date, ISO."""


# --------------------------------------------------------------------------- stories

_TERM = re.compile(r"[A-Za-z][A-Za-z'’-]+|\d{4}")
# A capitalised word inside a sentence, or a year: names, places and dates tell
# stories apart better than the topic's common words, so they count three times.
_NAME = re.compile(r"(?<![.!?\n]\s)(?<!^)\b[A-Z][a-z][A-Za-z'’-]+|\b(?:1[89]|20)\d\d\b", re.M)
# Terms that link two articles in blocking: at most this many distinctive terms per
# article, and a term shared by more articles than _POSTING_CAP links none (too common).
_TOP_TERMS = 100
_POSTING_CAP = 30
# Defaults, chosen on half of the ECB+ dev topics and checked on the other half
# (bench/coref.py prints both).
_STORY_THRESHOLD = 0.08
_SYNONYM_THRESHOLD = 0.4
_MERGE_THRESHOLD = 0.5
# Added to every idf: a word that all the articles share still counts, so three
# articles about one event, and nothing else, do link.
_IDF_FLOOR = 0.2
_TIME_SLACK = dt.timedelta(days=1)


def _terms(text: str) -> Counter[str]:
    terms = Counter(t.lower() for t in _TERM.findall(text) if len(t) > 2)
    for name in _NAME.findall(text):
        terms[name.lower()] += 2
    return terms


def _doc_vectors(texts: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Unit tf-idf vectors (sublinear tf); idf from the articles given."""
    counts = {doc: _terms(text) for doc, text in texts.items()}
    df: Counter[str] = Counter()
    for c in counts.values():
        df.update(c.keys())
    n = len(counts)
    vectors: dict[str, dict[str, float]] = {}
    for doc, c in counts.items():
        v = {
            t: (1 + math.log(k)) * (math.log((1 + n) / (1 + df[t])) + _IDF_FLOOR)
            for t, k in c.items()
        }
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors[doc] = {t: x / norm for t, x in v.items() if x > 0}
    return vectors


def _doc_pairs(vectors: Mapping[str, Mapping[str, float]]) -> set[tuple[str, str]]:
    """Article pairs that share one of their most distinctive terms."""
    postings: defaultdict[str, list[str]] = defaultdict(list)
    for doc in sorted(vectors):
        v = vectors[doc]
        for term in sorted(v, key=lambda t: (-v[t], t))[:_TOP_TERMS]:
            postings[term].append(doc)
    pairs: set[tuple[str, str]] = set()
    for docs in postings.values():
        if len(docs) > _POSTING_CAP:
            continue
        for i, a in enumerate(docs):
            for b in docs[i + 1 :]:
                pairs.add((a, b) if a < b else (b, a))
    return pairs


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


def _average_linkage(
    items: Sequence[str],
    edges: Mapping[tuple[str, str], float],
    threshold: float,
    cannot: Iterable[tuple[str, str]] = (),
) -> dict[str, int]:
    """Average-linkage clusters over a sparse similarity graph (a missing pair counts 0).

    The pair of clusters with the highest mean similarity merges first, while that
    mean reaches ``threshold``; a merge that would put a ``cannot`` pair in one
    cluster is refused. Sparse on purpose: a dense linkage (scipy's) needs every
    pair, which is what blocking avoids. Ties break on cluster order: deterministic.
    """
    index = {x: i for i, x in enumerate(items)}
    size = [1] * len(items)
    alive = [True] * len(items)
    version = [0] * len(items)
    links: list[dict[int, float]] = [{} for _ in items]
    for (a, b), s in edges.items():
        i, j = index[a], index[b]
        if i != j:
            links[i][j] = links[i].get(j, 0.0) + s
            links[j][i] = links[j].get(i, 0.0) + s
    apart: list[set[int]] = [set() for _ in items]
    for a, b in cannot:
        i, j = index[a], index[b]
        apart[i].add(j)
        apart[j].add(i)
    # A pair below the threshold never merges, so it never enters the heap.
    heap = [
        (-s, i, j, 0, 0)
        for i, row in enumerate(links)
        for j, s in row.items()
        if i < j and s >= threshold
    ]
    heapq.heapify(heap)
    owner = list(range(len(items)))
    while heap:
        neg, i, j, vi, vj = heapq.heappop(heap)
        if -neg < threshold:
            break
        if not (alive[i] and alive[j]) or version[i] != vi or version[j] != vj or j in apart[i]:
            continue
        # Merge j into i.
        alive[j] = False
        version[i] += 1
        size[i] += size[j]
        for k, s in links[j].items():
            if k != i:
                links[i][k] = links[i].get(k, 0.0) + s
                links[k][i] = links[i][k]
            links[k].pop(j, None)
        links[i].pop(j, None)
        links[j] = {}
        for k in apart[j]:
            apart[k].discard(j)
            apart[k].add(i)
            apart[i].add(k)
        apart[i].discard(i)
        owner[j] = i
        for k, total in links[i].items():
            mean = total / (size[i] * size[k])
            if mean >= threshold:
                lo, hi = min(i, k), max(i, k)
                heapq.heappush(heap, (-mean, lo, hi, version[lo], version[hi]))

    def root(x: int) -> int:
        while owner[x] != x:
            owner[x] = owner[owner[x]]
            x = owner[x]
        return x

    return {x: root(i) for x, i in index.items()}


def _stories(
    mentions: Sequence[EventMention], documents: Mapping[str, str] | None, threshold: float
) -> dict[str, int]:
    """A story id per article."""
    texts: dict[str, str] = {}
    for m in mentions:
        if documents is not None and m.doc in documents:
            texts[m.doc] = documents[m.doc]
        else:
            context = " ".join((m.sentence, m.place or "", *m.participants))
            texts[m.doc] = texts.get(m.doc, "") + "\n" + context
    vectors = _doc_vectors(texts)
    edges = {(a, b): _cosine(vectors[a], vectors[b]) for a, b in sorted(_doc_pairs(vectors))}
    return _average_linkage(sorted(texts), edges, threshold)


# --------------------------------------------------------------------------- mentions


@functools.lru_cache(maxsize=65536)
def _interval(value: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of an ISO date or interval; ``None`` if it is neither."""
    parts = value.split("/")
    try:
        days = [dt.date.fromisoformat(p.strip()[:10]) for p in parts]
    except ValueError:
        return None
    return (days[0], days[-1]) if len(days) in (1, 2) else None


# Realis values of events that had not happened when the article was written.
_NOT_YET = frozenset({"planned", "hypothetical"})


def _window(m: EventMention) -> tuple[dt.date, dt.date] | None:
    """When the event happened: its normalised time, else up to the article's date.

    An article cannot report an event that happened after it was published, unless
    it reports a plan or a possibility.
    """
    if m.time:
        return _interval(m.time)
    if m.published and m.realis not in _NOT_YET:
        published = _interval(m.published)
        if published is not None:
            return dt.date.min, published[1]
    return None


def _compatible(a: EventMention, b: EventMention) -> bool:
    """Whether nothing known about two mentions says they are different events."""
    if a.type and b.type and a.type != b.type and "other" not in (a.type, b.type):
        return False
    # Places are not compared: without a gazetteer, "the Kodak Theatre" and "Los Angeles"
    # look as different as two cities; the stories already weigh them.
    x, y = _window(a), _window(b)
    # A day's slack: two reports of one night, or "yesterday" from a late edition.
    return not (x and y and (x[1] + _TIME_SLACK < y[0] or y[1] + _TIME_SLACK < x[0]))


def _scored_pairs(
    mentions: Sequence[EventMention],
    documents: Mapping[str, str] | None,
    story_threshold: float,
    synonym_threshold: float,
) -> dict[tuple[int, int], float]:
    """The blocked mention pairs ``(i, j)``, ``i < j``, and how alike their triggers are.

    Same story, and the same lemma (1.0) or lemmas at least ``synonym_threshold``
    similar (their cosine similarity).
    """
    stories = _stories(mentions, documents, story_threshold)
    lemmas = [_lexicon.lemma(_lexicon.head_word(m.trigger)) for m in mentions]
    by_story: defaultdict[int, defaultdict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, m in enumerate(mentions):
        by_story[stories[m.doc]][lemmas[i]].append(i)
    pairs: dict[tuple[int, int], float] = {}
    for _, groups in sorted(by_story.items()):
        for group in groups.values():
            for k, a in enumerate(group):
                for b in group[k + 1 :]:
                    pairs[(a, b)] = 1.0
        if synonym_threshold >= 1.0 or len(groups) < 2:
            continue
        vocab = sorted(groups)
        for x, y, similarity in _lexicon.neighbours(vocab, synonym_threshold):
            for a in groups[vocab[x]]:
                for b in groups[vocab[y]]:
                    pairs[(min(a, b), max(a, b))] = similarity
    return pairs


def candidate_pairs(
    mentions: Sequence[EventMention],
    *,
    documents: Mapping[str, str] | None = None,
    story_threshold: float = _STORY_THRESHOLD,
    synonym_threshold: float = _SYNONYM_THRESHOLD,
) -> list[tuple[int, int]]:
    """The mention pairs (indices, ``i < j``) that blocking lets through to scoring."""
    return sorted(_scored_pairs(mentions, documents, story_threshold, synonym_threshold))


def cluster_events(
    mentions: Sequence[EventMention],
    *,
    documents: Mapping[str, str] | None = None,
    story_threshold: float = _STORY_THRESHOLD,
    synonym_threshold: float = _SYNONYM_THRESHOLD,
    merge_threshold: float = _MERGE_THRESHOLD,
) -> list[int]:
    """A cluster id per mention, in input order.

    ``documents`` maps article ids to their text; without it an article's story is
    read from its mentions' sentences, places and participants.
    """
    keys = [m.key for m in mentions]
    if len(set(keys)) != len(keys):
        raise ValueError("event mention keys must be unique")
    pairs = _scored_pairs(mentions, documents, story_threshold, synonym_threshold)
    edges: dict[tuple[str, str], float] = {}
    cannot: list[tuple[str, str]] = []
    for (a, b), similarity in sorted(pairs.items()):
        if _compatible(mentions[a], mentions[b]):
            edges[(keys[a], keys[b])] = similarity
        else:
            cannot.append((keys[a], keys[b]))
    assigned = _average_linkage(keys, edges, merge_threshold, cannot)
    return _renumber(assigned[k] for k in keys)


def _renumber(ids: Iterable[int]) -> list[int]:
    """Cluster ids 0, 1, 2... in order of first appearance."""
    seen: dict[int, int] = {}
    return [seen.setdefault(i, len(seen)) for i in ids]
