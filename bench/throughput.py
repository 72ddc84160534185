"""factsift's batch throughput, against LangExtract, from the cache, and its memory.

Everything runs against the scripted OpenAI-compatible server on 127.0.0.1
(tests/support), in its own process, so the numbers measure the tools, not a
model. Each tool first runs once on other articles: imports and set-up happen
once per process and are not what a batch's throughput is about.

1. Batch at concurrency 32, 0.5 s per LLM call, cache off: wall time against
   the ideal (calls x latency / concurrency). With 200 calls the ideal cannot
   be reached: some slot must carry ceil(200 / 32) = 7 calls in a row, 3.5 s,
   1.12 x the ideal; the "wave bound" line shows the ratio to that floor.
2. The same articles through LangExtract's OpenAI provider (max_workers 32,
   batch_length = all articles), one extraction class ("claim"), same server latency.
   Skipped with a note when ``langextract`` is not installed (it is not a
   factsift dependency: ``pip install langextract``).
3. A warm-cache re-run (every article answered from the cache): articles/s.
4. Peak RSS of a batch run, in a fresh subprocess, small against large input.

    python bench/throughput.py [--runs 3] [--quick] [--parts 1234]

Targets: wall/ideal <= 1.15; warm cache >= 500 articles/s; peak RSS flat.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factsift import Extractor  # noqa: E402
from factsift._edges.batch import run_batch  # noqa: E402
from tests.support.rule_model import rule_model  # noqa: E402
from tests.support.scripted_server import ServerProcess  # noqa: E402

CONCURRENCY = 32
LATENCY = 0.5
WARMUP = 32


def scripted(responder: Any, latency: float) -> ServerProcess:
    """The scripted server in its own process, as a provider would be.

    It answers each request ``latency`` seconds after it arrives (its own work
    included), listens with a deep backlog (512: with the default of 5, 32
    clients connecting at once were reset), and sends with TCP_NODELAY (with
    Nagle's algorithm each answer waited 40 ms for a delayed ACK).
    """
    return ServerProcess(responder, latency=latency)


# -- articles ---------------------------------------------------------------

ORGS = [
    "Harbor Freight Lines",
    "the Northfield Water Board",
    "Calder Steelworks",
    "the regional transit authority",
    "Meridian Health",
    "Baltic Grain Partners",
    "the city council",
    "Orion Pharmaceuticals",
    "the national rail operator",
    "Sandvik Mining",
    "the Ministry of Energy",
    "Lakeside University",
    "Pioneer Solar",
    "the port authority",
    "Granite Bank",
    "the teachers' union",
]
PLACES = [
    "Rotterdam",
    "Leeds",
    "Porto",
    "Gdansk",
    "Tallinn",
    "Bilbao",
    "Lyon",
    "Turku",
    "Aarhus",
    "Genoa",
    "Cork",
    "Bremen",
    "Malmo",
    "Antwerp",
    "Split",
    "Bergen",
]
PEOPLE = [
    "Maria Jensen",
    "Tomas Novak",
    "Aisha Rahman",
    "Luca Ferri",
    "Ingrid Holm",
    "Pedro Alves",
    "Hannah Weiss",
    "Oskar Lind",
    "Elena Petrova",
    "David Okafor",
    "Sofia Marin",
    "Jonas Berg",
    "Nadia Haddad",
    "Peter Kowalski",
    "Clara Dubois",
]
ROLES = ["spokesperson", "chief executive", "finance director", "mayor", "union leader"]
ACTIONS = [
    "open a new depot",
    "cut {n} jobs",
    "raise fares by {p} percent",
    "invest {n} million euros",
    "close two branches",
    "hire {n} engineers",
    "build a desalination plant",
    "delay the harbour expansion",
    "sign a supply agreement with a Norwegian firm",
    "freeze salaries for {p} months",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
REASONS = [
    "a sharp fall in orders",
    "months of talks with regulators",
    "rising energy costs",
    "record demand last quarter",
    "a court ruling in March",
    "pressure from investors",
]
FOLLOW_UPS = [
    "Officials in {place} met with union leaders last week to discuss the plan.",
    "Analysts said the move was expected to ease pressure on the budget.",
    "Local residents have protested against similar projects in {place} before.",
    "The decision must still be approved by the regional parliament.",
    "Shares in the group rose {p} percent in early trading on {day}.",
    "Police arrested {k} protesters outside the headquarters in {place}.",
]
OUTLOOKS = [
    "The work is expected to finish by {month} next year.",
    "A final vote is scheduled for {month}.",
    "The company will publish detailed figures in {month}.",
    "Critics said the plan may cost more than {n} million euros.",
]
MONTHS = ["January", "March", "May", "June", "September", "November"]


def article(i: int, rng: random.Random) -> str:
    """A distinct 2-4 sentence news item (the index is in its numbers)."""
    fill = {
        "n": 10 + 3 * i,  # i makes every article distinct
        "p": rng.randint(2, 19),
        "k": rng.randint(3, 40),
        "place": rng.choice(PLACES),
        "day": rng.choice(DAYS),
        "month": rng.choice(MONTHS),
    }
    org = rng.choice(ORGS)
    action = rng.choice(ACTIONS).format(**fill)
    first = (
        f"{org[0].upper()}{org[1:]} said on {fill['day']} that it would {action} in {fill['place']}"
    )
    first += f", a plan covering {fill['n']:,} households."
    second = (
        f"{rng.choice(PEOPLE)}, the {rng.choice(ROLES)}, said the decision followed "
        f"{rng.choice(REASONS)}."
    )
    sentences = [first, second]
    extra = rng.randint(0, 2)
    if extra >= 1:
        sentences.append(rng.choice(FOLLOW_UPS).format(**fill))
    if extra >= 2:
        sentences.append(rng.choice(OUTLOOKS).format(**fill))
    return " ".join(sentences) + "\n"


def make_articles(folder: Path, count: int, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for i in range(count):
        (folder / f"a{i:05d}.txt").write_text(article(i, rng), encoding="utf-8")
    return folder


# -- server-side accounting ---------------------------------------------------


def message_chars(request: dict[str, Any]) -> int:
    return sum(len(str(m.get("content") or "")) for m in request.get("messages", []))


def schema_chars(request: dict[str, Any]) -> int:
    """Characters of the structured-output schema sent beside the messages."""
    extra = {k: request[k] for k in ("tools", "tool_choice", "response_format") if k in request}
    return len(json.dumps(extra)) if extra else 0


def tokens_per_article(requests: list[dict[str, Any]], articles: int) -> tuple[float, float]:
    """(message content chars / 4, plus any tool or response-format schema / 4), per article."""
    messages = sum(message_chars(r) for r in requests) / 4
    schemas = sum(schema_chars(r) for r in requests) / 4
    return messages / articles, (messages + schemas) / articles


# -- 1. factsift at concurrency 32 -------------------------------------------


def release(ex: Extractor) -> None:
    """Close ``ex`` and collect it now, outside any event loop.

    Extractor.close() leaves the batch's AsyncOpenAI client open; collected later,
    inside the next run's event loop, it schedules its aclose() there and prints
    "Task exception was never retrieved ... Event loop is closed".
    """
    ex.close()
    del ex
    gc.collect()


def factsift_once(
    server: ServerProcess, folder: Path, work: Path
) -> tuple[float, float, list[dict[str, Any]], Any]:
    ex = Extractor("scripted", base_url=server.base_url, cache="off")
    output = work / f"factsift-{time.monotonic_ns()}.jsonl"
    before = len(server.requests)
    started, cpu = time.perf_counter(), time.process_time()
    summary = run_batch(ex, [folder], output, concurrency=CONCURRENCY)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    release(ex)
    return wall, cpu, server.requests[before:], summary


def bench_factsift(folder: Path, articles: int, runs: int, work: Path) -> dict[str, Any]:
    walls, cpus, calls, summaries = [], [], [], []
    requests: list[dict[str, Any]] = []
    with scripted(rule_model, LATENCY) as server:
        # Imports, client set-up and schema building happen once per process: a
        # first batch of other articles takes them out of the measured runs.
        warm = make_articles(work / "warm-up", WARMUP, seed=99)
        cold, *_ = factsift_once(server, warm, work)
        for _ in range(runs):
            wall, cpu, requests, summary = factsift_once(server, folder, work)
            walls.append(wall)
            cpus.append(cpu)
            calls.append(len(requests))
            summaries.append(summary)
    wall = statistics.median(walls)
    n_calls = int(statistics.median(calls))
    ideal = n_calls * LATENCY / CONCURRENCY
    waves = math.ceil(n_calls / CONCURRENCY) * LATENCY
    summary = summaries[-1]
    msg_tokens, all_tokens = tokens_per_article(requests, articles)
    print(
        f"\n1. factsift batch: {articles} articles, concurrency {CONCURRENCY}, "
        f"latency {LATENCY} s, cache off, median of {runs}"
    )
    print(f"   wall             {wall:8.3f} s   (runs: {', '.join(f'{w:.3f}' for w in walls)})")
    print(
        f"   LLM calls        {n_calls:8d}     (server side; {n_calls / articles:.2f} per article)"
    )
    print(f"   ideal            {ideal:8.3f} s   (calls x latency / concurrency)")
    print(f"   wall / ideal     {wall / ideal:8.3f}     (target <= 1.15)")
    print(
        f"   wave bound       {waves:8.3f} s   (ceil(calls / concurrency) x latency; "
        f"wall / wave bound {wall / waves:.3f})"
    )
    print(
        f"   client CPU       {statistics.median(cpus) / articles * 1000:8.2f} ms/article "
        "(factsift's process; the server runs in another)"
    )
    print(
        f"   warm-up          {cold:8.3f} s   ({WARMUP} other articles, one batch of "
        f"{math.ceil(WARMUP / CONCURRENCY)} wave: the process's first run)"
    )
    print(
        f"   articles ok/failed {summary.articles - summary.failed}/{summary.failed}, "
        f"claims {summary.claims}, events {summary.events}"
    )
    if summary.errors:
        print(f"   first error: {summary.errors[0]}")
    return {"wall": wall, "calls": n_calls, "tokens": (msg_tokens, all_tokens)}


# -- 2. LangExtract ------------------------------------------------------------

LX_PROMPT = (
    "Extract the factual claims the article makes. Quote each claim's sentence exactly "
    "as it appears in the text; do not paraphrase."
)
LX_EXAMPLE_TEXT = (
    "Porto Energy said on Friday that it would close its coal plant in 2027. "
    "Ana Costa, the chief executive, said the decision followed a fall in demand."
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def langextract_model(request: dict[str, Any]) -> dict[str, Any]:
    """Answer a LangExtract prompt: the first sentence of its question, as one claim.

    LangExtract's prompt ends ``Q: <chunk>\\nA: ``; the answer is its JSON
    wrapper, ``{"extractions": [{"claim": ..., "claim_attributes": {}}]}``
    (unfenced: its OpenAI provider asks for JSON mode and expects raw JSON).
    """
    user = "\n".join(
        str(m.get("content") or "") for m in request.get("messages", []) if m["role"] == "user"
    )
    question = user.rsplit("Q: ", 1)[-1]
    question = re.sub(r"\s*A:\s*$", "", question).strip()
    first = SENTENCE_END.split(question, 1)[0]
    return {"extractions": [{"claim": first, "claim_attributes": {}}]}


def langextract_once(
    lx: Any, server: ServerProcess, folder: Path
) -> tuple[float, list[dict[str, Any]], list[Any]]:
    example = lx.data.ExampleData(
        text=LX_EXAMPLE_TEXT,
        extractions=[
            lx.data.Extraction(
                extraction_class="claim",
                extraction_text=SENTENCE_END.split(LX_EXAMPLE_TEXT, 1)[0],
                attributes={},
            )
        ],
    )
    before = len(server.requests)
    started = time.perf_counter()
    docs = [
        lx.data.Document(path.read_text(encoding="utf-8"), document_id=path.stem)
        for path in sorted(folder.glob("*.txt"))
    ]
    results = lx.extract(
        text_or_documents=docs,
        prompt_description=LX_PROMPT,
        examples=[example],
        model_id="gpt-4o-mini",
        api_key="not-needed",
        language_model_params={"base_url": server.base_url},
        fence_output=False,
        use_schema_constraints=False,
        max_workers=CONCURRENCY,
        # Chunks go to the model in batches of batch_length, each batch a barrier;
        # one batch of every article (>= max_workers) was its fastest setting here.
        batch_length=max(CONCURRENCY, len(docs)),
        show_progress=False,
    )
    wall = time.perf_counter() - started
    return wall, server.requests[before:], list(results)


def bench_langextract(folder: Path, articles: int, runs: int, factsift: dict[str, Any]) -> None:
    print(
        f"\n2. LangExtract: same {articles} articles, max_workers {CONCURRENCY}, "
        f"batch_length {max(CONCURRENCY, articles)}, latency {LATENCY} s, median of {runs}"
    )
    try:
        import langextract as lx
    except ImportError as err:
        print(f"   SKIPPED: langextract is not importable ({err}); pip install langextract")
        return
    version = getattr(lx, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("langextract")
    logging.getLogger("absl").setLevel(logging.ERROR)
    logging.getLogger("langextract").setLevel(logging.ERROR)
    walls, calls = [], []
    requests: list[dict[str, Any]] = []
    results: list[Any] = []
    with scripted(langextract_model, LATENCY) as server, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        langextract_once(lx, server, folder.parent / "warm-up")  # as for factsift
        for _ in range(runs):
            wall, requests, results = langextract_once(lx, server, folder)
            walls.append(wall)
            calls.append(len(requests))
    wall = statistics.median(walls)
    n_calls = int(statistics.median(calls))
    grounded = sum(
        1 for doc in results for e in (doc.extractions or []) if e.char_interval is not None
    )
    total = sum(len(doc.extractions or []) for doc in results)
    ideal = n_calls * LATENCY / CONCURRENCY
    msg_tokens, all_tokens = tokens_per_article(requests, articles)
    fs_msg, fs_all = factsift["tokens"]
    print(f"   langextract {version}")
    print(f"   wall             {wall:8.3f} s   (runs: {', '.join(f'{w:.3f}' for w in walls)})")
    waves = math.ceil(n_calls / CONCURRENCY) * LATENCY
    print(
        f"   LLM calls        {n_calls:8d}     (wall / ideal {wall / ideal:.3f}, "
        f"wall / wave bound {wall / waves:.3f})"
    )
    print(
        f"   extractions      {total:8d}     ({grounded} with a char interval, "
        f"{len(results)} documents)"
    )
    print(f"   factsift wall / LangExtract wall: {factsift['wall'] / wall:.3f}")
    print(f"   {'per article':<34} {'factsift':>10} {'LangExtract':>12}")
    print(f"   {'LLM calls':<34} {factsift['calls'] / articles:>10.2f} {n_calls / articles:>12.2f}")
    print(f"   {'prompt tokens (messages / 4)':<34} {fs_msg:>10.0f} {msg_tokens:>12.0f}")
    print(f"   {'  + tools/response_format schema':<34} {fs_all:>10.0f} {all_tokens:>12.0f}")


# -- 3. warm cache ---------------------------------------------------------------


def bench_warm_cache(articles: int, runs: int, work: Path) -> None:
    folder = make_articles(work / f"warm{articles}", articles, seed=3)
    cache_dir = work / "warm-cache"
    with scripted(rule_model, 0.0) as server:
        ex = Extractor("scripted", base_url=server.base_url, cache_dir=cache_dir)
        started = time.perf_counter()
        fill = run_batch(ex, [folder], work / "warm-fill.jsonl", concurrency=CONCURRENCY)
        fill_wall = time.perf_counter() - started
        release(ex)
        filled = len(server.requests)
        rates, extra, cached = [], [], []
        for i in range(runs):
            ex = Extractor("scripted", base_url=server.base_url, cache_dir=cache_dir)
            before = len(server.requests)
            started = time.perf_counter()
            summary = run_batch(ex, [folder], work / f"warm-{i}.jsonl", concurrency=CONCURRENCY)
            wall = time.perf_counter() - started
            release(ex)
            rates.append(articles / wall)
            extra.append(len(server.requests) - before)
            cached.append(summary.cached_calls == summary.llm_calls and not summary.failed)
    print(f"\n3. warm cache: {articles} articles, concurrency {CONCURRENCY}, median of {runs}")
    print(
        f"   fill run         {fill_wall:8.3f} s   ({filled} LLM calls at latency 0, "
        f"{fill.failed} failed)"
    )
    print(
        f"   re-run           {statistics.median(rates):8.0f} articles/s   (target >= 500; runs: "
        f"{', '.join(f'{r:.0f}' for r in rates)})"
    )
    print(f"   LLM calls during re-runs: {extra}; all from cache: {all(cached)}")


# -- 4. peak RSS -----------------------------------------------------------------


def peak_rss_kb() -> tuple[int, str]:
    """This process's peak resident set in KiB, and where the number came from.

    On Linux, getrusage's ru_maxrss survives fork and exec: a child started by a
    big parent reports the parent's size until it outgrows it. VmHWM counts this
    process's own memory since exec, so it is preferred where it exists.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]), "VmHWM"
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (peak // 1024 if sys.platform == "darwin" else peak), "getrusage"


def rss_child(folder: str, base_url: str, output: str) -> None:
    """In a fresh process: peak RSS before and after a batch (cache off, latency 0)."""
    ex = Extractor("scripted", base_url=base_url, cache="off")
    before, _ = peak_rss_kb()
    started = time.perf_counter()
    summary = run_batch(ex, [Path(folder)], Path(output), concurrency=CONCURRENCY)
    wall = time.perf_counter() - started
    ex.close()
    after, source = peak_rss_kb()
    print(
        json.dumps(
            {
                "before_kb": before,
                "peak_kb": after,
                "source": source,
                "wall": wall,
                "articles": summary.articles,
                "failed": summary.failed,
                "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def bench_rss(sizes: list[int], work: Path) -> None:
    print(f"\n4. peak RSS (fresh subprocess each, cache off, latency 0, concurrency {CONCURRENCY})")
    print(
        f"   {'articles':>8} {'peak at setup':>14} {'peak at end':>12} {'wall s':>8} "
        f"{'failed':>7} {'server calls':>13}"
    )
    source = ""
    with scripted(rule_model, 0.0) as server:
        for size in sizes:
            folder = make_articles(work / f"rss{size}", size, seed=4)
            before_calls = len(server.requests)
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--rss-child",
                    str(folder),
                    server.base_url,
                    str(work / f"rss{size}.jsonl"),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            calls = len(server.requests) - before_calls
            if proc.returncode != 0:
                print(
                    f"   {size:>8} child failed ({proc.returncode}): {proc.stderr.strip()[-500:]}"
                )
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(
                f"   {size:>8} {r['before_kb'] / 1024:>11.1f} MB {r['peak_kb'] / 1024:>9.1f} MB "
                f"{r['wall']:>8.1f} {r['failed']:>7} {calls:>13}"
            )
            source = r["source"]
    if source == "VmHWM":
        print(
            "   (peak RSS of the child since exec, from /proc/self/status VmHWM; getrusage's "
            "ru_maxrss there still holds the forking parent's size)"
        )


# -- main ------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--rss-child":
        rss_child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement (default 3)")
    parser.add_argument("--quick", action="store_true", help="fewer articles and runs")
    parser.add_argument("--parts", default="1234", help="which parts to run (default 1234)")
    args = parser.parse_args()
    if args.quick:
        runs, batch, warm, rss = args.runs or 1, 64, 200, [200, 2000]
    else:
        runs, batch, warm, rss = args.runs or 3, 200, 1000, [1000, 10000]
    print(
        f"factsift throughput{' (quick)' if args.quick else ''}: scripted server on 127.0.0.1, "
        f"python {sys.version.split()[0]}, the server in its own process"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = make_articles(work / "articles", batch, seed=1)
        texts = {p.read_text(encoding="utf-8") for p in folder.glob("*.txt")}
        assert len(texts) == batch, "articles must be distinct"
        result: dict[str, Any] | None = None
        if "1" in args.parts or "2" in args.parts:
            result = bench_factsift(folder, batch, runs, work)
        if "2" in args.parts and result is not None:
            bench_langextract(folder, batch, runs, result)
        if "3" in args.parts:
            bench_warm_cache(warm, runs, work)
        if "4" in args.parts:
            bench_rss(rss, work)


if __name__ == "__main__":
    main()
