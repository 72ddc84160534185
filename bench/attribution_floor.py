"""The regex floor that the sentence strategy has to beat, scored like factsift.

Claims: every sentence with a reporting cue ("said", "says", "told",
"according to", ...) is a claim whose speaker is the last four words before
the cue, cut at a comma. Events: every word ending in "-ed" is a trigger,
with the nearest capitalised word on each side as its arguments. Twenty
lines of regex, no model: a score below this is no score at all.

    python bench/attribution_floor.py [GOLD.jsonl ...] [--json]

Gold files default to ../shared/eval/ (seed, polnear-dev, wikievents-dev).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from factsift._pipeline.documents import find_furniture
from factsift._pipeline.segment import split_sentences
from factsift.evaluate import EvalReport, evaluate, load_gold, load_type_map

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
GOLD = ["seed-gold.jsonl", "polnear-dev.jsonl", "wikievents-dev.jsonl"]

_CUE = re.compile(
    r"\b(?:said|says|say|told|tells|according to|added|stated|claimed|reported|reports|"
    r"announced|wrote|argued|insisted|warned|explained)\b",
    re.I,
)
_PAST = re.compile(r"\b[a-z]{3,}ed\b")
_NAME = re.compile(r"\b[A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*")


def _span(text: str, start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text[start:end]}


def floor_prediction(doc: dict[str, Any]) -> dict[str, Any]:
    """The regex floor's claims and events for one gold document."""
    text = doc["text"]
    claims: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for sentence in split_sentences(text, skip=find_furniture(text)):
        s = text[sentence.start : sentence.end]
        cue = _CUE.search(s)
        if cue is not None:
            before = s[: cue.start()].rsplit(",", 1)[-1].split()[-4:]
            speaker = " ".join(before) or None
            claims.append(
                {
                    "kind": "fact",
                    "certainty": "reported" if speaker else "asserted",
                    "attribution": {
                        "source_type": "person" if speaker else "author",
                        "name": speaker,
                    },
                    "evidence": [_span(text, sentence.start, sentence.end)],
                }
            )
        names = [(m.start(), m.end()) for m in _NAME.finditer(s) if m.start() > 0]
        for m in _PAST.finditer(s):
            left = [n for n in names if n[1] <= m.start()][-1:]
            right = [n for n in names if n[0] >= m.end()][:1]
            events.append(
                {
                    "type": "other",
                    "realis": "occurred",
                    "trigger": _span(text, sentence.start + m.start(), sentence.start + m.end()),
                    "participants": [
                        {
                            "role": "participant",
                            "span": _span(text, sentence.start + a, sentence.start + b),
                        }
                        for a, b in left + right
                    ],
                }
            )
    return {"id": doc["id"], "text": text, "claims": claims, "events": events}


def floor_report(path: Path) -> EvalReport:
    gold = load_gold(path)
    return evaluate([floor_prediction(g) for g in gold], gold, type_map=load_type_map())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="*", type=Path, default=[SHARED / g for g in GOLD])
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    args = parser.parse_args()
    for path in args.gold:
        report = floor_report(path)
        print(f"== {path.name}: regex floor")
        print(
            json.dumps(report.to_dict()["total"], indent=2) if args.json else report.format_table()
        )


if __name__ == "__main__":
    main()
