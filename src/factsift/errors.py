"""Exceptions factsift raises. Each message says what went wrong and what to do."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CacheMissError",
    "ConfigError",
    "FactsiftError",
    "InputError",
    "LLMError",
    "OutputError",
    "SchemaError",
]


class FactsiftError(Exception):
    """Base class of every error factsift raises on purpose."""


class ConfigError(FactsiftError):
    """The settings cannot work (a missing extra, an unknown mode, …)."""


class InputError(FactsiftError):
    """An article cannot be read. ``str(err)`` is one line naming the file."""

    def __init__(self, source: str | Path, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


class OutputError(FactsiftError):
    """The output file cannot be used: not factsift's, also an input, or in use.

    The file is left exactly as it was.
    """


class LLMError(FactsiftError):
    """The model's server failed for good (after retries, or at once for 4xx)."""


class SchemaError(LLMError):
    """The model answered, but not in the requested shape, even after re-asking."""


class CacheMissError(FactsiftError):
    """Offline cache mode met a request that is not in the cache."""
