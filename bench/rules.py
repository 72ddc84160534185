"""The sentence strategy's rules on run-on "sentences": time per size, median of runs.

    python bench/rules.py [--runs 3]

A page scraped without full stops reaches the rules as one sentence of thousands of
words, each event word of which asks for its arguments. The rules tokenise a sentence
once; this prints how the time grows with the sentence, so that a change that makes it
quadratic again shows (the ratio column: time per word against the smallest size).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from factsift._pipeline.rules import propose_all
from factsift._pipeline.segment import split_sentences

WORDS = (
    "the mayor said officials attacked the city police arrested protesters killed in an "
    "explosion bombing met visited elected council voted on a plan to reopen the port"
).split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(1)
    base: float | None = None
    print(f"{'words':>7}  {'median s':>9}  {'per word vs smallest':>20}")
    for size in (1_000, 4_000, 8_000, 20_000):
        text = " ".join(rng.choice(WORDS) for _ in range(size)) + "."
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            propose_all(text, split_sentences(text))
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        per_word = median / size
        base = base or per_word
        print(f"{size:>7}  {median:>9.2f}  {per_word / base:>20.1f}")


if __name__ == "__main__":
    main()
