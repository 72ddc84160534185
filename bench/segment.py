"""Sentence splitting: factsift's own rules against maintained splitters.

Scores sentence boundaries (the offset where each sentence ends, after
trimming whitespace) against two gold sets, and times each splitter:

- ECB+ dev (``../shared/eval/ecbplus-dev.jsonl``): each line of a document is
  one annotated sentence. The tokens are joined back into prose (``does n't``
  becomes ``doesn't``, quotes and punctuation are reattached) and the
  sentences joined with one space (with a line end after one that has no
  end mark, as a headline has), so the splitter must find every boundary
  after . ! ?. The ``ecbplus`` documents' sentence 0 (a URL) is
  left out.
- Cases written for this benchmark (below): news constructions that break
  naive splitters (titles, initials, "U.S.", times, decimals, quotes, glued
  sentences from scraped pages, headlines and list items on their own lines).

Every splitter runs the way factsift would run it: line ends are boundaries
(headlines, list items, paragraphs), and within a line the splitter decides.
The libraries that are not installed are skipped with a note.

    python bench/segment.py [ECBPLUS.jsonl]
"""

from __future__ import annotations

import importlib.util
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from factsift._pipeline.segment import split_sentences

ROOT = Path(__file__).resolve().parents[1]
ECBPLUS = ROOT.parent / "shared" / "eval" / "ecbplus-dev.jsonl"

Spans = list[tuple[int, int]]

# (text, its sentences in order), written for this benchmark.
CASES: list[tuple[str, list[str]]] = [
    (
        "Mr. Hale met Dr. Ruiz on Monday. They spoke for an hour.",
        ["Mr. Hale met Dr. Ruiz on Monday.", "They spoke for an hour."],
    ),
    (
        "The U.S. and the U.K. signed the pact. Talks resume in May.",
        ["The U.S. and the U.K. signed the pact.", "Talks resume in May."],
    ),
    (
        "Prices rose 3.5 percent in March. Analysts had expected 2.9 percent.",
        ["Prices rose 3.5 percent in March.", "Analysts had expected 2.9 percent."],
    ),
    (
        "The author J. R. Tolkland spoke at 5 p.m. on Friday. Tickets sold out.",
        ["The author J. R. Tolkland spoke at 5 p.m. on Friday.", "Tickets sold out."],
    ),
    (
        "“We will not give up,” she said. “Not now.” The crowd cheered.",
        ["“We will not give up,” she said.", "“Not now.”", "The crowd cheered."],
    ),
    (
        "Was it worth it? Nobody knows! The review is due next week.",
        ["Was it worth it?", "Nobody knows!", "The review is due next week."],
    ),
    (
        "He lives at No. 10 Harbour Road. She lives in St. Albans.",
        ["He lives at No. 10 Harbour Road.", "She lives in St. Albans."],
    ),
    (
        "Gen. Okafor and Lt. Col. Berg arrived. Sen. Marsh did not.",
        ["Gen. Okafor and Lt. Col. Berg arrived.", "Sen. Marsh did not."],
    ),
    (
        "The vote was close... Then the recount began.",
        ["The vote was close...", "Then the recount began."],
    ),
    (
        "The fire started in the depot.Firefighters arrived within minutes.",
        ["The fire started in the depot.", "Firefighters arrived within minutes."],
    ),
    (
        "Acme Corp. said profits fell. Its shares dropped 4%.",
        ["Acme Corp. said profits fell.", "Its shares dropped 4%."],
    ),
    (
        "Flood warning for the valley\nResidents were told to leave by noon.",
        ["Flood warning for the valley", "Residents were told to leave by noon."],
    ),
    (
        "The plan includes:\n- new buses\n- longer hours\nIt starts in June.",
        ["The plan includes:", "- new buses", "- longer hours", "It starts in June."],
    ),
    (
        "The meeting ended (as expected) without a deal. A new round is planned.",
        ["The meeting ended (as expected) without a deal.", "A new round is planned."],
    ),
    (
        "Officials said the bridge, e.g. its eastern span, needs repair. Work starts soon.",
        ["Officials said the bridge, e.g. its eastern span, needs repair.", "Work starts soon."],
    ),
    (
        "Shares in Nordvik Inc. rose on Tuesday. The company beat forecasts.",
        ["Shares in Nordvik Inc. rose on Tuesday.", "The company beat forecasts."],
    ),
    (
        "The ministry said 1,200 people were evacuated. 300 remain in shelters.",
        ["The ministry said 1,200 people were evacuated.", "300 remain in shelters."],
    ),
    (
        "“Is this the end?” asked one resident. Nobody answered.",
        ["“Is this the end?” asked one resident.", "Nobody answered."],
    ),
    (
        "The report (published Jan. 4) was clear. Mrs. Dunn agreed.",
        ["The report (published Jan. 4) was clear.", "Mrs. Dunn agreed."],
    ),
    (
        'He called it "a disgrace." The mayor disagreed.',
        ['He called it "a disgrace."', "The mayor disagreed."],
    ),
    (
        "Visit example.org for details. The site opens at 9 a.m. Monday.",
        ["Visit example.org for details.", "The site opens at 9 a.m. Monday."],
    ),
    (
        "The team won 3-1. Coach Ama Boateng was pleased. Fans were not.",
        ["The team won 3-1.", "Coach Ama Boateng was pleased.", "Fans were not."],
    ),
    (
        "Prof. Lind of Delft Univ. presented the data. It was new.",
        ["Prof. Lind of Delft Univ. presented the data.", "It was new."],
    ),
    (
        "The strike cost $4.2 million a day, the union said. Talks failed again.",
        ["The strike cost $4.2 million a day, the union said.", "Talks failed again."],
    ),
]


# -- gold ---------------------------------------------------------------------

_DETOKENIZE = [
    (re.compile(r"``\s*"), "“"),
    (re.compile(r"\s*''"), "”"),
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", re.I), r"\1"),
    (re.compile(r" ([,.;:!?%)\]])(?!\d)"), r"\1"),
    (re.compile(r"([(\[$]) "), r"\1"),
]


def _detokenize(line: str) -> str:
    # Straight quote tokens alternate: an opening one sticks to the next token,
    # a closing one to the one before.
    tokens = line.split(" ")
    out: list[str] = []
    opening = True
    glue = False
    for i, token in enumerate(tokens):
        if token == '"':
            if opening and i < len(tokens) - 1:
                out.append('"')
                glue = True
            elif out:
                out[-1] += '"'
            opening = not opening
            continue
        if glue and out:
            out[-1] += token
            glue = False
        else:
            out.append(token)
    line = " ".join(out)
    for pattern, replacement in _DETOKENIZE:
        line = pattern.sub(replacement, line)
    return line.strip()


def ecbplus_docs(path: Path) -> list[tuple[str, list[str]]]:
    docs: list[tuple[str, list[str]]] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            for doc in json.loads(line)["documents"]:
                sentences = [_detokenize(s) for s in doc["text"].split("\n")]
                if doc["subtopic"] == "ecbplus":
                    sentences = sentences[1:]
                sentences = [s for s in sentences if s]
                if sentences:
                    docs.append((_join(sentences), sentences))
    return docs


def _join(sentences: list[str]) -> str:
    """One space after a sentence that ends in . ! ? (and quotes), else a line end:
    a sentence with no end mark is a headline or a dateline, on its own line in an article."""
    text = ""
    for sentence in sentences:
        if text:
            text += " " if re.search(r"[.!?…][”’\"')\]]*$", text) else "\n"
        text += sentence
    return text


def gold_ends(text: str, sentences: list[str]) -> set[int]:
    ends: set[int] = set()
    at = 0
    for sentence in sentences:
        start = text.index(sentence, at)
        at = start + len(sentence)
        ends.add(at)
    return ends


# -- splitters ----------------------------------------------------------------


def _own(text: str) -> Spans:
    return [(s.start, s.end) for s in split_sentences(text)]


def _by_line(split_line: Callable[[str], Spans]) -> Callable[[str], Spans]:
    """Line ends are boundaries; the library splits inside each line."""

    def split(text: str) -> Spans:
        spans: Spans = []
        offset = 0
        for line in text.split("\n"):
            for start, end in split_line(line):
                piece = line[start:end]
                lead = len(piece) - len(piece.lstrip())
                trail = len(piece.rstrip())
                if trail > lead:
                    spans.append((offset + start + lead, offset + start + trail))
            offset += len(line) + 1
        return spans

    return split


def splitters() -> tuple[dict[str, Callable[[str], Spans]], list[str]]:
    found: dict[str, Callable[[str], Spans]] = {"factsift rules": _own}
    missing: list[str] = []
    if importlib.util.find_spec("pysbd"):
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        found["pysbd 0.3"] = _by_line(
            lambda line: [(s.start, s.end) for s in segmenter.segment(line)] if line else []
        )
    else:
        missing.append("pysbd")
    if importlib.util.find_spec("syntok"):
        from syntok import segmenter as syntok_segmenter

        def syntok_line(line: str) -> Spans:
            spans: Spans = []
            for paragraph in syntok_segmenter.analyze(line):
                for sentence in paragraph:
                    last = sentence[-1]
                    spans.append((sentence[0].offset, last.offset + len(last.value)))
            return spans

        found["syntok 1.4"] = _by_line(syntok_line)
    else:
        missing.append("syntok")
    if importlib.util.find_spec("nupunkt"):
        import nupunkt

        found["nupunkt 0.8"] = _by_line(lambda line: list(nupunkt.sent_spans(line)))
    else:
        missing.append("nupunkt")
    if importlib.util.find_spec("blingfire"):
        import blingfire

        found["blingfire 0.1"] = _by_line(
            lambda line: list(blingfire.text_to_sentences_and_offsets(line)[1]) if line else []
        )
    else:
        missing.append("blingfire")
    return found, missing


# -- scoring ------------------------------------------------------------------


def score(split: Callable[[str], Spans], docs: list[tuple[str, list[str]]]) -> dict[str, float]:
    tp = fp = fn = 0
    exact = 0
    seconds = 0.0
    for text, sentences in docs:
        gold = gold_ends(text, sentences)
        started = time.perf_counter()
        spans = split(text)
        seconds += time.perf_counter() - started
        predicted = {end for _, end in spans}
        tp += len(predicted & gold)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
        exact += predicted == gold
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    return {
        "P": precision,
        "R": recall,
        "F1": 2 * precision * recall / max(precision + recall, 1e-9),
        "docs exact": exact / max(len(docs), 1),
        "ms": seconds * 1000,
    }


def speed(split: Callable[[str], Spans], texts: list[str], rounds: int = 5) -> float:
    """Median milliseconds to split all ``texts`` once."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            split(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ECBPLUS
    sets = {"cases": CASES}
    if path.exists():
        sets["ECB+ dev"] = ecbplus_docs(path)
    else:
        print(f"{path} not found: scoring the written cases only")
    found, missing = splitters()
    texts = [text for docs in sets.values() for text, _ in docs]
    size = sum(len(t) for t in texts) / 1000
    print("sentence boundaries: precision, recall, F1, share of documents split exactly")
    print(f"{'':<16}" + "".join(f"{name + ' ' + k:>17}" for name in sets for k in ("P", "R", "F1")))
    for name, split in found.items():
        row = f"{name:<16}"
        for docs in sets.values():
            result = score(split, docs)
            row += "".join(f"{result[k]:>17.3f}" for k in ("P", "R", "F1"))
        print(row + f"   {speed(split, texts):8.1f} ms / {size:.0f} KB")
    for name, docs in sets.items():
        print(f"{name}: {len(docs)} documents, {sum(len(s) for _, s in docs)} sentences")
    if missing:
        print("not installed, skipped: " + ", ".join(missing))


if __name__ == "__main__":
    main()
