"""Entity linking across articles, scored on a small labelled set of mentions.

    python bench/entities.py [bench/data/entity_mentions.jsonl]

Each line is a mention as extraction gives it (a speaker, participant, place or
claim entity), its article, and its gold entity (null when it names no one: an
adjective, a weekday, a common noun). The articles are linked in file order, as
``factsift link`` would. Printed: pairwise precision and recall over mention pairs
of one entity (the usual measure for cross-document coreference of names), and
accuracy on telling names from non-names, beside a baseline that links mentions
whose text is identical, ignoring case, and takes every mention for a name.
The set was written for this benchmark, with invented names.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from factsift.factbase.entities import EntityIndex, resolve_article


def pairwise(gold: list[str | None], pred: list[str | None]) -> tuple[float, float]:
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(gold)), 2):
        same_gold = gold[i] is not None and gold[i] == gold[j]
        same_pred = pred[i] is not None and pred[i] == pred[j]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    return tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = Path(__file__).parent / "data" / "entity_mentions.jsonl"
    parser.add_argument("data", nargs="?", type=Path, default=default)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()]
    gold = [r["entity"] for r in rows]
    corpus = EntityIndex.of([])
    pred: list[str | None] = []
    for _, group in itertools.groupby(rows, key=lambda r: r["article"]):
        mentions = [r["mention"] for r in group]
        keys = resolve_article(mentions, corpus)
        pred += [keys[m] for m in mentions]
    baseline: list[str | None] = [r["mention"].lower() for r in rows]
    print(
        f"{len(rows)} mentions, {len({g for g in gold if g})} entities, "
        f"{sum(g is None for g in gold)} non-names"
    )
    for name, guess in (("factsift", pred), ("baseline (same text)", baseline)):
        p, r = pairwise(gold, guess)
        names = sum((g is None) == (q is None) for g, q in zip(gold, guess, strict=True))
        print(
            f"{name:<22} pairwise P {p:.2f} R {r:.2f}  name/non-name accuracy "
            f"{names / len(rows):.2f}"
        )
    for row, key in zip(rows, pred, strict=True):
        if (row["entity"] is None) != (key is None):
            print(f"  miss: {row['article']} {row['mention']!r} -> {key}")


if __name__ == "__main__":
    main()
