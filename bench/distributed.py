"""The Ray engine against the ideal and the local engine; a warm Redis cache; a paper estimate.

Everything runs on this machine: a local Ray cluster (``ray.init(num_cpus=2)``),
the scripted OpenAI-compatible server in its own process (tests/support), and a
private redis-server (Debian's package) on a free port.

1. 1,000 articles, 0.5 s per LLM call, through the Ray engine with 2 actors of
   16 requests in flight each (32 in all), the shared cache in Redis, empty at
   the start: wall time against the ideal (calls x latency / 32) and against the
   local engine at concurrency 32 (cache off). The Ray wall counts starting the
   actors (each imports factsift and opens its client); "after the first
   result" leaves that out.
2. The same job again into a new output: every article from the Redis cache.
   Articles per second, for the Ray engine and for the local engine.
3. A paper estimate for 1,000,000 articles on 20 nodes at a provider's rate
   limits (time, requests, tokens, cost), the arithmetic printed, with the
   prompt size per request measured here.

    python bench/distributed.py [--articles 1000] [--latency 0.5]

Needs ``pip install '.[ray]'`` and ``apt-get install redis-server``.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import ray  # noqa: E402
from throughput import make_articles, message_chars, schema_chars  # noqa: E402

from factsift import Extractor  # noqa: E402
from factsift._edges.batch import run_batch  # noqa: E402
from factsift._edges.llm import DEFAULT_PRICES  # noqa: E402
from factsift.ray import run_ray  # noqa: E402
from tests.support.redis_server import redis_server  # noqa: E402
from tests.support.rule_model import rule_model  # noqa: E402
from tests.support.scripted_server import ServerProcess  # noqa: E402

ACTORS = 2
IN_FLIGHT = 16  # per actor
LOCAL_CONCURRENCY = ACTORS * IN_FLIGHT

# -- the paper estimate's inputs: each one stated, none measured on a real provider --
TARGET_ARTICLES = 1_000_000
NODES = 20
#: A typical news article: 4,000 characters after cleaning, one window (window_tokens 3000).
ARTICLE_TOKENS = 1_000
#: What a capable model writes back for such an article (claims and events as JSON):
#: an assumption, to be replaced by the usage your own first 1,000 articles report.
COMPLETION_TOKENS = 700
#: Seconds a provider takes for one such request (long JSON answers are slow).
PROVIDER_LATENCY = 8.0
#: The provider's limits for the model: OpenAI's published tier-5 limits for gpt-4o-mini
#: at the time of writing; put your organisation's own here.
PROVIDER = ("gpt-4o-mini", 30_000, 150_000_000)  # model, requests/min, tokens/min


class Timeline:
    """When each article's line was written (the driver's on_article callback)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.stamps: list[float] = []

    def __call__(self, name: str, error: str | None) -> None:
        self.stamps.append(time.perf_counter() - self.start)

    def after_first(self) -> float:
        return self.stamps[-1] - self.stamps[0] if len(self.stamps) > 1 else 0.0


def settings(url: str, **options: Any) -> dict[str, Any]:
    return {"model": "scripted", "base_url": url, **options}


def run_local(url: str, folder: Path, out: Path, **options: Any) -> tuple[float, Any]:
    with Extractor(**settings(url, **options)) as ex:
        started = time.perf_counter()
        summary = run_batch(ex, [folder], out, concurrency=LOCAL_CONCURRENCY)
        return time.perf_counter() - started, summary


def run_distributed(
    url: str, folder: Path, out: Path, **options: Any
) -> tuple[float, Any, Timeline]:
    timeline = Timeline()
    summary = run_ray(
        settings(url, **options),
        [folder],
        out,
        actors=ACTORS,
        in_flight=IN_FLIGHT,
        on_article=timeline,
    )
    return time.perf_counter() - timeline.start, summary, timeline


def prompt_overhead(requests: list[dict[str, Any]], folder: Path) -> float:
    """Prompt tokens per request that are not the article (instructions, schema)."""
    article_chars = sum(len(p.read_text(encoding="utf-8")) for p in folder.glob("*.txt"))
    total = sum(message_chars(r) + schema_chars(r) for r in requests)
    return (total - article_chars) / 4 / len(requests)


def paper_estimate(overhead: float, driver_rate: float) -> None:
    model, rpm, tpm = PROVIDER
    per_in, per_out, *_ = DEFAULT_PRICES[model]
    requests = TARGET_ARTICLES  # one window per article at this size
    prompt = ARTICLE_TOKENS + overhead
    tokens_in = requests * prompt
    tokens_out = requests * COMPLETION_TOKENS
    by_rpm = requests / rpm
    # --tpm counts prompt tokens (estimated); providers count the answer's budget too.
    by_tpm = (tokens_in + tokens_out) / tpm
    minutes = max(by_rpm, by_tpm)
    in_flight = math.ceil(rpm / 60 * PROVIDER_LATENCY)
    cost_in, cost_out = tokens_in * per_in / 1e6, tokens_out * per_out / 1e6
    tpm_prompts = int(tpm * tokens_in / (tokens_in + tokens_out))
    print(f"\n3. paper estimate: {TARGET_ARTICLES:,} articles on {NODES} nodes, {model}")
    print(
        f"   per request: {ARTICLE_TOKENS:,} article tokens (4,000 characters, assumed) + "
        f"{overhead:,.0f} instructions and schema (measured above) = {prompt:,.0f} prompt "
        f"tokens; {COMPLETION_TOKENS} completion tokens (assumed)"
    )
    print(f"   requests   {requests:,} (one window each)")
    print(
        f"   tokens     {requests:,} x {prompt:,.0f} = {tokens_in / 1e9:.2f} B prompt + "
        f"{requests:,} x {COMPLETION_TOKENS} = {tokens_out / 1e9:.2f} B completion"
    )
    print(
        f"   limits     {rpm:,} requests/min -> {requests:,} / {rpm:,} = {by_rpm:.1f} min; "
        f"{tpm / 1e6:,.0f} M tokens/min -> {(tokens_in + tokens_out) / 1e6:,.0f} M / "
        f"{tpm / 1e6:,.0f} M = {by_tpm:.1f} min"
    )
    print(
        f"   time       {minutes:.1f} min ({minutes / 60:.2f} h), bound by "
        f"{'requests' if by_rpm >= by_tpm else 'tokens'} per minute, provided the cluster keeps "
        f"{rpm:,}/60 x {PROVIDER_LATENCY:.0f} s = {in_flight:,} requests in flight: "
        f"{NODES} nodes x {ACTORS} actors x {math.ceil(in_flight / NODES / ACTORS)} "
        f"(--actors {NODES * ACTORS} --concurrency {math.ceil(in_flight / NODES / ACTORS)} "
        f"--rpm {rpm} --tpm {tpm_prompts // 1_000_000 * 1_000_000}: --tpm counts prompts only)"
    )
    print(
        f"   cost       {tokens_in / 1e6:,.0f} M x ${per_in} + {tokens_out / 1e6:,.0f} M x "
        f"${per_out} per M = ${cost_in:,.0f} + ${cost_out:,.0f} = ${cost_in + cost_out:,.0f}"
    )
    print(
        f"   the nodes: {in_flight:,} open requests, {in_flight // NODES} per node, waiting on "
        "the network: small nodes do. The one driver reads every input and writes every line: "
        f"{rpm:,} / 60 = {rpm / 60:,.0f} lines/s needed, against {driver_rate:,.0f}/s measured "
        "in 2. (warm, first to last line, on this loaded machine)"
        + (
            "; give the driver a node of its own, or split the input into jobs"
            if driver_rate < rpm / 60 * 1.5
            else ""
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.5)
    args = parser.parse_args()
    n, latency = args.articles, args.latency
    print(
        f"factsift distributed: {n} articles, latency {latency} s, Ray {ray.__version__}, "
        f"python {sys.version.split()[0]}; Ray engine {ACTORS} actors x {IN_FLIGHT} in flight, "
        f"local engine concurrency {LOCAL_CONCURRENCY}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = make_articles(work / "articles", n, seed=1)
        warmup = make_articles(work / "warm-up", LOCAL_CONCURRENCY, seed=2)
        with (
            redis_server(work / "redis") as redis_url,
            ServerProcess(rule_model, latency=latency) as server,
        ):
            started = time.perf_counter()
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            ray.data.DataContext.get_current().enable_progress_bars = False
            print(f"   ray.init         {time.perf_counter() - started:8.3f} s (not counted below)")
            run_local(server.base_url, warmup, work / "warm-up.jsonl", cache="off")

            before = len(server.requests)
            local_wall, local = run_local(
                server.base_url, folder, work / "local.jsonl", cache="off"
            )
            requests = server.requests[before:]
            calls = len(requests)
            ideal = calls * latency / LOCAL_CONCURRENCY

            before = len(server.requests)
            wall, summary, timeline = run_distributed(
                server.base_url, folder, work / "ray.jsonl", cache_url=redis_url
            )
            ray_calls = len(server.requests) - before
            print(f"\n1. cold: {calls} LLM calls, ideal {ideal:.3f} s (calls x latency / 32)")
            print(
                f"   local engine     {local_wall:8.3f} s   wall / ideal {local_wall / ideal:.3f}  "
                f"({local.articles - local.failed} ok, {local.failed} failed)"
            )
            print(
                f"   Ray engine       {wall:8.3f} s   wall / ideal {wall / ideal:.3f}, "
                f"Ray / local {wall / local_wall:.3f}  ({summary.articles - summary.failed} ok, "
                f"{summary.failed} failed, {ray_calls} calls)"
            )
            print(
                f"     first line     {timeline.stamps[0]:8.3f} s   (the 2 actors start, each "
                "importing factsift; then lines come a finished batch at a time)"
            )
            print(
                f"     first to last  {timeline.after_first():8.3f} s   for the other {n - 1} "
                "articles"
            )

            before = len(server.requests)
            warm_wall, warm, warm_line = run_distributed(
                server.base_url, folder, work / "ray-warm.jsonl", cache_url=redis_url
            )
            local_warm_wall, local_warm = run_local(
                server.base_url, folder, work / "local-warm.jsonl", cache_url=redis_url
            )
            extra = len(server.requests) - before
            warm_rate = (n - 1) / max(warm_line.after_first(), 1e-9)
            print(f"\n2. warm cache through Redis: {n} articles, all from the cache")
            print(
                f"   Ray engine       {n / warm_wall:8.0f} articles/s  (wall {warm_wall:.3f} s, "
                f"most of it starting the actors; from the first line, written at "
                f"{warm_line.stamps[0]:.3f} s, to the last: {warm_rate:.0f} articles/s)"
            )
            print(
                f"   local engine     {n / local_warm_wall:8.0f} articles/s  "
                f"(wall {local_warm_wall:.3f} s, one process)"
            )
            print(
                f"   LLM calls during warm runs: {extra}; from the cache: "
                f"{warm.cached_calls}/{warm.llm_calls} (Ray), "
                f"{local_warm.cached_calls}/{local_warm.llm_calls} (local)"
            )
            overhead = prompt_overhead(requests, folder)
            ray.shutdown()
    paper_estimate(overhead, warm_rate)


if __name__ == "__main__":
    main()
