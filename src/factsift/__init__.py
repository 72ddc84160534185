"""factsift: typed, source-grounded claims and events from news articles.

>>> import factsift                                   # doctest: +SKIP
>>> facts = factsift.extract(Path("article.txt"), model="gpt-4o-mini")
>>> for claim in facts.claims:
...     span = claim.evidence[0]
...     assert facts.text[span.start:span.end] == span.text
"""

from __future__ import annotations

from typing import Any

from ._version import VERSION
from .documents import load_documents, make_document
from .errors import CacheMissError, ConfigError, FactsiftError, InputError, LLMError
from .extract import Extractor, extract
from .schema import (
    Alignment,
    ArticleFacts,
    Attribution,
    Certainty,
    Claim,
    ClaimKind,
    Document,
    Event,
    EventType,
    Extraction,
    Participant,
    PromptInfo,
    Realis,
    Rejected,
    SourceType,
    Span,
    TimeRef,
    Usage,
)

__version__ = VERSION


def link(results: Any, database: Any = "factbase.duckdb", **options: Any) -> Any:
    """Link extraction results across articles into a DuckDB fact base.

    See :func:`factsift.factbase.link`; needs ``pip install 'factsift[link]'``. Imported
    on first use, so that ``import factsift`` stays light.
    """
    from .factbase import link as link_results

    return link_results(results, database, **options)


__all__ = [
    "Alignment",
    "ArticleFacts",
    "Attribution",
    "CacheMissError",
    "Certainty",
    "Claim",
    "ClaimKind",
    "ConfigError",
    "Document",
    "Event",
    "EventType",
    "Extraction",
    "Extractor",
    "FactsiftError",
    "InputError",
    "LLMError",
    "Participant",
    "PromptInfo",
    "Realis",
    "Rejected",
    "SourceType",
    "Span",
    "TimeRef",
    "Usage",
    "extract",
    "link",
    "load_documents",
    "make_document",
]
