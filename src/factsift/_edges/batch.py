"""Run an extractor over many articles into a JSON Lines file that survives anything.

- Every input ends as exactly one line: its facts, or an error record with a
  one-line reason. The line is written whole and flushed when the article
  finishes, so results stream out and a slow article holds back no other.
- Each line carries the article's key (a hash of the article and of every
  setting that changes the answer). A re-run of the same command reads the
  keys already written and skips those articles: no LLM call, no duplicate
  line. Failed ones are redone with ``retry_failed``.
- The key does not depend on how a path was typed (``.``, absolute, a
  symlink): the article's place is not part of it. The same article twice in
  the input is written once and counted as a duplicate.
- A process killed mid-write leaves at most one cut-off last line; the next
  run cuts it away before appending. An interrupted run (Ctrl-C) writes
  nothing for the articles still in flight.
- The output is only ever touched when every line in it is a factsift record
  (see :mod:`factsift._edges.results`), never when it is also an input, and never by
  two runs at once (an advisory lock).
- An article that lost a window is written, marked ``partial``, counted, and
  redone by ``retry_failed``, like a failed one.
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
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from factsift._edges.llm import RequestSlots
from factsift._edges.results import ResultsFile, Status
from factsift._pipeline.documents import DEFAULT_MAX_CHARS, load_documents
from factsift._pipeline.extract import Extractor
from factsift._pipeline.segment import estimate_tokens
from factsift.errors import FactsiftError, InputError, OutputError
from factsift.schema import ArticleFacts, Document

__all__ = [
    "Estimate",
    "Outcome",
    "Summary",
    "article_key",
    "arun_batch",
    "error_record",
    "estimate",
    "open_output",
    "run_batch",
]

#: Event-loop turns the reader yields after starting an article (see arun_batch).
_TURNS = 8

#: What became of one input: its facts written (``ok``, or ``partial`` when a window
#: was lost), an error record (``failed``), nothing because an earlier run did it
#: (``skipped``) or because it is the same article as an earlier input (``duplicate``).
Outcome = Literal["ok", "partial", "failed", "skipped", "duplicate"]

#: Called once per input: its name, its outcome, and a one-line message (or None).
OnArticle = Callable[[str, Outcome, "str | None"], None]


@dataclass
class Summary:
    """Totals of one run, for the closing line of the CLI."""

    articles: int = 0
    failed: int = 0
    partial: int = 0
    skipped: int = 0
    #: Of the skipped ones, those that failed or were partial in an earlier run.
    skipped_incomplete: int = 0
    duplicates: int = 0
    claims: int = 0
    events: int = 0
    rejected: int = 0
    prompt_tokens: int = 0
    #: Of the prompt tokens, those the provider served from its prompt cache.
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unpriced: bool = False
    llm_calls: int = 0
    cached_calls: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        """Whether an article failed or lost a window: the CLI then exits 1."""
        return bool(self.failed or self.partial)

    def add(self, facts: ArticleFacts) -> None:
        self.articles += 1
        self.partial += facts.partial
        self.claims += len(facts.claims)
        self.events += len(facts.events)
        self.rejected += len(facts.rejected)
        self.prompt_tokens += facts.usage.prompt_tokens
        self.cached_prompt_tokens += facts.usage.cached_prompt_tokens
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


_PLACE_IN_FILE = re.compile(r"(:\d+|#\d+)$")


def _input_key(error: InputError) -> str:
    # Bad input has no settings to hash: its place and reason identify it. The
    # place is made absolute, so that another spelling of the path finds it.
    suffix = _PLACE_IN_FILE.search(error.source)
    path = error.source[: suffix.start()] if suffix else error.source
    place = os.path.realpath(path) + (suffix[0] if suffix else "")
    return "input:" + hashlib.sha256(f"{place}\0{error.reason}".encode()).hexdigest()


def article_key(extractor: Extractor, item: Document | InputError) -> str:
    """The key an article's line carries in the output (bad input has one too).

    Other engines (factsift.ray) key and resume exactly as this one does.
    """
    return _input_key(item) if isinstance(item, InputError) else extractor.result_key(item)


def _refuse_input_as_output(paths: list[str | Path], output: Path) -> None:
    """An output that is also an input would be read and overwritten at once."""
    # A folder that holds the output is fine: the output is passed over when
    # the folder is read. A file named as an input is not.
    if not output.exists():
        return
    for raw in paths:
        path = Path(raw)
        with contextlib.suppress(OSError):
            if path.is_file() and os.path.samefile(path, output):
                raise OutputError(
                    f"{output} is also an input ({path}); it was left as it is: "
                    "choose another output file with -o"
                )


class Ledger:
    """One run's bookkeeping, the same for every engine (this one and factsift.ray).

    It reads the inputs, keys each article, counts and reports the duplicates and
    the skipped ones, writes the lines for bad input, and hands the engine only
    the articles it must extract (:meth:`pending`); the engine reports each
    result back through :meth:`finished`, which writes its line.
    """

    def __init__(
        self,
        results: ResultsFile,
        sink: IO[str],
        *,
        retry_failed: bool,
        on_article: OnArticle | None,
    ) -> None:
        self.summary = Summary()
        self._results = results
        self._sink = sink
        self._retry_failed = retry_failed
        self._on_article = on_article
        self._seen: dict[str, str] = {}  # key -> where that article was first met in this run

    def tell(self, name: str, outcome: Outcome, message: str | None = None) -> None:
        if self._on_article is not None:
            self._on_article(name, outcome, message)

    def finished(self, name: str, line: str, error: str | None, facts: ArticleFacts | None) -> None:
        """Write an article's one line, count it and report it."""
        # One write of one whole line, then flush: a kill leaves at most a cut-off tail.
        self._sink.write(line + "\n")
        self._sink.flush()
        if facts is not None:
            self.summary.add(facts)
            if facts.partial:
                lost = "; ".join(w for w in facts.warnings if w.startswith("window "))
                self.tell(name, "partial", f"{facts.source or facts.id}: partial ({lost})")
            else:
                self.tell(name, "ok")
        elif error is not None:
            self.summary.fail(error)
            self.tell(name, "failed", error)

    def pending(
        self,
        extractor: Extractor,
        paths: list[str | Path],
        *,
        max_chars: int,
        published: Any,
        follow_symlinks: bool,
    ) -> Iterator[tuple[Document, str, Status | None]]:
        """The articles under ``paths`` still to extract: each with its key and earlier status.

        Read lazily, one article at a time, so an engine reads no faster than it extracts.
        """
        earlier = self._results.scan
        outputs = (self._results.path, self._results.tmp_path)
        for item in load_documents(
            paths, max_chars=max_chars, exclude=outputs, follow_symlinks=follow_symlinks
        ):
            if isinstance(item, InputError):
                key, name, where = _input_key(item), item.source, item.source
            else:
                # The article's own date wins; the option fills in where it has none.
                item = extractor.document(item, None if item.published else published)
                key, name = extractor.result_key(item), item.id
                where = f"{item.id} ({item.source})" if item.source else item.id
            if key in self._seen:
                self.summary.duplicates += 1
                note = f"{where}: the same article as {self._seen[key]}; written once"
                self.tell(name, "duplicate", note)
                continue
            self._seen[key] = where
            before = earlier.status(key)
            if before == "ok" or (before is not None and not self._retry_failed):
                self.summary.skipped += 1
                self.summary.skipped_incomplete += before != "ok"
                self.tell(name, "skipped")
                continue
            if isinstance(item, InputError):
                line = json.dumps(error_record(item.source, item.reason, key=key))
                self.finished(item.source, line, str(item), None)
                continue
            yield item, key, before


def open_output(paths: Iterable[str | Path], output: Path) -> ResultsFile:
    """The output, checked, locked and repaired, for :func:`arun_batch`; close it after.

    Raises :class:`OutputError`, leaving ``output`` as it was, when it is also
    an input, was not written by factsift, or is being written by another run.
    A command line calls this first, to refuse a bad output before any set-up.
    """
    _refuse_input_as_output(list(paths), output)
    results = ResultsFile(output)
    results.__enter__()
    return results


async def arun_batch(
    extractor: Extractor,
    paths: Iterable[str | Path],
    output: Path | ResultsFile,
    *,
    concurrency: int = 4,
    retry_failed: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    published: Any = None,
    on_article: OnArticle | None = None,
    follow_symlinks: bool = False,
) -> Summary:
    """Extract every article under ``paths`` into ``output``, resuming what is there.

    ``output`` is a path, or what :func:`open_output` returned (then the caller
    closes it). Raises :class:`OutputError`, leaving the file as it was, when it
    is also an input, was not written by factsift, or is being written by
    another run.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    paths = list(paths)
    options: dict[str, Any] = {
        "concurrency": concurrency,
        "retry_failed": retry_failed,
        "max_chars": max_chars,
        "published": published,
        "on_article": on_article,
        "follow_symlinks": follow_symlinks,
    }
    if isinstance(output, ResultsFile):
        return await _run(extractor, paths, output, **options)
    with contextlib.closing(open_output(paths, output)) as results:
        return await _run(extractor, paths, results, **options)


async def _run(
    extractor: Extractor,
    paths: list[str | Path],
    results: ResultsFile,
    *,
    concurrency: int,
    retry_failed: bool,
    max_chars: int,
    published: Any,
    on_article: OnArticle | None,
    follow_symlinks: bool,
) -> Summary:
    # Articles in hand: those with a request in flight and half as many again, read
    # and prompted, so that a request slot freed by an answer is taken at once.
    slots = asyncio.Semaphore(concurrency + max(1, concurrency // 2))
    in_flight: set[asyncio.Task[None]] = set()

    async def one(ledger: Ledger, doc: Document, key: str, before: Status | None) -> None:
        try:
            # A failure being redone asks the model anew: its stored answers failed.
            facts = await extractor.aextract(doc, ask_again=before is not None, slots=requests)
        except Exception as err:  # one article, even a bug in factsift, must not stop the run
            where = doc.source or doc.id
            reason = str(err) if isinstance(err, FactsiftError) else f"internal error: {err!r}"
            if before == "partial":
                # The earlier partial facts are worth more than an error: they stay.
                message = f"{where}: {reason} (the earlier partial result is kept)"
                ledger.summary.articles += 1
                ledger.summary.partial += 1
                ledger.summary.errors.append(message)
                ledger.tell(doc.id, "partial", message)
            else:
                record = error_record(where, reason, doc_id=doc.id, key=key)
                line = json.dumps(record, ensure_ascii=False)
                ledger.finished(doc.id, line, f"{where}: {reason}", None)
        else:
            ledger.finished(doc.id, facts.model_dump_json(), None, facts)
        finally:
            slots.release()

    # --concurrency bounds requests in flight, not articles: every article shares these.
    requests = RequestSlots(concurrency)
    with results.open() as sink:
        ledger = Ledger(results, sink, retry_failed=retry_failed, on_article=on_article)
        try:
            for doc, key, before in ledger.pending(
                extractor,
                paths,
                max_chars=max_chars,
                published=published,
                follow_symlinks=follow_symlinks,
            ):
                await slots.acquire()  # reading waits for a free slot: memory stays flat
                task = asyncio.create_task(one(ledger, doc, key, before))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                # Let it send its request before the next article is read, so the first
                # requests go out while the rest of the first wave is still being read.
                # Connecting and sending take a few turns of the event loop; eight
                # measured best (bench/throughput.py).
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
        results.compact()  # one line per article again
    return ledger.summary


def run_batch(
    extractor: Extractor, paths: Iterable[str | Path], output: Path | ResultsFile, **options: Any
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
    from factsift._edges.llm import estimate_cost

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
