"""Extract facts from every article in a folder with the library API.

    python examples/extract_folder.py examples/articles

Uses whatever model is configured (FACTSIFT_MODEL / OPENAI_BASE_URL /
OPENAI_API_KEY), else the bundled local model. Bad files are reported and
skipped; every printed quote is checked against the article's text.
"""

from __future__ import annotations

import sys
from pathlib import Path

import factsift


def main(folder: str) -> int:
    failed = 0
    with factsift.Extractor() as extractor:
        for item in factsift.load_documents([Path(folder)]):
            if isinstance(item, factsift.InputError):
                print(f"skipped {item}")  # one line: the file and the reason
                failed += 1
                continue
            facts = extractor.extract(item)
            print(
                f"\n== {facts.title or facts.id}: {len(facts.claims)} claims, "
                f"{len(facts.events)} events, {len(facts.rejected)} rejected"
            )
            for claim in facts.claims:
                span = claim.evidence[0]
                assert facts.text[span.start : span.end] == span.text  # always holds
                who = claim.attribution.name or claim.attribution.source_type.value
                print(f"  [{claim.kind.value}/{claim.certainty.value}] {who}: “{span.text}”")
            for event in facts.events:
                print(f"  <{event.type.value}/{event.realis.value}> {event.trigger.text}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "examples/articles"))
