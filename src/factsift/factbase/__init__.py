"""The cross-article layer: what many articles say together (event coreference, the fact base).

:func:`link` reads extraction results (JSON Lines files written by
``factsift extract``, or :class:`~factsift.schema.ArticleFacts`) into a DuckDB
file: the same claim from many sources with its corroboration (``support``),
who contradicts whom, one event reported many times, and the entities they
name. A later run adds only the results whose key the base does not hold.

One module per stage, pure, with the store at the edge: ``text`` (claim
features), ``entities``, ``dedup`` (wire copies), ``claims``,
``contradictions``, ``events`` (event coreference), ``linker`` (the stages
together), ``store`` (DuckDB), ``view`` (the corpus page).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from factsift.factbase.linker import Judge, Summary
from factsift.schema import ArticleFacts

__all__ = ["PARALLEL_EVENTS", "Summary", "link"]

#: New events from which clustering them gets its own process (start-up costs seconds).
PARALLEL_EVENTS = 5000


def _records(item: Path | str | ArticleFacts | dict[str, Any]) -> Iterator[Any]:
    if isinstance(item, (ArticleFacts, dict)):
        yield item
        return
    path = Path(item)
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as exc:
                yield ValueError(f"{path}:{number}: not JSON ({exc})")


def _key(facts: ArticleFacts) -> str:
    if facts.key:
        return facts.key
    # Results made in Python carry no key: their content identifies them.
    return "facts:" + hashlib.sha256(facts.model_dump_json().encode()).hexdigest()


def link(
    results: Iterable[Path | str | ArticleFacts | dict[str, Any]],
    database: Path | str = "factbase.duckdb",
    *,
    judge: Judge | None = None,
    parallel: bool | None = None,
) -> Summary:
    """Link results into the fact base at ``database``; what was done, counted.

    ``results`` are JSON Lines files of results, or results themselves. Error
    records and unreadable lines are counted as failed, with their reason, and
    skipped; results whose key the base already holds are skipped unread.
    ``judge`` decides borderline claim pairs (see ``factsift.factbase.judge``).
    ``parallel`` clusters events in a second process while claims are linked; by
    default, when there are at least ``PARALLEL_EVENTS`` new events and two cores.
    """
    from factsift.factbase.linker import link_batch
    from factsift.factbase.store import Store

    if isinstance(results, (str, Path, ArticleFacts, dict)):
        results = [results]
    with Store(database) as store:
        done = store.keys()
        new: dict[str, ArticleFacts] = {}
        skipped = 0
        errors: list[str] = []
        for item in results:
            for record in _records(item):
                if isinstance(record, ValueError):
                    errors.append(str(record))
                    continue
                if isinstance(record, dict) and "error" in record:
                    errors.append(f"{record.get('id')}: {record['error']}")
                    continue
                try:
                    facts = (
                        record
                        if isinstance(record, ArticleFacts)
                        else ArticleFacts.model_validate(record)
                    )
                except ValidationError as exc:
                    errors.append(f"{record.get('id')}: not a result ({exc.error_count()} errors)")
                    continue
                key = _key(facts)
                if key in done or key in new:
                    skipped += 1
                    continue
                new[key] = facts.model_copy(update={"key": key})
        started = time.process_time()
        prior = store.prior() if new else _empty()
        loaded = time.process_time()
        events = sum(len(f.events) for f in new.values())
        if parallel is None:
            parallel = events >= PARALLEL_EVENTS and (os.cpu_count() or 1) > 1
        with contextlib.ExitStack() as stack:
            executor = None
            if parallel:
                # spawn: the store's threads are not forked into the child.
                context = multiprocessing.get_context("spawn")
                executor = stack.enter_context(ProcessPoolExecutor(1, mp_context=context))
            delta = link_batch(list(new.values()), prior, judge=judge, executor=executor)
        stored = time.process_time()
        store.apply(delta)
        delta.summary.seconds["load"] = loaded - started
        delta.summary.seconds["store"] = time.process_time() - stored
    summary = delta.summary
    summary.skipped = skipped
    summary.failed = len(errors)
    summary.errors = errors
    return summary


def _empty() -> Any:
    from factsift.factbase.linker import Prior

    return Prior()
