"""Prompt tokens per request and per article, with and without the provider's prompt cache.

    python bench/tokens.py [ARTICLE ...]

Each article is extracted through the scripted rule-based model (tests/support) with the
chunk strategy a remote model gets, and every request is taken apart: the system prompt,
the user message (the article), and the tool schema. Tokens are counted as characters / 4,
the measure bench/throughput.py uses for factsift and LangExtract alike.

"With caching" applies OpenAI's rule: a request whose static prefix (tools, then the
system prompt) is at least 1,024 tokens has that prefix served from the cache, in steps
of 128 tokens, once an earlier request has sent it; cached tokens cost the cached rate.
A shorter prefix is never cached. The defaults are the seed article (../shared) and a
short article of about 200 tokens; --model prices them for another model in the table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factsift import Extractor  # noqa: E402
from factsift._edges.llm import estimate_cost  # noqa: E402
from tests.support.rule_model import rule_model  # noqa: E402
from tests.support.scripted_server import ScriptedServer  # noqa: E402

SEED = ROOT.parent / "shared" / "articles" / "israel-azerbaijan-alliance.txt"
SHORT = (
    "Port workers end strike\n\n"
    "Dock workers at the Port of Kelsmouth will return to work on Monday after the union "
    "and the terminal operator signed a two-year pay deal, the union said on Sunday. "
    "Members approved the agreement by 812 votes to 140, according to the union. "
    "The operator said ships waiting at anchor would be cleared within ten days. "
    "Exporters welcomed the deal but warned that the backlog may take longer to clear."
)
CACHE_MIN, CACHE_STEP = 1024, 128


def tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return len(text) // 4


def parts(request: dict[str, Any]) -> dict[str, int]:
    messages = request.get("messages", [])
    system = sum(tokens(m.get("content") or "") for m in messages if m["role"] == "system")
    user = sum(tokens(m.get("content") or "") for m in messages if m["role"] != "system")
    schema = sum(
        tokens(request[k]) for k in ("tools", "tool_choice", "response_format") if k in request
    )
    return {"system": system, "user": user, "schema": schema}


def cached_share(prefix: int) -> int:
    """Prefix tokens a provider serves from its cache on a repeated request."""
    return 0 if prefix < CACHE_MIN else prefix - prefix % CACHE_STEP


def measure(name: str, text: str, model: str) -> None:
    with (
        ScriptedServer(rule_model) as server,
        tempfile.TemporaryDirectory() as cache,
        Extractor(
            "scripted", base_url=server.base_url, cache_dir=cache, strategy="chunk"
        ) as extractor,
    ):
        extractor.extract(text)
        requests = list(server.requests)
    rows = [parts(r) for r in requests]
    total = sum(sum(r.values()) for r in rows)
    cached = sum(cached_share(r["schema"] + r["system"]) for r in rows)
    full = estimate_cost(model, total, 0)
    warm = estimate_cost(model, total, 0, cached_prompt_tokens=cached)
    first = rows[0]
    prefix = first["schema"] + first["system"]
    print(f"== {name}: {len(rows)} request(s)")
    print(
        f"   per request: schema {first['schema']}, system prompt {first['system']}, "
        f"user message {first['user']} (article and its numbering)"
    )
    under = f" (under {CACHE_MIN:,}: never cached)" if prefix < CACHE_MIN else ""
    print(f"   static prefix (schema + system): {prefix} tokens{under}")
    print(f"   prompt tokens per article: {total}")
    print(f"   with prompt caching (prefix cached once warm): {total - cached} billed at full rate")
    if full is not None and warm is not None:
        print(
            f"   {model} prompt cost per 1,000 articles: ${full * 1000:.3f} cold, "
            f"${warm * 1000:.3f} with the prefix cached"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", nargs="*", type=Path)
    parser.add_argument("--model", default="gpt-4o-mini", help="price table entry")
    args = parser.parse_args()
    if args.articles:
        for path in args.articles:
            measure(path.name, path.read_text(encoding="utf-8"), args.model)
        return
    if SEED.exists():
        measure("seed article", SEED.read_text(encoding="utf-8"), args.model)
    else:
        print(f"(no seed article at {SEED})")
    measure("short article (about 200 tokens)", SHORT, args.model)


if __name__ == "__main__":
    main()
