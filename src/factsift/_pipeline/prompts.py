"""The prompt templates in ``prompts/``, and rendering them into messages.

Each template is a plain file with a small header (``name``, ``version``)
and ``## system`` / ``## user`` sections using ``$placeholders``. Its version
and the hash of its bytes go into every result and every cache key, so an
edited prompt never reuses an old answer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template

from factsift.errors import ConfigError
from factsift.schema import PromptInfo

__all__ = ["PromptTemplate", "load_prompt", "prompt_dir"]

_HEADER = re.compile(r"\A---\n(?P<header>.*?)\n---\n", re.S)
_SECTION = re.compile(r"^## (system|user)\s*$", re.M)


@dataclass(frozen=True)
class PromptTemplate:
    info: PromptInfo
    system: Template
    user: Template

    def render(self, **values: str) -> list[dict[str, str]]:
        """Chat messages with ``values`` filled in; a placeholder left empty is an error."""
        return [
            {"role": "system", "content": self.system.substitute(values)},
            {"role": "user", "content": self.user.substitute(values)},
        ]


def prompt_dir() -> Path:
    """Where the templates are: inside the installed package, else the source tree."""
    packaged = resources.files("factsift") / "prompts"
    if packaged.is_dir():
        return Path(str(packaged))
    # An editable install runs from src/; the templates sit at the repository root.
    return Path(__file__).resolve().parents[3] / "prompts"


def parse_prompt(source: str, raw: bytes) -> PromptTemplate:
    """Parse a template file's bytes (pure; ``source`` only names it in errors)."""
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    header = _HEADER.match(text)
    if header is None:
        raise ConfigError(f"{source}: prompt file must start with a '---' header block")
    meta = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in header["header"].splitlines())
        if key.strip()
    )
    parts = _SECTION.split(text[header.end() :])
    sections = dict(zip(parts[1::2], (p.strip("\n") for p in parts[2::2]), strict=True))
    missing = {"name", "version"} - meta.keys() or {"system", "user"} - sections.keys()
    if missing:
        raise ConfigError(f"{source}: prompt file lacks {', '.join(sorted(missing))}")
    info = PromptInfo(
        name=meta["name"], version=meta["version"], sha256=hashlib.sha256(raw).hexdigest()
    )
    return PromptTemplate(info, Template(sections["system"]), Template(sections["user"]))


@cache
def load_prompt(name: str) -> PromptTemplate:
    """Load ``prompts/<name>.md``."""
    path = prompt_dir() / f"{name}.md"
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"prompt {name!r} not found at {path}: {err.strerror}") from err
    return parse_prompt(str(path), raw)
