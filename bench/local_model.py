"""The bundled model, in-process: speed, memory and grounding per article.

Runs the default configuration (SmolLM2-135M-Instruct through llama.cpp,
sentence strategy) on the seed article and on a 10 KB article, each with a
cold cache, and prints medians over the runs:

- seconds per article, and LLM calls per article;
- prompt and generated tokens per second (llama.cpp's own timings);
- peak RSS of the process;
- the share of extracted items that were grounded, and the share rejected.

    python bench/local_model.py [--runs 3]

Targets on 2 cores: under 30 s for the seed article, under 1 GB peak RSS,
100% of returned spans grounded.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from factsift import Extractor

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "articles" / "israel-azerbaijan-alliance.txt"
LONG = ROOT / "examples" / "articles" / "climate-summit-long.txt"


def ten_kb_article(folder: Path) -> Path:
    """The first ~10 KB of the long example, cut at a paragraph break."""
    text = LONG.read_text(encoding="utf-8")
    cut = text.rfind("\n\n", 0, 10_000)
    path = folder / "summit-10kb.txt"
    path.write_text(text[:cut], encoding="utf-8")
    return path


def measure(path: Path, runs: int) -> dict[str, float]:
    rows: dict[str, list[float]] = {}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache, Extractor(cache_dir=cache) as ex:
            started = time.perf_counter()
            facts = ex.extract(path)
            seconds = time.perf_counter() - started
            stats = ex.llm.transport.stats  # type: ignore[attr-defined]
        spans = facts.spans()
        grounded = sum(facts.text[s.start : s.end] == s.text for s in spans)
        items = len(facts.claims) + len(facts.events)
        for key, value in {
            "seconds": seconds,
            "calls": facts.usage.calls,
            "prompt tok/s": stats["prompt_n"] / max(stats["prompt_ms"], 1e-9) * 1000,
            "gen tok/s": stats["predicted_n"] / max(stats["predicted_ms"], 1e-9) * 1000,
            "items": items,
            "grounded spans": grounded / max(len(spans), 1),
            "rejected share": len(facts.rejected) / max(items + len(facts.rejected), 1),
        }.items():
            rows.setdefault(key, []).append(float(value))
    return {key: statistics.median(values) for key, values in rows.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold runs per article (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        articles = {"seed (3 KB)": SEED, "10 KB": ten_kb_article(Path(tmp))}
        results = {name: measure(path, args.runs) for name, path in articles.items()}
    keys = list(next(iter(results.values())))
    print(f"bundled model, median of {args.runs} cold runs")
    print(f"{'':<16}" + "".join(f"{k:>15}" for k in keys))
    for name, row in results.items():
        print(f"{name:<16}" + "".join(f"{row[k]:>15.2f}" for k in keys))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")
    print("targets: seed under 30 s; peak RSS under 1 GB; grounded spans 1.00")


if __name__ == "__main__":
    main()
