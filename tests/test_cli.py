"""The command line over a folder of good and bad files, replayed from cassettes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from factsift import ArticleFacts
from factsift._tools.cli import app
from tests.conftest import ARTICLE, DATA, EXAMPLES, assert_grounded

runner = CliRunner()


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(ARTICLE, folder / "pact.txt")
    shutil.copy(EXAMPLES / "port-strike-talks.txt", folder / "nested" / "port.txt")
    shutil.copy(EXAMPLES / "records.jsonl", folder / "records.jsonl")
    for name in ("empty.txt", "binary.txt", "latin1.txt", "malformed.jsonl", "furniture-only.html"):
        shutil.copy(DATA / name, folder / name)
    return folder


def env_for(url: str, cache: Path) -> dict[str, str]:
    return {"FACTSIFT_MODEL": "scripted", "OPENAI_BASE_URL": url, "FACTSIFT_CACHE_DIR": str(cache)}


@pytest.mark.vcr
def test_extract_folder_writes_one_line_per_article(
    mixed_folder: Path, tmp_path: Path, scripted_url: str, vcr: Any
) -> None:
    out = tmp_path / "facts.jsonl"
    env = env_for(scripted_url, tmp_path / "cache")
    missing = tmp_path / "nope.txt"
    args = ["extract", str(mixed_folder), str(missing), "-o", str(out), "--quiet"]
    result = runner.invoke(app, args, env=env)

    assert result.exit_code == 1, result.output  # some inputs were bad
    records = [json.loads(line) for line in out.read_text().splitlines()]
    # 1 pact + 1 port + 2 records + empty + binary + latin1 + 3 malformed lines + html + missing
    assert len(records) == 12
    errors = {Path(r["source"]).name: r["error"] for r in records if "error" in r}
    assert errors == {
        "binary.txt": "binary file, not text",
        "empty.txt": "empty file",
        "furniture-only.html": "no article text found in the HTML page",
        "malformed.jsonl:2": errors["malformed.jsonl:2"],
        "nope.txt": "no such file or directory",
    }
    assert errors["malformed.jsonl:2"].startswith("malformed JSON")
    good = [ArticleFacts.model_validate(r) for r in records if "error" not in r]
    assert len(good) == 7
    for facts in good:
        assert_grounded(facts)
    latin1 = next(f for f in good if f.id == "latin1")
    assert any("UTF-8" in w for w in latin1.warnings)
    assert "12 articles (5 failed)" in " ".join(result.output.split())

    # The same command again resumes: everything is done, nothing is asked or repeated.
    played = vcr.play_count
    before = out.read_text()
    again = runner.invoke(app, args, env=env)
    assert vcr.play_count == played, "the second run made LLM calls"
    assert out.read_text() == before
    assert "12 already done" in " ".join(again.output.split())

    # Into a new file, every answer comes from the cache: no request is sent.
    fresh = tmp_path / "again.jsonl"
    third = runner.invoke(app, [*args[:3], "-o", str(fresh), "--quiet"], env=env)
    assert vcr.play_count == played, "the third run made LLM calls"
    calls = sum(f.usage.calls for f in good)
    assert f"{calls} of {calls} LLM calls from the cache" in " ".join(third.output.split())
    rerun = [json.loads(line) for line in fresh.read_text().splitlines()]
    # Articles run concurrently, so lines come in the order they finish.
    assert sorted((r["key"], str(r.get("claims")), str(r.get("error"))) for r in rerun) == sorted(
        (r["key"], str(r.get("claims")), str(r.get("error"))) for r in records
    )

    shown = runner.invoke(app, ["show", str(out), "--id", "pact"])
    assert shown.exit_code == 0
    assert "Claims" in shown.output and "Marken" in shown.output


def test_help_documents_every_option() -> None:
    result = runner.invoke(app, ["extract", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--output", "--model", "--base-url", "--cache", "--published", "--mode"):
        assert option in result.output


def test_bad_configuration_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "extract",
            str(tmp_path),
            "--cache",
            "sometimes",
            "--model",
            "m",
            "--base-url",
            "http://x",
        ],
        env={"FACTSIFT_CACHE_DIR": str(tmp_path)},
    )
    assert result.exit_code == 2
    assert "unknown cache mode 'sometimes'" in result.output


def test_show_reports_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.output


def test_eval_ontology_leaves_out_event_types_the_gold_cannot_hold(tmp_path: Path) -> None:
    from factsift.evaluate import _gold_as_prediction, load_gold, load_type_map

    gold = DATA / "harbour-pact.gold.jsonl"
    predictions = tmp_path / "facts.jsonl"
    predictions.write_text(
        "".join(
            json.dumps(_gold_as_prediction(doc, type_map=load_type_map())) + "\n"
            for doc in load_gold(gold)
        ),
        encoding="utf-8",
    )
    # An ontology without openings: the predicted inauguration is neither hit nor miss.
    ontology = tmp_path / "ontology.json"
    types = ["Contact.Meet", "Movement.Transport", "Personnel.Appoint", "Conflict.Attack"]
    ontology.write_text(json.dumps(types), encoding="utf-8")
    base = ["eval", str(predictions), str(gold), "--json"]
    full = runner.invoke(app, base)
    scoped = runner.invoke(app, [*base, "--ontology", str(ontology)])
    assert full.exit_code == scoped.exit_code == 0, full.output + scoped.output
    everything = json.loads(full.output)["total"]["events"]
    events = json.loads(scoped.output)["total"]["events"]
    assert everything["unscored"] == 0 and everything["triggers"]["predicted"] == 6
    assert events["unscored"] == 1
    assert events["triggers"]["predicted"] == everything["triggers"]["predicted"] - 1
    assert events["triggers"]["matched"] == everything["triggers"]["matched"] - 1
    missing = runner.invoke(app, [*base, "--ontology", str(tmp_path / "nope.json")])
    assert missing.exit_code != 0 and "nope.json" in missing.output
