"""Time resolution: factsift's own rules against dateparser (with RELATIVE_BASE).

No dev file here carries normalised times (WikiEvents and PolNeAR have none;
ECB+ marks time expressions but has no publication dates and no values), so
accuracy is scored on cases written for this benchmark: news time
expressions, a publication date, and the ISO date or interval a careful
reader would give (``None`` where the expression does not pin one down).

- exact: the answer equals the expected value (date or interval);
- inside: the answer is a date inside the expected interval, or equals it
  (dateparser returns single dates, never intervals: this is its best case);
- wrong: an answer where ``None`` was expected, or a date outside.

Coverage on ECB+ dev: the share of its TIME_DATE mentions each resolver gives
any value for (against an arbitrary anchor, so not accuracy), and speed.

    python bench/timex.py [ECBPLUS.jsonl]
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from factsift._pipeline.timex import resolve_time

ROOT = Path(__file__).resolve().parents[1]
ECBPLUS = ROOT.parent / "shared" / "eval" / "ecbplus-dev.jsonl"

A = dt.date(2024, 3, 14)  # a Thursday
B = dt.date(2023, 11, 6)  # a Monday

# (expression, publication date, expected), written for this benchmark.
CASES: list[tuple[str, dt.date, str | None]] = [
    ("on Tuesday", A, "2024-03-12"),
    ("last Thursday", A, "2024-03-07"),
    ("next Monday", A, "2024-03-18"),
    ("on Friday", B, "2023-11-03"),
    ("yesterday", A, "2024-03-13"),
    ("today", A, "2024-03-14"),
    ("tomorrow", B, "2023-11-07"),
    ("the day before yesterday", A, "2024-03-12"),
    ("three days ago", A, "2024-03-11"),
    ("two weeks ago", A, "2024-02-29"),
    ("a year ago", A, "2023-01-01/2023-12-31"),
    ("last month", A, "2024-02-01/2024-02-29"),
    ("next month", B, "2023-12-01/2023-12-31"),
    ("this month", A, "2024-03-01/2024-03-31"),
    ("last year", A, "2023-01-01/2023-12-31"),
    ("next year", B, "2024-01-01/2024-12-31"),
    ("earlier this year", A, "2024-01-01/2024-03-14"),
    ("later this year", B, "2023-11-06/2023-12-31"),
    ("last week", A, "2024-03-04/2024-03-10"),
    ("this week", B, "2023-11-06/2023-11-12"),
    ("on March 3", A, "2024-03-03"),
    ("March 3, 2021", A, "2021-03-03"),
    ("3 March 2021", A, "2021-03-03"),
    ("on the 5th of May", B, "2023-05-05"),
    ("Feb. 9", A, "2024-02-09"),
    ("in June 2019", A, "2019-06-01/2019-06-30"),
    ("in 2015", A, "2015-01-01/2015-12-31"),
    ("2022-08-30", A, "2022-08-30"),
    ("tonight", B, "2023-11-06"),
    ("this morning", A, "2024-03-14"),
    ("recently", A, None),
    ("in the coming weeks", A, None),
    ("for decades", A, None),
    ("soon", B, None),
    ("at the time", A, None),
    ("every Sunday", A, None),
]


def _dateparser() -> Callable[[str, dt.date], str | None] | None:
    if importlib.util.find_spec("dateparser") is None:
        return None
    import dateparser

    def resolve(expression: str, anchor: dt.date) -> str | None:
        settings = {
            "RELATIVE_BASE": dt.datetime.combine(anchor, dt.time(12)),
            "PREFER_DATES_FROM": "past",  # news reports what happened
            "REQUIRE_PARTS": [],
        }
        # Leading prepositions ("on", "in") make it give up.
        words = expression.split()
        if words and words[0].lower() in {"on", "in", "at"}:
            expression = " ".join(words[1:])
        found = dateparser.parse(expression, languages=["en"], settings=settings)  # type: ignore[arg-type]
        return found.date().isoformat() if found else None

    return resolve


def _judge(answer: str | None, expected: str | None) -> str:
    if answer == expected:
        return "exact"
    if answer is None:
        return "missed"
    if expected is None:
        return "wrong"
    if "/" in expected and "/" not in answer:
        lo, hi = expected.split("/")
        return "inside" if lo <= answer <= hi else "wrong"
    return "wrong"


def ecbplus_times(path: Path) -> list[str]:
    out: list[str] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            out += [
                e["trigger_text"] for e in json.loads(line)["entities"] if e["type"] == "TIME_DATE"
            ]
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ECBPLUS
    resolvers: dict[str, Callable[[str, dt.date], str | None]] = {"factsift rules": resolve_time}
    parser = _dateparser()
    if parser is not None:
        resolvers["dateparser"] = parser
    else:
        print("dateparser is not installed: skipped")
    times = ecbplus_times(path) if path.exists() else []
    print(f"{len(CASES)} written cases; ECB+ dev TIME_DATE mentions: {len(times)}")
    head = ["exact", "inside", "missed", "wrong", "ECB+ any", "ms / case"]
    print(f"{'':<16}" + "".join(f"{h:>11}" for h in head))
    for name, resolve in resolvers.items():
        counts = dict.fromkeys(["exact", "inside", "missed", "wrong"], 0)
        misses = []
        for expression, anchor, expected in CASES:
            verdict = _judge(resolve(expression, anchor), expected)
            counts[verdict] += 1
            if verdict != "exact":
                misses.append(f"{expression!r}: {resolve(expression, anchor)} ({verdict})")
        any_value = sum(resolve(t, A) is not None for t in times) / max(len(times), 1)
        rounds = []
        for _ in range(3):
            started = time.perf_counter()
            for expression, anchor, _ in CASES:
                resolve(expression, anchor)
            rounds.append((time.perf_counter() - started) / len(CASES) * 1000)
        row = "".join(f"{counts[k] / len(CASES):>11.2f}" for k in counts)
        print(f"{name:<16}{row}{any_value:>11.2f}{statistics.median(rounds):>11.3f}")
        for miss in misses:
            print(f"    {miss}")


if __name__ == "__main__":
    main()
