"""Scale of ``factsift link``: time and peak memory on synthetic corpora of results.

    python bench/link.py [--sizes 1000 10000 50000] [--repeat 1]

Each size is linked in a fresh process into a fresh DuckDB file, from a JSON Lines
file of synthetic results written beforehand (not timed). The corpus is made of
stories: each story has a handful of facts (a named person or body, a verb of one
event type, a place, a number, a weekday), reported by one to six articles from
different outlets, each in its own words (words dropped and reordered), sometimes
with another number or a denial; one article in ten is a wire copy of another.
Names and words are drawn from a large made-up vocabulary with a Zipf-like skew.

Printed per size: wall seconds and CPU seconds of the linking (with the process that
clusters events beside it from 5,000 events on; peak memory adds both processes' peaks;
median of
``--repeat`` runs; on a shared machine the CPU time is the steadier figure; imports
are not counted), microseconds per article
(flat when the work grows linearly), peak resident memory of the linking process,
and the counts of the work done. The target is 10,000 articles in at most 60 s on
two cores.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SYLLABLES = "ka lo mi ren sa tor vel an is du ber gan hol mar nes pil qua rud sen tam".split()
TYPES = {
    "attack": ["attacked", "bombed", "shelled"],
    "arrest": ["arrested", "detained"],
    "meet": ["met", "hosted"],
    "agreement": ["signed", "agreed"],
    "death": ["killed"],
    "protest": ["protested", "marched"],
}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables))


def make_corpus(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    nouns = [_word(rng, 4) for _ in range(40000)]
    people = [f"{_word(rng, 2).title()} {_word(rng, 3).title()}" for _ in range(10000)]
    places = [_word(rng, 3).title() for _ in range(3000)]
    outlets = [f"{_word(rng, 2)}news.example" for _ in range(300)]

    def zipf(items: list[str]) -> str:
        return items[
            min(int(rng.paretovariate(1.1)) - 1, len(items) - 1)
            if rng.random() < 0.3
            else rng.randrange(len(items))
        ]

    articles: list[dict[str, Any]] = []
    story = 0
    while len(articles) < n:
        story += 1
        facts = []
        for _ in range(6):
            etype = rng.choice(list(TYPES))
            facts.append(
                {
                    "who": zipf(people),
                    "verb": rng.choice(TYPES[etype]),
                    "type": etype,
                    "what": [zipf(nouns) for _ in range(3)],
                    "place": zipf(places),
                    "count": rng.randint(2, 400),
                    "day": rng.choice(WEEKDAYS),
                }
            )
        for _ in range(rng.randint(1, 6)):
            if len(articles) >= n:
                break
            if articles and rng.random() < 0.1:
                copy = dict(articles[-1])
                copy["id"] = f"a{len(articles)}"
                copy["key"] = f"k{len(articles)}"
                copy["url"] = f"https://{rng.choice(outlets)}/{story}/{len(articles)}"
                articles.append(copy)
                continue
            chosen = rng.sample(facts, 5) + [
                {**rng.choice(facts), "who": zipf(people), "what": [zipf(nouns) for _ in range(3)]}
                for _ in range(3)
            ]
            sentences, claims, events = [], [], []
            offset = 0
            for f in chosen:
                count = f["count"] if rng.random() > 0.05 else f["count"] + rng.randint(1, 9)
                what = f["what"][:]
                rng.shuffle(what)
                words = [
                    f["who"],
                    "denied that" if rng.random() < 0.03 else "said",
                    "they",
                    f["verb"],
                    str(count),
                    *what,
                    "in",
                    f["place"],
                    "on",
                    f["day"],
                ]
                if rng.random() < 0.3:
                    words.remove(what[0])
                sentence = " ".join(words) + "."
                span = {"start": offset, "end": offset + len(sentence), "text": sentence}
                claims.append(
                    {
                        "statement": sentence,
                        "kind": "fact",
                        "certainty": "denied" if "denied" in words else "reported",
                        "attribution": {
                            "source_type": "person",
                            "name": f["who"],
                            "speaker": {
                                "start": offset,
                                "end": offset + len(f["who"]),
                                "text": f["who"],
                            },
                        },
                        "entities": [f["who"], f["place"]],
                        "evidence": [span],
                    }
                )
                t = sentence.index(" " + f["verb"] + " ") + 1
                p = sentence.index(" " + f["place"] + " ") + 1
                events.append(
                    {
                        "type": f["type"],
                        "trigger": {
                            "start": offset + t,
                            "end": offset + t + len(f["verb"]),
                            "text": f["verb"],
                        },
                        "participants": [
                            {
                                "role": "agent",
                                "span": span | {"end": offset + len(f["who"]), "text": f["who"]},
                            }
                        ],
                        "location": {
                            "start": offset + p,
                            "end": offset + p + len(f["place"]),
                            "text": f["place"],
                        },
                        "realis": "occurred",
                        "evidence": [span],
                    }
                )
                sentences.append(sentence)
                offset += len(sentence) + 1
            i = len(articles)
            articles.append(
                {
                    "id": f"a{i}",
                    "key": f"k{i}",
                    "url": f"https://{rng.choice(outlets)}/{story}/{i}",
                    "published": f"2025-03-{1 + story % 28:02d}",
                    "text": " ".join(sentences),
                    "claims": claims,
                    "events": events[:4],
                    "model": "synthetic",
                    "provider": "none",
                    "strategy": "synthetic",
                    "prompt": {"name": "synthetic", "version": "0", "sha256": "0"},
                }
            )
    return articles


def _child(results: str, database: str) -> None:
    # Imports (and the lexicons they load) are not linking: load them first.
    from factsift.factbase import link, linker  # noqa: F401

    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    summary = link([results], database)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = (usage.ru_maxrss + children.ru_maxrss) / 1024
    cpu = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime - cpu_before
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu": cpu,
                "peak_mb": peak_mb,
                "summary": vars(summary) | {"errors": len(summary.errors)},
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    print(f"{'articles':>9} {'seconds':>8} {'CPU s':>7} {'us/article':>10} {'peak MB':>8}  work")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            results = Path(tmp) / f"results-{size}.jsonl"
            with results.open("w", encoding="utf-8") as out:
                for record in make_corpus(size):
                    out.write(json.dumps(record) + "\n")
            runs = []
            for r in range(args.repeat):
                database = Path(tmp) / f"base-{size}-{r}.duckdb"
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(results), str(database)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            seconds = statistics.median(run["seconds"] for run in runs)
            cpu = statistics.median(run["cpu"] for run in runs)
            peak = max(run["peak_mb"] for run in runs)
            s = runs[0]["summary"]
            print(
                f"{size:>9} {seconds:>8.1f} {cpu:>7.1f} {seconds / size * 1e6:>10.0f} "
                f"{peak:>8.0f}  "
                f"{s['claims']} claims, {s['events']} events, {s['pairs_scored']} pairs scored, "
                f"{s['same']} same, {s['contradictions']} contradictions, "
                f"{s['near_duplicates']} copies, {s['event_mentions_scored']} event mentions"
            )
            stages = ", ".join(f"{k} {v:.1f}" for k, v in s["seconds"].items())
            print(f"{'':>9} seconds by stage: {stages}, reading the rest")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
