"""Score factsift results against gold annotations (``shared/eval/FORMAT.md``).

Everything here is plain functions over plain data (JSON-shaped dicts), so the
scores can be computed in tests, notebooks and the CLI alike; only
:func:`load_gold`, :func:`load_predictions` and :func:`load_type_map` touch files.

Matching is by character overlap rather than exact offsets, because a model
quoting "the ministers met in Rome" and an annotator marking "met" both found the same
event; what counts is that each gold item is claimed by at most one prediction
(one-to-one, best overlap first), so quoting a whole paragraph cannot match
five gold items at once.

Scores are *micro* totals: matched, predicted and gold items are summed over the
documents before precision and recall are computed, so long articles weigh
more, as they do in the standard WikiEvents numbers.

A gold file that lacks a ``claims`` (or ``events``) key did not annotate that
layer; it is then not scored at all (``None``), rather than scored as if the
article had nothing in it. In the same spirit, a gold file annotated with a
closed ontology (WikiEvents: 50 KAIROS types, no votes) cannot hold events of
the types its ontology lacks; given that ontology, ``evaluate`` leaves predicted
events of such types out of the event scores and counts them apart (``unscored``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from factsift._edges.results import read_json_objects, read_records
from factsift.schema import is_span_dict

__all__ = [
    "Agreement",
    "ClaimScores",
    "Counts",
    "DocumentScores",
    "EvalReport",
    "EventScores",
    "GroundingScores",
    "Scores",
    "evaluate",
    "load_gold",
    "load_ontology",
    "load_predictions",
    "load_type_map",
    "map_type",
    "normalize_speaker",
    "ontology_types",
    "overlap",
    "score_document",
]

Interval = tuple[int, int]
Status = Literal["ok", "missing", "error"]

# --------------------------------------------------------------------------- loading


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    """Gold documents in the FORMAT.md shape, one per line (a bad line raises ValueError)."""
    return [record for _, record in read_json_objects(path)]


def load_predictions(path: str | Path) -> list[dict[str, Any]]:
    """A results file: ArticleFacts records and error records (kept, so they can be counted).

    Read like every results file (:func:`factsift._edges.results.read_records`): the last
    line per article counts; lines that are not results are skipped and reported once.
    """
    return read_records(path)


def load_type_map(path: str | Path | None = None) -> dict[str, str]:
    """A gold-type -> factsift EventType table; by default the shipped KAIROS one.

    The shipped table (``factsift/mappings/kairos.json``) is a flat JSON object so
    that it can be read by anything; keys may be full types or dotted prefixes
    (see :func:`map_type`).
    """
    if path is None:
        raw = (resources.files("factsift") / "mappings" / "kairos.json").read_text("utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    table = json.loads(raw)
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in table.items()
    ):
        raise ValueError(f"{path or 'kairos.json'}: expected an object of strings to strings")
    return dict(table)


def load_ontology(name_or_path: str | Path) -> frozenset[str]:
    """The event types a gold file's annotators could choose from.

    ``"wikievents"`` is the shipped list (``factsift/mappings/wikievents-ontology.json``:
    the 50-type KAIROS subset WikiEvents annotates); anything else is a path to a
    JSON list of type names, or to an object with such a list under ``"types"``.
    """
    if str(name_or_path) == "wikievents":
        where = "wikievents-ontology.json"
        raw = (resources.files("factsift") / "mappings" / where).read_text("utf-8")
    else:
        where = str(name_or_path)
        raw = Path(name_or_path).read_text(encoding="utf-8")
    table = json.loads(raw)
    types = table.get("types") if isinstance(table, dict) else table
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise ValueError(f"{where}: expected a list of event type names (or {{'types': [...]}})")
    return frozenset(types)


def ontology_types(ontology: Iterable[str], type_map: Mapping[str, str]) -> frozenset[str]:
    """The factsift event types that some type of ``ontology`` maps to: the ones the
    gold could have annotated. A prediction of any other type (a vote, where the
    ontology has no vote) can be neither right nor wrong against that gold."""
    return frozenset(
        _label(mapped) or "" for t in ontology if (mapped := map_type(t, type_map)) is not None
    )


# --------------------------------------------------------------------------- score types


def _ratio(numerator: int, denominator: int) -> float:
    """Zero, not an error, when nothing was predicted (or nothing was there to find)."""
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class Counts:
    """Matched, predicted and gold item counts: the sufficient statistics of P/R/F1."""

    matched: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.matched, self.predicted)

    @property
    def recall(self) -> float:
        return _ratio(self.matched, self.gold)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.matched + other.matched,
            self.predicted + other.predicted,
            self.gold + other.gold,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "predicted": self.predicted,
            "gold": self.gold,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class Agreement:
    """How many matched pairs agree on some label, out of those where gold has the label."""

    agree: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        """None when there was nothing to compare (not 0: nothing was wrong either)."""
        return self.agree / self.total if self.total else None

    def __add__(self, other: Agreement) -> Agreement:
        return Agreement(self.agree + other.agree, self.total + other.total)

    def to_dict(self) -> dict[str, Any]:
        return {"agree": self.agree, "total": self.total, "rate": self.rate}


@dataclass(frozen=True)
class ClaimScores:
    """Claims: span matching, then who-said-it and what-kind on the matched pairs.

    ``attributed`` scores only the claims that have a speaker on both sides (not
    the article's own voice): a hit needs overlapping spans *and* the same
    speaker. Corpora such as PolNeAR annotate only attributed content, so there
    plain ``matching`` precision says little and this is the figure to read.
    """

    matching: Counts = field(default_factory=Counts)
    attribution: Agreement = field(default_factory=Agreement)
    kind: Agreement = field(default_factory=Agreement)
    attributed: Counts = field(default_factory=Counts)

    def __add__(self, other: ClaimScores) -> ClaimScores:
        return ClaimScores(
            self.matching + other.matching,
            self.attribution + other.attribution,
            self.kind + other.kind,
            self.attributed + other.attributed,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "matching": self.matching.to_dict(),
            "attribution": self.attribution.to_dict(),
            "kind": self.kind.to_dict(),
            "attributed": self.attributed.to_dict(),
        }


@dataclass(frozen=True)
class EventScores:
    """Events: triggers, then arguments, type and realis on the matched trigger pairs.

    ``arguments`` counts only arguments of matched events (the FORMAT.md score:
    argument quality given the event was found); ``arguments_all`` has the same
    matches over every predicted and gold argument, an end-to-end view.
    ``type`` is None when no type map was given; ``type_unmapped`` counts matched
    pairs whose gold type the map does not cover (left out of ``type``).
    ``unscored`` counts predicted events of a type the gold's ontology does not
    annotate (see :func:`ontology_types`): left out of every event score.
    """

    triggers: Counts = field(default_factory=Counts)
    arguments: Counts = field(default_factory=Counts)
    arguments_all: Counts = field(default_factory=Counts)
    type: Agreement | None = None
    type_unmapped: int = 0
    realis: Agreement = field(default_factory=Agreement)
    unscored: int = 0

    def __add__(self, other: EventScores) -> EventScores:
        types = (
            None
            if self.type is None and other.type is None
            else (self.type or Agreement()) + (other.type or Agreement())
        )
        return EventScores(
            self.triggers + other.triggers,
            self.arguments + other.arguments,
            self.arguments_all + other.arguments_all,
            types,
            self.type_unmapped + other.type_unmapped,
            self.realis + other.realis,
            self.unscored + other.unscored,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "triggers": self.triggers.to_dict(),
            "arguments": self.arguments.to_dict(),
            "arguments_all": self.arguments_all.to_dict(),
            "type": None if self.type is None else self.type.to_dict(),
            "type_unmapped": self.type_unmapped,
            "realis": self.realis.to_dict(),
            "unscored": self.unscored,
        }


@dataclass(frozen=True)
class GroundingScores:
    """Whether every predicted span quotes the text, and how many items come from furniture."""

    grounded: int = 0
    spans: int = 0
    in_boilerplate: int = 0

    @property
    def rate(self) -> float | None:
        """None when there were no spans at all (vacuously grounded, but say so)."""
        return self.grounded / self.spans if self.spans else None

    def __add__(self, other: GroundingScores) -> GroundingScores:
        return GroundingScores(
            self.grounded + other.grounded,
            self.spans + other.spans,
            self.in_boilerplate + other.in_boilerplate,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "grounded": self.grounded,
            "spans": self.spans,
            "rate": self.rate,
            "in_boilerplate": self.in_boilerplate,
        }


@dataclass(frozen=True, kw_only=True)
class Scores:
    """Scores of one document or of a whole file; a layer is None where gold lacks it."""

    claims: ClaimScores | None = None
    events: EventScores | None = None
    grounding: GroundingScores = field(default_factory=GroundingScores)

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            claims=_add_optional(self.claims, other.claims),
            events=_add_optional(self.events, other.events),
            grounding=self.grounding + other.grounding,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "claims": None if self.claims is None else self.claims.to_dict(),
            "events": None if self.events is None else self.events.to_dict(),
            "grounding": self.grounding.to_dict(),
        }


def _add_optional(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


@dataclass(frozen=True, kw_only=True)
class DocumentScores(Scores):
    """One gold document's row.

    ``status`` is "missing" when no prediction had its id (or text), "error" when
    the prediction was an error record; both score as an empty prediction.
    ``text_mismatch`` warns that the prediction's text differs from the gold text,
    so its offsets may not line up with the annotations.
    """

    id: str
    status: Status = "ok"
    error: str | None = None
    text_mismatch: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "error": self.error,
            "text_mismatch": self.text_mismatch,
            **super().to_dict(),
        }


@dataclass(frozen=True, kw_only=True)
class EvalReport:
    """Per-document rows, their micro total, and what could not be scored."""

    per_document: list[DocumentScores]
    total: Scores
    predictions: int = 0
    """Prediction records given (error records included)."""
    errors: int = 0
    """Gold documents whose prediction was an error record."""
    missing: int = 0
    """Gold documents with no prediction at all."""
    unmatched_predictions: int = 0
    """Predictions whose id and text match no gold document (ignored)."""
    duplicate_predictions: int = 0
    """Further predictions for a gold document already predicted (ignored)."""
    type_map: bool = False
    ontology: bool = False
    """Whether predicted events outside the gold's ontology were left unscored."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": len(self.per_document),
            "predictions": self.predictions,
            "errors": self.errors,
            "missing": self.missing,
            "unmatched_predictions": self.unmatched_predictions,
            "duplicate_predictions": self.duplicate_predictions,
            "type_map": self.type_map,
            "ontology": self.ontology,
            "total": self.total.to_dict(),
            "per_document": [row.to_dict() for row in self.per_document],
        }

    def format_table(self) -> str:
        """A plain-text table, one row per document and a TOTAL row; "-" = not scored."""
        headers = [
            "document",
            "claim P",
            "claim R",
            "claim F1",
            "attrib",
            "attr P",
            "attr R",
            "attr F1",
            "trig P",
            "trig R",
            "trig F1",
            "arg P",
            "arg R",
            "type",
            "realis",
            "ground",
            "boiler",
        ]
        rows = [_table_row(row.id + _status_mark(row), row) for row in self.per_document]
        rows.append(_table_row("TOTAL", self.total))
        widths = [max(len(headers[i]), *(len(r[i]) for r in rows)) for i in range(len(headers))]

        def line(cells: Sequence[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
            return "  ".join([first, *rest]).rstrip()

        rule = "  ".join("-" * w for w in widths)
        out = [line(headers), rule, *(line(r) for r in rows[:-1]), rule, line(rows[-1])]
        notes = [
            f"{len(self.per_document)} gold documents, {self.predictions} predictions",
        ]
        if self.errors:
            notes.append(f"{self.errors} error records (scored as empty, marked !)")
        if self.missing:
            notes.append(f"{self.missing} without a prediction (scored as empty, marked ?)")
        if self.unmatched_predictions:
            notes.append(f"{self.unmatched_predictions} predictions matched no gold (ignored)")
        if self.duplicate_predictions:
            notes.append(f"{self.duplicate_predictions} duplicate predictions (ignored)")
        unscored = self.total.events.unscored if self.total.events is not None else 0
        if unscored:
            notes.append(f"{unscored} predicted events of types the gold ontology lacks (unscored)")
        if any(row.text_mismatch for row in self.per_document):
            notes.append("~ = prediction text differs from gold text (offsets may not align)")
        return "\n".join([*out, "", "; ".join(notes)])


def _status_mark(row: DocumentScores) -> str:
    mark = {"ok": "", "missing": " ?", "error": " !"}[row.status]
    return mark + (" ~" if row.text_mismatch else "")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _prf(counts: Counts) -> list[str]:
    """P, R, F1 cells; "-" when there was nothing on either side (0/0 is not a failure)."""
    if not counts.predicted and not counts.gold:
        return ["-"] * 3
    return [_fmt(counts.precision), _fmt(counts.recall), _fmt(counts.f1)]


def _table_row(name: str, scores: Scores) -> list[str]:
    c, e, g = scores.claims, scores.events, scores.grounding
    claim_cells = (
        ["-"] * 7
        if c is None
        else [*_prf(c.matching), _fmt(c.attribution.rate), *_prf(c.attributed)]
    )
    event_cells = (
        ["-"] * 7
        if e is None
        else [
            *_prf(e.triggers),
            *_prf(e.arguments)[:2],
            _fmt(None if e.type is None else e.type.rate),
            _fmt(e.realis.rate),
        ]
    )
    return [name, *claim_cells, *event_cells, _fmt(g.rate), str(g.in_boilerplate)]


# --------------------------------------------------------------------------- span helpers


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint union, so overlapping spans on one side are not counted twice."""
    merged: list[Interval] = []
    for start, end in sorted((s, e) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def overlap(a: Iterable[Interval], b: Iterable[Interval]) -> int:
    """Characters in common between the union of ``a`` and the union of ``b``."""
    left, right = _merge(a), _merge(b)
    i = j = total = 0
    while i < len(left) and j < len(right):
        lo = max(left[i][0], right[j][0])
        hi = min(left[i][1], right[j][1])
        total += max(0, hi - lo)
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return total


def _match(
    predicted: Sequence[Sequence[Interval]], gold: Sequence[Sequence[Interval]]
) -> list[tuple[int, int]]:
    """One-to-one pairs (predicted index, gold index), greedily by descending overlap.

    Ties go to the earlier prediction, then the earlier gold item, so results are
    deterministic. Pairs with no overlap never match.
    """
    candidates = [
        (-chars, i, j)
        for i, p in enumerate(predicted)
        for j, g in enumerate(gold)
        if (chars := overlap(p, g)) > 0
    ]
    candidates.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, i, j in candidates:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _interval(value: Any) -> Interval | None:
    """A span in either shape: a gold ``[start, end]`` pair or a predicted Span dict."""
    if isinstance(value, Mapping):
        start, end = value.get("start"), value.get("end")
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        start, end = value
    else:
        return None
    if isinstance(start, int) and isinstance(end, int):
        return (start, end)
    return None


def _intervals(values: Any) -> list[Interval]:
    if not isinstance(values, (list, tuple)):
        return []
    return [iv for v in values if (iv := _interval(v)) is not None]


def _walk_spans(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every Span-shaped dict inside ``value``, however deeply nested (speaker, cue, time…)."""
    if is_span_dict(value):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk_spans(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk_spans(item)


# --------------------------------------------------------------------------- labels

_ARTICLES = ("the ", "a ", "an ")


def _strip_punctuation(text: str) -> str:
    def edge(ch: str) -> bool:
        return ch.isspace() or unicodedata.category(ch)[0] in "PS"

    start, end = 0, len(text)
    while start < end and edge(text[start]):
        start += 1
    while end > start and edge(text[end - 1]):
        end -= 1
    return text[start:end]


def normalize_speaker(name: str | None) -> str | None:
    """Fold case, whitespace, surrounding punctuation and a leading article.

    So that "The Kremlin," and "kremlin" agree; None (the article's own voice)
    stays None, and a name that normalises to nothing is treated as None too.
    """
    if name is None:
        return None
    text = " ".join(_strip_punctuation(name).casefold().split())
    for article in _ARTICLES:
        if text.startswith(article):
            text = _strip_punctuation(text[len(article) :])
            break
    return text or None


def _predicted_speaker(claim: Mapping[str, Any]) -> str | None:
    """Who the prediction says asserts the claim; None for the article's own voice.

    A non-author source without a name (factsift leaves ``name`` null for unnamed
    sources) falls back to the speaker mention, then to the source type, so that
    "media suggesting that" can still agree with a gold speaker "media" and never
    counts as the article's own voice.
    """
    attribution = claim.get("attribution")
    if not isinstance(attribution, Mapping):
        return None
    source_type = attribution.get("source_type")
    if source_type == "author":
        return None
    name = attribution.get("name")
    if isinstance(name, str) and name.strip():
        return name
    speaker = attribution.get("speaker")
    if isinstance(speaker, Mapping) and isinstance(speaker.get("text"), str):
        mention = str(speaker["text"])
        if mention.strip():
            return mention
    return source_type if isinstance(source_type, str) else None


def _predicted_names(claim: Mapping[str, Any]) -> set[str]:
    """Every normalised way the prediction names its speaker: the name and the mention.

    A prediction may name "Jane Doe" for the mention "she", or "Jane Doe" for
    "Jane Doe, the mayor of X"; gold annotated either one, so either counts.
    """
    names = {normalize_speaker(_predicted_speaker(claim))}
    attribution = claim.get("attribution")
    if isinstance(attribution, Mapping) and attribution.get("source_type") != "author":
        speaker = attribution.get("speaker")
        if isinstance(speaker, Mapping) and isinstance(speaker.get("text"), str):
            names.add(normalize_speaker(str(speaker["text"])))
    return {n for n in names if n is not None}


def _same_speaker(claim: Mapping[str, Any], gold_speaker: str | None) -> bool:
    gold = normalize_speaker(gold_speaker)
    names = _predicted_names(claim)
    return not names if gold is None else gold in names


def map_type(gold_type: str, type_map: Mapping[str, str]) -> str | None:
    """The exact key, else the longest dotted prefix ("Conflict.Attack" for ".Unspecified")."""
    parts = gold_type.split(".")
    for n in range(len(parts), 0, -1):
        mapped = type_map.get(".".join(parts[:n]))
        if mapped is not None:
            return mapped
    return None


_REALIS_ALIASES = {"actual": "occurred"}


#: Gold "kinds" that are certainties in factsift's schema: how firmly, not what sort.
_CERTAINTY_KINDS = frozenset({"hedged", "denied"})


def _label(value: Any) -> str | None:
    return value.strip().casefold() if isinstance(value, str) else None


# --------------------------------------------------------------------------- scoring


def _score_claims(pred: Mapping[str, Any], gold: Mapping[str, Any]) -> ClaimScores:
    pred_claims = [c for c in _list(pred.get("claims")) if isinstance(c, Mapping)]
    gold_claims = [c for c in _list(gold.get("claims")) if isinstance(c, Mapping)]
    pairs = _match(
        [_intervals(c.get("evidence")) for c in pred_claims],
        [_intervals(c.get("spans")) for c in gold_claims],
    )
    attribution = Agreement()
    kind = Agreement()
    for i, j in pairs:
        p, g = pred_claims[i], gold_claims[j]
        if "speaker" in g:
            gold_speaker = g["speaker"] if isinstance(g["speaker"], str) else None
            same = _same_speaker(p, gold_speaker)
            attribution += Agreement(int(same), 1)
        gold_kind = _label(g.get("kind"))
        if gold_kind is not None:
            if gold_kind in _CERTAINTY_KINDS:  # "hedged", "denied": a certainty, not a kind
                same = _label(p.get("certainty")) == gold_kind
            else:
                same = _label(p.get("kind")) == gold_kind
            kind += Agreement(int(same), 1)
    return ClaimScores(
        Counts(len(pairs), len(pred_claims), len(gold_claims)),
        attribution,
        kind,
        _score_attributed(pred_claims, gold_claims),
    )


def _score_attributed(
    pred_claims: Sequence[Mapping[str, Any]], gold_claims: Sequence[Mapping[str, Any]]
) -> Counts:
    """Claims with a speaker on both sides; a pair matches only if the speakers agree."""
    pred = [
        (names, _intervals(c.get("evidence")))
        for c in pred_claims
        if (names := _predicted_names(c))
    ]
    gold = [
        (speaker, _intervals(c.get("spans")))
        for c in gold_claims
        if isinstance(c.get("speaker"), str)
        and (speaker := normalize_speaker(c["speaker"])) is not None
    ]
    # Only pairs that name the same speaker may match, so a claim given to the wrong
    # speaker is a miss on both sides and cannot take the place of the right one.
    candidates = [
        (-chars, i, j)
        for i, (names, p) in enumerate(pred)
        for j, (speaker, g) in enumerate(gold)
        if speaker in names and (chars := overlap(p, g)) > 0
    ]
    candidates.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    for _, i, j in candidates:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
    matched = len(used_p)
    return Counts(matched, len(pred), len(gold))


def _predicted_arguments(event: Mapping[str, Any]) -> list[Interval]:
    """Participants, location and time: everything that fills a role of the event."""
    found: list[Interval] = []
    for participant in _list(event.get("participants")):
        if isinstance(participant, Mapping) and (iv := _interval(participant.get("span"))):
            found.append(iv)
    if (iv := _interval(event.get("location"))) is not None:
        found.append(iv)
    time = event.get("time")
    if isinstance(time, Mapping) and (iv := _interval(time.get("span"))) is not None:
        found.append(iv)
    return found


def _gold_arguments(event: Mapping[str, Any]) -> list[Interval]:
    return [
        iv
        for a in _list(event.get("arguments"))
        if isinstance(a, Mapping) and (iv := _interval(a.get("span"))) is not None
    ]


def _in_scope(event: Mapping[str, Any], scored_types: frozenset[str] | None) -> bool:
    label = _label(event.get("type"))
    return scored_types is None or label is None or label in scored_types


def _score_events(
    pred: Mapping[str, Any],
    gold: Mapping[str, Any],
    type_map: Mapping[str, str] | None,
    scored_types: frozenset[str] | None = None,
) -> EventScores:
    every = [e for e in _list(pred.get("events")) if isinstance(e, Mapping)]
    pred_events = [e for e in every if _in_scope(e, scored_types)]
    gold_events = [e for e in _list(gold.get("events")) if isinstance(e, Mapping)]
    pairs = _match(
        [_intervals([e.get("trigger")]) for e in pred_events],
        [_intervals([e.get("trigger")]) for e in gold_events],
    )
    pred_args = [_predicted_arguments(e) for e in pred_events]
    gold_args = [_gold_arguments(e) for e in gold_events]
    arguments = Counts()
    types: Agreement | None = None if type_map is None else Agreement()
    unmapped = 0
    realis = Agreement()
    for i, j in pairs:
        p, g = pred_events[i], gold_events[j]
        matched = len(_match([[a] for a in pred_args[i]], [[a] for a in gold_args[j]]))
        arguments += Counts(matched, len(pred_args[i]), len(gold_args[j]))
        if type_map is not None and types is not None and isinstance(g.get("type"), str):
            mapped = map_type(g["type"], type_map)
            if mapped is None:
                unmapped += 1
            else:
                types += Agreement(int(_label(p.get("type")) == _label(mapped)), 1)
        gold_realis = _label(g.get("realis"))
        if gold_realis is not None:
            gold_realis = _REALIS_ALIASES.get(gold_realis, gold_realis)
            realis += Agreement(int(_label(p.get("realis")) == gold_realis), 1)
    return EventScores(
        triggers=Counts(len(pairs), len(pred_events), len(gold_events)),
        arguments=arguments,
        arguments_all=Counts(arguments.matched, sum(map(len, pred_args)), sum(map(len, gold_args))),
        type=types,
        type_unmapped=unmapped,
        realis=realis,
        unscored=len(every) - len(pred_events),
    )


def _score_grounding(pred: Mapping[str, Any], gold: Mapping[str, Any]) -> GroundingScores:
    text = pred.get("text")
    if not isinstance(text, str):
        gold_text = gold.get("text")
        text = gold_text if isinstance(gold_text, str) else ""
    boilerplate = _merge(_intervals(gold.get("boilerplate")))
    grounded = total = in_boilerplate = 0
    for item in [*_list(pred.get("claims")), *_list(pred.get("events"))]:
        spans = list(_walk_spans(item))
        for span in spans:
            total += 1
            start, end = span["start"], span["end"]
            if (
                isinstance(start, int)
                and isinstance(end, int)
                and 0 <= start <= end <= len(text)
                and text[start:end] == span["text"]
            ):
                grounded += 1
        if boilerplate and overlap(_intervals(spans), boilerplate) > 0:
            in_boilerplate += 1
    return GroundingScores(grounded, total, in_boilerplate)


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def score_document(
    prediction: Mapping[str, Any],
    gold: Mapping[str, Any],
    *,
    type_map: Mapping[str, str] | None = None,
    scored_types: frozenset[str] | None = None,
) -> Scores:
    """Scores of one prediction against its gold document (layers gold lacks are None).

    ``scored_types``: the factsift event types the gold can annotate (see
    :func:`ontology_types`); predicted events of other types are not scored.
    """
    events = _score_events(prediction, gold, type_map, scored_types) if "events" in gold else None
    return Scores(
        claims=_score_claims(prediction, gold) if "claims" in gold else None,
        events=events,
        grounding=_score_grounding(prediction, gold),
    )


def _as_dict(record: object) -> Mapping[str, Any]:
    """Accept ArticleFacts objects as well as their JSON dumps."""
    if isinstance(record, BaseModel):
        dumped: dict[str, Any] = record.model_dump(mode="json")
        return dumped
    if isinstance(record, Mapping):
        return record
    raise TypeError(f"expected a mapping or an ArticleFacts, got {type(record).__name__}")


def _pair(
    records: Sequence[Mapping[str, Any]], gold: Sequence[Mapping[str, Any]]
) -> tuple[dict[int, Mapping[str, Any]], int, int]:
    """Gold position -> its prediction (the first one), plus unmatched and duplicate counts."""
    by_id: dict[str, int] = {}
    by_text: dict[str, int] = {}
    for position, doc in enumerate(gold):
        by_id.setdefault(str(doc.get("id")), position)
        if isinstance(doc.get("text"), str):
            by_text.setdefault(doc["text"], position)
    assigned: dict[int, Mapping[str, Any]] = {}
    unmatched = duplicates = 0
    for record in records:
        rid = record.get("id")
        index = by_id.get(str(rid)) if rid is not None else None
        if index is None and isinstance(record.get("text"), str):
            index = by_text.get(record["text"])
        if index is None:
            unmatched += 1
        elif index in assigned:
            duplicates += 1
        else:
            assigned[index] = record
    return assigned, unmatched, duplicates


def evaluate(
    predictions: Iterable[Mapping[str, Any] | BaseModel],
    gold: Sequence[Mapping[str, Any]],
    *,
    type_map: Mapping[str, str] | None = None,
    ontology: Iterable[str] | None = None,
) -> EvalReport:
    """Score predictions against gold, one row per gold document plus a micro total.

    Documents pair up by ``id``, or, for a prediction whose id is not in gold, by
    identical ``text`` (a result re-extracted under another name still counts).
    A gold document without a prediction, or whose prediction is an error
    record, scores as an empty prediction; predictions without gold are ignored
    and only counted.

    ``ontology``: the event types the gold's annotators could choose from (see
    :func:`load_ontology`); with a ``type_map``, predicted events of a factsift type
    that none of them maps to are left out of the event scores and counted apart
    (``unscored``), as the gold could not have annotated them.
    """
    if ontology is not None and type_map is None:
        raise ValueError("an ontology needs a type map to relate its types to factsift's")
    scored_types = (
        None if ontology is None or type_map is None else ontology_types(ontology, type_map)
    )
    records = [_as_dict(p) for p in predictions]
    assigned, unmatched, duplicates = _pair(records, gold)
    rows: list[DocumentScores] = []
    for position, doc in enumerate(gold):
        found = assigned.get(position)
        status: Status = "ok"
        error: str | None = None
        record: Mapping[str, Any] = {} if found is None else found
        if found is None:
            status = "missing"
        elif "error" in found and "text" not in found:
            status, error, record = "error", str(found["error"]), {}
        scores = score_document(record, doc, type_map=type_map, scored_types=scored_types)
        rows.append(
            DocumentScores(
                id=str(doc.get("id")),
                status=status,
                error=error,
                text_mismatch=isinstance(record.get("text"), str)
                and record.get("text") != doc.get("text"),
                claims=scores.claims,
                events=scores.events,
                grounding=scores.grounding,
            )
        )

    total = Scores()
    for row in rows:
        total = total + row
    return EvalReport(
        per_document=rows,
        total=total,
        predictions=len(records),
        errors=sum(row.status == "error" for row in rows),
        missing=sum(row.status == "missing" for row in rows),
        unmatched_predictions=unmatched,
        duplicate_predictions=duplicates,
        type_map=type_map is not None,
        ontology=scored_types is not None,
    )


# --------------------------------------------------------------------------- self-check


def _gold_span(text: str, value: Any) -> dict[str, Any] | None:
    iv = _interval(value)
    if iv is None:
        return None
    return {"start": iv[0], "end": iv[1], "text": text[iv[0] : iv[1]]}


_CLAIM_KINDS = {"fact", "opinion", "prediction", "other"}
_REALIS = {"occurred", "prevented", "planned", "hypothetical", "negated", "ongoing"}


def _gold_as_prediction(
    gold_doc: Mapping[str, Any], *, type_map: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The prediction a perfect extractor would make, as an ArticleFacts-shaped dict.

    Scoring it against its own gold must give 1.0 everywhere; that pins down the
    scorer (and the type map) independently of any model. Event types are the
    gold types mapped through ``type_map`` ("other" when unmapped or no map);
    gold "Place" and "Time" arguments become location and time, the rest
    participants, so every prediction field the scorer reads is exercised.
    """
    text = str(gold_doc.get("text", ""))
    claims: list[dict[str, Any]] = []
    for gold_claim in _list(gold_doc.get("claims")):
        evidence = [s for v in _list(gold_claim.get("spans")) if (s := _gold_span(text, v))]
        speaker = gold_claim.get("speaker")
        gold_kind = _label(gold_claim.get("kind")) or "fact"
        speaker_spans = _list(gold_claim.get("speaker_spans"))
        cue_spans = _list(gold_claim.get("cue_spans"))
        claims.append(
            {
                "statement": " … ".join(s["text"] for s in evidence),
                "kind": gold_kind if gold_kind in _CLAIM_KINDS else "other",
                "certainty": gold_kind
                if gold_kind in _CERTAINTY_KINDS
                else ("asserted" if speaker is None else "reported"),
                "attribution": {
                    "source_type": "author" if speaker is None else "unknown",
                    "name": speaker,
                    "speaker": _gold_span(text, speaker_spans[0]) if speaker_spans else None,
                    "cue": _gold_span(text, cue_spans[0]) if cue_spans else None,
                },
                "entities": [],
                "time": None,
                "evidence": evidence,
            }
        )
    events: list[dict[str, Any]] = []
    for gold_event in _list(gold_doc.get("events")):
        trigger = _gold_span(text, gold_event.get("trigger"))
        gold_type = gold_event.get("type")
        mapped = (
            map_type(gold_type, type_map)
            if type_map is not None and isinstance(gold_type, str)
            else None
        )
        realis = _label(gold_event.get("realis")) or "occurred"
        realis = _REALIS_ALIASES.get(realis, realis)
        participants: list[dict[str, Any]] = []
        location: dict[str, Any] | None = None
        time: dict[str, Any] | None = None
        for argument in _list(gold_event.get("arguments")):
            span = _gold_span(text, argument.get("span"))
            if span is None:
                continue
            role = str(argument.get("role", "participant"))
            if role.casefold() == "place" and location is None:
                location = span
            elif role.casefold() == "time" and time is None:
                time = {"span": span, "normalized": None}
            else:
                participants.append({"role": role, "span": span})
        events.append(
            {
                "type": mapped or "other",
                "trigger": trigger,
                "participants": participants,
                "location": location,
                "time": time,
                "realis": realis if realis in _REALIS else "occurred",
                "evidence": [trigger] if trigger else [],
            }
        )
    return {
        "id": gold_doc.get("id"),
        "source": gold_doc.get("source"),
        "published": gold_doc.get("published"),
        "text": text,
        "claims": claims,
        "events": events,
        "model": "gold",
        "provider": "gold",
        "strategy": "gold",
        "prompt": {"name": "gold", "version": "0", "sha256": ""},
    }
