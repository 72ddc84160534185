"""The contract factsift relies on in instructor's handlers, checked on recorded answers.

``factsift._edges._instructor`` is the only module that reaches inside instructor. These
tests take real recorded exchanges from ``cassettes/`` (requests factsift sent and
the answers a server gave) and run them through that adapter: the request it builds
is the one recorded, a recorded answer parses into the answer model, and a re-ask
extends the conversation the way the recorded re-ask did. An instructor release
that changes any of this fails here, not in a user's batch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from factsift._edges._instructor import Mode, handlers_for
from factsift._pipeline.answer import answer_model
from factsift.schema import Extraction

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
#: A recorded exchange in tools mode whose first answer was re-asked (a made-up quote).
REASKED = CASSETTES / "test_extract_scripted" / "test_article_is_grounded_reasked_and_dated.yaml"


def exchanges(path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    recorded = yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]
    return [
        (json.loads(i["request"]["body"]), json.loads(i["response"]["body"]["string"]))
        for i in recorded
    ]


def sampling(request: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k not in ("tools", "tool_choice")}


def test_the_request_built_for_a_schema_is_the_one_recorded() -> None:
    (first, _), *_ = exchanges(REASKED)
    handlers = handlers_for(Mode.TOOLS)
    model, request = handlers.request(answer_model(Extraction, limits=False), sampling(first))
    assert request == first
    assert model.__name__ == "Extraction"


def test_a_recorded_answer_parses_into_the_answer_model() -> None:
    (first, answer), _ = exchanges(REASKED)
    handlers = handlers_for(Mode.TOOLS)
    model, _ = handlers.request(answer_model(Extraction, limits=False), sampling(first))
    parsed = handlers.parse(ChatCompletion.model_validate(answer), model)
    arguments = json.loads(
        answer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    )
    claims, events = parsed.claims, parsed.events  # type: ignore[attr-defined]
    assert len(claims) == len(arguments["claims"]) > 0
    assert len(events) == len(arguments["events"]) > 0
    assert [c.statement for c in claims] == [c["statement"] for c in arguments["claims"]]
    assert claims[0].evidence[0].text == arguments["claims"][0]["evidence"][0]["text"]


def test_a_malformed_answer_fails_validation_rather_than_passing() -> None:
    (first, answer), _ = exchanges(REASKED)
    handlers = handlers_for(Mode.TOOLS)
    model, _ = handlers.request(answer_model(Extraction, limits=False), sampling(first))
    broken = json.loads(json.dumps(answer))
    broken["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = '{"claims": 3}'
    with pytest.raises(ValidationError):
        handlers.parse(ChatCompletion.model_validate(broken), model)


def test_a_reask_extends_the_conversation_as_the_recorded_one_did() -> None:
    (first, answer), (second, _) = exchanges(REASKED)
    handlers = handlers_for(Mode.TOOLS)
    _, request = handlers.request(answer_model(Extraction, limits=False), sampling(first))
    again = handlers.reask(request, ChatCompletion.model_validate(answer), ValueError("fix it"))
    roles = [m["role"] for m in again["messages"]]
    assert roles == [m["role"] for m in second["messages"]]
    assert again["messages"][: len(first["messages"])] == first["messages"]
    assert "fix it" in json.dumps(again["messages"][len(first["messages"]) :])
    assert again["tools"] == second["tools"]
