"""The bundled model, in-process: speed, memory, grounding, and sharing the CPU.

Default: runs the default configuration (SmolLM2-135M-Instruct through
llama.cpp, sentence strategy) on the seed article and on a 10 KB article, each
with a cold cache, and prints medians over the runs:

- seconds per article, and LLM calls per article;
- prompt and generated tokens per second (llama.cpp's own timings);
- peak RSS of the process;
- the share of extracted items that were grounded, and the share rejected.

``--parallel N``: contention. Each round runs the article alone in a fresh
process, then N fresh processes on it at once, and prints each one's seconds
against the solo run and the ratio (two equal jobs on two cores cannot beat
2x; the target is each at most 2.5x). CPU seconds are printed beside: they do
not depend on how loaded the machine is, and spinning threads show there.

``--folder PATH``: the quickstart, ``factsift extract PATH -o ...`` with a cold
cache, in a child process: seconds, CPU seconds and the child's peak RSS.

``--set KEY=VALUE`` (repeatable) overrides a llama.cpp setting in the child
processes (``factsift._edges.local._TUNING``: threads, poll, cache_ram_mib), to
compare with other settings, e.g. llama.cpp's own defaults on two cores:
``--set threads=2 --set poll=50 --set cache_ram_mib=8192``.

    python bench/local_model.py [--runs 3]
    python bench/local_model.py --parallel 2 [--runs 3] [--article PATH]
    python bench/local_model.py --folder examples/articles

Targets on 2 cores: under 30 s for the seed article, under 1 GB peak RSS,
100% of returned spans grounded, each of two parallel runs at most 2.5x solo.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
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


#: By default the sentence strategy asks the model nothing (it lost to the rules on every
#: decision measured); the speed of the model is measured on the one it can still be asked.
ASKED = ["kind"]


def measure(path: Path, runs: int) -> dict[str, float]:
    rows: dict[str, list[float]] = {}
    for _ in range(runs):
        with (
            tempfile.TemporaryDirectory() as cache,
            Extractor(cache_dir=cache, decisions=ASKED) as ex,
        ):
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


# -- child processes ------------------------------------------------------


def _apply(tuning: dict[str, int]) -> None:
    from factsift._edges import local

    local._TUNING.update(tuning)


def child_article(path: Path, tuning: dict[str, int]) -> None:
    """One cold extraction of ``path``; prints seconds and CPU seconds as JSON."""
    _apply(tuning)
    with tempfile.TemporaryDirectory() as cache, Extractor(cache_dir=cache, decisions=ASKED) as ex:
        started, cpu = time.perf_counter(), time.process_time()
        facts = ex.extract(path)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mb": peak, "calls": facts.usage.calls}))


def child_cli(argv: list[str], tuning: dict[str, int]) -> None:
    """``factsift`` with ``argv``, in this process, with ``tuning`` applied."""
    _apply(tuning)
    from factsift._tools.cli import main

    sys.argv = ["factsift", *argv]
    main()


def _spawn(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )


def _tuning_args(tuning: dict[str, int]) -> list[str]:
    return [arg for key, value in tuning.items() for arg in ("--set", f"{key}={value}")]


def _result(process: subprocess.Popen[str]) -> dict[str, float]:
    out, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"a child run failed with exit status {process.returncode}")
    return dict(json.loads(out.strip().splitlines()[-1]))


def parallel(path: Path, n: int, runs: int, tuning: dict[str, int]) -> None:
    child = ["--child", str(path), *_tuning_args(tuning)]
    solos: list[dict[str, float]] = []
    together: list[list[dict[str, float]]] = []
    for _ in range(runs):
        solos.append(_result(_spawn(child)))
        processes = [_spawn(child) for _ in range(n)]
        together.append([_result(p) for p in processes])
    print(f"{path.name}: {n} runs at once against one alone, {runs} rounds, llama.cpp {tuning}")
    runs_head = "".join(f"{f'run {i + 1} s':>10}{'ratio':>8}" for i in range(n))
    print(f"{'round':<7}{'solo s':>9}{'solo cpu':>10}{runs_head}{'cpu each':>10}")
    ratios: list[float] = []
    for r, (solo, group) in enumerate(zip(solos, together, strict=True)):
        row = f"{r + 1:<7}{solo['seconds']:>9.1f}{solo['cpu']:>10.1f}"
        for one in group:
            ratio = one["seconds"] / solo["seconds"]
            ratios.append(ratio)
            row += f"{one['seconds']:>10.1f}{ratio:>8.2f}"
        row += f"{statistics.median(one['cpu'] for one in group):>10.1f}"
        print(row)
    solo_s = statistics.median(s["seconds"] for s in solos)
    each_s = statistics.median(o["seconds"] for g in together for o in g)
    print(
        f"median: solo {solo_s:.1f} s ({statistics.median(s['cpu'] for s in solos):.1f} s CPU), "
        f"each of {n} at once {each_s:.1f} s "
        f"({statistics.median(o['cpu'] for g in together for o in g):.1f} s CPU); "
        f"ratio median {statistics.median(ratios):.2f}, worst {max(ratios):.2f} (target <= 2.5); "
        f"load average before the last round {os.getloadavg()[0]:.1f}"
    )


def folder(path: Path, tuning: dict[str, int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["extract", str(path), "-o", f"{tmp}/facts.jsonl", "--cache-dir", f"{tmp}/cache"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = subprocess.run(
            [sys.executable, __file__, "--cli", *_tuning_args(tuning), "--", *argv],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            check=False,
        )
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(
        f"factsift extract {path} (cold cache, llama.cpp {tuning}): {seconds:.1f} s, "
        f"{cpu:.1f} s CPU, peak RSS {after.ru_maxrss / 1024:.0f} MB, exit {process.returncode}; "
        f"load average {os.getloadavg()[0]:.1f} (targets: under 1 GB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold runs per article (default 3)")
    parser.add_argument("--parallel", type=int, metavar="N", help="N runs at once against solo")
    parser.add_argument("--article", type=Path, default=SEED, help="for --parallel (the seed)")
    parser.add_argument("--folder", type=Path, help="the quickstart on this folder")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cli", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("argv", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    tuning = {k: int(v) for k, _, v in (item.partition("=") for item in args.set)}
    if args.child:
        return child_article(args.child, tuning)
    if args.cli:
        return child_cli(args.argv, tuning)
    if args.parallel:
        return parallel(args.article, args.parallel, args.runs, tuning)
    if args.folder:
        return folder(args.folder, tuning)
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
