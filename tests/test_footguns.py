"""Small traps in the public API: a mistyped path, enum printing, failure wording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import factsift
from factsift import Certainty, Extractor, InputError, Realis
from factsift._pipeline.extract import as_document
from tests.support.scripted_server import ScriptedServer


def test_a_mistyped_path_is_an_error_not_an_article(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        factsift.extract("artcle.txt", cache="off")
    with pytest.raises(InputError, match="no such file"):
        as_document(str(tmp_path / "missing.jsonl"))
    # Text is still text, however short.
    assert as_document("The port reopened.").text == "The port reopened."
    real = tmp_path / "a.txt"
    real.write_text("The port reopened on Monday, the minister said.\n")
    assert "minister" in as_document(str(real)).text


def test_enums_print_as_their_values() -> None:
    assert str(Certainty.asserted) == "asserted"
    assert f"{Realis.planned} / {Certainty.hedged:>8}" == "planned /   hedged"
    assert Certainty("denied") is Certainty.denied and Certainty.denied == "denied"


def test_failures_under_the_sentence_strategy_name_the_sentence_not_a_window(
    tmp_path: Path,
) -> None:
    def unusable(request: dict[str, Any]) -> dict[str, Any]:
        return {"not": "the requested shape"}

    article = (
        "Port workers end strike\n\n"
        "The union said on Tuesday that dock workers would return to work. "
        "Officials denied that the army had been called in."
    )
    with ScriptedServer(unusable) as server:
        # The model is asked nothing by default; this test is about asking it.
        options: dict[str, Any] = {
            "strategy": "sentence",
            "decisions": ["kind"],
            "cache": "off",
            "max_wait": 0.01,
        }
        with Extractor("scripted", base_url=server.base_url, **options) as ex:
            facts = ex.extract(article)
    failures = [w for w in facts.warnings if "did not fit" in w]
    assert failures, facts.warnings
    for warning in failures:
        assert warning.startswith("sentence ") and "window" not in warning
