"""No API key or bearer token may be stored in the recorded cassettes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

KEY_LIKE = re.compile(
    rb"(sk-[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9_.-]{12,}|^\s*-?\s*[Aa]uthorization:)", re.M
)
CASSETTES = sorted((ROOT / "cassettes").rglob("*.yaml"))


def test_there_are_cassettes_to_scan() -> None:
    assert CASSETTES, "no cassettes found under cassettes/"


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: str(p.relative_to(ROOT)))
def test_cassette_holds_no_secret(cassette: Path) -> None:
    found = KEY_LIKE.search(cassette.read_bytes())
    assert found is None, f"{cassette} contains {found[0][:24]!r}…" if found else ""


def test_the_scan_would_catch_a_leak(tmp_path: Path) -> None:
    leaked = b"headers:\n  authorization:\n  - Bearer sk-abcdefghijklmnopqrstuvwx\n"
    assert KEY_LIKE.search(leaked)
