"""ECB+ event coreference: read the gold mentions, run factsift on them, score the clusters.

The file format is the one in ``shared/eval/ECBPLUS.md``: one JSON object per
topic, with its documents and their event mentions. factsift takes only the
documents and the mention offsets; what it knows about a mention (its sentence,
type, time, place, participants) comes from factsift's own rules over the text,
never from the gold clusters or the ``ecb``/``ecbplus`` half in document ids.

The scores are MUC, B-cubed, CEAF-e and their mean, the CoNLL F1 (Pradhan et al.
2014), with every mention of the file pooled and singletons counted. They agree
with the reference scorer ``coref_score.py`` on the same predictions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factsift._edges.results import read_json_objects
from factsift._pipeline.rules import SentenceProposal, propose
from factsift._pipeline.segment import split_sentences
from factsift._pipeline.timex import resolve_time
from factsift.factbase.events import EventMention, cluster_events

__all__ = [
    "CorefScores",
    "Metric",
    "baseline_clusters",
    "mentions_of_topic",
    "predict",
    "read_topics",
    "score",
    "score_clusters",
]

Cluster = frozenset[Hashable]


# --------------------------------------------------------------------------- reading


def read_topics(path: str | Path) -> list[dict[str, Any]]:
    """The topics of an ECB+-format JSON Lines file, one object per line."""
    topics: list[dict[str, Any]] = []
    for number, record in read_json_objects(path):
        if "topic" not in record:
            raise ValueError(f"{path}:{number}: expected a topic object with a 'topic' key")
        events = record.get("events", [])
        if not isinstance(events, list) or not all(map(_is_mention, events)):
            raise ValueError(
                f"{path}:{number}: 'events' must be a list of objects with 'doc' and "
                "'trigger': [start, end]"
            )
        topics.append(record)
    return topics


def _is_mention(event: object) -> bool:
    if not isinstance(event, dict) or not isinstance(event.get("doc"), str):
        return False
    trigger = event.get("trigger")
    return (
        isinstance(trigger, list) and len(trigger) == 2 and all(isinstance(x, int) for x in trigger)
    )


def _mention_key(event: Mapping[str, Any]) -> tuple[str, int, int]:
    start, end = event["trigger"]
    return str(event["doc"]), int(start), int(end)


# ECB+ keeps each added document's source URL, tokenised, as its first line: metadata, not
# prose, and only one half of each topic has it, so it stays out of what factsift reads.
_URL_LINE = re.compile(r"^https?\s*:.*$", re.M)


def _prose(text: str) -> str:
    """The text with URL lines blanked (same length, so offsets still hold)."""
    return _URL_LINE.sub(lambda m: " " * len(m.group()), text)


def _date(value: object) -> dt.date | None:
    """A publication date, if the document has a readable one (ECB+ has none)."""
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def mentions_of_topic(topic: Mapping[str, Any]) -> tuple[list[EventMention], dict[str, str]]:
    """factsift's view of a topic's event mentions, and the documents' texts.

    Reads only each document's text and each mention's offsets.
    """
    texts = {str(d["id"]): _prose(str(d.get("text", ""))) for d in topic.get("documents", [])}
    published = {str(d["id"]): d.get("published") for d in topic.get("documents", [])}
    proposals: dict[tuple[str, int], SentenceProposal] = {}
    sentences = {doc: split_sentences(text) for doc, text in texts.items()}
    mentions: list[EventMention] = []
    for n, event in enumerate(topic.get("events", [])):
        doc, start, end = _mention_key(event)
        key = f"{doc}:{start}-{end}#{n}"  # the index keeps a repeated gold mention apart
        text = texts.get(doc, "")
        sentence = next(
            (s for s in sentences.get(doc, ()) if s.start <= start and end <= s.end), None
        )
        trigger = text[start:end] if text else str(event.get("trigger_text", ""))
        if sentence is None:
            mentions.append(EventMention(key, doc, trigger, trigger))
            continue
        proposal = proposals.get((doc, sentence.index))
        if proposal is None:
            proposal = proposals[(doc, sentence.index)] = propose(text, sentence)
        found = next((t for t in proposal.triggers if t.word.start == start), None)
        anchor = _date(published.get(doc))
        times = [resolve_time(t.text, anchor) for t in proposal.times]
        mentions.append(
            EventMention(
                key=key,
                doc=doc,
                trigger=trigger,
                sentence=text[sentence.start : sentence.end],
                type=found.type if found else None,
                time=next((t for t in times if t), None),
                place=proposal.places[0].text if proposal.places else None,
                participants=tuple(m.text for m in proposal.mentions),
                realis=found.realis if found else None,
                published=str(published[doc]) if published.get(doc) else None,
            )
        )
    return mentions, texts


def predict(topics: Sequence[Mapping[str, Any]], **options: Any) -> list[dict[str, Any]]:
    """Predicted clusters for every topic, in the input's shape (``topic`` and ``events``)."""
    lines = []
    for topic in topics:
        mentions, texts = mentions_of_topic(topic)
        ids = cluster_events(mentions, documents=texts, **options)
        events = [
            {
                "doc": m.doc,
                "trigger": list(_mention_key(e)[1:]),
                "trigger_text": m.trigger,
                "cluster": f"{topic['topic']}-{c}",
            }
            for m, e, c in zip(mentions, topic.get("events", []), ids, strict=True)
        ]
        lines.append({"topic": topic["topic"], "events": events})
    return lines


def baseline_clusters(topics: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The same-lemma baseline: a topic's mentions whose head lemmas match form one cluster."""
    from factsift.factbase._lexicon import head_word, lemma

    return [
        {
            "topic": t["topic"],
            "events": [
                {
                    "doc": e["doc"],
                    "trigger": list(e["trigger"]),
                    "cluster": lemma(head_word(str(e.get("trigger_text", "")))),
                }
                for e in t.get("events", [])
            ],
        }
        for t in topics
    ]


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Metric:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class CorefScores:
    muc: Metric
    b3: Metric
    ceafe: Metric
    mentions: int
    gold_clusters: int
    predicted_clusters: int

    @property
    def conll_f1(self) -> float:
        return (self.muc.f1 + self.b3.f1 + self.ceafe.f1) / 3

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            name: {"p": m.precision, "r": m.recall, "f1": m.f1}
            for name, m in (("muc", self.muc), ("b3", self.b3), ("ceafe", self.ceafe))
        }
        out["conll_f1"] = self.conll_f1
        out["mentions"] = self.mentions
        out["clusters"] = {"gold": self.gold_clusters, "pred": self.predicted_clusters}
        return out


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _muc_side(a: Sequence[Cluster], b: Sequence[Cluster]) -> float:
    where = {m: i for i, c in enumerate(b) for m in c}
    num = den = 0
    for c in a:
        parts = {where[m] for m in c if m in where}
        missing = sum(1 for m in c if m not in where)
        num += len(c) - len(parts) - missing
        den += len(c) - 1
    return _ratio(num, den)


def _overlaps(key: Sequence[Cluster], resp: Sequence[Cluster]) -> dict[tuple[int, int], int]:
    where = {m: j for j, c in enumerate(resp) for m in c}
    counts: defaultdict[tuple[int, int], int] = defaultdict(int)
    for i, c in enumerate(key):
        for m in c:
            if m in where:
                counts[(i, where[m])] += 1
    return counts


def _ceafe(key: Sequence[Cluster], resp: Sequence[Cluster]) -> float:
    """The best one-to-one alignment's total phi4 similarity (Luo 2005)."""
    from scipy.optimize import linear_sum_assignment

    overlaps = _overlaps(key, resp)
    if not overlaps:
        return 0.0
    rows = sorted({i for i, _ in overlaps})
    cols = sorted({j for _, j in overlaps})
    row_at = {i: n for n, i in enumerate(rows)}
    col_at = {j: n for n, j in enumerate(cols)}
    import numpy as np

    sim = np.zeros((len(rows), len(cols)))
    for (i, j), n in overlaps.items():
        sim[row_at[i], col_at[j]] = 2 * n / (len(key[i]) + len(resp[j]))
    r, c = linear_sum_assignment(sim, maximize=True)
    return float(sim[r, c].sum())


def score_clusters(key: Sequence[Cluster], resp: Sequence[Cluster]) -> CorefScores:
    """MUC, B-cubed and CEAF-e of ``resp`` against ``key`` (lists of mention sets)."""
    overlaps = _overlaps(key, resp)
    b3_r = _ratio(sum(n * n / len(key[i]) for (i, _), n in overlaps.items()), sum(map(len, key)))
    b3_p = _ratio(sum(n * n / len(resp[j]) for (_, j), n in overlaps.items()), sum(map(len, resp)))
    phi = _ceafe(key, resp)
    return CorefScores(
        muc=Metric(_muc_side(resp, key), _muc_side(key, resp)),
        b3=Metric(b3_p, b3_r),
        ceafe=Metric(_ratio(phi, len(resp)), _ratio(phi, len(key))),
        mentions=sum(map(len, key)),
        gold_clusters=len(key),
        predicted_clusters=len(resp),
    )


def _clusters(lines: Sequence[Mapping[str, Any]]) -> list[Cluster]:
    """Mention sets, cluster ids scoped to their topic line; no cluster id: a singleton."""
    by: defaultdict[Hashable, set[Hashable]] = defaultdict(set)
    seen: set[tuple[str, int, int]] = set()
    for line in lines:
        for n, e in enumerate(line.get("events", [])):
            mention = _mention_key(e)
            if mention in seen:
                continue
            seen.add(mention)
            cluster = e.get("cluster")
            by[(str(line["topic"]), cluster if cluster is not None else ("singleton", n))].add(
                mention
            )
    return [frozenset(c) for c in by.values()]


def score(predicted: Sequence[Mapping[str, Any]], gold: Sequence[Mapping[str, Any]]) -> CorefScores:
    """Score predicted topics against gold topics, all mentions pooled, singletons counted.

    Meant for predictions on the gold mentions, as ``predict`` makes them; unlike the
    reference scorer, predicted mentions outside the validated sentences are not dropped.
    """
    return score_clusters(_clusters(gold), _clusters(predicted))
