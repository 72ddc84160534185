"""factsift: typed, source-grounded claims and events from news articles.

>>> import factsift                                   # doctest: +SKIP
>>> facts = factsift.extract(Path("article.txt"), model="gpt-4o-mini")
>>> for claim in facts.claims:
...     span = claim.evidence[0]
...     assert facts.text[span.start:span.end] == span.text

The public API, all of it (README "Public API" says the same):

- this package's ``__all__``: ``extract``, ``Extractor``, ``load_documents``,
  ``make_document``, the schema's types and the errors;
- ``factsift.export`` (``to_frames``, ``rows``, ``write_tables``, ``read_results``);
- ``factsift.evaluate`` (``evaluate``, ``load_gold``, ``load_predictions``);
- ``factsift.ray`` (``extract_dataset``; the ``ray`` extra);
- ``factsift.factbase`` (``link``, the fact base across articles).

Every other module lives in a private subpackage, and its names may change in any
release: ``factsift._pipeline`` (the stages of one article), ``factsift._edges`` (the
model, the cache, the files) and ``factsift._tools`` (the command line, the report).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from factsift._version import VERSION
from factsift.errors import (
    CacheMissError,
    ConfigError,
    FactsiftError,
    InputError,
    LLMError,
    SchemaError,
)

if TYPE_CHECKING:
    from factsift._pipeline.documents import load_documents, make_document
    from factsift._pipeline.extract import Extractor, extract
    from factsift.schema import (
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

# Names load with their module on first use: the pipeline imports the LLM stack
# (openai, instructor) and the schema builds pydantic models, so that `factsift
# --help` and the commands that send nothing start fast (bench/startup.py).
_LAZY = {
    "_pipeline.extract": ("Extractor", "extract"),
    "_pipeline.documents": ("load_documents", "make_document"),
    "schema": (
        "Alignment",
        "ArticleFacts",
        "Attribution",
        "Certainty",
        "Claim",
        "ClaimKind",
        "Document",
        "Event",
        "EventType",
        "Extraction",
        "Participant",
        "PromptInfo",
        "Realis",
        "Rejected",
        "SourceType",
        "Span",
        "TimeRef",
        "Usage",
    ),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def link(results: Any, database: Any = "factbase.duckdb", **options: Any) -> Any:
    """Link extraction results across articles into a DuckDB fact base.

    See :func:`factsift.factbase.link`; needs ``pip install 'factsift[link]'``. Imported
    on first use, so that ``import factsift`` stays light.
    """
    from factsift.factbase import link as link_results

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
    "SchemaError",
    "SourceType",
    "Span",
    "TimeRef",
    "Usage",
    "extract",
    "link",
    "load_documents",
    "make_document",
]
