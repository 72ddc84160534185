"""The answer model: the draft of a schema that grounds itself as it is validated.

instructor validates the model's answer against a pydantic model and, when
validation fails, re-asks with the errors. The answer model's validator runs
the grounding: on the first answer, quotes that are not in the article, and
statements their evidence does not back (``factsift._pipeline.support``), fail
validation, so the model is told what to fix; after the re-asks, the
grounding result (kept items and rejected ones) is kept for the pipeline.
The per-request state (:class:`GroundingState`) is handed to the validator
explicitly, as pydantic's validation context: see :func:`grounding_context`.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

from factsift._edges._instructor import OpenAISchema
from factsift._edges.llm import Scope
from factsift._pipeline.drafts import (
    BUILD_LOCK,
    GroundedAnswer,
    Quote,
    compact_schema,
    draft_model,
    ground_answer,
    holds_spans,
    source_model,
)
from factsift._pipeline.ground import TextIndex, Unaligned, align_quote
from factsift._pipeline.segment import Sentence, Window
from factsift._pipeline.support import Review, review_claim, review_event
from factsift.schema import Claim, Event, Extraction, Span

__all__ = ["GroundingState", "answer_model", "grounding_context"]


@dataclass
class GroundingState:
    """What the answer validator needs while one window's request is in flight."""

    index: TextIndex
    sentences: list[Sentence]
    window: Window
    scope: Scope
    reasks: int
    fuzzy_threshold: float
    result: GroundedAnswer | None = None

    def locate(self, quote: Quote, avoid: Collection[int] = ()) -> Span | Unaligned:
        region = (self.window.start, self.window.end)
        prefer: list[tuple[int, int]] = []
        n = quote.sentence
        if n is not None and 1 <= n <= len(self.sentences):
            # The cited sentence first, then its neighbours: models are often off by one.
            cited = self.sentences[n - 1]
            lo, hi = max(n - 2, 0), min(n, len(self.sentences) - 1)
            prefer = [(cited.start, cited.end)]
            region = (self.sentences[lo].start, self.sentences[hi].end)
            if quote.occurrence is not None:
                # "the second 'killed' of sentence 4": start the search after the first.
                nth = _nth(self.index.text, quote.text, cited.start, cited.end, quote.occurrence)
                if nth is not None:
                    prefer.insert(0, (nth, cited.end))
        return align_quote(
            quote.text,
            self.index,
            region,
            fuzzy_threshold=self.fuzzy_threshold,
            prefer=prefer,
            avoid=avoid,
        )

    def review(self, item: BaseModel, grounded: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Check the free text of every claim and event in a grounded item (itself, or
        nested in it) against the article."""
        found = Review()
        self._review(item, grounded, "", found)
        return found.failures, found.warnings

    def _review(self, value: Any, grounded: Any, path: str, found: Review) -> None:
        if isinstance(value, (list, tuple)) and isinstance(grounded, list):
            for i, (v, g) in enumerate(zip(value, grounded, strict=False)):
                self._review(v, g, f"{path}[{i}]", found)
            return
        if not isinstance(value, BaseModel) or not isinstance(grounded, dict):
            return
        source = source_model(type(value))
        checked: Review | None = None
        if _claim_like(source):
            evidence: list[Quote] = getattr(value, "evidence", None) or []
            cited = [q.sentence for q in evidence if isinstance(q, Quote) and q.sentence]
            checked = review_claim(grounded, cited, self.index, self.sentences)
        elif issubclass(source, Event):
            checked = review_event(grounded)
        if checked is not None:
            prefix = f"{path.lstrip('.')}." if path else ""
            found.failures += [f"{prefix}{line}" for line in checked.failures]
            found.warnings += [f"{prefix}{line}" for line in checked.warnings]
        for name in type(value).model_fields:
            if name in grounded:
                self._review(getattr(value, name), grounded[name], f"{path}.{name}", found)


@cache
def _claim_like(model: type[BaseModel]) -> bool:
    """A claim, or a custom item with a ``statement`` string backed by Span
    ``evidence``: its statement is checked like a claim's."""
    if issubclass(model, Claim):
        return True
    statement = model.model_fields.get("statement")
    evidence = model.model_fields.get("evidence")
    return (
        statement is not None
        and statement.annotation in (str, str | None)
        and evidence is not None
        and holds_spans(evidence.annotation)
    )


def _nth(text: str, words: str, start: int, end: int, n: int) -> int | None:
    """Offset of the ``n``-th occurrence of ``words`` in ``text[start:end]``, if any."""
    at = start - 1
    for _ in range(n):
        at = text.find(words, at + 1, end)
        if at < 0:
            return None
    return at


_GROUNDING = "factsift_grounding"


def grounding_context(state: GroundingState) -> dict[str, Any]:
    """The validation context that makes answer validation ground against ``state``."""
    return {_GROUNDING: state}


def _check_grounding(answer: BaseModel, info: ValidationInfo) -> BaseModel:
    context = info.context if isinstance(info.context, dict) else {}
    state = context.get(_GROUNDING)
    if not isinstance(state, GroundingState):  # validated outside an extraction
        return answer
    state.result = ground_answer(answer, state.locate, state.review)
    if state.result.rejected and state.scope.calls <= state.reasks:
        unsupported = set(state.result.unsupported)
        unaligned = [line for line in state.result.failures if line not in unsupported]
        problems: list[str] = []
        if unaligned:
            problems.append(
                "some quotes are not in the article. Copy every quote exactly, character for "
                "character, from the numbered sentence it cites, or leave the item out:\n"
                + "\n".join(f"- {line}" for line in unaligned)
            )
        if unsupported:
            problems.append(
                "some statements say what their evidence does not. Write each statement "
                "with the words of its evidence and of the sentences it cites (names may "
                "replace pronouns), or leave the item out:\n"
                + "\n".join(f"- {line}" for line in state.result.unsupported)
            )
        raise ValueError("\n".join(problems))
    return answer


def answer_model(schema: type[BaseModel], *, limits: bool = True) -> type[BaseModel]:
    """The draft of ``schema`` that grounds itself when instructor validates it.

    ``limits``: whether the schema it shows the model keeps its size limits, which
    only a server decoding under the schema as a grammar needs (see ``compact_schema``).
    """
    with BUILD_LOCK:
        return _answer_model(schema, limits)


@cache
def _answer_model(schema: type[BaseModel], limits: bool) -> type[BaseModel]:
    draft = draft_model(schema)
    schemas: dict[str, str] = {}

    # Subclassing instructor's OpenAISchema spares it wrapping the model anew per request.
    class Answer(draft, OpenAISchema):  # type: ignore[valid-type,misc]
        model_config = ConfigDict(title=draft.__name__)

        @model_validator(mode="after")  # type: ignore[misc]
        def _ground(self, info: ValidationInfo) -> BaseModel:
            return _check_grounding(self, info)

        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            # instructor rebuilds the schema on every request; it never changes.
            key = repr((args, sorted(kwargs.items())))
            if key not in schemas:
                full = super().model_json_schema(*args, **kwargs)
                compact = compact_schema(full, descriptions=schema is not Extraction, limits=limits)
                schemas[key] = json.dumps(compact)
            return typing.cast(dict[str, Any], json.loads(schemas[key]))

    Answer.__name__ = Answer.__qualname__ = draft.__name__
    Answer.__doc__ = schema.__doc__
    return Answer
