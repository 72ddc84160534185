"""Run an extractor over many articles, writing one JSON line per article.

Bad input and failed articles become error records in the output, in place,
so that every input ends as exactly one line and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .documents import DEFAULT_MAX_CHARS, load_documents
from .errors import FactsiftError, InputError
from .extract import Extractor
from .schema import ArticleFacts

__all__ = ["Summary", "error_record", "run_batch"]


@dataclass
class Summary:
    """Totals of one run, for the closing line of the CLI."""

    articles: int = 0
    failed: int = 0
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


def error_record(source: str, reason: str, *, doc_id: str | None = None) -> dict[str, Any]:
    """The output line for an article that produced no facts."""
    return {"id": doc_id or Path(source.split(":")[0]).stem, "source": source, "error": reason}


def run_batch(
    extractor: Extractor,
    paths: Iterable[str | Path],
    out: IO[str],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    published: Any = None,
    on_article: Callable[[str, str | None], None] | None = None,
) -> Summary:
    """Extract from every article under ``paths``; write each result as it finishes.

    ``on_article(name, error)`` is called after each article, ``error`` being
    the one-line reason when it failed.
    """
    summary = Summary()
    for item in load_documents(paths, max_chars=max_chars):
        failures_before = summary.failed
        if isinstance(item, InputError):
            line = json.dumps(error_record(item.source, item.reason), ensure_ascii=False)
            summary.fail(str(item))
        else:
            try:
                # The article's own date wins; the option fills in where it has none.
                facts = extractor.extract(item, published=None if item.published else published)
            except FactsiftError as err:
                where = item.source or item.id
                line = json.dumps(error_record(where, str(err), doc_id=item.id), ensure_ascii=False)
                summary.fail(f"{where}: {err}")
            else:
                line = facts.model_dump_json()
                summary.add(facts)
        out.write(line + "\n")
        out.flush()
        if on_article is not None:
            failed = summary.errors[-1] if summary.failed > failures_before else None
            on_article(item.source if isinstance(item, InputError) else item.id, failed)
    return summary
