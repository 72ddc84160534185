"""Extraction on Ray Data: many machines, one Extractor per actor, one shared cache.

:func:`extract_dataset` turns a dataset of articles into a dataset of results,
one row per article, with Ray Data's own machinery: ``map_batches`` with a
callable class, on a fixed pool of ``actors`` actors (``compute=ActorPoolStrategy``).
Each actor makes one :class:`~factsift.Extractor` (client, cache, rate limits) and keeps at most
``in_flight`` requests going at once, across all the batches it holds. Ray Data
schedules, streams and retries: an actor that dies is restarted and the batch
it held is redone (its defaults for actor pools, ``max_restarts=-1`` and
``max_task_retries=-1``). An article that fails is an error row, never an
exception that stops the job.

- Rows in: ``{id, text, published, title, url, source}`` (any may be missing but ``text``).
- Rows out: ``{id, key, error, record}``. ``record`` is the JSON line that the CLI
  writes for the article (its facts, or an error record); ``error`` is its error
  reason, null for facts; ``key`` is the article's key in the output file.

Rate limits (``rpm``, ``tpm``) hold for the whole job: each actor gets an equal
share of the budget. Point every actor at one cache that they all reach
(``cache_url``: Redis, or a shared or object-store folder; see stores.py), or
each node keeps its own.

:func:`run_ray` is the CLI's ``--engine ray``: the same resume semantics as
:func:`factsift._edges.batch.run_batch` (keys, skips, one whole line per article), with
the driver reading the inputs and writing the output, and the actors extracting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import ray
import ray.data

from factsift._edges.batch import Ledger, OnArticle, Summary, article_key, error_record, open_output
from factsift._edges.llm import RequestSlots
from factsift._edges.results import ResultsFile
from factsift._pipeline.documents import DEFAULT_MAX_CHARS, make_document
from factsift._pipeline.extract import Extractor
from factsift.errors import FactsiftError, InputError
from factsift.schema import ArticleFacts, Document

__all__ = ["extract_dataset", "run_ray", "share_limits"]

_OUTPUT = pa.schema(
    [("id", pa.string()), ("key", pa.string()), ("error", pa.string()), ("record", pa.string())]
)
#: Batches one actor works on at once. Each batch holds in_flight / 2 articles, so
#: an actor has twice as many articles in hand as request slots: a slot freed by
#: an answer is taken at once, and no batch's slowest article holds the others.
_CALLS_PER_ACTOR = 4


def share_limits(settings: Mapping[str, Any], actors: int) -> dict[str, Any]:
    """``settings`` for one of ``actors`` actors: ``rpm`` and ``tpm`` split evenly.

    Each actor limits itself to its share, so the job as a whole stays under the
    limits with no coordination between actors (and no shared limiter to reach).
    """
    if actors < 1:
        raise ValueError("actors must be at least 1")
    shared = dict(settings)
    for name in ("rpm", "tpm"):
        if shared.get(name):
            shared[name] = shared[name] / actors
    return shared


def _document(row: Mapping[str, Any]) -> Document:
    """The Document a row stands for. The CLI sends its loaded documents whole."""
    if row.get("document"):
        return Document.model_validate_json(row["document"])
    text = row.get("text")
    if not isinstance(text, str):
        raise InputError(str(row.get("source") or row.get("id") or "row"), "no text")
    return make_document(
        text,
        id=row.get("id") or None,
        source=row.get("source") or None,
        title=row.get("title") or None,
        url=row.get("url") or None,
        published=row.get("published") or None,
    )


class _ExtractBatch:
    """One actor: an Extractor, and request slots that every batch it holds shares."""

    def __init__(self, settings: dict[str, Any], in_flight: int) -> None:
        self._extractor = Extractor(**settings)
        # Every batch this actor holds at once shares its requests in flight.
        self._slots = RequestSlots(in_flight)

    async def __call__(self, batch: pa.Table) -> pa.Table:
        tasks = [asyncio.ensure_future(self._one(row)) for row in batch.to_pylist()]
        return pa.Table.from_pylist(list(await asyncio.gather(*tasks)), schema=_OUTPUT)

    async def _one(self, row: dict[str, Any]) -> dict[str, Any]:
        try:
            doc = _document(row)
        except InputError as err:
            key = article_key(self._extractor, err)
            record = error_record(err.source, err.reason, doc_id=row.get("id"), key=key)
            return {"id": record["id"], "key": key, "error": err.reason, "record": _json(record)}
        key = article_key(self._extractor, doc)
        try:
            # A failure being redone asks the model anew: its stored answers failed.
            again = bool(row.get("again"))
            facts = await self._extractor.aextract(doc, ask_again=again, slots=self._slots)
        except Exception as err:  # one article, even a bug in factsift, must not stop the job
            reason = str(err) if isinstance(err, FactsiftError) else f"internal error: {err!r}"
            record = error_record(doc.source or doc.id, reason, doc_id=doc.id, key=key)
            return {"id": doc.id, "key": key, "error": reason, "record": _json(record)}
        return {"id": doc.id, "key": key, "error": None, "record": facts.model_dump_json()}


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def extract_dataset(
    ds: ray.data.Dataset,
    *,
    actors: int = 2,
    in_flight: int = 8,
    num_cpus: float | None = None,
    **settings: Any,
) -> ray.data.Dataset:
    """Facts for every article row of ``ds``, on a pool of ``actors`` actors.

    ``settings`` are :class:`~factsift.Extractor`'s keyword arguments (model,
    base_url, cache_url, rpm, tpm, ...); ``rpm`` and ``tpm`` are for the whole
    job. ``in_flight`` bounds the requests each actor has in flight;
    ``num_cpus`` is what each actor reserves (Ray's default, 1, if None).
    Lazy, as Ray Data is: nothing runs until the result is consumed.
    """
    if in_flight < 1:
        raise ValueError("in_flight must be at least 1")
    # A setting that cannot work fails here, once, rather than in every actor.
    Extractor(**settings).close()
    # A fixed pool (Ray 2.51 deprecated map_batches' concurrency= for this compute=).
    pool = ray.data.ActorPoolStrategy(size=actors, max_concurrent_calls_per_actor=_CALLS_PER_ACTOR)
    return ds.map_batches(
        _ExtractBatch,
        fn_constructor_kwargs={"settings": share_limits(settings, actors), "in_flight": in_flight},
        batch_size=max(1, math.ceil(in_flight / 2)),
        batch_format="pyarrow",
        compute=pool,
        num_cpus=num_cpus,
    )


def run_ray(
    settings: Mapping[str, Any],
    paths: Iterable[str | Path],
    output: Path | ResultsFile,
    *,
    address: str | None = None,
    actors: int = 2,
    in_flight: int = 8,
    retry_failed: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    published: Any = None,
    on_article: OnArticle | None = None,
    follow_symlinks: bool = False,
) -> Summary:
    """Extract every article under ``paths`` into ``output`` on Ray, resuming what is there.

    The driver reads the inputs, skips the articles whose key is already in the
    output, and appends each result as one whole line as it arrives; the actors
    extract. ``address`` is the cluster's (``ray start --head`` prints it); with
    none, a Ray already initialised in this process, else ``RAY_ADDRESS``, else a
    local cluster. ``output`` is a path, or what :func:`factsift._edges.batch.open_output`
    returned (checked, locked and repaired, as the local engine's is).
    """
    paths = list(paths)
    if isinstance(output, ResultsFile):
        return _run_ray(settings, paths, output, **_options(locals()))
    with contextlib.closing(open_output(paths, output)) as results:
        return _run_ray(settings, paths, results, **_options(locals()))


def _options(scope: dict[str, Any]) -> dict[str, Any]:
    names = ("address", "actors", "in_flight", "retry_failed", "max_chars", "published")
    return {name: scope[name] for name in (*names, "on_article", "follow_symlinks")}


def _run_ray(
    settings: Mapping[str, Any],
    paths: list[str | Path],
    results: ResultsFile,
    *,
    address: str | None,
    actors: int,
    in_flight: int,
    retry_failed: bool,
    max_chars: int,
    published: Any,
    on_article: OnArticle | None,
    follow_symlinks: bool,
) -> Summary:
    rows: list[dict[str, Any]] = []
    with Extractor(**settings) as extractor, results.open() as sink:
        ledger = Ledger(results, sink, retry_failed=retry_failed, on_article=on_article)
        for doc, _, before in ledger.pending(
            extractor,
            paths,
            max_chars=max_chars,
            published=published,
            follow_symlinks=follow_symlinks,
        ):
            rows.append({"document": doc.model_dump_json(), "again": before is not None})
        if rows:
            # Every actor must ask the same model as this driver keyed for: send what
            # it resolved from its own environment, not what each node would.
            resolved = {
                **settings,
                "model": extractor.settings.model,
                "base_url": extractor.settings.base_url,
                "api_key": extractor.settings.api_key,
            }
            started = not ray.is_initialized()
            if started:
                ray.init(address=address, log_to_driver=False)
            try:
                ds = extract_dataset(
                    ray.data.from_items(rows), actors=actors, in_flight=in_flight, **resolved
                )
                written: set[str] = set()
                for row in ds.iter_rows():
                    if row["key"] in written:  # a batch redone after its actor died
                        continue
                    written.add(row["key"])
                    if row["error"] is None:
                        facts = ArticleFacts.model_validate_json(row["record"])
                        ledger.finished(facts.id, row["record"], None, facts)
                    else:
                        record = json.loads(row["record"])
                        where = record.get("source") or record.get("id")
                        ledger.finished(
                            str(record.get("id")), row["record"], f"{where}: {row['error']}", None
                        )
            finally:
                if started:
                    ray.shutdown()
    if retry_failed:
        results.compact()
    return ledger.summary
