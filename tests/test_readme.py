"""The README runs as written: its Python blocks and its ``factsift`` command lines.

Everything runs in a scratch folder laid out as a reader's would be (the example
articles, an ``article.txt``, an ``articles/`` folder), against the scripted
rule-based model on 127.0.0.1 standing in for the model the README names. Lines
that need a server of the reader's own (``--base-url http://localhost...``, a Ray
cluster address) are the only ones left out, and the test says which.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, EXAMPLES, ROOT

README = ROOT / "README.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)
#: Command lines that need a server the reader runs, not one this test can stand in for.
NEEDS_OWN_SERVER = ("http://localhost", "--ray-address", "redis://", "s3://")


def readme_model(request: dict[str, Any]) -> dict[str, Any]:
    """The rule-based model, plus the README's custom People schema: capitalised names."""
    from tests.support.rule_model import rule_model

    if "people" not in json.dumps(request.get("tools") or request.get("response_format")):
        return rule_model(request)
    text = "\n".join(str(m.get("content")) for m in request["messages"] if m["role"] == "user")
    names = re.findall(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", text.split("<article>", 1)[-1])
    return {"people": [{"name": n, "mention": {"text": n}} for n in dict.fromkeys(names)]}


def blocks(language: str) -> list[str]:
    found = BLOCK.findall(README.read_text("utf-8"))
    return [body for lang, body in found if lang == language]


def python_blocks() -> list[str]:
    return [b for b in blocks("python") if not any(s in b for s in NEEDS_OWN_SERVER)]


def commands() -> list[str]:
    lines = []
    for body in blocks("bash"):
        for line in body.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("factsift ") and not any(s in line for s in NEEDS_OWN_SERVER):
                lines.append(line)
    return lines


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A reader's folder and environment, with the scripted model as their server."""
    from tests.support.scripted_server import ScriptedServer

    home = tmp_path_factory.mktemp("reader")
    shutil.copytree(EXAMPLES.parent, home / "examples")
    shutil.copytree(EXAMPLES, home / "articles")
    shutil.copy(EXAMPLES / "port-strike-talks.txt", home / "article.txt")
    # ECB+ is not the project's to ship: a tiny file in its format stands in for it.
    shutil.copy(DATA / "ecb-tiny.jsonl", home / "ecbplus-dev.jsonl")
    with ScriptedServer(readme_model) as server:
        env = {
            **os.environ,
            "FACTSIFT_MODEL": "scripted",
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "test-key-not-a-secret",
            "FACTSIFT_CACHE_DIR": str(home / ".cache"),
            "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path]),
        }
        yield home, env


def test_the_readme_has_what_this_test_runs() -> None:
    assert len(python_blocks()) >= 2
    assert any(c.startswith("factsift extract") for c in commands())
    assert any(c.startswith("factsift eval") for c in commands())


def test_command_lines_run_as_written(reader: tuple[Path, dict[str, str]]) -> None:
    home, env = reader
    factsift = Path(sys.executable).with_name("factsift")
    for line in commands():
        argv = shlex.split(line)
        done = subprocess.run(
            [str(factsift), *argv[1:]], cwd=home, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"`{line}` exited {done.returncode}:\n{done.stderr}"
    assert (home / "report.html").is_file()
    assert (home / "facts.jsonl").is_file()


def test_python_blocks_run_as_written(reader: tuple[Path, dict[str, str]]) -> None:
    """After the command lines, as a reader would: the results they wrote are there."""
    home, env = reader
    for number, code in enumerate(python_blocks(), 1):
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=home, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"README Python block {number} failed:\n{done.stderr}"
