"""The model-facing twin of a schema, and the way back.

A user's schema (or factsift's own :class:`~factsift.schema.Extraction`)
holds :class:`~factsift.schema.Span` fields with offsets. A model cannot be
trusted with offsets, so it is shown a *draft* of the schema in which every
``Span`` is a :class:`Quote` (words to copy, plus the number of the sentence
they come from) and fields that code derives are left out. After the answer
is parsed, :func:`ground_answer` walks it, aligns every quote and rebuilds the
user's schema, rejecting each item with a quote that is not in the article.

The same mechanism serves every schema, so custom schemas get exactly the
grounding the built-in one gets.
"""

from __future__ import annotations

import threading
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import MaxLen
from pydantic import BaseModel, Field, create_model
from pydantic.fields import FieldInfo

from factsift._pipeline.ground import Unaligned
from factsift.schema import QUOTE_MAX_CHARS, Rejected, Span

__all__ = [
    "GroundedAnswer",
    "Quote",
    "compact_schema",
    "draft_model",
    "ground_answer",
    "holds_spans",
    "source_model",
]

#: Guards the building of drafts (and answer models): two threads building the draft of
#: one schema at once would make two classes, and a check by identity would miss one.
BUILD_LOCK = threading.RLock()
#: The schema each draft was built from.
_SOURCES: dict[type[BaseModel], type[BaseModel]] = {}


class Quote(BaseModel):
    """Words copied exactly from the article."""

    sentence: int | None = Field(
        default=None, description="The number [n] of the sentence the words are copied from."
    )
    text: str = Field(
        max_length=QUOTE_MAX_CHARS,
        description="The words, copied exactly from the article, character for character.",
    )
    occurrence: int | None = Field(
        default=None,
        ge=1,
        description="Only if these words occur more than once in the sentence: which "
        "occurrence is meant, counting from 1.",
    )


Review = Callable[[BaseModel, dict[str, Any]], "tuple[list[str], list[str]]"]
"""``review(item, grounded)``: the checks of an item's free text once its quotes align.
It may edit ``grounded`` (drop a field, add a score) and returns the failures that
reject the item and the warnings that do not."""

Locate = Callable[..., "Span | Unaligned"]
"""``locate(quote)``, or ``locate(quote, avoid)`` for a quote that must not share a
start offset in ``avoid`` with its siblings (see ``DISTINCT_FIELDS``)."""

#: Fields whose quotes name distinct things: two events never share a trigger, so the
#: second "killed" quoted from one sentence is the second occurrence of the word.
DISTINCT_FIELDS = frozenset({"trigger"})

#: Most items of one list the model may give for one window of an article: finite, so
#: that a grammar-constrained small model cannot loop, and roomy for a dense window.
LIST_CAP = 200


#: JSON schema keywords whose values are data, not schemas.
_VALUES = frozenset({"default", "examples", "const", "enum"})
#: Size limits: caps for a grammar, which the pydantic model checks anyway.
_LIMITS = frozenset({"maxItems", "minItems", "maxLength", "minLength"})
_NULL = {"type": "null"}
_DEFS = "#/$defs/"


def compact_schema(
    schema: dict[str, Any], *, descriptions: bool = True, limits: bool = True
) -> dict[str, Any]:
    """``schema`` (a JSON schema) without what costs tokens and tells the model nothing.

    The answer is validated with the pydantic model, never with this schema, so it
    only has to tell the model the shape; what goes:

    - pydantic's titles, which restate each property's name (the root keeps its
      title: it names the tool);
    - descriptions, when the prompt already explains every field (factsift's own
      schema, whose fields the system prompt documents): each meaning is stated once;
    - the ``anyOf`` with null and the null default of an optional field: a field
      that is not required may simply be left out;
    - the indirection of a definition used once: it is written where it is used;
    - with ``limits`` off, the size limits (``maxItems``, ``maxLength``, ...): they bound
      a grammar-constrained decoder (see ``LIST_CAP``), while a model that only reads
      the schema is held to them by validation and its re-ask. Ranges stay: they say
      what a number means.
    """
    drop = {"title"} if descriptions else {"title", "description"}
    if not limits:
        drop |= _LIMITS

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(value) for value in node]
        if not isinstance(node, dict):
            return node
        # A property *named* "title" or "maxItems" holds a schema (a dict), never a string
        # or a number; values (defaults, examples, constants, choices) are data, kept.
        out = {
            key: value if key in _VALUES else walk(value)
            for key, value in node.items()
            if not (key in drop and isinstance(value, (str, int)))
        }
        properties = out.get("properties")
        if isinstance(properties, dict):
            required = set(out.get("required", ()))
            for name, prop in properties.items():
                if name not in required:
                    properties[name] = _without_null(prop)
        return out

    compact: dict[str, Any] = _inline_single_use(walk(schema))
    if "title" in schema:
        compact = {"title": schema["title"], **compact}
    return compact


def _without_null(prop: Any) -> Any:
    """An optional property's schema without its null branch and null default."""
    if not isinstance(prop, dict) or "default" not in prop or prop["default"] is not None:
        return prop
    branches = prop.get("anyOf")
    if not isinstance(branches, list) or _NULL not in branches:
        return prop
    rest = [b for b in branches if b != _NULL]
    if len(rest) != 1 or not isinstance(rest[0], dict):
        return prop
    return {**rest[0], **{k: v for k, v in prop.items() if k not in ("anyOf", "default")}}


def _inline_single_use(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each definition referenced once written in place of its reference.

    A definition used twice (factsift's Quote) or by itself (a recursive model) stays.
    """
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema
    uses: dict[str, int] = {}

    def count(node: Any) -> None:
        if isinstance(node, dict):
            if (name := _ref_name(node)) is not None:
                uses[name] = uses.get(name, 0) + 1
            for key, value in node.items():
                if key not in _VALUES:
                    count(value)
        elif isinstance(node, list):
            for value in node:
                count(value)

    count(schema)
    once = {name for name, n in uses.items() if n == 1 and name in defs}
    # A definition whose one use is inside itself, directly or through others, stays.
    once = {name for name in once if not _refers_to(defs[name], name, defs, set())}
    if not once:
        return schema

    def put(node: Any) -> Any:
        if isinstance(node, list):
            return [put(value) for value in node]
        if not isinstance(node, dict):
            return node
        name = _ref_name(node)
        if name in once:
            body = put(defs[name])
            # The place's own keywords (a field's description) win over the definition's.
            return {**body, **{k: v for k, v in node.items() if k != "$ref"}}
        return {key: value if key in _VALUES else put(value) for key, value in node.items()}

    kept = {name: put(body) for name, body in defs.items() if name not in once}
    out = {key: put(value) for key, value in schema.items() if key != "$defs"}
    return {"$defs": kept, **out} if kept else out


def _ref_name(node: dict[str, Any]) -> str | None:
    """The definition a ``{"$ref": "#/$defs/NAME"}`` node points to, if it is one."""
    ref = node.get("$ref")
    return ref[len(_DEFS) :] if isinstance(ref, str) and ref.startswith(_DEFS) else None


def _refers_to(node: Any, target: str, defs: dict[str, Any], seen: set[str]) -> bool:
    """Whether ``node`` refers to definition ``target``, directly or through others."""
    if isinstance(node, list):
        return any(_refers_to(value, target, defs, seen) for value in node)
    if not isinstance(node, dict):
        return False
    name = _ref_name(node)
    if name is not None:
        if name == target:
            return True
        if name not in seen and name in defs:
            seen.add(name)
            if _refers_to(defs[name], target, defs, seen):
                return True
    return any(_refers_to(v, target, defs, seen) for k, v in node.items() if k not in _VALUES)


def _has_max_length(info: FieldInfo) -> bool:
    return any(getattr(m, "max_length", None) is not None for m in info.metadata)


def _is_derived(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("factsift_derived"))


def _has_spans(model: type[BaseModel]) -> bool:
    """Whether ``model`` holds a Span anywhere inside it."""
    return bool(_quote_fields(draft_model(model)))


def holds_spans(annotation: Any) -> bool:
    """Whether a field of type ``annotation`` may hold a Span."""
    return _mentions_quote(_convert(annotation))


def _convert(annotation: Any) -> Any:
    if annotation is Span:
        return Quote
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return draft_model(annotation)
    origin = get_origin(annotation)
    if origin is None:
        return annotation
    args = get_args(annotation)
    if origin is Annotated:
        params = (_convert(args[0]), *annotation.__metadata__)
        return Annotated[params]  # type: ignore[valid-type]
    new_args = tuple(_convert(a) for a in args)
    if new_args == args:
        return annotation
    if origin in (Union, types.UnionType):
        return Union[new_args]  # noqa: UP007 - built from a runtime tuple
    return typing.cast(Any, origin)[new_args if len(new_args) > 1 else new_args[0]]


def draft_model(model: type[BaseModel]) -> type[BaseModel]:
    """The model-facing version of ``model`` (``model`` itself if nothing changes)."""
    with BUILD_LOCK:
        return _draft_model(model)


def source_model(draft: type[BaseModel]) -> type[BaseModel]:
    """The schema ``draft`` (or a subclass of it, such as an answer model) was built
    from; ``draft`` itself when it is no draft."""
    for cls in draft.__mro__:
        if cls in _SOURCES:
            return _SOURCES[cls]
    return draft


@cache
def _draft_model(model: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    changed = False
    for name, info in model.model_fields.items():
        if _is_derived(info):
            changed = True
            continue
        converted = _convert(info.annotation)
        changed |= converted is not info.annotation
        new_info = FieldInfo.merge_field_infos(info)
        new_info.annotation = converted
        if get_origin(converted) is list and not _has_max_length(info):
            # Bounded lists become bounded grammars: a small model cannot loop forever.
            new_info.metadata = [*new_info.metadata, MaxLen(LIST_CAP)]
            changed = True
        fields[name] = (converted, new_info)
    if not changed:
        return model
    draft = create_model(  # type: ignore[call-overload]
        model.__name__,
        __doc__=model.__doc__,
        __module__=__name__,
        **fields,
    )
    _SOURCES[draft] = model
    return typing.cast(type[BaseModel], draft)


@dataclass
class GroundedAnswer:
    """The answer rebuilt with spans, and what had to be left out."""

    data: dict[str, Any]
    rejected: list[Rejected] = field(default_factory=list)
    #: The failures of the review (free text the article does not back), also in ``rejected``.
    unsupported: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [reason for r in self.rejected for reason in r.reasons]


def _mentions_quote(annotation: Any, seen: frozenset[type] = frozenset()) -> bool:
    if annotation is Quote:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        inner = seen | {annotation}
        return any(_mentions_quote(f.annotation, inner) for f in annotation.model_fields.values())
    return any(_mentions_quote(arg, seen) for arg in get_args(annotation))


@cache
def _quote_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that may hold a Quote: the only ones worth walking."""
    return tuple(n for n, f in model.model_fields.items() if _mentions_quote(f.annotation))


def _ground_value(
    value: Any, locate: Locate, path: str, failures: list[str], taken: dict[str, set[int]]
) -> Any:
    if isinstance(value, Quote):
        field = path.rsplit(".", 1)[-1].split("[", 1)[0]
        if field in DISTINCT_FIELDS:
            used = taken.setdefault(field, set())
            found = locate(value, used)
            if not isinstance(found, Unaligned):
                used.add(found.start)
        else:
            found = locate(value)
        if isinstance(found, Unaligned):
            failures.append(f"{path}: {found.reason}")
            return None
        return found.model_dump(mode="json")
    if isinstance(value, BaseModel):
        # Dump in one go (fast), then replace only the fields that hold quotes.
        dumped: dict[str, Any] = value.model_dump(mode="json")
        for name in _quote_fields(type(value)):
            dumped[name] = _ground_value(
                getattr(value, name), locate, f"{path}.{name}", failures, taken
            )
        return dumped
    if isinstance(value, (list, tuple)):
        return [
            _ground_value(v, locate, f"{path}[{i}]", failures, taken) for i, v in enumerate(value)
        ]
    if isinstance(value, dict):
        return {
            k: _ground_value(v, locate, f"{path}.{k}", failures, taken) for k, v in value.items()
        }
    return value.value if isinstance(value, Enum) else value


def ground_answer(
    answer: BaseModel, locate: Locate, review: Review | None = None
) -> GroundedAnswer:
    """Align every quote in ``answer``; keep only items whose quotes all align.

    Items are the elements of the answer's top-level lists (each claim, each
    event). A top-level value that is not a list is one item. An item with
    any quote that cannot be aligned is rejected whole, with one reason per
    failed quote: a fact is only returned when all of its words are found.
    An item whose quotes all align then goes through ``review``, which may
    reject it too.
    """
    data: dict[str, Any] = {}
    grounded = GroundedAnswer(data=data)
    taken: dict[str, set[int]] = {}
    for name in type(answer).model_fields:
        value = getattr(answer, name)
        items = value if isinstance(value, list) else [value]
        kept: list[Any] = []
        for i, item in enumerate(items):
            path = f"{name}[{i}]" if isinstance(value, list) else name
            failures: list[str] = []
            result = _ground_value(item, locate, path, failures, taken)
            if not failures and review is not None and isinstance(item, BaseModel):
                unsupported, warnings = review(item, result)
                failures += [f"{path}.{line}" for line in unsupported]
                grounded.unsupported += failures
                grounded.warnings += [f"{path}: {line}" for line in warnings]
            if failures:
                raw = (
                    item.model_dump(mode="json") if isinstance(item, BaseModel) else {"value": item}
                )
                grounded.rejected.append(Rejected(field=name, reasons=failures, item=raw))
            else:
                kept.append(result)
        if isinstance(value, list):
            data[name] = kept
        elif kept:
            data[name] = kept[0]
    return grounded
