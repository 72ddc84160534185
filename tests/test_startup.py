"""Commands that send nothing must not load the LLM stack (see bench/startup.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import factsift
from tests.conftest import ROOT

# The child runs the factsift under test, wherever this process imported it from.
SOURCE = str(Path(factsift.__file__).resolve().parents[1])

# Run in a fresh interpreter: this test session has imported openai long ago.
_PROBE = """
import sys
import factsift._tools.cli
sys.argv = ["factsift", *sys.argv[1:]]
try:
    factsift._tools.cli.main()
except SystemExit as done:
    assert not done.code, done.code
HEAVY = ("openai", "instructor", "httpx2", "factsift._edges.llm")
heavy = sorted(m for m in HEAVY if m in sys.modules)
print("LOADED:", ",".join(heavy))
"""


@pytest.mark.parametrize(
    "args", [["--help"], ["report", "--help"], ["show", "--help"], ["export", "--help"]]
)
def test_commands_that_send_nothing_do_not_import_the_llm_stack(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": SOURCE, "COLUMNS": "120"},
        check=True,
    )
    assert done.stdout.rstrip().endswith("LOADED:"), done.stdout[-300:]


def test_the_package_still_offers_the_pipeline() -> None:
    import factsift
    import factsift._pipeline.extract  # the submodule of the same name must not shadow the function

    assert callable(factsift.extract) and not isinstance(factsift.extract, type(sys))
    assert factsift.Extractor.__name__ == "Extractor"
    assert issubclass(factsift.SchemaError, factsift.LLMError)
