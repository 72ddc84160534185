"""The optional LLM judge for borderline claim pairs: same, contradicts or unrelated.

It asks through an :class:`~factsift._pipeline.extract.Extractor`'s LLM, so the answers go
through the same cache, retries and usage accounting as extraction. Only pairs
that blocking lets through and whose lexical score falls between
``claims.BORDERLINE`` and ``claims.SAME`` reach it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from factsift._edges.llm import Scope
from factsift._pipeline.extract import Extractor
from factsift._pipeline.prompts import load_prompt

__all__ = ["LLMJudge", "PairRelation"]


class PairRelation(BaseModel):
    """The judge's answer."""

    relation: Literal["same", "contradicts", "unrelated"] = Field(
        description="same: the same content; contradicts: both cannot be true; "
        "unrelated: anything else."
    )


class LLMJudge:
    """A callable ``(statement_a, statement_b) -> relation`` with its usage totals."""

    def __init__(self, extractor: Extractor) -> None:
        self.llm = extractor.llm
        self.prompt = load_prompt("claim-pair")
        self.usage = Scope(key_extra={"prompt": self.prompt.info.model_dump()})

    def __call__(self, a: str, b: str) -> str:
        messages = self.prompt.render(a=a, b=b)
        answer = self.llm.structured(messages, PairRelation, self.usage, reasks=1, max_tokens=32)
        return answer.relation
