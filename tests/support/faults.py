"""Fault injection for the scripted server: a responder wrapper that misbehaves on purpose.

``FaultInjector(rule_model, rate=0.3, seed=7)`` answers like ``rule_model``,
except that about ``rate`` of the requests get one fault instead, chosen
among ``kinds``:

- ``429``: rate limited, with ``retry-after: 0``;
- ``500``, ``503``: server errors;
- ``timeout``: the answer comes after ``timeout_sleep`` seconds (longer than
  the client waits: it has given up by then);
- ``drop``: the connection is closed without an answer;
- ``truncated``: a 200 whose body is the valid completion cut in half;
- ``invalid_json``: a 200 whose body is not JSON at all;
- ``schema``: a 200 with a well-formed chat completion whose answer breaks
  the schema (a claim's statement is a number).

The choice is deterministic: the n-th request for an article (told apart by
the ``Article id:`` line of the prompt) draws from ``random.Random`` seeded
with ``seed``, the article and n, so the same article meets the same faults
whatever the order in which concurrent requests arrive. ``counts`` holds the
requests and the faults injected per kind; ``per_article`` the requests per
article. Both are updated under a lock (the server answers from many threads).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from tests.support.scripted_server import Reply, Responder, completion

ALL_KINDS: tuple[str, ...] = (
    "429",
    "500",
    "503",
    "timeout",
    "drop",
    "truncated",
    "invalid_json",
    "schema",
)
#: Every kind that costs no waiting: for runs that must stay fast.
FAST_KINDS: tuple[str, ...] = tuple(k for k in ALL_KINDS if k != "timeout")
SCHEMA_BREAKING = {"claims": [{"statement": 3}], "events": "none"}

_ARTICLE_ID = re.compile(r"^Article id: (.*)$", re.M)


def article_id(request: dict[str, Any]) -> str:
    """The ``Article id:`` of a factsift prompt, or "" for a request without one."""
    for message in request.get("messages", []):
        if message.get("role") != "user":
            continue
        found = _ARTICLE_ID.search(str(message.get("content") or ""))
        if found:
            return found[1].strip()
    return ""


class FaultInjector:
    """A responder for :class:`ScriptedServer` that injects faults into ``rate`` of requests."""

    def __init__(
        self,
        responder: Responder,
        *,
        rate: float,
        seed: int,
        kinds: Sequence[str] = ALL_KINDS,
        timeout_sleep: float = 1.0,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], not {rate}")
        unknown = set(kinds) - set(ALL_KINDS)
        if unknown or not kinds:
            raise ValueError(f"unknown kinds {sorted(unknown)}; choose from {ALL_KINDS}")
        self.responder = responder
        self.rate = rate
        self.seed = seed
        self.kinds = tuple(kinds)
        self.timeout_sleep = timeout_sleep
        self.counts: Counter[str] = Counter()
        self.per_article: Counter[str] = Counter()
        #: The faults each article met, in order ("ok" for an honest answer).
        self.history: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    @property
    def faults(self) -> int:
        """How many requests got a fault."""
        return sum(n for kind, n in self.counts.items() if kind != "requests")

    def _draw(self, article: str) -> str | None:
        with self._lock:
            n = self.per_article[article]
            self.per_article[article] += 1
            self.counts["requests"] += 1
            rng = random.Random(f"{self.seed}\0{article}\0{n}")
            kind = rng.choice(self.kinds) if rng.random() < self.rate else None
            if kind is not None:
                self.counts[kind] += 1
            self.history.setdefault(article, []).append(kind or "ok")
            return kind

    def __call__(self, request: dict[str, Any]) -> dict[str, Any] | Reply:
        kind = self._draw(article_id(request))
        if kind is None:
            return self.responder(request)
        return self.fault(kind, request)

    def fault(self, kind: str, request: dict[str, Any]) -> dict[str, Any] | Reply:
        """The reply for one fault of ``kind`` to ``request``."""
        if kind == "429":
            return Reply(429, {"error": {"message": "slow down"}}, {"retry-after": "0"})
        if kind in ("500", "503"):
            return Reply(int(kind), {"error": {"message": f"injected {kind}"}})
        if kind == "timeout":
            time.sleep(self.timeout_sleep)  # the client has given up by now
            return self.responder(request)
        if kind == "drop":
            return Reply(0, b"")
        if kind == "truncated":
            answer = self.responder(request)
            whole = answer if isinstance(answer, Reply) else Reply(200, completion(request, answer))
            body = (
                json.dumps(whole.body).encode() if not isinstance(whole.body, bytes) else whole.body
            )
            return Reply(200, body[: len(body) // 2])
        if kind == "invalid_json":
            return Reply(200, b"not json at all")
        if kind == "schema":
            return Reply(200, completion(request, SCHEMA_BREAKING))
        raise ValueError(f"unknown fault kind {kind!r}")
