"""Cross-document event coreference on the ECB+ dev topics: factsift against the baselines.

    python bench/coref.py [ECB.jsonl] [--repeat 5] [--scale 1000,10000]

Prints, for gold mentions with singletons counted and all mentions pooled (the
figure papers report), MUC, B-cubed, CEAF-e F1 and CoNLL F1 of:
  - singletons, and the same-lemma baseline as ``coref_baselines.py`` defines it;
  - the same-lemma baseline with factsift's lemmas (lemminflect, trigger head);
  - factsift's event coreference (``factsift eval-coref``).
Every CoNLL figure is computed twice, by factsift's scorer and by the reference
``coref_score.py``, and the two must agree. The dev topics are also split in two
halves: the defaults were chosen on half A, half B checks them.
Timings (medians of --repeat runs) are wall-clock on a shared machine: noisy.
--scale clusters synthetic mentions (made-up stories, no document texts) of that
many articles and prints the time, to show the growth is near-linear.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from factsift.factbase.ecb import baseline_clusters, predict, read_topics, score
from factsift.factbase.events import EventMention, candidate_pairs, cluster_events

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
# Topics whose results chose the defaults (half A); the others (half B) only check them.
HALF_A = {"2", "12", "21", "34"}


def reference_scorer() -> Any:
    sys.path.insert(0, str(SHARED))
    import coref_baselines  # type: ignore[import-not-found]
    import coref_score  # type: ignore[import-not-found]

    return coref_score, coref_baselines


def row(name: str, pred: list[dict[str, Any]], gold: list[dict[str, Any]], ref: Any) -> float:
    mine = score(pred, gold)
    theirs = ref.score(pred, gold)["all"]
    if abs(mine.conll_f1 - theirs["conll_f1"]) > 1e-9:
        raise SystemExit(f"scorers disagree on {name}: {mine.conll_f1} != {theirs['conll_f1']}")
    print(
        f"{name:<28} {mine.muc.f1 * 100:6.2f} {mine.b3.f1 * 100:6.2f} {mine.ceafe.f1 * 100:6.2f}"
        f"   {mine.conll_f1 * 100:6.2f}   {theirs['conll_f1'] * 100:6.2f}"
    )
    return mine.conll_f1


def halves(pred: list[dict[str, Any]], gold: list[dict[str, Any]]) -> str:
    out = []
    for name, keep in (("A", True), ("B", False)):
        g = [t for t in gold if (str(t["topic"]) in HALF_A) == keep]
        p = [t for t in pred if (str(t["topic"]) in HALF_A) == keep]
        out.append(f"{name} {score(p, g).conll_f1 * 100:6.2f}")
    return "   ".join(out)


def synthetic(articles: int, seed: int = 0) -> list[EventMention]:
    """Stories of 2-8 articles, each with made-up names, a place, a date and 4-6 mentions."""
    rng = random.Random(seed)
    verbs = "attacked killed arrested met signed resigned protested elected flooded visited"
    syllables = "ka ro mi ta ve lo su ni da pe ar ul"
    mentions: list[EventMention] = []
    n = 0
    while n < articles:
        name = "".join(rng.choice(syllables.split()) for _ in range(3)).title()
        place = "".join(rng.choice(syllables.split()) for _ in range(2)).title() + "ville"
        day = f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        story_verbs = rng.sample(verbs.split(), 3)
        for _ in range(rng.randint(2, 8)):
            doc = f"a{n}"
            n += 1
            for k in range(rng.randint(4, 6)):
                verb = rng.choice(story_verbs)
                sentence = f"{name} {verb} people in {place} on {day}, officials said."
                mentions.append(
                    EventMention(
                        f"{doc}:{k}",
                        doc,
                        verb,
                        sentence,
                        time=day,
                        place=place,
                        participants=(name,),
                    )
                )
    return mentions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", type=Path, default=SHARED / "ecbplus-dev.jsonl")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", default="", help="comma-separated article counts")
    args = parser.parse_args()
    ref, baselines = reference_scorer()
    gold = read_topics(args.gold)
    mentions = sum(len(t["events"]) for t in gold)
    print(f"{args.gold.name}: {len(gold)} topics, {mentions} gold event mentions; ALL pooled")
    print(f"{'':<28} {'MUC':>6} {'B3':>6} {'CEAF-e':>6}   {'CoNLL':>6}   {'(ref.)':>6}")
    row("singletons", baselines.predict(gold, "singletons"), gold, ref)
    lemma = baselines.predict(gold, "lemma")
    row("same lemma (reference)", lemma, gold, ref)
    ours = baseline_clusters(gold)
    row("same lemma (factsift lemmas)", ours, gold, ref)
    times = []
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        pred = predict(gold)
        times.append(time.perf_counter() - start)
    row("factsift", pred, gold, ref)
    print()
    print(f"dev halves (CoNLL)    same lemma (reference): {halves(lemma, gold)}")
    print(f"                      factsift:               {halves(pred, gold)}")
    start = time.perf_counter()
    score(pred, gold)
    mine = time.perf_counter() - start
    start = time.perf_counter()
    ref.score(pred, gold)
    theirs = time.perf_counter() - start
    print(
        f"\ntime: factsift coreference on all dev topics {statistics.median(times):.2f} s "
        f"(median of {len(times)}, texts read by the rules included); scoring "
        f"{mine * 1000:.0f} ms factsift, {theirs * 1000:.0f} ms reference"
    )
    for count in [int(c) for c in args.scale.split(",") if c]:
        corpus = synthetic(count)
        start = time.perf_counter()
        ids = cluster_events(corpus)
        took = time.perf_counter() - start
        pairs = len(candidate_pairs(corpus))  # not timed: cluster_events blocks on its own
        print(
            f"scale: {count} articles, {len(corpus)} mentions, {pairs} blocked pairs "
            f"(all pairs: {len(corpus) * (len(corpus) - 1) // 2}), {len(set(ids))} clusters, "
            f"{took:.1f} s to cluster"
        )


if __name__ == "__main__":
    main()
