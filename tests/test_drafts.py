"""Draft models and grounding answers back into the user's schema (factsift._pipeline.drafts)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field, ValidationError

from factsift._pipeline.drafts import (
    LIST_CAP,
    Quote,
    _has_spans,
    compact_schema,
    draft_model,
    ground_answer,
)
from factsift._pipeline.ground import Unaligned
from factsift.schema import Alignment, Extraction, Span

TEXT = "Alice Moreau met Bob Okafor in Paris on Tuesday. Carol Diaz stayed home."


def locate(quote: Quote, avoid: object = ()) -> Span | Unaligned:
    """A stand-in aligner: exact str.find over TEXT."""
    at = TEXT.find(quote.text) if quote.text else -1
    if at < 0:
        return Unaligned(f"{quote.text!r} is not in the article")
    return Span(start=at, end=at + len(quote.text), text=quote.text)


class Person(BaseModel):
    """Someone named in the article."""

    name: str
    mention: Span = Field(description="Where the person is named.")


class People(BaseModel):
    people: list[Person]
    headline: Span | None = None


def _walk(schema: Any) -> list[Any]:
    out = [schema]
    if isinstance(schema, dict):
        for v in schema.values():
            out.extend(_walk(v))
    elif isinstance(schema, list):
        for v in schema:
            out.extend(_walk(v))
    return out


def _assert_no_span(schema: dict[str, Any]) -> None:
    assert "Span" not in schema.get("$defs", {})
    for node in _walk(schema):
        if isinstance(node, dict):
            assert node.get("$ref") != "#/$defs/Span"
            if node.get("type") == "object" and "properties" in node:
                props = set(node["properties"])
                assert not {"start", "end", "alignment", "score"} & props, props
    assert "Alignment" not in json.dumps(schema)


# --- draft_model -------------------------------------------------------------------------------


def test_extraction_draft_has_quotes_not_spans() -> None:
    assert _has_spans(Extraction)
    draft = draft_model(Extraction)
    assert draft is not Extraction
    schema = draft.model_json_schema()
    _assert_no_span(schema)
    assert "Quote" in schema["$defs"]
    assert set(schema["$defs"]["Quote"]["properties"]) == {"sentence", "text", "occurrence"}
    evidence = schema["$defs"]["Claim"]["properties"]["evidence"]
    assert evidence["items"] == {"$ref": "#/$defs/Quote"}
    assert evidence["minItems"] == 1


def test_extraction_draft_drops_derived_fields() -> None:
    schema = draft_model(Extraction).model_json_schema()
    timeref = schema["$defs"]["TimeRef"]
    assert set(timeref["properties"]) == {"span"}
    assert "normalized" not in json.dumps(schema)
    assert "support" not in schema["$defs"]["Claim"]["properties"]


def test_extraction_draft_keeps_descriptions() -> None:
    original = Extraction.model_json_schema()["$defs"]
    drafted = draft_model(Extraction).model_json_schema()["$defs"]
    for model in ("Claim", "Event", "Attribution", "TimeRef"):
        assert drafted[model]["description"] == original[model]["description"]
    for name, prop in original["Claim"]["properties"].items():
        if prop.get("factsift_derived"):  # code fills it in: the model never sees it
            assert name not in drafted["Claim"]["properties"]
        elif "description" in prop:
            assert drafted["Claim"]["properties"][name]["description"] == prop["description"]
    assert drafted["Event"]["properties"]["trigger"]["description"] == (
        'The word or phrase that names the event ("met").'
    )
    # Enums are shared untouched.
    assert drafted["EventType"] == original["EventType"]


def test_draft_model_is_cached() -> None:
    assert draft_model(Extraction) is draft_model(Extraction)


def test_model_without_spans_is_its_own_draft() -> None:
    class Plain(BaseModel):
        title: str
        nested: Optional[dict[str, int]] = None  # noqa: UP045

    assert not _has_spans(Plain)
    assert draft_model(Plain) is Plain
    assert not _has_spans(Quote)


def test_lists_are_capped_in_the_draft_only() -> None:
    class Tagged(BaseModel):
        tags: list[str] = []
        few: list[str] = Field(default_factory=list, max_length=3)

    draft = draft_model(Tagged).model_json_schema()["properties"]
    assert not _has_spans(Tagged)
    assert draft["tags"]["maxItems"] == LIST_CAP
    assert draft["few"]["maxItems"] == 3  # an explicit cap is kept
    assert "maxItems" not in Tagged.model_json_schema()["properties"]["tags"]


def test_custom_schema_is_drafted() -> None:
    assert _has_spans(People)
    draft = draft_model(People)
    schema = draft.model_json_schema()
    _assert_no_span(schema)
    person = schema["$defs"]["Person"]
    assert person["properties"]["mention"]["$ref"] == "#/$defs/Quote"
    assert person["properties"]["mention"]["description"] == "Where the person is named."
    assert person["description"] == "Someone named in the article."
    assert schema["required"] == ["people"]
    headline = schema["properties"]["headline"]
    assert {"$ref": "#/$defs/Quote"} in headline["anyOf"]
    assert {"type": "null"} in headline["anyOf"]


def test_optional_list_nested_and_annotated_spans_convert() -> None:
    class Inner(BaseModel):
        where: Annotated[Span, Field(description="the place")]

    class Mid(BaseModel):
        inner: Inner
        inners: list[Inner] = []

    class Outer(BaseModel):
        a: Annotated[Span, Field(description="annotated span")]
        b: Optional[Span] = None  # noqa: UP045
        c: list[Span] = []
        d: Annotated[list[Span], Field(min_length=1)]
        e: Span | None = None
        f: list[Optional[Span]] = []  # noqa: UP045
        g: dict[str, Span] = {}
        mid: Mid
        name: str = "x"

    assert _has_spans(Inner) and _has_spans(Mid) and _has_spans(Outer)
    schema = draft_model(Outer).model_json_schema()
    _assert_no_span(schema)
    props = schema["properties"]
    quote = {"$ref": "#/$defs/Quote"}
    assert props["a"]["$ref"] == quote["$ref"] and props["a"]["description"] == "annotated span"
    assert quote in props["b"]["anyOf"]
    assert props["c"]["items"] == quote
    assert props["d"]["items"] == quote and props["d"]["minItems"] == 1
    assert quote in props["e"]["anyOf"]
    assert quote in props["f"]["items"]["anyOf"]
    assert props["g"]["additionalProperties"] == quote
    assert props["name"] == {"default": "x", "title": "Name", "type": "string"}
    assert schema["$defs"]["Inner"]["properties"]["where"]["description"] == "the place"

    # The draft accepts quotes where the original wanted spans.
    answer = draft_model(Outer).model_validate(
        {
            "a": {"text": "Paris"},
            "d": [{"text": "Alice Moreau", "sentence": 0}],
            "f": [None, {"text": "Bob Okafor"}],
            "g": {"home": {"text": "Carol Diaz"}},
            "mid": {"inner": {"where": {"text": "Paris"}}, "inners": [{"where": {"text": "home"}}]},
        }
    )
    grounded = ground_answer(answer, locate)
    assert grounded.rejected == []
    outer = Outer.model_validate(grounded.data)
    assert outer.a.text == "Paris" and TEXT[outer.a.start : outer.a.end] == "Paris"
    assert outer.f[0] is None and outer.f[1] is not None and outer.f[1].text == "Bob Okafor"
    assert outer.g["home"].text == "Carol Diaz"
    assert outer.mid.inners[0].where.text == "home"
    assert outer.b is None


def test_draft_rejects_span_shaped_input_without_text() -> None:
    with pytest.raises(ValidationError):
        draft_model(People).model_validate({"people": [{"name": "A", "mention": {"start": 0}}]})


# --- ground_answer -----------------------------------------------------------------------------


def test_ground_answer_rebuilds_user_schema() -> None:
    draft = draft_model(People)
    answer = draft.model_validate(
        {
            "people": [
                {"name": "Alice", "mention": {"text": "Alice Moreau", "sentence": 0}},
                {"name": "Bob", "mention": {"text": "Bob Okafor"}},
            ],
            "headline": {"text": "met Bob Okafor in Paris"},
        }
    )
    grounded = ground_answer(answer, locate)
    assert grounded.rejected == []
    assert grounded.failures == []
    people = People.model_validate(grounded.data)
    assert [p.name for p in people.people] == ["Alice", "Bob"]
    for span in [*(p.mention for p in people.people), people.headline]:
        assert span is not None
        assert TEXT[span.start : span.end] == span.text
        assert span.alignment is Alignment.exact
    assert people.people[1].mention.start == TEXT.index("Bob Okafor")


def test_item_with_bad_quote_is_rejected_whole() -> None:
    draft = draft_model(People)
    answer = draft.model_validate(
        {
            "people": [
                {"name": "Alice", "mention": {"text": "Alice Moreau"}},
                {"name": "Zed", "mention": {"text": "Zed Quillfeather"}},
                {"name": "Carol", "mention": {"text": "Carol Diaz"}},
            ],
        }
    )
    grounded = ground_answer(answer, locate)
    people = People.model_validate(grounded.data)
    assert [p.name for p in people.people] == ["Alice", "Carol"]
    assert people.headline is None
    assert len(grounded.rejected) == 1
    rejected = grounded.rejected[0]
    assert rejected.field == "people"
    assert rejected.item == {
        "name": "Zed",
        "mention": {"sentence": None, "text": "Zed Quillfeather", "occurrence": None},
    }
    assert len(rejected.reasons) == 1
    assert rejected.reasons[0].startswith("people[1].mention:")
    assert "Zed Quillfeather" in rejected.reasons[0]
    assert grounded.failures == rejected.reasons


def test_one_reason_per_failed_quote() -> None:
    class Pair(BaseModel):
        a: Span
        b: list[Span]

    class Pairs(BaseModel):
        pairs: list[Pair]

    answer = draft_model(Pairs).model_validate(
        {"pairs": [{"a": {"text": "nope"}, "b": [{"text": "Paris"}, {"text": "never"}]}]}
    )
    grounded = ground_answer(answer, locate)
    assert grounded.data == {"pairs": []}
    assert [r.split(":")[0] for r in grounded.failures] == ["pairs[0].a", "pairs[0].b[1]"]


def test_bad_top_level_scalar_quote_is_dropped() -> None:
    answer = draft_model(People).model_validate(
        {"people": [{"name": "Alice", "mention": {"text": "Alice"}}], "headline": {"text": "fake"}}
    )
    grounded = ground_answer(answer, locate)
    assert "headline" not in grounded.data
    assert [r.field for r in grounded.rejected] == ["headline"]
    assert grounded.failures[0].startswith("headline:")
    people = People.model_validate(grounded.data)
    assert people.headline is None and len(people.people) == 1


def test_ground_answer_on_extraction() -> None:
    answer = draft_model(Extraction).model_validate(
        {
            "claims": [
                {
                    "statement": "Alice Moreau met Bob Okafor.",
                    "kind": "fact",
                    "certainty": "asserted",
                    "attribution": {"source_type": "author"},
                    "time": {"span": {"text": "on Tuesday"}},
                    "evidence": [{"text": "Alice Moreau met Bob Okafor", "sentence": 0}],
                }
            ],
            "events": [
                {
                    "type": "meet",
                    "trigger": {"text": "met"},
                    "participants": [{"role": "agent", "span": {"text": "Alice Moreau"}}],
                    "location": {"text": "Paris"},
                    "realis": "occurred",
                    "evidence": [{"text": "met Bob Okafor in Paris"}],
                },
                {
                    "type": "visit",
                    "trigger": {"text": "flew"},
                    "realis": "occurred",
                    "evidence": [{"text": "Carol Diaz stayed home"}],
                },
            ],
        }
    )
    grounded = ground_answer(answer, locate)
    extraction = Extraction.model_validate(grounded.data)
    # Enums come back as plain values, so the data is JSON-ready.
    assert grounded.data["claims"][0]["kind"] == "fact"
    json.dumps(grounded.data)
    assert len(extraction.claims) == 1 and len(extraction.events) == 1
    claim = extraction.claims[0]
    assert claim.time is not None and claim.time.normalized is None
    assert claim.time.span.text == "on Tuesday"
    assert extraction.events[0].location is not None
    assert extraction.events[0].location.text == "Paris"
    assert [r.field for r in grounded.rejected] == ["events"]
    assert grounded.failures == ["events[1].trigger: 'flew' is not in the article"]


def test_tuple_of_spans_is_grounded() -> None:
    class Tup(BaseModel):
        spans: tuple[Span, ...] = ()

    answer = draft_model(Tup).model_validate({"spans": [{"text": "Alice"}, {"text": "Zed"}]})
    grounded = ground_answer(answer, locate)
    assert grounded.failures and grounded.failures[0].startswith("spans")


def _keys(node: Any, found: set[str] | None = None, *, numbers: bool = False) -> set[str]:
    """The keys of ``node`` holding a string (or, with ``numbers``, a number) anywhere."""
    found = set() if found is None else found
    kinds = (str, int) if numbers else (str,)
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, kinds):
                found.add(key)
            _keys(value, found, numbers=numbers)
    elif isinstance(node, list):
        for value in node:
            _keys(value, found, numbers=numbers)
    return found


def _quote(n: int = 1, text: str = "met") -> dict[str, Any]:
    return {"sentence": n, "text": text}


#: An answer with every field of factsift's schema, optional ones included.
FULL_ANSWER = {
    "claims": [
        {
            "statement": "Alice Moreau met Bob Okafor.",
            "kind": "fact",
            "certainty": "reported",
            "attribution": {
                "source_type": "person",
                "name": "Carol Diaz",
                "speaker": _quote(2, "Carol Diaz"),
                "cue": {"sentence": 2, "text": "said", "occurrence": 1},
            },
            "entities": ["Alice Moreau", "Bob Okafor"],
            "time": {"span": _quote(1, "on Tuesday")},
            "evidence": [_quote(1, "Alice Moreau met Bob Okafor")],
        }
    ],
    "events": [
        {
            "type": "meet",
            "trigger": _quote(),
            "participants": [{"role": "agent", "span": _quote(1, "Alice Moreau")}],
            "location": _quote(1, "Paris"),
            "time": {"span": _quote(1, "on Tuesday")},
            "realis": "occurred",
            "evidence": [_quote(1, "Alice Moreau met Bob Okafor in Paris")],
        }
    ],
}


def _with(path: str, value: Any) -> dict[str, Any]:
    """FULL_ANSWER with the item at ``path`` ("claims.0.kind") set to ``value``."""
    answer = json.loads(json.dumps(FULL_ANSWER))
    *where, last = path.split(".")
    node: Any = answer
    for key in where:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(last) if last.isdigit() else last] = value
    return answer


def _without(path: str) -> dict[str, Any]:
    answer = _with(path, None)
    *where, last = path.split(".")
    node: Any = answer
    for key in where:
        node = node[int(key)] if key.isdigit() else node[key]
    del node[last]
    return answer


class _Node(BaseModel):
    label: str
    children: list[_Node] = []
    note: str | None = None


class _Tree(BaseModel):
    root: _Node


@pytest.mark.parametrize("limits", [True, False])
def test_compact_schema_is_valid_and_states_each_meaning_once(limits: bool) -> None:
    full = draft_model(Extraction).model_json_schema()
    compact = compact_schema(full, descriptions=False, limits=limits)
    Draft202012Validator.check_schema(compact)
    assert {"title", "description"} <= _keys(full)
    assert compact["title"] == full["title"]  # the root's title names the tool
    assert "description" not in _keys(compact)
    assert "title" not in _keys({k: v for k, v in compact.items() if k != "title"})
    assert len(json.dumps(compact)) < len(json.dumps(full)) / 2
    # No optional field is spelled "this or null": it is simply not required.
    assert '{"type": "null"}' not in json.dumps(compact)
    # The quote, used everywhere, is defined once; a definition used once is inlined.
    assert set(compact["$defs"]) == {"Quote", "TimeRef"}
    limited = {"maxItems", "minItems", "maxLength"} & _keys(compact, numbers=True)
    assert limited == ({"maxItems", "minItems", "maxLength"} if limits else set())


@pytest.mark.parametrize("limits", [True, False])
def test_compact_schema_takes_the_answers_the_model_takes(limits: bool) -> None:
    """The schema shown to the model and the model that validates agree on every answer
    but those beyond a size limit, which only the schema with limits turns away."""
    draft = draft_model(Extraction)
    shown = Draft202012Validator(
        compact_schema(draft.model_json_schema(), descriptions=False, limits=limits)
    )
    optional = [
        "claims.0.attribution.name", "claims.0.attribution.speaker",
        "claims.0.attribution.cue", "claims.0.entities", "claims.0.time",
        "claims.0.evidence.0.sentence", "events.0.participants", "events.0.location",
        "events.0.time", "events.0.trigger.sentence", "claims", "events",
    ]  # fmt: skip
    good = [FULL_ANSWER, *(_without(path) for path in optional)]
    bad = [
        _with("claims.0.kind", "rumour"),
        _with("events.0.realis", "maybe"),
        _with("claims.0.statement", 3),
        _with("events.0.trigger", "met"),
        _with("claims.0.evidence.0.occurrence", "first"),
        _without("claims.0.statement"),
        _without("claims.0.attribution.source_type"),
        _without("events.0.evidence"),
        _without("events.0.trigger.text"),
        _with("events.0.participants.0", {"role": "agent"}),
    ]
    for answer in good:
        draft.model_validate(answer)
        assert shown.is_valid(answer), answer
    for answer in bad:
        with pytest.raises(ValidationError):
            draft.model_validate(answer)
        assert not shown.is_valid(answer), answer
    for answer in (
        _with("claims.0.evidence", [_quote()] * 6),
        _with("claims.0.evidence", []),
        _with("events.0.trigger.text", "x" * 401),
    ):
        with pytest.raises(ValidationError):
            draft.model_validate(answer)
        assert shown.is_valid(answer) is not limits


def test_compact_schema_keeps_a_recursive_definition() -> None:
    compact = compact_schema(_Tree.model_json_schema())
    Draft202012Validator.check_schema(compact)
    assert "_Node" in compact["$defs"]  # used by itself: it stays a definition
    tree = {"root": {"label": "a", "children": [{"label": "b", "note": "leaf"}]}}
    assert Draft202012Validator(compact).is_valid(tree)
    assert not Draft202012Validator(compact).is_valid({"root": {"children": []}})

    # A field that may hold null and is required keeps its null.
    class Maybe(BaseModel):
        note: str | None

    assert compact_schema(Maybe.model_json_schema())["properties"]["note"]["anyOf"][1] == {
        "type": "null"
    }


def test_compact_schema_keeps_a_custom_schemas_descriptions_and_fields_named_title() -> None:
    class Page(BaseModel):
        title: str = Field(description="The headline, as printed.")
        description: str

    compact = compact_schema(Page.model_json_schema())
    assert compact["properties"]["title"]["description"] == "The headline, as printed."
    assert set(compact["properties"]) == {"title", "description"}
    assert "title" not in compact["properties"]["title"]


def test_compact_schema_keeps_values_as_they_are() -> None:
    class Form(BaseModel):
        kind: str = Field(
            default="x",
            json_schema_extra={"const": {"title": "kept"}, "enum": [{"description": "kept"}]},
        )
        meta: dict[str, str] = Field(
            default={"title": "kept", "description": "kept"},
            examples=[{"title": "kept"}],
            description="dropped with descriptions off",
        )

    compact = compact_schema(Form.model_json_schema(), descriptions=False)
    meta = compact["properties"]["meta"]
    assert meta["default"] == {"title": "kept", "description": "kept"}
    assert meta["examples"] == [{"title": "kept"}]
    assert "description" not in meta
    kind = compact["properties"]["kind"]
    assert kind["const"] == {"title": "kept"} and kind["enum"] == [{"description": "kept"}]
