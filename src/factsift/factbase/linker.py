"""The linking itself: new results against what the base already holds, rows out.

Pure: :func:`link_batch` takes the new articles and a :class:`Prior` (what the
store already holds) and returns a :class:`Delta` of rows to add or replace.
Only pairs with at least one new item are scored; clusters already formed are
kept, and grow or merge when a new item joins them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from factsift.factbase import claims as claim_stage
from factsift.factbase.dedup import DuplicateFinder, signature
from factsift.factbase.entities import EntityIndex, resolve_article, split_name
from factsift.factbase.events import EventMention, cluster_events
from factsift.factbase.text import Features, features
from factsift.schema import ArticleFacts, Certainty, Span

__all__ = ["Delta", "Judge", "Prior", "Summary", "link_batch"]

#: Decides a borderline pair of statements: "same", "contradicts" or "unrelated".
Judge = Callable[[str, str], str]


@dataclass
class Summary:
    """Work done by one linking run (what is skipped was linked before)."""

    articles: int = 0
    skipped: int = 0
    failed: int = 0
    claims: int = 0
    events: int = 0
    entities: int = 0
    pairs_scored: int = 0
    same: int = 0
    contradictions: int = 0
    event_mentions_scored: int = 0
    near_duplicates: int = 0
    judge_calls: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    """CPU seconds per stage (steadier than wall time on a shared machine)."""
    errors: list[str] = field(default_factory=list)


@dataclass
class Prior:
    """What the base holds already, as the store loads it."""

    articles: dict[str, dict[str, Any]] = field(default_factory=dict)
    """key -> outlet, published, dup_group, signature, text (of articles with events)."""
    claims: list[dict[str, Any]] = field(default_factory=list)
    """id, article, statement, certainty, time, speaker, cluster."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """id, article, trigger, sentence, type, time, place, participants, realis, cluster."""
    entities: list[str] = field(default_factory=list)


@dataclass
class Delta:
    articles: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    entity_mentions: list[dict[str, Any]] = field(default_factory=list)
    contradictions: list[dict[str, Any]] = field(default_factory=list)
    claim_moves: dict[str, str] = field(default_factory=dict)
    """Old claim id -> its new cluster, when clusters merged."""
    event_moves: dict[str, str] = field(default_factory=dict)
    claim_clusters: list[dict[str, Any]] = field(default_factory=list)
    event_clusters: list[dict[str, Any]] = field(default_factory=list)
    dropped_claim_clusters: set[str] = field(default_factory=set)
    dropped_event_clusters: set[str] = field(default_factory=set)
    summary: Summary = field(default_factory=Summary)


def _k(facts: ArticleFacts) -> str:
    if facts.key is None:
        raise ValueError(f"result {facts.id!r} has no key")
    return facts.key


def outlet_of(facts: ArticleFacts) -> str | None:
    """The publisher, from the article's URL host (without ``www.``)."""
    if facts.url:
        host = urlsplit(facts.url).hostname
        if host:
            return host.removeprefix("www.")
    return None


def _spans(spans: Iterable[Span]) -> list[dict[str, Any]]:
    return [{"start": s.start, "end": s.end, "text": s.text} for s in spans]


class _Union:
    """Union-find whose roots are the first-seen ids, so old clusters keep theirs."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.order: dict[str, int] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.order[x] = len(self.order)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if self.order[ra] > self.order[rb]:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _support(articles: Iterable[str], meta: dict[str, dict[str, Any]]) -> int:
    """Independent sources: articles in one copy group or from one outlet count once."""
    groups = _Union()
    for key in articles:
        info = meta[key]
        groups.union("g:" + info["dup_group"], "g:" + info["dup_group"])
        if info["outlet"]:
            groups.union("g:" + info["dup_group"], "o:" + info["outlet"])
    return len({groups.find("g:" + meta[k]["dup_group"]) for k in articles})


def _first(articles: Iterable[str], meta: dict[str, dict[str, Any]]) -> tuple[Any, str]:
    dated = [(meta[k]["published"] or dt.date.max, k) for k in articles]
    when, key = min(dated)
    return (None if when == dt.date.max else when), key


def _representative(statements: Sequence[str], feats: Sequence[Features]) -> str:
    if len(statements) <= 2:
        return statements[0]
    best, best_score = 0, -1.0
    sample = range(min(len(statements), 8))
    for i in sample:
        score = sum(claim_stage.similarity(feats[i].tokens, feats[j].tokens) for j in sample)
        if score > best_score or (
            score == best_score and len(statements[i]) < len(statements[best])
        ):
            best, best_score = i, score
    return statements[best]


def link_batch(
    new: Sequence[ArticleFacts],
    prior: Prior,
    *,
    judge: Judge | None = None,
    executor: Executor | None = None,
) -> Delta:
    """Link ``new`` articles (not yet in the base) against ``prior``.

    With an ``executor`` (a process pool), events are clustered there while the
    claims are linked here.
    """
    delta = Delta()
    summary = delta.summary
    meta = {k: dict(v) for k, v in prior.articles.items()}

    clock = time.process_time()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.process_time()
        summary.seconds[stage] = summary.seconds.get(stage, 0.0) + now - clock
        clock = now

    # Articles and their copy groups.
    finder = DuplicateFinder()
    for key, info in prior.articles.items():
        finder.add(key, info["signature"], group=info["dup_group"])
    for facts in new:
        sig = signature(facts.text)
        group = finder.add(_k(facts), sig)
        if group != _k(facts):
            summary.near_duplicates += 1
        row: dict[str, Any] = {
            "key": _k(facts),
            "id": facts.id,
            "title": facts.title,
            "url": facts.url,
            "source": facts.source,
            "outlet": outlet_of(facts),
            "published": facts.published,
            "dup_group": group,
            "signature": [int(v) for v in sig],
            "text": facts.text,
            "claims": len(facts.claims),
            "events": len(facts.events),
        }
        delta.articles.append(row)
        meta[_k(facts)] = row
    summary.articles = len(new)

    lap("copies")
    # Entities: every name a claim or event mentions.
    corpus = EntityIndex.of(prior.entities)
    known = set(prior.entities)
    resolved: dict[str, dict[str, str | None]] = {}
    for facts in new:
        mentions: list[tuple[str, str, str]] = []
        for i, c in enumerate(facts.claims):
            item = f"{_k(facts)}:c{i}"
            speaker = c.attribution.speaker.text if c.attribution.speaker else c.attribution.name
            if speaker:
                mentions.append((item, "speaker", speaker))
            mentions += [(item, "entity", name) for name in c.entities]
        for i, e in enumerate(facts.events):
            item = f"{_k(facts)}:e{i}"
            mentions += [(item, p.role, p.span.text) for p in e.participants]
            if e.location is not None:
                mentions.append((item, "place", e.location.text))
        keys = resolve_article((m[2] for m in mentions), corpus)
        resolved[_k(facts)] = keys
        for item, role, text in mentions:
            entity = keys[text]
            if entity is None:
                continue
            known.add(entity)
            delta.entity_mentions.append(
                {
                    "entity": entity,
                    "name": " ".join(split_name(text)),
                    "article": _k(facts),
                    "item": item,
                    "role": role,
                    "text": text,
                }
            )
    summary.entities = len(known) - len(set(prior.entities))

    lap("entities")
    events = _start_events(new, prior, resolved, meta, delta, executor)
    lap("events")
    # Claims: old ones enter the index unscored, new ones are scored against all.
    ids: list[str] = []
    arts: list[str] = []
    feats: list[Features] = []
    rows: list[dict[str, Any]] = []
    clusters = _Union()
    for row in prior.claims:
        ids.append(row["id"])
        arts.append(row["article"])
        published = meta[row["article"]]["published"]
        feats.append(
            features(
                row["statement"],
                denied=row["certainty"] == Certainty.denied.value,
                time=row["time"],
                published=published,
            )
        )
        rows.append(row)
        clusters.union(row["cluster"], row["id"])
    first_new = len(ids)
    for facts in new:
        for i, c in enumerate(facts.claims):
            cid = f"{_k(facts)}:c{i}"
            speaker_text = c.attribution.speaker.text if c.attribution.speaker else None
            speaker = c.attribution.name or speaker_text
            when = c.time.normalized if c.time else None
            row = {
                "id": cid,
                "article": _k(facts),
                "idx": i,
                "statement": c.statement,
                "kind": c.kind.value,
                "certainty": c.certainty.value,
                "source_type": c.attribution.source_type.value,
                "speaker": speaker,
                "speaker_entity": resolved[_k(facts)].get(speaker) if speaker else None,
                "time": when,
                "evidence": _spans(c.evidence),
                "cluster": cid,
            }
            ids.append(cid)
            arts.append(_k(facts))
            feats.append(
                features(
                    c.statement,
                    denied=c.certainty is Certainty.denied,
                    time=when,
                    published=facts.published,
                )
            )
            rows.append(row)
            clusters.find(cid)
    summary.claims = len(ids) - first_new
    # Each cluster is indexed through its first few members only: a claim reported by
    # a hundred articles costs a new report a few comparisons, not a hundred.
    index = claim_stage.Index()
    indexed: dict[str, int] = {}

    def enter(item: int) -> None:
        root = clusters.find(ids[item])
        if indexed.get(root, 0) < claim_stage.INDEXED_PER_CLUSTER:
            index.add(item, feats[item].tokens)
            indexed[root] = indexed.get(root, 0) + 1

    for i in range(first_new):
        enter(i)
    floor = claim_stage.SAME if judge is None else claim_stage.BORDERLINE
    conflicts: set[frozenset[tuple[str, str]]] = set()
    similarity = claim_stage.similarity
    for b in range(first_new, len(ids)):
        for a in sorted(index.candidates(feats[b].tokens)):
            if arts[a] == arts[b]:
                continue
            summary.pairs_scored += 1
            if similarity(feats[a].tokens, feats[b].tokens) < floor:
                continue  # most blocked pairs: decided without building a verdict
            verdict = claim_stage.judge(feats[a], feats[b])
            label = verdict.label
            if judge is not None and claim_stage.BORDERLINE <= verdict.score < claim_stage.SAME:
                summary.judge_calls += 1
                label = judge(rows[a]["statement"], rows[b]["statement"])
            if label == "same":
                summary.same += 1
                clusters.union(ids[a], ids[b])
            elif label == "contradicts":
                # A wire copy repeats a contradiction word for word: record it once.
                sides = frozenset(
                    (meta[arts[i]]["dup_group"], rows[i]["statement"]) for i in (a, b)
                )
                if sides in conflicts:
                    continue
                conflicts.add(sides)
                summary.contradictions += 1
                found = verdict.conflict
                delta.contradictions.append(
                    _contradiction(
                        rows[a],
                        rows[b],
                        meta,
                        found.kind if found else "judge",
                        found.detail if found else "the LLM judge found a contradiction",
                    )
                )
        enter(b)
    touched: set[str] = set()
    members: dict[str, list[int]] = {}
    for i, cid in enumerate(ids):
        root = clusters.find(cid)
        members.setdefault(root, []).append(i)
        if i >= first_new:
            rows[i]["cluster"] = root
            delta.claims.append(rows[i])
            touched.add(root)
        elif rows[i]["cluster"] != root:
            delta.claim_moves[cid] = root
            delta.dropped_claim_clusters.add(rows[i]["cluster"])
            touched.add(root)
    for root in sorted(touched):
        items = members[root]
        articles = {arts[i] for i in items}
        first, first_article = _first(articles, meta)
        delta.claim_clusters.append(
            {
                "id": root,
                "representative": _representative(
                    [rows[i]["statement"] for i in items], [feats[i] for i in items]
                ),
                "support": _support(articles, meta),
                "members": len(items),
                "articles": len(articles),
                "first_reported": first,
                "first_article": first_article,
            }
        )
    delta.dropped_claim_clusters -= touched

    lap("claims")
    _finish_events(events, prior, meta, delta)
    lap("events")
    return delta


def _contradiction(
    a: dict[str, Any], b: dict[str, Any], meta: dict[str, dict[str, Any]], kind: str, detail: str
) -> dict[str, Any]:
    row: dict[str, Any] = {"id": f"{a['id']}|{b['id']}", "kind": kind, "detail": detail}
    for side, claim in (("a", a), ("b", b)):
        row[f"claim_{side}"] = claim["id"]
        row[f"article_{side}"] = claim["article"]
        row[f"outlet_{side}"] = meta[claim["article"]]["outlet"]
        row[f"speaker_{side}"] = claim.get("speaker")
        row[f"certainty_{side}"] = claim["certainty"]
        row[f"statement_{side}"] = claim["statement"]
        row[f"evidence_{side}"] = claim.get("evidence") or []
    return row


@dataclass
class _EventWork:
    rows: list[dict[str, Any]]
    pool: list[dict[str, Any]]
    labels: Future[list[int]] | list[int]


def _start_events(
    new: Sequence[ArticleFacts],
    prior: Prior,
    resolved: dict[str, dict[str, str | None]],
    meta: dict[str, dict[str, Any]],
    delta: Delta,
    executor: Executor | None,
) -> _EventWork:
    """The event mentions to cluster, and their clustering: started in ``executor``
    (another process, beside the claims) when there is one."""
    rows: list[dict[str, Any]] = []
    for facts in new:
        names = resolved[_k(facts)]
        published = facts.published.isoformat() if facts.published else None
        for i, e in enumerate(facts.events):
            eid = f"{_k(facts)}:e{i}"
            participants = tuple(names.get(p.span.text) or p.span.text for p in e.participants)
            place = None
            if e.location is not None:
                place = names.get(e.location.text) or e.location.text
            rows.append(
                {
                    "id": eid,
                    "article": _k(facts),
                    "idx": i,
                    "type": e.type.value,
                    "trigger": e.trigger.text,
                    "sentence": e.evidence[0].text,
                    "realis": e.realis.value,
                    "time": e.time.normalized if e.time else None,
                    "place": place,
                    "participants": list(participants),
                    "published": published,
                    "trigger_span": _spans([e.trigger])[0],
                    "evidence": _spans(e.evidence),
                    "cluster": eid,
                }
            )
    delta.summary.events = len(rows)
    if not rows:
        return _EventWork([], [], [])
    types = {r["type"] for r in rows}
    old = [r for r in prior.events if r["type"] in types]
    pool = old + rows
    mentions = [
        EventMention(
            key=r["id"],
            doc=r["article"],
            trigger=r["trigger"],
            sentence=r["sentence"],
            type=r["type"],
            time=r["time"],
            place=r["place"],
            participants=tuple(r["participants"]),
            realis=r["realis"],
            published=r["published"],
        )
        for r in pool
    ]
    delta.summary.event_mentions_scored = len(mentions)
    # Stories are told by the whole texts of the articles (old ones' come from the store).
    documents = {facts.key: facts.text for facts in new if facts.key}
    for r in old:
        text = meta[r["article"]].get("text")
        if text is not None:
            documents.setdefault(r["article"], text)
    if executor is not None:
        labels: Future[list[int]] | list[int] = executor.submit(
            cluster_events, mentions, documents=documents
        )
    else:
        labels = cluster_events(mentions, documents=documents)
    return _EventWork(rows, pool, labels)


def _finish_events(
    work: _EventWork, prior: Prior, meta: dict[str, dict[str, Any]], delta: Delta
) -> None:
    rows, pool = work.rows, work.pool
    if not rows:
        return
    labels = work.labels if isinstance(work.labels, list) else work.labels.result()
    clusters = _Union()
    for r in prior.events:
        clusters.union(r["cluster"], r["id"])
    first_of: dict[int, str] = {}
    for r, label in zip(pool, labels, strict=True):
        if label in first_of:
            clusters.union(first_of[label], r["id"])
        else:
            first_of[label] = r["id"]
    # Old mentions whose clusters cluster_events now splits stay together (never redone):
    # the union above only ever joins.
    touched: set[str] = set()
    by_root: dict[str, list[dict[str, Any]]] = {}
    for r in [*prior.events, *rows]:
        root = clusters.find(r["id"])
        by_root.setdefault(root, []).append(r)
    for r in prior.events:
        root = clusters.find(r["id"])
        if root != r["cluster"]:
            delta.event_moves[r["id"]] = root
            delta.dropped_event_clusters.add(r["cluster"])
            touched.add(root)
    for r in rows:
        r["cluster"] = clusters.find(r["id"])
        touched.add(r["cluster"])
        delta.events.append(r)
    for root in sorted(touched):
        group = by_root[root]
        articles = {r["article"] for r in group}
        realis = sorted({r["realis"] for r in group})
        first, first_article = _first(articles, meta)
        triggers = [r["trigger"] for r in group]
        delta.event_clusters.append(
            {
                "id": root,
                "type": _most_common([r["type"] for r in group]),
                "trigger": _most_common(triggers),
                "members": len(group),
                "articles": len(articles),
                "support": _support(articles, meta),
                "realis": realis,
                "realis_disagree": len(realis) > 1,
                "first_reported": first,
                "first_article": first_article,
            }
        )
    delta.dropped_event_clusters -= touched


def _most_common(values: list[str]) -> str:
    return max(sorted(set(values)), key=values.count)
