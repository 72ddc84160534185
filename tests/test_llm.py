"""The LLM edge against a live scripted server on 127.0.0.1: retries, errors, settings."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from factsift import CacheMissError, ConfigError, Extractor, LLMError
from factsift._edges.llm import estimate_cost, resolve_settings
from tests.support.rule_model import rule_model
from tests.support.scripted_server import Reply, ScriptedServer, completion

ARTICLE = (
    "Port workers end strike\n\n"
    "The union said on Tuesday that dock workers would return to work after a deal was signed. "
    "Officials denied that the army had been called in."
)
SECRET = "sk-factsift-test-0123456789abcdefghij"


def failing_then_ok(*failures: Reply) -> Any:
    """A responder that fails in the given ways, then answers like the rule model."""
    queue = iter(failures)

    def respond(request: dict[str, Any]) -> Any:
        return next(queue, None) or rule_model(request)

    return respond


def extract(server: ScriptedServer, tmp_path: Path, **options: Any) -> Any:
    options.setdefault("max_wait", 0.05)
    with Extractor("scripted", base_url=server.base_url, cache_dir=tmp_path, **options) as ex:
        return ex.extract(ARTICLE)


@pytest.mark.parametrize(
    "failure",
    [
        Reply(429, {"error": {"message": "slow down"}}, {"retry-after": "0.01"}),
        Reply(500, {"error": {"message": "boom"}}),
        Reply(503, {"error": {"message": "overloaded"}}),
        Reply(0, b""),  # dropped connection
    ],
    ids=["429", "500", "503", "dropped"],
)
def test_transient_failures_are_retried(failure: Reply, tmp_path: Path) -> None:
    with ScriptedServer(failing_then_ok(failure, failure)) as server:
        facts = extract(server, tmp_path, max_attempts=3)
    assert len(server.requests) == 3
    assert facts.claims


def test_retries_are_bounded(tmp_path: Path) -> None:
    endless = itertools.repeat(Reply(503, {"error": {"message": "down"}}))
    with ScriptedServer(lambda request: next(endless)) as server:
        with pytest.raises(LLMError, match=r"HTTP 503 .*gave up after 4 attempts"):
            extract(server, tmp_path, max_attempts=4)
    assert len(server.requests) == 4


def test_timeouts_are_retried_then_reported(tmp_path: Path) -> None:
    with ScriptedServer(rule_model, latency=1.0) as server:
        with pytest.raises(LLMError, match=r"cannot reach .*gave up after 2 attempts"):
            extract(server, tmp_path, max_attempts=2, timeout=0.2)
    assert len(server.requests) == 2


@pytest.mark.parametrize("way", ["sync", "async"])
def test_timeout_bounds_the_whole_request_not_each_silence(way: str, tmp_path: Path) -> None:
    """A server that sends a byte every half second is never silent for the 1 s
    timeout, and would take minutes to finish: the request must end at the timeout."""

    def trickle(request: dict[str, Any]) -> Reply:
        return Reply(200, completion(request, rule_model(request)), trickle=0.5)

    outcome: list[BaseException] = []

    def run(server: ScriptedServer) -> None:
        options = {"cache": "off", "max_attempts": 1, "timeout": 1.0}
        try:
            with Extractor("scripted", base_url=server.base_url, **options) as ex:
                ex.extract(ARTICLE) if way == "sync" else asyncio.run(ex.aextract(ARTICLE))
        except BaseException as err:
            outcome.append(err)

    with ScriptedServer(trickle) as server:
        worker = threading.Thread(target=run, args=(server,), daemon=True)
        worker.start()
        # Far beyond the 1 s deadline, far below the minutes the whole answer would take.
        worker.join(timeout=60)
        assert not worker.is_alive(), "the request outlived --timeout"
    assert len(outcome) == 1 and isinstance(outcome[0], LLMError), outcome
    assert "no complete answer within 1 s" in str(outcome[0])


@pytest.mark.parametrize(
    "url",
    ["localhost:11434/v1", "not a url", "http://127.0.0.1:99999/v1", "ftp://example.org/v1"],
)
def test_a_bad_base_url_is_refused_before_any_request(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="base URL"):
        Extractor("m", base_url=url, cache_dir=tmp_path)


def test_openai_without_a_key_is_refused_up_front_local_servers_need_none() -> None:
    remote = resolve_settings("gpt-4o-mini", env={})
    assert remote.needs_key
    with pytest.raises(ConfigError, match="needs an API key"):
        remote.check_key()
    resolve_settings("gpt-4o-mini", api_key=SECRET, env={}).check_key()
    resolve_settings("m", base_url="http://127.0.0.1:8000/v1", env={}).check_key()
    resolve_settings(None, env={}).check_key()  # the bundled model


def test_the_library_refuses_a_keyless_openai_request_without_retrying(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    # No network is touched: the check runs before the first attempt, not after five.
    with Extractor("gpt-4o-mini", cache="off", max_wait=30) as ex:
        with pytest.raises(ConfigError, match="needs an API key"):
            ex.extract(ARTICLE)


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "API key"), (400, "--mode"), (404, "model name")],
)
def test_permanent_failures_fail_at_once_with_a_hint(
    status: int, hint: str, tmp_path: Path
) -> None:
    reply = Reply(status, {"error": {"message": "nope"}})
    with ScriptedServer(lambda request: reply) as server:
        with pytest.raises(LLMError, match=f"HTTP {status}") as caught:
            extract(server, tmp_path, api_key=SECRET)
    assert len(server.requests) == 1
    assert hint in str(caught.value)
    assert SECRET not in str(caught.value)


def test_invalid_json_is_reasked_then_reported(tmp_path: Path) -> None:
    bad = {"claims": [{"statement": "missing everything"}]}
    with ScriptedServer(lambda request: bad) as server:
        with pytest.raises(LLMError, match="did not fit the schema"):
            extract(server, tmp_path)
    assert len(server.requests) == 2  # the answer, and one re-ask


def _completion(choices: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    body = {"id": "c", "object": "chat.completion", "created": 0, "model": "m"}
    return {**body, "choices": choices, **fields}


REFUSAL = {
    "index": 0,
    "finish_reason": "stop",
    "message": {"role": "assistant", "content": None, "refusal": "I can't help with that."},
}


@pytest.mark.parametrize(
    ("body", "reason", "stored"),
    [
        (_completion([REFUSAL]), "could not be read: .*can't help", True),
        (_completion([]), "could not be read", True),
        ({"object": "chat.completion", "choices": [REFUSAL]}, "not a chat completion", False),
    ],
    ids=["refusal", "no-choices", "no-id"],
)
def test_unreadable_answers_are_reported_not_raised_raw(
    body: dict[str, Any], reason: str, stored: bool, tmp_path: Path
) -> None:
    """Answers no re-ask can fix end as a factsift error naming why. A refusal is the
    model's answer and replays from the cache; a body that is no chat completion is not
    stored."""
    with ScriptedServer(lambda request: Reply(200, body)) as server:
        with pytest.raises(LLMError, match=reason):
            extract(server, tmp_path)
        with pytest.raises(LLMError, match=reason):
            extract(server, tmp_path)
    assert len(server.requests) == (1 if stored else 2)


def test_offline_cache_miss_sends_nothing(tmp_path: Path) -> None:
    with ScriptedServer(rule_model) as server, pytest.raises(CacheMissError, match="offline"):
        extract(server, tmp_path, cache="offline")
    assert server.requests == []


def test_read_only_cache_never_stores(tmp_path: Path) -> None:
    with ScriptedServer(rule_model) as server:
        extract(server, tmp_path, cache="read-only")
        again = extract(server, tmp_path, cache="read-only")
    assert not again.cached
    assert len(server.requests) == 2


def test_cache_off_asks_every_time(tmp_path: Path) -> None:
    with ScriptedServer(rule_model) as server:
        extract(server, tmp_path, cache="off")
        extract(server, tmp_path, cache="off")
    assert len(server.requests) == 2


def test_the_api_key_never_reaches_the_cache(tmp_path: Path) -> None:
    with ScriptedServer(rule_model) as server:
        extract(server, tmp_path, api_key=SECRET)
    assert any(tmp_path.rglob("*"))
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_async_extraction_matches_sync(tmp_path: Path) -> None:
    import asyncio

    with ScriptedServer(rule_model) as server:
        sync = extract(server, tmp_path / "a")
        with Extractor("scripted", base_url=server.base_url, cache_dir=tmp_path / "b") as ex:
            facts = asyncio.run(ex.aextract(ARTICLE))
    assert facts.claims == sync.claims and facts.events == sync.events


def test_settings_come_from_arguments_then_environment() -> None:
    env = {"FACTSIFT_MODEL": "m-env", "OPENAI_BASE_URL": "http://h/v1", "OPENAI_API_KEY": SECRET}
    s = resolve_settings(env=env)
    assert (s.provider, s.model, s.base_url, s.api_key) == (
        "openai-compatible",
        "m-env",
        "http://h/v1",
        SECRET,
    )
    assert resolve_settings("other", env=env).model == "other"
    assert resolve_settings(env={}).provider == "local"
    assert resolve_settings("local:/models/x.gguf", env=env).provider == "local"
    assert resolve_settings(env={"OPENAI_API_KEY": "k"}).model == "gpt-4o-mini"
    assert SECRET not in repr(resolve_settings(env=env))
    with pytest.raises(ConfigError, match="name the model"):
        resolve_settings(env={"OPENAI_BASE_URL": "http://h/v1"})
    with pytest.raises(ConfigError, match="unknown mode"):
        _ = resolve_settings("m", base_url="http://h/v1", mode="xml", env={}).instructor_mode


def test_cost_estimate_uses_the_price_table() -> None:
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert estimate_cost("gpt-4o-mini-2024-07-18", 1_000_000, 0) == pytest.approx(0.15)
    assert estimate_cost("my-model", 10, 10) is None
    assert estimate_cost("my-model", 1_000_000, 0, {"my-model": (2.0, 0.0)}) == 2.0
    assert estimate_cost("local", 10**6, 10**6) == 0.0


def test_cost_estimate_prices_cached_prompt_tokens_at_the_cached_rate() -> None:
    full = estimate_cost("gpt-4o-mini", 1_000_000, 0)
    half_cached = estimate_cost("gpt-4o-mini", 1_000_000, 0, cached_prompt_tokens=500_000)
    assert full is not None and half_cached is not None and half_cached < full
    assert half_cached == pytest.approx(0.5 * 0.15 + 0.5 * 0.075)
    # A two-price entry has no cached rate: cached tokens cost the prompt rate.
    two = {"my-model": (2.0, 0.0)}
    assert estimate_cost("my-model", 10**6, 0, two, cached_prompt_tokens=10**6) == 2.0


def with_prompt_cache(request: dict[str, Any]) -> Reply:
    """The rule model, answering as a provider whose prompt cache served 1,024 tokens."""
    body = completion(request, rule_model(request))
    body["usage"]["prompt_tokens_details"] = {"cached_tokens": 1024}
    return Reply(200, body)


def test_cached_prompt_tokens_are_read_from_the_provider_usage(tmp_path: Path) -> None:
    """The provider's prompt-cache hits land in Usage and lower the cost."""

    with ScriptedServer(with_prompt_cache) as server:
        with Extractor(
            "gpt-4o-mini", base_url=server.base_url, api_key="k", cache_dir=tmp_path
        ) as extractor:
            facts = extractor.extract(ARTICLE)
    usage = facts.usage
    assert usage.calls >= 1 and usage.cached_prompt_tokens == 1024 * usage.calls
    uncached = estimate_cost("gpt-4o-mini", usage.prompt_tokens, usage.completion_tokens)
    assert usage.cost_usd is not None and uncached is not None and usage.cost_usd < uncached


def test_the_summary_shows_prompt_tokens_from_the_provider_cache(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from factsift._tools.cli import app

    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    with ScriptedServer(with_prompt_cache) as server:
        args = ["extract", str(tmp_path / "a.txt"), "-o", str(tmp_path / "f.jsonl")]
        env = {
            "FACTSIFT_MODEL": "gpt-4o-mini",
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "k",
            "FACTSIFT_CACHE_DIR": str(tmp_path / "cache"),
        }
        done = CliRunner().invoke(app, [*args, "--quiet"], env=env)
    assert done.exit_code == 0, done.output
    assert "1,024 prompt tokens from the provider's prompt cache" in " ".join(done.output.split())


@pytest.mark.parametrize(("mode", "limited"), [("tools", False), ("json_schema", True)])
def test_size_limits_go_only_to_a_server_that_decodes_by_the_schema(
    mode: str, limited: bool, tmp_path: Path
) -> None:
    """A server decoding under a json_schema response format needs the limits as a
    grammar; a model reading a tool's schema is held to them by validation."""
    with ScriptedServer(rule_model) as server:
        facts = extract(server, tmp_path, mode=mode)
    (request,) = server.requests
    shown = json.dumps(request.get("tools") or request.get("response_format"))
    assert ('"maxItems"' in shown) is limited and ('"maxLength"' in shown) is limited
    assert facts.claims and facts.events
    assert all(len(claim.evidence) <= 5 for claim in facts.claims)
