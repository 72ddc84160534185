"""Is the small model worth asking? Each decision it could make, against the rules.

For every sentence of the gold files, the rules propose (claim or not, kind,
certainty, speaker, event words) and the model is asked every decision the
sentence strategy can delegate. Both are scored against the gold annotations:

- kind, certainty, speaker: accuracy over sentences that carry a gold claim
  (seed-gold has claims);
- events: precision, recall and F1 of trigger words, the rules' words alone
  against the words the model kept of them (wikievents and seed-gold).

    python bench/decisions.py [GOLD.jsonl ...] [--model local]
    python bench/decisions.py --kinds [bench/data/kinds.jsonl] [--model local]

``--kinds`` scores the kind decision (fact, opinion, prediction) on a labelled
set of sentences (written for it, and from examples/articles; never from a dev
file): per-class recall and fact precision, rules against the model.

The answers are cached, so a second run is instant.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from factsift import Document, Extractor
from factsift._edges.llm import Scope
from factsift._pipeline.decompose import DECISIONS, choice_model, prompt_values
from factsift._pipeline.documents import find_furniture
from factsift._pipeline.rules import propose, propose_all
from factsift._pipeline.segment import Sentence, split_sentences

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"


def norm(name: str | None) -> str | None:
    if not name:
        return None
    words = [w for w in name.lower().replace("’s", "").split() if w not in ("the", "a", "an")]
    return " ".join(words) or None


def same_speaker(predicted: str | None, gold: str | None) -> bool:
    p, g = norm(predicted), norm(gold)
    if p is None or g is None:
        return p == g
    return p in g or g in p


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "gold",
        nargs="*",
        type=Path,
        default=[SHARED / "seed-gold.jsonl", SHARED / "wikievents-dev.jsonl"],
    )
    parser.add_argument("--model", default="local")
    parser.add_argument(
        "--decisions",
        default=",".join(DECISIONS),
        help="what to ask the model, comma-separated (default: all)",
    )
    parser.add_argument(
        "--kinds",
        nargs="?",
        const=Path(__file__).resolve().parent / "data" / "kinds.jsonl",
        type=Path,
        help="score the kind decision on a labelled set (default bench/data/kinds.jsonl)",
    )
    args = parser.parse_args()
    if args.kinds:
        score_kinds(args.kinds, args.model)
        return
    decisions = args.decisions.split(",")
    ex = Extractor(args.model, strategy="sentence", decisions=decisions)
    acc: Counter[str] = Counter()
    started, calls = time.perf_counter(), 0
    for path in args.gold:
        for line in path.open(encoding="utf-8"):
            gold = json.loads(line)
            # Gold offsets index the text as given: use it as is, not re-cleaned.
            doc = Document(id=gold["id"], text=gold["text"], furniture=find_furniture(gold["text"]))
            sentences = split_sentences(doc.text, doc.furniture)
            for i, (sentence, proposal) in enumerate(
                zip(sentences, propose_all(doc.text, sentences), strict=True)
            ):
                span = (sentence.start, sentence.end)
                question = choice_model(proposal, decisions)
                labels: dict[str, Any] = {}
                if question is not None:
                    values = prompt_values(doc.text, sentences, i, proposal, question)
                    messages = ex.prompt.render(**values)
                    try:
                        answer = ex.llm.structured(
                            messages, question, Scope(), reasks=1, max_tokens=96
                        )
                        labels = answer.model_dump()
                        calls += 1
                    except Exception as err:
                        print(f"{gold['id']}#{i}: {err}", file=sys.stderr)
                if "claims" in gold:
                    score_claims(acc, gold, span, proposal, labels)
                if "events" in gold:
                    score_events(acc, gold, span, proposal, labels)
    report(acc, calls, time.perf_counter() - started)


def score_kinds(path: Path, model: str) -> None:
    """Per-class recall and fact precision of the kind decision, rules against the model."""
    ex = Extractor(model, strategy="sentence", decisions=["kind"])
    confusion: dict[str, Counter[tuple[str, str]]] = {"rules": Counter(), "model": Counter()}
    started, calls = time.perf_counter(), 0
    for line in path.open(encoding="utf-8"):
        item = json.loads(line)
        text, gold = item["text"], item["kind"]
        sentences = split_sentences(text)
        # A labelled item is one sentence; the rules see all of it.
        sentence = Sentence(0, sentences[0].start, sentences[-1].end)
        proposal = replace(propose(text, sentence), is_claim=True)
        confusion["rules"][(gold, proposal.kind)] += 1
        question = choice_model(proposal, ["kind"])
        assert question is not None
        values = prompt_values(text, [sentence], 0, proposal, question)
        try:
            answer = ex.llm.structured(
                ex.prompt.render(**values), question, Scope(), reasks=1, max_tokens=96
            )
            confusion["model"][(gold, answer.model_dump()["kind"])] += 1
            calls += 1
        except Exception as err:
            print(f"{text[:40]}: {err}", file=sys.stderr)
            confusion["model"][(gold, "error")] += 1
    print(f"model calls: {calls} in {time.perf_counter() - started:.0f} s")
    print(f"{'kind decision':<22} {'rules':>6} {'model':>6}")
    kinds = ("fact", "opinion", "prediction")
    for kind in kinds:
        row = []
        for name in ("rules", "model"):
            c = confusion[name]
            total = sum(v for (g, _), v in c.items() if g == kind)
            row.append(c[(kind, kind)] / total if total else 0.0)
        n = sum(v for (g, _), v in confusion["rules"].items() if g == kind)
        print(f"{kind + ' recall':<22} {row[0]:>6.2f} {row[1]:>6.2f}  ({n})")
    row = []
    for name in ("rules", "model"):
        c = confusion[name]
        said = sum(v for (_, p), v in c.items() if p == "fact")
        row.append(c[("fact", "fact")] / said if said else 0.0)
    print(f"{'fact precision':<22} {row[0]:>6.2f} {row[1]:>6.2f}")
    for name in ("rules", "model"):
        c = confusion[name]
        print(f"{name}: " + ", ".join(f"{g}->{p} {v}" for (g, p), v in sorted(c.items())))


def score_claims(
    acc: Counter[str],
    gold: dict[str, Any],
    span: tuple[int, int],
    proposal: Any,
    labels: dict[str, Any],
) -> None:
    claims = [c for c in gold["claims"] if any(overlaps(span, tuple(s)) for s in c["spans"])]
    acc["claim sentences: gold"] += bool(claims)
    acc["claim sentences: rules say claim"] += proposal.is_claim
    acc["claim sentences: both"] += bool(claims) and proposal.is_claim
    if not claims:
        return
    c = claims[0]
    gold_certainty = (
        "hedged" if c.get("kind") == "hedged" else "reported" if c.get("speaker") else "asserted"
    )
    gold_kind = c.get("kind") if c.get("kind") in ("fact", "opinion", "prediction") else None
    rule_speaker = proposal.speakers[0].text if proposal.speakers else None
    model_speaker = labels.get("speaker", rule_speaker)
    if model_speaker == "the article itself":
        model_speaker = None
    acc["n claims"] += 1
    acc["certainty: rules"] += proposal.certainty == gold_certainty
    acc["certainty: model"] += labels.get("certainty") == gold_certainty
    if gold_kind:
        acc["n kind"] += 1
        acc["kind: rules"] += proposal.kind == gold_kind
        acc["kind: model"] += labels.get("kind") == gold_kind
    acc["speaker: rules"] += same_speaker(rule_speaker, c.get("speaker"))
    acc["speaker: model"] += same_speaker(model_speaker, c.get("speaker"))
    if proposal.speakers:
        acc["n speaker choices"] += 1
        acc["speaker (with candidates): rules"] += same_speaker(rule_speaker, c.get("speaker"))
        acc["speaker (with candidates): model"] += same_speaker(model_speaker, c.get("speaker"))


def score_events(
    acc: Counter[str],
    gold: dict[str, Any],
    span: tuple[int, int],
    proposal: Any,
    labels: dict[str, Any],
) -> None:
    triggers = [tuple(e["trigger"]) for e in gold["events"] if overlaps(span, tuple(e["trigger"]))]
    rule = [(t.word.start, t.word.end) for t in proposal.triggers]
    kept = set(labels.get("events", [t.word.text for t in proposal.triggers]))
    model = [(t.word.start, t.word.end) for t in proposal.triggers if t.word.text in kept]
    acc["events: gold"] += len(triggers)
    for name, found in (("rules", rule), ("model", model)):
        acc[f"events: {name} predicted"] += len(found)
        acc[f"events: {name} correct"] += sum(any(overlaps(f, g) for g in triggers) for f in found)
        acc[f"events: {name} recalled"] += sum(any(overlaps(f, g) for f in found) for g in triggers)


def report(acc: Counter[str], calls: int, seconds: float) -> None:
    def share(a: str, n: str) -> str:
        return f"{acc[a] / acc[n]:.2f}" if acc[n] else "-"

    print(f"model calls: {calls} in {seconds:.0f} s")
    print(f"{'decision':<28} {'rules':>6} {'model':>6}  (n)")
    for label, n in (
        ("certainty", "n claims"),
        ("kind", "n kind"),
        ("speaker", "n claims"),
        ("speaker (with candidates)", "n speaker choices"),
    ):
        print(
            f"{label:<28} {share(label + ': rules', n):>6} {share(label + ': model', n):>6}"
            f"  ({acc[n]})"
        )
    for name in ("rules", "model"):
        p = acc[f"events: {name} correct"] / max(1, acc[f"events: {name} predicted"])
        r = acc[f"events: {name} recalled"] / max(1, acc["events: gold"])
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"event words ({name}):{'':<9} P {p:.2f} R {r:.2f} F1 {f:.2f}")
    print(
        f"claim sentences: gold {acc['claim sentences: gold']}, rules "
        f"{acc['claim sentences: rules say claim']}, both {acc['claim sentences: both']}"
    )


if __name__ == "__main__":
    main()
