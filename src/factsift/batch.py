"""Run an extractor over many articles into a JSON Lines file that survives anything.

- Every input ends as exactly one line: its facts, or an error record with a
  one-line reason. The line is written whole and flushed when the article
  finishes, so results stream out and a slow article holds back no other.
- Each line carries the article's key (a hash of the article and of every
  setting that changes the answer). A re-run of the same command reads the
  keys already written and skips those articles: no LLM call, no duplicate
  line. Failed ones are redone with ``retry_failed``.
- A process killed mid-write leaves at most one cut-off last line; the next
  run cuts it away before appending. An interrupted run (Ctrl-C) writes
  nothing for the articles still in flight.
- At most ``concurrency`` requests are in flight. Half as many articles
  again are read and prompted ahead, to take a slot the moment an answer frees
  it; the input is read no faster, so memory stays flat however long it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .documents import DEFAULT_MAX_CHARS, load_documents
from .errors import FactsiftError, InputError
from .extract import Extractor
from .llm import fresh_answers, request_slots
from .schema import ArticleFacts, Document
from .segment import estimate_tokens

__all__ = [
    "Estimate",
    "ResultsFile",
    "Summary",
    "article_key",
    "arun_batch",
    "error_record",
    "estimate",
    "run_batch",
]

#: Event-loop turns the reader yields after starting an article (see arun_batch).
_TURNS = 8

OnArticle = Callable[[str, "str | None"], None]


@dataclass
class Summary:
    """Totals of one run, for the closing line of the CLI."""

    articles: int = 0
    failed: int = 0
    skipped: int = 0
    claims: int = 0
    events: int = 0
    rejected: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unpriced: bool = False
    llm_calls: int = 0
    cached_calls: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, facts: ArticleFacts) -> None:
        self.articles += 1
        self.claims += len(facts.claims)
        self.events += len(facts.events)
        self.rejected += len(facts.rejected)
        self.prompt_tokens += facts.usage.prompt_tokens
        self.completion_tokens += facts.usage.completion_tokens
        self.llm_calls += facts.usage.calls
        self.cached_calls += facts.usage.cached_calls
        if facts.usage.cost_usd is None:
            self.unpriced = True
        else:
            self.cost_usd += facts.usage.cost_usd

    def fail(self, message: str) -> None:
        self.articles += 1
        self.failed += 1
        self.errors.append(message)


def error_record(
    source: str, reason: str, *, doc_id: str | None = None, key: str | None = None
) -> dict[str, Any]:
    """The output line for an article that produced no facts."""
    record = {"id": doc_id or Path(source.split(":")[0]).stem, "source": source, "error": reason}
    if key is not None:
        record["key"] = key
    return record


def _input_key(error: InputError) -> str:
    # Bad input has no settings to hash: its place and reason identify it.
    return "input:" + hashlib.sha256(f"{error.source}\0{error.reason}".encode()).hexdigest()


def article_key(extractor: Extractor, item: Document | InputError) -> str:
    """The key an article's line carries in the output (bad input has one too).

    Other engines (factsift.ray) key and resume exactly as this one does.
    """
    return _input_key(item) if isinstance(item, InputError) else extractor.result_key(item)


class ResultsFile:
    """The JSON Lines output: repaired, indexed by key, appended one whole line at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, bool]:
        """The keys already written (True: facts, False: an error), after repairing
        a cut-off last line left by a killed process."""
        done: dict[str, bool] = {}
        if not self.path.exists():
            return done
        with self.path.open("rb+") as raw:
            data = raw.read()
            if data and not data.endswith(b"\n"):
                # Only the last line can be cut off: lines are written whole, in order.
                raw.truncate(data.rfind(b"\n") + 1)
                data = data[: data.rfind(b"\n") + 1]
        for line in data.splitlines():
            # A line that is not a record is not ours to judge: it stays, its article is redone.
            record = _record(line)
            if record is not None and isinstance(key := record.get("key"), str):
                done[key] = done.get(key, False) or "error" not in record
        return done

    def open(self) -> IO[str]:
        return self.path.open("a", encoding="utf-8")

    def compact(self) -> None:
        """Keep one line per article after --retry-failed: its facts if it has
        succeeded, else its latest error.

        Written to a temporary file and renamed over the original, so a crash
        leaves either the old file or the new one, never a mix.
        """
        lines = self.path.read_bytes().splitlines(keepends=True)
        best: dict[str, tuple[bool, int]] = {}  # key -> (succeeded, line that stands for it)
        keyed: set[int] = set()
        for i, line in enumerate(lines):
            record = _record(line)
            if record is None or not isinstance(key := record.get("key"), str):
                continue
            keyed.add(i)
            held = best.get(key)
            if held is None or not held[0]:  # the first facts win; among errors, the latest
                best[key] = ("error" not in record, i)
        keep = {i for _, i in best.values()}
        kept = [line for i, line in enumerate(lines) if i in keep or i not in keyed]
        if len(kept) < len(lines):
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_bytes(b"".join(kept))
            os.replace(tmp, self.path)


def _record(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _write(sink: IO[str], line: str) -> None:
    # One write of one whole line, then flush: a kill leaves at most a cut-off tail.
    sink.write(line + "\n")
    sink.flush()


async def arun_batch(
    extractor: Extractor,
    paths: Iterable[str | Path],
    output: Path,
    *,
    concurrency: int = 4,
    retry_failed: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    published: Any = None,
    on_article: OnArticle | None = None,
) -> Summary:
    """Extract every article under ``paths`` into ``output``, resuming what is there."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    results = ResultsFile(output)
    done = results.load()
    summary = Summary()
    # Articles in hand: those with a request in flight and half as many again, read
    # and prompted, so that a request slot freed by an answer is taken at once.
    slots = asyncio.Semaphore(concurrency + max(1, concurrency // 2))
    in_flight: set[asyncio.Task[None]] = set()
    seen: set[str] = set()

    def finished(name: str, line: str, error: str | None, facts: ArticleFacts | None) -> None:
        _write(sink, line)
        if facts is not None:
            summary.add(facts)
        elif error is not None:
            summary.fail(error)
        if on_article is not None:
            on_article(name, error)

    async def one(doc: Document, key: str, again: bool) -> None:
        try:
            # A failure being redone asks the model anew: its stored answers failed.
            with fresh_answers() if again else contextlib.nullcontext():
                facts = await extractor.aextract(doc)
        except Exception as err:  # one article, even a bug in factsift, must not stop the run
            where = doc.source or doc.id
            reason = str(err) if isinstance(err, FactsiftError) else f"internal error: {err!r}"
            record = error_record(where, reason, doc_id=doc.id, key=key)
            finished(doc.id, json.dumps(record, ensure_ascii=False), f"{where}: {reason}", None)
        else:
            finished(doc.id, facts.model_dump_json(), None, facts)
        finally:
            slots.release()

    with results.open() as sink, request_slots(concurrency):
        try:
            outputs = (output, output.with_name(output.name + ".tmp"))
            for item in load_documents(paths, max_chars=max_chars, exclude=outputs):
                if isinstance(item, InputError):
                    key = _input_key(item)
                else:
                    # The article's own date wins; the option fills in where it has none.
                    item = extractor.document(item, None if item.published else published)
                    key = extractor.result_key(item)
                if key in seen or (key in done and (done[key] or not retry_failed)):
                    summary.skipped += key not in seen
                    seen.add(key)
                    if on_article is not None:
                        on_article(item.source if isinstance(item, InputError) else item.id, None)
                    continue
                seen.add(key)
                if isinstance(item, InputError):
                    line = json.dumps(error_record(item.source, item.reason, key=key))
                    finished(item.source, line, str(item), None)
                    continue
                await slots.acquire()  # reading waits for a free slot: memory stays flat
                task = asyncio.create_task(one(item, key, key in done))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                # Let it send its request before the next article is read, so the first
                # requests go out while the rest of the first wave is still being read.
                # Connecting and sending take a few turns of the event loop; eight
                # measured best (bench/throughput.py: wall/ideal 1.153 with one, 1.141).
                for _ in range(_TURNS):
                    if task.done():  # answered from the cache
                        break
                    await asyncio.sleep(0)
            await asyncio.gather(*in_flight)
            # The async HTTP client belongs to this event loop: close it inside it.
            await extractor.llm.aclose()
        finally:
            # Interrupted: what is still in flight is dropped, never half-written.
            for task in in_flight:
                task.cancel()
    if retry_failed:
        results.compact()
    return summary


def run_batch(
    extractor: Extractor, paths: Iterable[str | Path], output: Path, **options: Any
) -> Summary:
    """:func:`arun_batch`, from synchronous code."""
    return asyncio.run(arun_batch(extractor, paths, output, **options))


@dataclass
class Estimate:
    """What a run would cost, before any call."""

    articles: int = 0
    unreadable: int = 0
    prompt_tokens: int = 0
    requests: int = 0
    cost_usd: float | None = 0.0


def estimate(
    extractor: Extractor, paths: Iterable[str | Path], *, max_chars: int = DEFAULT_MAX_CHARS
) -> Estimate:
    """Count the articles and estimate prompt tokens and cost, sending nothing.

    Completion tokens are unknown before the model answers; the cost counts
    prompts only, and says so where it is shown.
    """
    from .llm import estimate_cost

    result = Estimate()
    prompt = extractor.prompt
    overhead = estimate_tokens(len(prompt.system.template) + len(prompt.user.template))
    for item in load_documents(paths, max_chars=max_chars):
        if isinstance(item, InputError):
            result.unreadable += 1
            continue
        result.articles += 1
        for tokens in extractor.request_sizes(item):
            result.prompt_tokens += tokens + overhead
            result.requests += 1
    result.cost_usd = estimate_cost(
        extractor.settings.model, result.prompt_tokens, 0, extractor.prices
    )
    return result
