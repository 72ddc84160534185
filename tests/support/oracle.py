"""An oracle model: it answers each extraction request with the gold items.

Served by :class:`~tests.support.scripted_server.ScriptedServer`, it stands in
for a perfect model. For each request it finds the gold document (by the
prompt's "Article id:" line, else by the sentences shown), works out which
stretch of the text the window shows, and answers the draft schema with the
gold claims and events that start inside that stretch, quoted the way a model
would quote them: the gold words, copied exactly, each with the number of the
shown sentence it comes from, cut to what the window shows and to the Quote
length limit. Run through the whole pipeline (prompt, HTTP, parse, align,
merge), whatever falls short of the gold is lost by factsift itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from factsift.evaluate import map_type
from factsift.schema import QUOTE_MAX_CHARS, Realis

__all__ = ["make_oracle", "shown_sentences"]

SENTENCE = re.compile(r"^\[(\d+)\] (.*)$", re.M)
ARTICLE_ID = re.compile(r"^Article id: (.*)$", re.M)
#: The most evidence quotes and participants the schema allows (Claim/Event fields).
MAX_EVIDENCE = 5
MAX_PARTICIPANTS = 8
_REALIS = {r.value for r in Realis}
_REALIS_ALIASES = {"actual": "occurred", "other": "occurred", "generic": "occurred"}
_CLAIM_KINDS = {"fact", "opinion", "prediction", "other"}

Interval = tuple[int, int]


@dataclass(frozen=True)
class Shown:
    """One numbered sentence of the window, located in the gold text."""

    number: int
    start: int
    end: int


def _user_text(request: Mapping[str, Any]) -> str:
    # The first user message is the prompt; later ones (re-asks) are factsift's.
    for message in request.get("messages", []):
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def _numbered(prompt: str) -> list[tuple[int, str]]:
    article = prompt.split("<article>", 1)[-1].rsplit("</article>", 1)[0]
    return [(int(n), s.replace("</ article>", "</article>")) for n, s in SENTENCE.findall(article)]


def _locate_in_order(text: str, sentences: Sequence[str], first: int) -> list[int] | None:
    """Offsets of ``sentences`` found one after another from ``first``, or None."""
    found = [first]
    pos = first + len(sentences[0])
    for sentence in sentences[1:]:
        at = text.find(sentence, pos)
        if at < 0:
            return None
        found.append(at)
        pos = at + len(sentence)
    return found


def shown_sentences(text: str, numbered: Sequence[tuple[int, str]]) -> list[Shown] | None:
    """Where the window's sentences are in ``text``; None when they are not all there.

    Sentences are found in order; when the first one occurs more than once, the
    occurrence after which all the others follow most closely wins.
    """
    if not numbered:
        return []
    texts = [s for _, s in numbered]
    best: list[int] | None = None
    at = text.find(texts[0])
    while at >= 0:
        offsets = _locate_in_order(text, texts, at)
        if offsets is not None and (best is None or offsets[-1] - at < best[-1] - best[0]):
            best = offsets
        at = text.find(texts[0], at + 1)
    if best is None:
        return None
    return [Shown(n, start, start + len(s)) for (n, s), start in zip(numbered, best, strict=True)]


def _cut(text: str, limit: int = QUOTE_MAX_CHARS) -> str:
    """At most ``limit`` characters, cut at a word boundary as a model would."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return (head[:space] if space > 0 else head).rstrip()


class _Window:
    """The stretch of a gold text one request shows, and quoting from it."""

    def __init__(self, text: str, shown: list[Shown]) -> None:
        self.text = text
        self.shown = shown
        self.start = shown[0].start
        self.end = shown[-1].end

    def sentence_at(self, offset: int) -> Shown | None:
        """The shown sentence holding ``offset``, else the next one after it."""
        for s in self.shown:
            if offset < s.end:
                return s
        return None

    def starts_here(self, span: Interval) -> bool:
        start, end = _strip(self.text, span)
        return end > start and self.start <= start < self.end

    def inside(self, span: Interval) -> bool:
        start, end = _strip(self.text, span)
        return end > start and self.start <= start and end <= self.end

    def quote(self, span: Interval) -> dict[str, Any] | None:
        """The words of ``span`` that the window shows, as a Quote; None if none."""
        start, end = _strip(self.text, span)
        start, end = max(start, self.start), min(end, self.end)
        if end <= start:
            return None
        sentence = self.sentence_at(start)
        if sentence is None:
            return None
        words = _cut(self.text[start:end])
        if not any(c.isalnum() for c in words):
            return None
        quote: dict[str, Any] = {"sentence": sentence.number, "text": words}
        # As a careful model would: say which one, when the words repeat in the sentence.
        before = self.text.count(words, sentence.start, start)
        if before or self.text.count(words, start + 1, sentence.end):
            quote["occurrence"] = before + 1
        return quote

    def sentences_of(self, span: Interval) -> list[Shown]:
        start, end = _strip(self.text, span)
        return [s for s in self.shown if s.start < max(end, start + 1) and start < s.end]


def _strip(text: str, span: Interval) -> Interval:
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _interval(value: Any) -> Interval | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        start, end = value
        if isinstance(start, int) and isinstance(end, int) and end > start:
            return (start, end)
    return None


def _claim(window: _Window, gold: Mapping[str, Any]) -> dict[str, Any] | None:
    spans = [iv for v in gold.get("spans") or [] if (iv := _interval(v))]
    if not spans or not window.starts_here(spans[0]):
        return None
    evidence = [q for iv in spans if (q := window.quote(iv))][:MAX_EVIDENCE]
    if not evidence:
        return None
    speaker = gold.get("speaker")
    speaker = speaker if isinstance(speaker, str) and speaker.strip() else None
    gold_kind = str(gold.get("kind") or "fact").casefold()
    attribution: dict[str, Any] = {
        "source_type": "author" if speaker is None else "person",
        "name": speaker,
    }
    for key, gold_key in (("speaker", "speaker_spans"), ("cue", "cue_spans")):
        found = [iv for v in gold.get(gold_key) or [] if (iv := _interval(v))]
        if speaker is not None and found and window.inside(found[0]):
            attribution[key] = window.quote(found[0])
    certainty = "asserted" if speaker is None else "reported"
    if gold_kind in ("hedged", "denied"):  # certainties in factsift's schema
        certainty = gold_kind
    return {
        "statement": " … ".join(q["text"] for q in evidence),
        "kind": gold_kind if gold_kind in _CLAIM_KINDS else "fact",
        "certainty": certainty,
        "attribution": attribution,
        "entities": [],
        "evidence": evidence,
    }


def _realis(value: Any) -> str:
    label = str(value or "occurred").strip().casefold()
    label = _REALIS_ALIASES.get(label, label)
    return label if label in _REALIS else "occurred"


def _event(
    window: _Window, gold: Mapping[str, Any], type_map: Mapping[str, str]
) -> dict[str, Any] | None:
    trigger_span = _interval(gold.get("trigger"))
    if trigger_span is None or not window.starts_here(trigger_span):
        return None
    trigger = window.quote(trigger_span)
    if trigger is None:
        return None
    gold_type = gold.get("type")
    mapped = map_type(gold_type, type_map) if isinstance(gold_type, str) else None
    event: dict[str, Any] = {
        "type": mapped or "other",
        "trigger": trigger,
        "participants": [],
        "realis": _realis(gold.get("realis")),
        "evidence": [
            {"sentence": s.number, "text": _cut(window.text[s.start : s.end])}
            for s in window.sentences_of(trigger_span)
        ][:MAX_EVIDENCE]
        or [trigger],
    }
    for argument in gold.get("arguments") or []:
        span = _interval(argument.get("span"))
        # A model quotes only what it was shown.
        if span is None or not window.inside(span):
            continue
        quote = window.quote(span)
        if quote is None:
            continue
        role = str(argument.get("role") or "participant")
        if role.casefold() == "place" and "location" not in event:
            event["location"] = quote
        elif role.casefold() == "time" and "time" not in event:
            event["time"] = {"span": quote}
        elif len(event["participants"]) < MAX_PARTICIPANTS:
            event["participants"].append({"role": role, "span": quote})
    return event


def make_oracle(
    gold_docs: Sequence[Mapping[str, Any]], type_map: Mapping[str, str]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A ScriptedServer responder that answers with the gold items of each window."""
    by_id = {str(doc["id"]): doc for doc in gold_docs}

    def find(prompt: str, numbered: list[tuple[int, str]]) -> tuple[Any, list[Shown]] | None:
        named = ARTICLE_ID.search(prompt)
        candidates = list(gold_docs)
        if named and named[1].strip() in by_id:
            candidates = [by_id[named[1].strip()], *candidates]
        for doc in candidates:
            shown = shown_sentences(str(doc["text"]), numbered)
            if shown:
                return doc, shown
        return None

    def responder(request: dict[str, Any]) -> dict[str, Any]:
        prompt = _user_text(request)
        numbered = _numbered(prompt)
        found = find(prompt, numbered)
        if found is None:
            return {"claims": [], "events": []}
        doc, shown = found
        window = _Window(str(doc["text"]), shown)
        claims = [c for g in doc.get("claims") or [] if (c := _claim(window, g))]
        events = [e for g in doc.get("events") or [] if (e := _event(window, g, type_map))]
        return {"claims": claims, "events": events}

    return responder
