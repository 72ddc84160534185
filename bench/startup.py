"""Start-up time of commands that send nothing: the median of several runs.

Each run is a fresh process, as a user's command would be:

    python bench/startup.py            # factsift report --help, 7 runs
    python bench/startup.py --runs 11 -- show --help

The target is `factsift report --help` in 0.8 s or less. Timings vary with the
machine's load: run it on a quiet machine and compare medians, not single runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("args", nargs="*", default=["report", "--help"])
    options = parser.parse_args()
    command = [sys.executable, "-c", "from factsift._tools.cli import main; main()", *options.args]
    times, cpu = [], []
    for _ in range(options.runs):
        before = os.times()
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
        after = os.times()
        # CPU time of the child: less swayed than wall time by other load on the machine.
        cpu.append(
            after.children_user
            + after.children_system
            - before.children_user
            - before.children_system
        )
    print(
        f"factsift {' '.join(options.args)}: median {statistics.median(times):.3f} s wall, "
        f"{statistics.median(cpu):.3f} s CPU, over {options.runs} runs "
        f"(wall min {min(times):.3f}, max {max(times):.3f})"
    )


if __name__ == "__main__":
    main()
