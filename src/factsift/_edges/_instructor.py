"""The one place factsift reaches inside instructor: its v2 mode handlers.

instructor's public entry point, ``instructor.patch``/``from_openai``, wraps the
client's ``create`` and walks the whole answer model several times per request;
factsift's LLM edge needs only the three steps underneath (build the request for
a mode, parse the answer, word the re-ask), so it drives the handlers of
instructor's mode registry directly. Those handlers are not a documented API,
so they are called here and nowhere else, instructor is pinned below its next
minor release in ``pyproject.toml``, and ``tests/test_instructor_contract.py``
parses recorded answers through this module: an upgrade that changes their
shape fails there, loudly, rather than in a user's batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import instructor
from instructor.core import IncompleteOutputException, ResponseParsingError
from instructor.v2 import Provider, mode_registry
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

__all__ = [
    "IncompleteOutputException",
    "Mode",
    "OpenAISchema",
    "ResponseParsingError",
    "handlers_for",
]

Mode = instructor.Mode
#: Subclassing it spares instructor wrapping the answer model anew on each request.
OpenAISchema = instructor.OpenAISchema


@dataclass(frozen=True)
class Handlers:
    """instructor's request, parse and re-ask steps for one mode of OpenAI's API."""

    _handlers: Any

    def request(
        self, response_model: type[BaseModel], kwargs: dict[str, Any]
    ) -> tuple[type[BaseModel], dict[str, Any]]:
        """The model instructor will parse into, and the request body for ``kwargs``."""
        model, request = self._handlers.request_handler(
            response_model=response_model, kwargs=kwargs
        )
        return model, request

    def parse(
        self,
        completion: ChatCompletion,
        model: type[BaseModel],
        context: dict[str, Any] | None = None,
    ) -> BaseModel:
        """The answer validated as ``model``; ``context`` reaches its validators."""
        parsed: BaseModel = self._handlers.response_parser(
            response=completion, response_model=model, validation_context=context, strict=True
        )
        return parsed

    def reask(
        self, request: dict[str, Any], completion: ChatCompletion, error: Exception
    ) -> dict[str, Any]:
        """``request`` with the failed answer and the error appended, to ask again."""
        again: dict[str, Any] = self._handlers.reask_handler(
            kwargs=request, response=completion, exception=error
        )
        return again


def handlers_for(mode: instructor.Mode) -> Handlers:
    """The handlers of ``mode``: every server factsift talks to speaks OpenAI's format."""
    return Handlers(mode_registry.get_handlers(Provider.OPENAI, mode))
