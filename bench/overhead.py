"""factsift's own time per article, with the LLM taken out.

Runs the whole pipeline (load, clean, segment, prompt, HTTP, parse, align,
merge, cache write) against the scripted rule-based model on 127.0.0.1 with
zero latency, and subtracts the time spent inside the HTTP round trip. Then
re-runs the same articles from the cache. Prints medians in milliseconds.

    python bench/overhead.py [--runs 30]

Targets: under 5 ms per 3 KB article; under 1 ms per cache hit.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factsift import Extractor  # noqa: E402
from factsift._edges.llm import LLM, OpenAITransport  # noqa: E402
from tests.support.rule_model import rule_model  # noqa: E402
from tests.support.scripted_server import ScriptedServer  # noqa: E402

ARTICLES = {
    "3 KB": ROOT / "examples" / "articles" / "port-strike-talks.txt",
    "30 KB": ROOT / "examples" / "articles" / "climate-summit-long.txt",
}


class TimedTransport(OpenAITransport):
    """Counts the seconds spent waiting on the server, to take them out."""

    waited = 0.0

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return super().complete(request)
        finally:
            TimedTransport.waited += time.perf_counter() - started


# Time spent in the LLM edge (instructor's handlers building the request and parsing
# the answer, the openai client, the response cache) that is neither the grounding
# nor the server's time.
_timers = {"structured": 0.0, "ground": 0.0}
# sys.modules: the package's ``extract`` attribute is the function, not the module.
pipeline = sys.modules["factsift._pipeline.extract"]
_structured, _ground = LLM.structured, pipeline.ground_answer


def timed_structured(self: LLM, *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        return _structured(self, *args, **kwargs)
    finally:
        _timers["structured"] += time.perf_counter() - started


def timed_ground(*args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        return _ground(*args, **kwargs)
    finally:
        _timers["ground"] += time.perf_counter() - started


LLM.structured = timed_structured  # type: ignore[method-assign]
pipeline.ground_answer = timed_ground  # type: ignore[attr-defined]


def measure(
    path: Path, runs: int, base_url: str, cache_dir: Path
) -> tuple[float, float, float, int]:
    text = path.read_text(encoding="utf-8")
    variants = []
    for i in range(runs):
        # A distinct article each run, so every run misses the cache and writes it.
        variant = cache_dir / f"{path.stem}-{i}.txt"
        variant.write_text(f"{text}\n\nRun {i} of the benchmark ends here.", encoding="utf-8")
        variants.append(variant)
    ex = Extractor("scripted", base_url=base_url, cache_dir=cache_dir / "cache")
    ex.llm._transport = TimedTransport(ex.settings)
    own, wrapper, hits = [], [], []
    calls = 0
    for variant in variants:
        TimedTransport.waited = 0.0
        _timers.update(structured=0.0, ground=0.0)
        started = time.perf_counter()
        facts = ex.extract(variant)
        own.append((time.perf_counter() - started - TimedTransport.waited) * 1000)
        inside = _timers["structured"] - _timers["ground"] - TimedTransport.waited
        wrapper.append(inside * 1000)
        calls = facts.usage.calls
    for variant in variants:
        started = time.perf_counter()
        facts = ex.extract(variant)
        hits.append((time.perf_counter() - started) * 1000)
        assert facts.cached
    ex.close()
    return statistics.median(own), statistics.median(wrapper), statistics.median(hits), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="articles per size (default 30)")
    args = parser.parse_args()
    print(f"factsift overhead, median of {args.runs} runs (LLM time excluded)")
    print(
        f"{'article':>8} {'calls':>6} {'own ms/article':>15} {'of which LLM edge':>20} "
        f"{'cache hit ms':>13}"
    )
    with ScriptedServer(rule_model) as server, tempfile.TemporaryDirectory() as tmp:
        for label, path in ARTICLES.items():
            work = Path(tmp) / label.replace(" ", "")
            work.mkdir()
            own, wrapper, hit, calls = measure(path, args.runs, server.base_url, work)
            print(f"{label:>8} {calls:>6} {own:>15.2f} {wrapper:>20.2f} {hit:>13.2f}")
    print("targets: 3 KB own < 5 ms; cache hit < 1 ms")


if __name__ == "__main__":
    main()
