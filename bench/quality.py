"""Extraction quality on gold files: run a model, score it with factsift's evaluator.

    python bench/quality.py [GOLD.jsonl ...] [--model local] [--strategy auto]
        [--save predictions.jsonl] [--json]

Gold files default to ../shared/eval/. The texts are used exactly as
annotated, so spans and gold offsets index the same string.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from factsift import Document, Extractor
from factsift.documents import find_furniture
from factsift.evaluate import evaluate, load_gold, load_type_map

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "gold",
        nargs="*",
        type=Path,
        default=[SHARED / "seed-gold.jsonl", SHARED / "wikievents-dev.jsonl"],
    )
    parser.add_argument("--model", default=None, help="default: the configured or bundled model")
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--strategy", default="auto")
    parser.add_argument("--save", type=Path, help="also write the predictions as JSONL")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    type_map = load_type_map()
    with Extractor(args.model, base_url=args.base_url, strategy=args.strategy) as ex:
        for path in args.gold:
            gold = load_gold(path)
            started = time.perf_counter()
            predictions = []
            for g in gold:
                doc = Document(
                    id=g["id"],
                    text=g["text"],
                    furniture=find_furniture(g["text"]),
                    published=g.get("published"),
                )
                predictions.append(ex.extract(doc).model_dump(mode="json"))
            seconds = time.perf_counter() - started
            if args.save:
                with args.save.open("a", encoding="utf-8") as out:
                    out.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in predictions)
            report = evaluate(predictions, gold, type_map=type_map)
            print(
                f"== {path.name}: {len(gold)} documents, {ex.settings.model} "
                f"({ex.strategy}), {seconds:.0f} s"
            )
            print(json.dumps(report.to_dict(), indent=2) if args.json else report.format_table())
            sys.stdout.flush()


if __name__ == "__main__":
    main()
