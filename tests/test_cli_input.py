"""The command line against bad configuration and hostile names: one line, exit 2.

Exit status 1 means "some articles failed"; 2 means the command itself cannot run.
No article reaches a model in these tests: each fails before the first request.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import factsift
from factsift._tools.cli import app
from tests.conftest import ROOT

# The child runs the factsift under test, wherever this process imported it from.
SOURCE = str(Path(factsift.__file__).resolve().parents[1])

runner = CliRunner()
DEAD = "http://127.0.0.1:9/v1"  # nothing listens: a request would fail, slowly


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "a.txt"
    path.parent.mkdir()
    path.write_text("Headline\n\nThe minister said the port would reopen on Monday.\n")
    return path


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "FACTSIFT_MODEL": "scripted",
        "OPENAI_BASE_URL": DEAD,
        "OPENAI_API_KEY": "",
        "FACTSIFT_CACHE_DIR": str(tmp_path / "cache"),
        **extra,
    }


def one_line_exit_2(result: object) -> str:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error:"), output
    return lines[0]


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--concurrency", "0"], "--concurrency 0"),
        (["--rpm", "0"], "--rpm 0"),
        (["--tpm", "0"], "--tpm 0"),
        (["--published", "2024-13-45"], "YYYY-MM-DD"),
        (["--base-url", "localhost:11434/v1"], "needs a scheme"),
        (["--base-url", "http://127.0.0.1:99999/v1"], "not a valid URL"),
        (["--timeout", "0"], "timeout"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    options: list[str], says: str, article: Path, tmp_path: Path
) -> None:
    out = tmp_path / "facts.jsonl"
    args = ["extract", str(article), "-o", str(out), "--quiet", *options]
    line = one_line_exit_2(runner.invoke(app, args, env=env(tmp_path)))
    assert says in line
    assert not out.exists()


def test_outputs_that_cannot_be_written_are_one_line_and_exit_2(
    article: Path, tmp_path: Path
) -> None:
    cases = {
        str(tmp_path / "missing" / "facts.jsonl"): "does not exist",
        str(tmp_path): "is a folder",
        "/proc/factsift-test.jsonl": "write",
    }
    for output, says in cases.items():
        args = ["extract", str(article), "-o", output, "--quiet"]
        assert says in one_line_exit_2(runner.invoke(app, args, env=env(tmp_path)))


def test_a_cache_dir_that_is_a_file_is_one_line_and_exit_2(article: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    args = ["extract", str(article), "-o", str(tmp_path / "f.jsonl"), "--cache-dir", str(blocker)]
    assert "cache" in one_line_exit_2(runner.invoke(app, [*args, "--quiet"], env=env(tmp_path)))


def test_stdout_into_a_pipe_is_refused(article: Path, tmp_path: Path) -> None:
    command = ["extract", str(article), "-o", "/dev/stdout", "--quiet"]
    done = subprocess.run(
        [sys.executable, "-c", "from factsift._tools.cli import main; main()", *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env(tmp_path), "PYTHONPATH": SOURCE, "COLUMNS": "200"},
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "not a regular file" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_openai_without_a_key_is_refused_before_the_first_article(
    article: Path, tmp_path: Path
) -> None:
    environment = env(tmp_path, FACTSIFT_MODEL="gpt-4o-mini", OPENAI_BASE_URL="")
    args = ["extract", str(article), "-o", str(tmp_path / "f.jsonl"), "--quiet"]
    line = one_line_exit_2(runner.invoke(app, args, env=environment))
    assert "needs an API key" in line and "--api-key" in line
    # The option the hint names exists, and its value is never printed.
    secret = "sk-input-test-0123456789"
    dry = runner.invoke(app, [*args, "--api-key", secret, "--dry-run"], env=environment)
    assert dry.exit_code == 0, dry.output
    assert secret not in dry.output


ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m"


def test_escape_sequences_in_names_never_reach_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"evil{ESCAPES}.txt").write_text("")  # an empty file: an error, no request
    out = tmp_path / "facts.jsonl"
    result = runner.invoke(app, ["extract", str(folder), "-o", str(out)], env=env(tmp_path))
    assert result.exit_code == 1, result.output
    assert "evil" in result.output
    for char in ("\x1b", "\x07", "\x9b"):
        assert char not in result.output

    record = {"id": f"x{ESCAPES}", "source": f"s{ESCAPES}", "error": f"bad{ESCAPES}"}
    out.write_text(json.dumps(record) + "\n")
    shown = runner.invoke(app, ["show", str(out)])
    assert "bad" in shown.output
    for char in ("\x1b", "\x07", "\x9b"):
        assert char not in shown.output


def test_report_show_and_export_refuse_a_file_that_is_not_results(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text('line one\nline two\n{"not": "a result"}\n')
    for command in (["report", str(notes), "-o", str(tmp_path / "r.html")], ["show", str(notes)]):
        line = one_line_exit_2(runner.invoke(app, command))
        assert "not a results file" in line
    line = one_line_exit_2(runner.invoke(app, ["export", str(notes), "-o", str(tmp_path / "t")]))
    assert "not a results file" in line
    assert not (tmp_path / "r.html").exists()


def test_the_report_marks_itself_so_that_extract_skips_it(tmp_path: Path) -> None:
    results = tmp_path / "facts.jsonl"
    record = {"id": "a", "source": "a.txt", "error": "HTTP 500", "key": "k"}
    results.write_text(json.dumps(record) + "\n")
    page = tmp_path / "report.html"
    done = runner.invoke(app, ["report", str(results), "-o", str(page)])
    assert done.exit_code == 0, done.output
    from factsift._pipeline.documents import load_documents

    assert list(load_documents([tmp_path])) == []  # neither the results nor the report


def test_show_prints_a_claim_stated_in_its_own_words_once(tmp_path: Path) -> None:
    from factsift.schema import ArticleFacts, Claim, PromptInfo, Span

    text = "Headline\n\nThe minister said the port would reopen on Monday."
    sentence = text[10:]
    claim = Claim(
        statement=sentence,
        evidence=[Span(start=10, end=len(text), text=sentence)],
        kind="fact",
        certainty="reported",
        attribution={"source_type": "person"},
    )
    facts = ArticleFacts(
        id="a",
        text=text,
        claims=[claim],
        model="m",
        provider="p",
        strategy="sentence",
        prompt=PromptInfo(name="n", version="1", sha256="0" * 64),
    )
    results = tmp_path / "facts.jsonl"
    results.write_text(facts.model_dump_json() + "\n")
    shown = runner.invoke(app, ["show", str(results)], env={"COLUMNS": "400"})
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("reopen on Monday") == 1, shown.output
    assert "own words" in shown.output


def test_report_and_export_into_a_missing_place_are_one_line(tmp_path: Path) -> None:
    results = tmp_path / "facts.jsonl"
    results.write_text(json.dumps({"id": "a", "source": "a.txt", "error": "x", "key": "k"}))
    blocker = tmp_path / "file"
    blocker.write_text("")
    line = one_line_exit_2(
        runner.invoke(app, ["report", str(results), "-o", str(tmp_path / "no" / "r.html")])
    )
    assert "cannot write" in line
    line = one_line_exit_2(runner.invoke(app, ["export", str(results), "-o", str(blocker)]))
    assert "cannot write" in line


def test_help_text_keeps_square_brackets_and_lists_the_new_options() -> None:
    result = runner.invoke(app, ["extract", "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    assert "[input, output]" in result.output  # not eaten as Rich markup
    for option in ("--api-key", "--follow-symlinks"):
        assert option in result.output
