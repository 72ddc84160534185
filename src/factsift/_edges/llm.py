"""The LLM edge: settings, one chat-completion path for every provider, retries.

Every provider speaks OpenAI's chat-completions format: OpenAI itself, vLLM,
Ollama's ``/v1``, llama.cpp's server, LM Studio, and the in-process local
model. instructor's handlers for the mode the server supports turn a pydantic
schema into the request, parse the answer, and word the re-ask when it does
not validate; :meth:`LLM._create` sends each request through the cache, with
tenacity retries for transient failures, and counts tokens.

The handlers are driven through factsift's adapter, ``_instructor``, rather
than through ``instructor.patch``, whose wrapper re-checks the whole model tree
several times per request (see that module for why, and how it is pinned).
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import json
import os
import ssl
import threading
import time
import urllib.parse
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx2
import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from factsift._edges._instructor import (
    IncompleteOutputException,
    Mode,
    ResponseParsingError,
    handlers_for,
)
from factsift._edges.cache import CacheMode, ResponseCache, cache_key
from factsift.errors import ConfigError, LLMError, SchemaError

__all__ = [
    "LLM",
    "LLMSettings",
    "RequestSlots",
    "Scope",
    "estimate_cost",
    "resolve_settings",
]

T = TypeVar("T", bound=BaseModel)

#: US dollars per million tokens: (prompt, completion) or (prompt, completion, cached
#: prompt), as OpenAI's price list gives them. Override with ``prices=``.
Prices = tuple[float, float] | tuple[float, float, float]
DEFAULT_PRICES: dict[str, Prices] = {
    "gpt-4o-mini": (0.15, 0.60, 0.075),
    "gpt-4o": (2.50, 10.00, 1.25),
    "gpt-4.1-nano": (0.10, 0.40, 0.025),
    "gpt-4.1-mini": (0.40, 1.60, 0.10),
    "gpt-4.1": (2.00, 8.00, 0.50),
    "gpt-5-nano": (0.05, 0.40, 0.005),
    "gpt-5-mini": (0.25, 2.00, 0.025),
    "gpt-5": (1.25, 10.00, 0.125),
}
DEFAULT_REMOTE_MODEL = "gpt-4o-mini"
LOCAL_PREFIX = "local"

_MODES = {
    "tools": Mode.TOOLS,
    "json": Mode.JSON,
    "json_schema": Mode.JSON_SCHEMA,
    "md_json": Mode.MD_JSON,
}
#: What a re-ask can fix: the answer is not JSON, misses the tool call, or fails validation
#: (grounding included).
_PARSE_ERRORS = (ValidationError, json.JSONDecodeError, ResponseParsingError)
_PATH = "/chat/completions"
_OPENAI_URL = "https://api.openai.com/v1"
_TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_STATUS_HINTS = {
    401: "check the API key (OPENAI_API_KEY or --api-key)",
    403: "the key is not allowed to use this model or endpoint",
    404: "check the model name (--model) and the base URL (--base-url)",
    400: "the server rejected the request; if it does not support this structured-output "
    "mode, try another with --mode (tools, json_schema, json, md_json)",
    422: "the server rejected the request; try another --mode",
}


@dataclass(frozen=True)
class LLMSettings:
    """Where requests go and how they are sampled. The key never enters a cache key."""

    provider: str
    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str = "auto"
    temperature: float = 0.0
    seed: int | None = 0
    max_tokens: int = 4096
    timeout: float = 120.0
    max_attempts: int = 5
    max_wait: float = 60.0

    def __post_init__(self) -> None:
        # Checked here, before the first article: a bad setting would otherwise
        # cost every article its retries.
        if not self.timeout > 0:
            raise ConfigError(f"timeout={self.timeout} must be more than 0 seconds")
        if self.max_attempts < 1:
            raise ConfigError(f"max_attempts={self.max_attempts} must be at least 1")
        if self.base_url is not None:
            _check_base_url(self.base_url)

    @property
    def needs_key(self) -> bool:
        """Whether the server is OpenAI's own API, which answers nothing without a key.

        Other endpoints (vLLM, Ollama, llama.cpp's server, a gateway) may or may
        not want one; they say so with a 401, which fails at once.
        """
        if self.provider == "local":
            return False
        host = urllib.parse.urlsplit(self.base_url).hostname if self.base_url else None
        return host is None or host == "openai.com" or host.endswith(".openai.com")

    def check_key(self) -> None:
        """Raise :class:`ConfigError` when the server needs a key and none is set."""
        if self.needs_key and not self.api_key:
            where = self.base_url or _OPENAI_URL
            raise ConfigError(
                f"model {self.model!r} is served by {where}, which needs an API key: set "
                "OPENAI_API_KEY or pass --api-key (or --base-url for a local server)"
            )

    @property
    def instructor_mode(self) -> Mode:
        if self.mode == "auto":
            # In-process llama.cpp takes OpenAI's json_schema response format;
            # tool calling is the one structured mode nearly every server shares.
            return Mode.JSON_SCHEMA if self.provider == "local" else Mode.TOOLS
        try:
            return _MODES[self.mode]
        except KeyError:
            raise ConfigError(
                f"unknown mode {self.mode!r}; choose auto, {', '.join(_MODES)}"
            ) from None

    @property
    def decodes_by_schema(self) -> bool:
        """Whether the server is handed the schema as a response format (json_schema
        mode), which llama.cpp and vLLM turn into a grammar the answer must follow."""
        return self.instructor_mode is Mode.JSON_SCHEMA

    def identity(self) -> dict[str, Any]:
        """What, besides the request body, makes an answer differ."""
        return {
            "provider": self.provider,
            "base_url": self.base_url,
            "mode": self.instructor_mode.value,
        }


def _check_base_url(url: str) -> None:
    example = "e.g. http://localhost:11434/v1"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError as exc:
        raise ConfigError(f"base URL {url!r} is not a valid URL ({exc}); {example}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"base URL {url!r} needs a scheme and a host (http:// or https://); {example}"
        )


def resolve_settings(
    model: str | None = None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> LLMSettings:
    """Settings from arguments, falling back to the environment.

    With nothing configured (no model, key or base URL) the bundled local
    model is used. ``model="local:/path/to/model.gguf"`` runs any GGUF file.
    """
    env = os.environ if env is None else env
    model = model or env.get("FACTSIFT_MODEL") or None
    base_url = base_url or env.get("OPENAI_BASE_URL") or None
    api_key = api_key or env.get("OPENAI_API_KEY") or None
    if model is not None and (model == LOCAL_PREFIX or model.startswith(LOCAL_PREFIX + ":")):
        return LLMSettings(provider="local", model=model, **options)
    if model is None and base_url is None and api_key is None:
        return LLMSettings(provider="local", model=LOCAL_PREFIX, **options)
    if model is None:
        if base_url is not None:
            raise ConfigError(f"name the model served at {base_url} with --model or FACTSIFT_MODEL")
        model = DEFAULT_REMOTE_MODEL
    return LLMSettings(
        provider="openai-compatible", model=model, base_url=base_url, api_key=api_key, **options
    )


def estimate_cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    prices: Mapping[str, Prices] | None = None,
    cached_prompt_tokens: int = 0,
) -> float | None:
    """US dollars for the tokens, or None when the model is not in the table.

    ``cached_prompt_tokens`` (part of ``prompt_tokens``) are the ones the provider served
    from its prompt cache; they cost the cached rate where the table gives one.
    """
    if model == LOCAL_PREFIX or model.startswith(LOCAL_PREFIX + ":"):
        return 0.0
    table = {**DEFAULT_PRICES, **(prices or {})}
    # "gpt-4o-mini-2024-07-18" is priced as "gpt-4o-mini": longest prefix wins.
    name = max((k for k in table if model == k or model.startswith(k + "-")), key=len, default=None)
    if name is None:
        return None
    per_in, per_out, *rest = table[name]
    per_cached = rest[0] if rest else per_in
    cached = min(cached_prompt_tokens, prompt_tokens)
    dollars = (prompt_tokens - cached) * per_in + cached * per_cached + completion_tokens * per_out
    return round(dollars / 1_000_000, 6)


@dataclass
class Scope:
    """One structured request (with its re-asks): what it cost and what keys it.

    :meth:`LLM.structured` is handed one and passes it down to each request it
    sends, re-asks included, so concurrent requests never mix their counts.
    """

    key_extra: dict[str, Any] = field(default_factory=dict)
    #: Ask the model again: stored answers are not read, the new ones replace them
    #: (redoing a failed article must not replay the answers that failed). In
    #: offline mode nothing may be sent, so stored answers are still read.
    ask_again: bool = False
    #: The run's request slots, if it bounds requests in flight (see RequestSlots).
    slots: RequestSlots | None = None
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0

    def record(self, completion: Mapping[str, Any], *, cached: bool) -> None:
        self.calls += 1
        self.cached_calls += int(cached)
        usage = completion.get("usage") or {}
        self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        details = usage.get("prompt_tokens_details") or {}
        self.cached_prompt_tokens += int(details.get("cached_tokens") or 0)
        self.completion_tokens += int(usage.get("completion_tokens") or 0)


class RequestSlots:
    """At most ``limit`` requests in flight among the extractions that share this object.

    A batch makes one and hands it to every article it extracts (``slots=``), so its
    ``--concurrency`` bounds requests, not articles: an article with several windows
    takes several slots. A slot is held while a request is on the wire, never during
    a back-off; requests answered from the cache take none. It holds a semaphore for
    each way of waiting: tasks on one event loop, and the sentence strategy's threads.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the request limit must be at least 1")
        self.tasks = asyncio.Semaphore(limit)
        self.threads = threading.BoundedSemaphore(limit)


class RateLimiter:
    """Client-side quotas: requests and (estimated) prompt tokens per minute.

    A token bucket per quota, refilled continuously; a request waits until both
    buckets hold enough, so a run stays under the provider's limits instead of
    collecting 429s. Thread-safe for the sync path, and awaitable for the async one.
    """

    def __init__(self, rpm: float | None = None, tpm: float | None = None) -> None:
        self.limits = {name: v for name, v in (("requests", rpm), ("tokens", tpm)) if v}
        self._level = dict(self.limits)  # start full: a burst up to one minute's quota
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def _delay(self, tokens: int) -> float:
        """Take the request from the buckets if they hold it, else say how long to wait."""
        with self._lock:
            now = time.monotonic()
            elapsed, self._stamp = now - self._stamp, now
            need = {"requests": 1.0, "tokens": float(tokens)}
            wait = 0.0
            for name, per_minute in self.limits.items():
                level = min(per_minute, self._level[name] + elapsed * per_minute / 60)
                self._level[name] = level
                wanted = min(need[name], per_minute)  # one huge request must still pass
                if level < wanted:
                    wait = max(wait, (wanted - level) * 60 / per_minute)
            if wait == 0.0:
                for name in self.limits:
                    self._level[name] -= min(need[name], self.limits[name])
            return wait

    def acquire(self, tokens: int) -> None:
        while (delay := self._delay(tokens)) > 0:
            time.sleep(delay)

    async def aacquire(self, tokens: int) -> None:
        while (delay := self._delay(tokens)) > 0:
            await asyncio.sleep(delay)


def _prompt_tokens(request: Mapping[str, Any]) -> int:
    messages = request.get("messages") or []
    return sum(len(str(m.get("content") or "")) for m in messages) // 4 + 1


class Transport(Protocol):
    """Sends one chat-completion request; returns the response as a plain dict."""

    def complete(self, request: dict[str, Any]) -> dict[str, Any]: ...

    async def acomplete(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None: ...

    async def aclose(self) -> None: ...


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def is_transient(exc: BaseException) -> bool:
    """Failures worth another try: rate limits, 5xx, timeouts, dropped connections."""
    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _TRANSIENT_STATUS
    return isinstance(exc, openai.APIResponseValidationError)


class OpenAITransport:
    """Any OpenAI-compatible HTTP endpoint, through the official client.

    Requests go out through the client's documented ``post`` for custom
    requests: instructor's handlers already built a plain JSON body, and
    ``chat.completions.create`` would spend about a millisecond per request
    re-walking it against its typed parameters. Auth, base URL and status
    errors are the client's as usual.

    The client's timeout bounds each wait for a byte, so a server that sends
    one byte a second would hold a request forever; ``settings.timeout`` also
    bounds the whole request, on an event loop where it can be cancelled.
    Synchronous calls run on a private loop in a background thread, so both
    paths share that one deadline.
    """

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self._options: dict[str, Any] = {
            "base_url": settings.base_url,
            # Local servers ignore the key, but the client insists on one.
            "api_key": settings.api_key or "not-needed",
            "timeout": settings.timeout,
            "max_retries": 0,  # tenacity retries, with our own policy, in LLM
        }
        self._lock = threading.Lock()
        # An async client's connections belong to one event loop: the caller's (one
        # per batch) and, for synchronous calls, the background one get their own.
        self._async: tuple[asyncio.AbstractEventLoop, openai.AsyncOpenAI] | None = None
        self._background: tuple[asyncio.AbstractEventLoop, threading.Thread] | None = None
        self._background_client: openai.AsyncOpenAI | None = None

    def _client(self) -> openai.AsyncOpenAI:
        http = openai.DefaultAsyncHttpxClient(verify=_tls_context())
        return openai.AsyncOpenAI(**self._options, http_client=http)

    async def _post(self, client: openai.AsyncOpenAI, request: dict[str, Any]) -> dict[str, Any]:
        limit = self.settings.timeout
        try:
            response = await asyncio.wait_for(
                client.post(_PATH, body=request, cast_to=httpx2.Response), limit
            )
        except asyncio.TimeoutError:
            url = str(client.base_url).rstrip("/") + _PATH
            raise openai.APIConnectionError(
                message=f"no complete answer within {limit:g} s (--timeout)",
                request=httpx2.Request("POST", url),
            ) from None
        return _body(response)

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:  # the sentence strategy sends from several threads
            if self._background is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, daemon=True)
                thread.start()
                self._background = (loop, thread)
                self._background_client = self._client()
            loop, client = self._background[0], self._background_client
        assert client is not None
        return asyncio.run_coroutine_threadsafe(self._post(client, request), loop).result()

    async def acomplete(self, request: dict[str, Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            self._async = (loop, self._client())
        return await self._post(self._async[1], request)

    def close(self) -> None:
        with self._lock:
            background, client = self._background, self._background_client
            self._background = self._background_client = None
        if background is not None:
            loop, thread = background
            if client is not None:
                asyncio.run_coroutine_threadsafe(client.close(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()

    async def aclose(self) -> None:
        if self._async is not None and self._async[0] is asyncio.get_running_loop():
            await self._async[1].close()
        self._async = None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The client's default TLS settings, loaded once per process.

    Every new client would otherwise load the CA bundle again (bench/overhead.py), and a
    batch makes one per run, at its first request.
    """
    return httpx2.create_ssl_context()


def _body(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        # A body cut short or garbled in transit: worth another try.
        raise openai.APIResponseValidationError(
            response=response, body=None, message=f"the server's answer is not JSON: {exc}"
        ) from exc
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        raise openai.APIResponseValidationError(
            response=response, body=body, message="the server's answer is not a chat completion"
        )
    return body


def _make_transport(settings: LLMSettings) -> Transport:
    if settings.provider == "local":
        from factsift._edges.local import LocalTransport

        return LocalTransport.for_settings(settings)
    settings.check_key()  # before the first attempt, not after every retry
    return OpenAITransport(settings)


class LLM:
    """Structured output from one configured model, through the cache."""

    def __init__(
        self,
        settings: LLMSettings,
        cache: ResponseCache,
        transport: Transport | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self._transport = transport
        self.limiter = limiter
        # Every server here speaks OpenAI's chat-completions format.
        self._handlers = handlers_for(settings.instructor_mode)

    @property
    def transport(self) -> Transport:
        # Created on first use: a fully cached run never loads a model or opens a client.
        if self._transport is None:
            self._transport = _make_transport(self.settings)
        return self._transport

    def _request(self, kwargs: dict[str, Any], scope: Scope) -> tuple[str, dict[str, Any] | None]:
        if not self.cache.enabled:
            return "", None
        key = cache_key({**self.settings.identity(), **scope.key_extra, "request": kwargs})
        if scope.ask_again and self.cache.mode is not CacheMode.offline:
            return key, None
        return key, self.cache.get(key)

    def _finish(
        self, key: str, completion: dict[str, Any], scope: Scope, *, cached: bool
    ) -> ChatCompletion:
        scope.record(completion, cached=cached)
        try:
            parsed = ChatCompletion.model_validate(completion)
        except ValidationError as err:
            raise SchemaError(
                f"the server's answer is not a chat completion: {_short(str(err))}"
            ) from err
        if not cached:
            self.cache.set(key, completion)
        return parsed

    def _create(self, kwargs: dict[str, Any], scope: Scope) -> ChatCompletion:
        key, hit = self._request(kwargs, scope)
        if hit is not None:
            return self._finish(key, hit, scope, cached=True)
        slots = scope.slots
        for attempt in Retrying(**self._retry_policy()):
            with attempt:
                if slots is None:
                    completion = self._send(kwargs)
                else:
                    with slots.threads:  # held for the request only, never for a back-off
                        completion = self._send(kwargs)
        return self._finish(key, completion, scope, cached=False)

    def _send(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        # The quota is taken when the request goes out, not while it waits for a slot.
        if self.limiter is not None:
            self.limiter.acquire(_prompt_tokens(kwargs))
        return self.transport.complete(kwargs)

    async def _asend(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.limiter is not None:
            await self.limiter.aacquire(_prompt_tokens(kwargs))
        return await self.transport.acomplete(kwargs)

    async def _acreate(self, kwargs: dict[str, Any], scope: Scope) -> ChatCompletion:
        key, hit = self._request(kwargs, scope)
        if hit is not None:
            return self._finish(key, hit, scope, cached=True)
        slots = scope.slots
        async for attempt in AsyncRetrying(**self._retry_policy()):
            with attempt:
                if slots is None:
                    completion = await self._asend(kwargs)
                else:
                    async with slots.tasks:  # held for the request only, never for a back-off
                        completion = await self._asend(kwargs)
        return self._finish(key, completion, scope, cached=False)

    def _retry_policy(self) -> dict[str, Any]:
        # Exponential backoff with jitter (spelled so that tenacity 8 and 9 both take it).
        backoff = wait_exponential(multiplier=0.5, max=self.settings.max_wait) + wait_random(0, 1)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            hinted = _retry_after(exc) if exc is not None else None
            delay = hinted if hinted is not None else backoff(state)
            return float(min(delay, self.settings.max_wait))

        return {
            "retry": retry_if_exception(is_transient),
            "stop": stop_after_attempt(self.settings.max_attempts),
            "wait": wait,
            "reraise": True,
        }

    @contextmanager
    def _errors(self, max_tokens: int) -> Iterator[None]:
        """Turn the failures of one structured request into factsift's errors."""
        try:
            yield
        except IncompleteOutputException as err:
            raise SchemaError(
                f"the model's answer did not fit the schema: it was cut off at "
                f"max_tokens={max_tokens}"
            ) from err
        except openai.APIError as err:
            raise self._explain(err) from err

    def _conversation(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        reasks: int,
        max_tokens: int,
        context: dict[str, Any] | None,
    ) -> Generator[dict[str, Any], ChatCompletion, T]:
        """One structured request and its re-asks, as a generator both drivers share.

        It yields each request to send and is sent back the completion; it
        returns the validated model, or raises once ``reasks`` re-asks failed.
        ``context`` reaches the answer model's validators.
        """
        handlers = self._handlers
        model, request = handlers.request(
            response_model, {"messages": messages, **self.sampling(max_tokens)}
        )
        for attempt in range(reasks + 1):
            completion = yield request
            try:
                return handlers.parse(completion, model, context)  # type: ignore[return-value]
            except _PARSE_ERRORS as err:
                if attempt == reasks:
                    raise SchemaError(
                        "the model's answer did not fit the schema after "
                        f"{_attempts(reasks + 1)}: {_short(str(err))}"
                    ) from err
                try:
                    request = handlers.reask(request, completion, err)
                except Exception as unusable:
                    raise _unreadable(unusable) from unusable
            except IncompleteOutputException:
                raise
            except Exception as err:  # a refusal, no choices: nothing a re-ask could fix
                raise _unreadable(err) from err
        raise AssertionError("unreachable: the last attempt returns or raises")

    def structured(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        scope: Scope,
        *,
        reasks: int,
        max_tokens: int | None = None,
        context: dict[str, Any] | None = None,
    ) -> T:
        """Ask for ``response_model``; validation errors are re-asked ``reasks`` times.

        Every request it sends, re-asks included, is counted in ``scope``;
        ``context`` is handed to the answer model's validators.
        """
        cap = self.sampling(max_tokens)["max_tokens"]
        with self._errors(cap):
            talk = self._conversation(messages, response_model, reasks, cap, context)
            request = next(talk)
            while True:
                try:
                    request = talk.send(self._create(request, scope))
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]

    async def astructured(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        scope: Scope,
        *,
        reasks: int,
        max_tokens: int | None = None,
        context: dict[str, Any] | None = None,
    ) -> T:
        """Like :meth:`structured`, without blocking the event loop."""
        cap = self.sampling(max_tokens)["max_tokens"]
        with self._errors(cap):
            talk = self._conversation(messages, response_model, reasks, cap, context)
            request = next(talk)
            while True:
                try:
                    request = talk.send(await self._acreate(request, scope))
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]

    def sampling(self, max_tokens: int | None = None) -> dict[str, Any]:
        """The request's model and sampling arguments; ``max_tokens`` caps a short answer."""
        s = self.settings
        sampling: dict[str, Any] = {
            "model": s.model,
            "temperature": s.temperature,
            "max_tokens": min(max_tokens or s.max_tokens, s.max_tokens),
        }
        if s.seed is not None:
            sampling["seed"] = s.seed
        return sampling

    def _explain(self, err: openai.APIError) -> LLMError:
        where = self.settings.base_url or _OPENAI_URL
        if isinstance(err, openai.APIStatusError):
            hint = _STATUS_HINTS.get(err.status_code, "")
            gave_up = (
                f" (gave up after {_attempts(self.settings.max_attempts)})"
                if is_transient(err)
                else ""
            )
            return LLMError(
                f"HTTP {err.status_code} from {where} for model {self.settings.model!r}"
                f"{gave_up}: {_short(err.message)}" + (f"; {hint}" if hint else "")
            )
        return LLMError(
            f"cannot reach {where} (gave up after {_attempts(self.settings.max_attempts)}): "
            f"{_short(str(err))}"
        )

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def aclose(self) -> None:
        """Close what belongs to the running event loop (the async HTTP client)."""
        if self._transport is not None:
            await self._transport.aclose()


def _attempts(n: int) -> str:
    return "1 attempt" if n == 1 else f"{n} attempts"


def _unreadable(err: Exception) -> SchemaError:
    why = _short(str(err)) or type(err).__name__
    return SchemaError(f"the model's answer could not be read: {why}")


def _short(message: str, limit: int = 300) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
