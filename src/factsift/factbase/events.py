"""Cross-document event coreference: which event mentions, in many articles, name one event.

Three steps, each blocked so that the work grows about linearly with the corpus:

1. **Stories.** Articles are grouped into stories by their vocabulary (tf-idf
   cosine, sparse average linkage). Only article pairs that share one of their
   most distinctive terms are compared. Two reports of "the shooting" are one
   event only if they tell the same story.
2. **Candidate pairs.** Within a story, mentions are blocked on their trigger's
   lemma; lemmas that the embedding model puts close together ("die" and
   "death") share a block. Pairs are never drawn across stories.
3. **Merging.** A blocked pair is linked when nothing contradicts it: known
   types, normalised times and places must agree. Clusters grow by average
   linkage, and a merge that would put two incompatible mentions together is
   refused, so transitive closure cannot chain unrelated events.

Everything here is pure: no I/O beyond the lexicon loading its packaged data.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import _lexicon

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
# Terms that link two articles in blocking: at most this many distinctive terms per
# article, and a term shared by more articles than _POSTING_CAP links none (too common).
_TOP_TERMS = 12
_POSTING_CAP = 200


def _terms(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TERM.findall(text) if len(t) > 2)


def _doc_vectors(texts: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Unit tf-idf vectors (sublinear tf); idf from the articles given."""
    counts = {doc: _terms(text) for doc, text in texts.items()}
    df: Counter[str] = Counter()
    for c in counts.values():
        df.update(c.keys())
    n = len(counts)
    vectors: dict[str, dict[str, float]] = {}
    for doc, c in counts.items():
        v = {t: (1 + math.log(k)) * math.log((1 + n) / (1 + df[t])) for t, k in c.items()}
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
    heap = [(-s, i, j, 0, 0) for i, row in enumerate(links) for j, s in row.items() if i < j]
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
            lo, hi = min(i, k), max(i, k)
            heapq.heappush(heap, (-total / (size[i] * size[k]), lo, hi, version[lo], version[hi]))

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


def _interval(value: str) -> tuple[str, str] | None:
    parts = value.split("/")
    if len(parts) == 1:
        return parts[0], parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


def _compatible(a: EventMention, b: EventMention) -> bool:
    """Whether nothing known about two mentions says they are different events."""
    if a.type and b.type and a.type != b.type and "other" not in (a.type, b.type):
        return False
    if a.time and b.time:
        x, y = _interval(a.time), _interval(b.time)
        if x and y and (x[1] < y[0] or y[1] < x[0]):
            return False
    return not (
        a.place
        and b.place
        and a.place.lower() not in b.place.lower()
        and b.place.lower() not in a.place.lower()
    )


def _lemma_blocks(lemmas: Sequence[str], synonym_threshold: float) -> dict[str, str]:
    """A block name per lemma: lemmas the embeddings put close together share one."""
    vocab = sorted(set(lemmas))
    if synonym_threshold >= 1.0 or len(vocab) < 2:
        return {x: x for x in vocab}
    sims = _lexicon.similarities(vocab)
    parent = {x: x for x in vocab}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, a in enumerate(vocab):
        for j in range(i + 1, len(vocab)):
            if sims[i][j] >= synonym_threshold:
                ra, rb = find(a), find(vocab[j])
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in vocab}


def candidate_pairs(
    mentions: Sequence[EventMention],
    *,
    documents: Mapping[str, str] | None = None,
    story_threshold: float = 0.1,
    synonym_threshold: float = 1.0,
) -> list[tuple[int, int]]:
    """The mention pairs (indices, ``i < j``) that blocking lets through to scoring."""
    stories = _stories(mentions, documents, story_threshold)
    lemmas = [_lexicon.lemma(_lexicon.head_word(m.trigger)) for m in mentions]
    blocks: defaultdict[tuple[int, str], list[int]] = defaultdict(list)
    by_story: defaultdict[int, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        by_story[stories[m.doc]].append(i)
    for story, indices in sorted(by_story.items()):
        names = _lemma_blocks([lemmas[i] for i in indices], synonym_threshold)
        for i in indices:
            blocks[(story, names[lemmas[i]])].append(i)
    pairs = [
        (a, b) for block in blocks.values() for k, a in enumerate(block) for b in block[k + 1 :]
    ]
    return sorted(pairs)


def cluster_events(
    mentions: Sequence[EventMention],
    *,
    documents: Mapping[str, str] | None = None,
    story_threshold: float = 0.1,
    synonym_threshold: float = 1.0,
) -> list[int]:
    """A cluster id per mention, in input order.

    ``documents`` maps article ids to their text; without it an article's story is
    read from its mentions' sentences, places and participants.
    """
    keys = [m.key for m in mentions]
    if len(set(keys)) != len(keys):
        raise ValueError("event mention keys must be unique")
    pairs = candidate_pairs(
        mentions,
        documents=documents,
        story_threshold=story_threshold,
        synonym_threshold=synonym_threshold,
    )
    edges = {(keys[a], keys[b]): 1.0 for a, b in pairs if _compatible(mentions[a], mentions[b])}
    cannot = {(keys[a], keys[b]) for a, b in pairs if (keys[a], keys[b]) not in edges}
    assigned = _average_linkage(keys, edges, 0.5, cannot)
    return _renumber(assigned[k] for k in keys)


def _renumber(ids: Iterable[int]) -> list[int]:
    """Cluster ids 0, 1, 2... in order of first appearance."""
    seen: dict[int, int] = {}
    return [seen.setdefault(i, len(seen)) for i in ids]
