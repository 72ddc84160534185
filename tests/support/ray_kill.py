"""An actor that dies mid-job: the real HTTP transport, which ray.kill()s its own actor.

``SelfKillingTransport`` sends through factsift's OpenAITransport, as an
Extractor would. The first actor to reach its ``after``-th request kills itself
with ``ray.kill`` (restart allowed, as a crashed worker would be), with batches
and requests still in flight; a marker file makes it happen once per job.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import ray

from factsift._edges.llm import OpenAITransport, resolve_settings


def _claim(marker: str) -> bool:
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


class SelfKillingTransport:
    def __init__(self, marker: str, after: int, model: str, **settings: Any) -> None:
        self.marker = marker
        self.after = after
        self._settings = {"model": model, **settings}
        self._sent = 0
        self._inner: OpenAITransport | None = None

    def _transport(self) -> OpenAITransport:
        if self._inner is None:
            self._inner = OpenAITransport(resolve_settings(**self._settings))
        return self._inner

    async def acomplete(self, request: dict[str, Any]) -> dict[str, Any]:
        self._sent += 1
        if self._sent == self.after and _claim(self.marker):
            with open(self.marker, "w", encoding="utf-8") as note:
                note.write(str(os.getpid()))
            ray.kill(ray.get_runtime_context().current_actor, no_restart=False)
            await asyncio.sleep(60)  # not reached: the process is gone
        return await self._transport().acomplete(request)

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._transport().complete(request)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()
