"""The pipeline's ceiling on the dev gold files: a perfect model, and what factsift loses.

The oracle (tests/support/oracle.py) answers every window's request with the gold
items of that window, quoted as a model would. Everything between its answer and
the score is factsift's, so anything below 1.0 here is a factsift bug. The tests
run the same check on gold files the project owns; this script runs it on the
shared dev files, which tests must not read.

    python bench/ceiling.py [GOLD.jsonl ...] [--window-tokens 3000 300]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factsift.evaluate import load_gold  # noqa: E402
from tests.test_ceiling import Run  # noqa: E402

DEFAULT = [ROOT.parent / "shared" / "eval" / n for n in ("seed-gold.jsonl", "wikievents-dev.jsonl")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--window-tokens", nargs="+", type=int, default=[3000, 300])
    args = parser.parse_args()
    for path in args.gold:
        for window in args.window_tokens:
            run = Run(load_gold(path), window)
            rejected = sum(len(f.rejected) for f in run.facts)
            print(
                f"== {path.name}, window {window} tokens: {run.requests} requests, "
                f"{rejected} rejected items"
            )
            print(run.report.format_table())


if __name__ == "__main__":
    main()
