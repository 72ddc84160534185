"""Extraction quality on gold files: run a model, score it with factsift's evaluator.

    python bench/quality.py [GOLD.jsonl ...] [--model local] [--strategy auto]
        [--rules-only] [--save predictions.jsonl] [--json]

Gold files default to ../shared/eval/. The texts are used exactly as
annotated, so spans and gold offsets index the same string. Each file's
TOTAL row is followed by the regex floor's (bench/attribution_floor.py).
``--rules-only`` runs the sentence strategy with no model decision at all
(the rules decide everything): seconds instead of minutes, for iterating on
rules.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from factsift import Document, Extractor
from factsift._pipeline.documents import find_furniture
from factsift.evaluate import evaluate, load_gold, load_ontology, load_type_map

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attribution_floor import floor_report

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"


def _ontology(choice: str, path: Path) -> frozenset[str] | None:
    """WikiEvents annotates only its 50 KAIROS types: a vote there is not an error."""
    if choice == "auto":
        choice = "wikievents" if path.name.startswith("wikievents") else "none"
    return None if choice == "none" else load_ontology(choice)


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
    parser.add_argument(
        "--rules-only",
        action="store_true",
        help="sentence strategy with no model decision (fast; for iterating on rules)",
    )
    parser.add_argument(
        "--ontology",
        default="auto",
        help="the gold's event types (evaluate.load_ontology); 'auto': 'wikievents' for "
        "files named wikievents*, else none; 'none': score every predicted event",
    )
    parser.add_argument("--save", type=Path, help="also write the predictions as JSONL")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    type_map = load_type_map()
    options: dict[str, Any] = {"strategy": args.strategy}
    if args.rules_only:
        options = {"strategy": "sentence", "decisions": ()}
    with Extractor(
        args.model,
        base_url=args.base_url,
        cache="off" if args.rules_only else "read-write",
        **options,
    ) as ex:
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
            report = evaluate(
                predictions, gold, type_map=type_map, ontology=_ontology(args.ontology, path)
            )
            print(
                f"== {path.name}: {len(gold)} documents, {ex.settings.model} "
                f"({ex.strategy}), {seconds:.0f} s"
            )
            floor = floor_report(path)
            if args.json:
                print(
                    json.dumps({"factsift": report.to_dict(), "floor": floor.to_dict()}, indent=2)
                )
            else:
                print(report.format_table())
                print(floor.format_table().splitlines()[-3].replace("TOTAL", "FLOOR", 1))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
