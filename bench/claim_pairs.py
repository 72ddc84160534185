"""Precision and recall of factsift's claim-pair decisions on a labelled set.

    python bench/claim_pairs.py [bench/data/claim_pairs.jsonl] [--sweep]

Each line of the set is a pair of claim statements (``a``, ``b``) labelled
``same``, ``contradicts`` or ``unrelated``, with the kind of pair (paraphrase,
number, date, denial, topical, different-story) and, where it matters, each
side's certainty (``certainty_a``/``certainty_b``) as extraction would give it.
Both sides are taken as published on the same day. The set was written for this
benchmark (invented places and people), not taken from any evaluation text.

Printed beside factsift: a baseline that calls a pair "same" when the plain word
Jaccard similarity of the two statements is at least 0.5 and never finds a
contradiction. ``--sweep`` prints the figures for other similarity thresholds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

from factsift.factbase import claims
from factsift.factbase.text import features

PUBLISHED = dt.date(2025, 6, 4)
LABELS = ("same", "contradicts")


def factsift_label(pair: dict[str, str]) -> str:
    fa = features(pair["a"], denied=pair.get("certainty_a") == "denied", published=PUBLISHED)
    fb = features(pair["b"], denied=pair.get("certainty_b") == "denied", published=PUBLISHED)
    return claims.judge(fa, fb).label


def baseline_label(pair: dict[str, str]) -> str:
    a = set(re.findall(r"\w+", pair["a"].lower()))
    b = set(re.findall(r"\w+", pair["b"].lower()))
    return "same" if len(a & b) / len(a | b) >= 0.5 else "unrelated"


def scores(gold: list[str], pred: list[str]) -> dict[str, tuple[float, float, float]]:
    out = {}
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, pred, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = (precision, recall, f1)
    return out


def report(name: str, gold: list[str], pred: list[str]) -> None:
    s = scores(gold, pred)
    cells = "  ".join(f"{label}: P {p:.2f} R {r:.2f} F1 {f:.2f}" for label, (p, r, f) in s.items())
    print(f"{name:<22} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "data", nargs="?", type=Path, default=Path(__file__).parent / "data" / "claim_pairs.jsonl"
    )
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    pairs = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()]
    gold = [p["label"] for p in pairs]
    print(f"{len(pairs)} pairs: {dict(Counter(gold))}")
    pred = [factsift_label(p) for p in pairs]
    report("factsift (lexical)", gold, pred)
    report("baseline (Jaccard)", gold, [baseline_label(p) for p in pairs])
    wrong = Counter(p["kind"] for p, g, q in zip(pairs, gold, pred, strict=True) if g != q)
    total = Counter(p["kind"] for p in pairs)
    print("errors by kind: " + ", ".join(f"{k} {wrong[k]}/{total[k]}" for k in sorted(total)))
    if args.sweep:
        for threshold in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
            claims.SAME = threshold
            report(f"  SAME = {threshold}", gold, [factsift_label(p) for p in pairs])


if __name__ == "__main__":
    main()
