"""The HTML report: escaped, self-contained, and complete, checked as text and in a browser.

The browser test matters because a report can be valid-looking text and still be a
blank page (a script error, a broken tag) or quietly fetch something from the network.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from factsift import (
    ArticleFacts,
    Attribution,
    Certainty,
    Claim,
    ClaimKind,
    Event,
    EventType,
    Participant,
    PromptInfo,
    Realis,
    Rejected,
    SourceType,
    Span,
    TimeRef,
)
from factsift._edges.results import ResultsWarning
from factsift._tools.report import render_report, write_report

XSS = "<script>alert(1)</script>"
TEXT = (
    "Defence Minister Maria Ortiz said on Tuesday that Israel will attack "
    f"{XSS} targets in the north. Critics called the plan reckless & risky.\n\n"
    "The two leaders met in Tallinn, media reported, hinting that a deal was close."
)


def _span(quote: str, text: str = TEXT) -> Span:
    start = text.index(quote)
    return Span(start=start, end=start + len(quote), text=quote)


def _facts() -> ArticleFacts:
    gallant = Attribution(
        source_type=SourceType.person,
        name="Maria Ortiz",
        speaker=_span("Maria Ortiz"),
        cue=_span("said"),
    )
    claims = [
        Claim(
            statement="Israel will attack targets in the north.",
            kind=ClaimKind.prediction,
            certainty=Certainty.reported,
            attribution=gallant,
            entities=["Israel"],
            time=TimeRef(span=_span("Tuesday"), normalized="2024-03-12"),
            evidence=[_span(f"Israel will attack {XSS} targets")],
        ),
        Claim(  # overlaps the first claim and the "attack" trigger
            statement="Ortiz spoke on Tuesday.",
            kind=ClaimKind.fact,
            certainty=Certainty.asserted,
            attribution=Attribution(source_type=SourceType.author),
            evidence=[_span("said on Tuesday that Israel will attack")],
        ),
        Claim(  # two disjoint evidence spans
            statement="Critics called the plan reckless.",
            kind=ClaimKind.opinion,
            certainty=Certainty.reported,
            attribution=Attribution(source_type=SourceType.unknown, cue=_span("called")),
            evidence=[_span("Critics called the plan"), _span("reckless & risky")],
        ),
        Claim(
            statement="A deal between the leaders was close.",
            kind=ClaimKind.prediction,
            certainty=Certainty.hedged,
            attribution=Attribution(source_type=SourceType.media, cue=_span("hinting that")),
            evidence=[_span("a deal was close")],
        ),
    ]
    events = [
        Event(
            type=EventType.attack,
            trigger=_span("attack"),
            participants=[Participant(role="attacker", span=_span("Israel"))],
            realis=Realis.planned,
            evidence=[_span("Israel will attack")],
        ),
        Event(
            type=EventType.meet,
            trigger=_span("met"),
            participants=[Participant(role="participant", span=_span("The two leaders"))],
            location=_span("Tallinn"),
            time=TimeRef(span=_span("Tuesday"), normalized="2024-03-12"),
            realis=Realis.occurred,
            evidence=[_span("The two leaders met in Tallinn")],
        ),
    ]
    rejected = [
        Rejected(
            field="claims",
            reasons=["quote not found in the article: 'the minister <b>resigned</b>'"],
            item={"statement": "The minister resigned.", "evidence": ["the minister resigned"]},
        )
    ]
    return ArticleFacts(
        id="gallant-1",
        source="articles/gallant.txt",
        title="Ortiz <warns> of strikes",
        url="https://news.example/gallant",
        text=TEXT,
        claims=claims,
        events=events,
        rejected=rejected,
        warnings=["text was cut at 12000 characters <truncated>"],
        model="gpt-test",
        provider="openai-compatible",
        strategy="whole",
        prompt=PromptInfo(name="claims-events", version="1", sha256="0" * 64),
    )


ERROR = {"id": "broken", "source": "broken.txt", "error": "model timed out <after 60 s>"}


class _Page(HTMLParser):
    """Collects marks, the article text and attributes, and checks that tags balance."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.marks: list[tuple[list[str], list[str], str]] = []  # (items, classes, text)
        self.text_parts: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.ids: dict[str, dict[str, str]] = {}
        self._in_text = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.attrs += [(tag, k, v) for k, v in a.items()]
        if "id" in a:
            self.ids[a["id"]] = a
        if tag == "mark":
            assert "mark" not in self.stack, "marks must not nest"
            self.marks.append((a.get("data-items", "").split(), a.get("class", "").split(), ""))
        if self._in_text or a.get("class") == "text":
            self._in_text += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()
        if self._in_text:
            self._in_text -= 1

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "mark":
            items, classes, text = self.marks[-1]
            self.marks[-1] = (items, classes, text + data)
        if self._in_text:
            self.text_parts.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert parser.stack == [], parser.stack
    return parser


def _marked(parser: _Page, key: str, sep: str = "") -> str:
    return sep.join(text for items, _, text in parser.marks if key in items)


def test_article_text_and_model_output_are_escaped() -> None:
    page = render_report([_facts(), ERROR])
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 1  # the report's own script, nothing else
    assert "Ortiz &lt;warns&gt; of strikes" in page
    assert "&lt;b&gt;resigned&lt;/b&gt;" in page
    assert "model timed out &lt;after 60 s&gt;" in page


def test_highlighting_keeps_the_text_and_marks_every_item() -> None:
    facts = _facts()
    parser = _parse(render_report([facts]))
    assert "".join(parser.text_parts) == facts.text  # nothing lost or doubled by the cuts
    for i, claim in enumerate(facts.claims):
        assert _marked(parser, f"a0-c{i}") == "".join(s.text for s in claim.evidence)
    for j, event in enumerate(facts.events):
        assert _marked(parser, f"a0-e{j}") == event.trigger.text
    # "attack" is covered by two claims and an event: one flat mark with all of them
    [attack] = [m for m in parser.marks if m[2] == "attack"]
    assert set(attack[0]) == {"a0-c0", "a0-c1", "a0-e0"}
    assert {"multi", "k-fact", "k-prediction", "t-attack"} <= set(attack[1])
    assert any(
        tag == "mark" and name == "title" and "Maria Ortiz" in v for tag, name, v in parser.attrs
    )


def test_index_filters_details_rejected_and_warnings() -> None:
    page = render_report([_facts(), ERROR], title="Run <1>")
    parser = _parse(page)
    rows = [v for tag, name, v in parser.attrs if tag == "tr" and name == "data-article"]
    assert rows == ["a0"]
    assert '<tr class="failed"><td>broken</td>' in page
    for select in ("f-kind", "f-certainty", "f-speaker", "f-etype"):
        assert select in parser.ids
    options = {v for tag, name, v in parser.attrs if tag == "option" and name == "value"}
    assert {"prediction", "hedged", "Maria Ortiz", "unknown", "media", "meet"} <= options
    claim = parser.ids["a0-c0"]
    assert (claim["data-kind"], claim["data-certainty"], claim["data-speaker"]) == (
        "prediction",
        "reported",
        "Maria Ortiz",
    )
    assert parser.ids["a0-e1"]["data-etype"] == "meet"
    assert "participant: The two leaders" in page and "2024-03-12" in page
    assert "Rejected (1)" in page and "quote not found in the article" in page
    assert "text was cut at 12000 characters &lt;truncated&gt;" in page
    assert "<title>Run &lt;1&gt;</title>" in page
    assert "claim: opinion" in page and "event: attack" in page  # the legend, of what occurs
    assert "claim: other" not in page and "event: vote" not in page


def test_the_page_fetches_nothing() -> None:
    page = render_report([_facts(), ERROR])
    parser = _parse(page)
    for _, name, value in parser.attrs:
        if name in ("src", "href"):
            assert not re.match(r"\s*(https?:)?//", value, re.I), (name, value)
    assert "<link" not in page.lower()
    assert "@import" not in page and "url(" not in page
    assert "https://news.example/gallant" in page  # shown as text only


def test_mappings_render_like_objects() -> None:
    facts = _facts()
    assert render_report([facts.model_dump(mode="json")]) == render_report([facts])
    page = render_report([{"id": "x", "text": "no model field"}])
    assert "failed: not a valid result" in page


def test_write_report_reads_jsonl_and_names_bad_lines(tmp_path: Path) -> None:
    results = tmp_path / "facts.jsonl"
    results.write_text(
        "\n".join([_facts().model_dump_json(), "", "{not json", json.dumps(ERROR), "[1]", "  "]),
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    # One policy for every reader of results: bad lines are skipped and named once.
    with pytest.warns(ResultsWarning) as caught:
        assert write_report(results, out) == 2
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "3 (not JSON" in message and "5 (not a JSON object)" in message
    page = out.read_text(encoding="utf-8")
    assert 'data-article="a0"' in page
    assert "model timed out" in page


# --- in a real browser -------------------------------------------------------------------

CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium(tmp: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tempfile.mkdtemp(prefix=f"profile-{name}-", dir=tmp)
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired as err:  # the net log is still worth reading
        return subprocess.CompletedProcess(command, -9, str(err.stdout or ""), "timed out")


def _page_requests(netlog: Path) -> list[str]:
    """The http(s) URLs the *page* asked for, from a Chromium net log.

    Chromium fetches a few things of its own whatever the flags (network time, account
    checks); those have no initiator ("not an origin"), while a file:// page's requests
    carry its opaque origin ("null") and a file:// isolation key.
    """
    raw = netlog.read_text(encoding="utf-8", errors="replace")
    try:
        events = json.loads(raw)["events"]
    except (json.JSONDecodeError, KeyError):
        try:  # killed mid-write: close the event list
            events = json.loads(raw.rstrip().rstrip(",") + "]}")["events"]
        except (json.JSONDecodeError, KeyError):  # fall back to one event per line
            events = []
            for line in raw.splitlines():
                try:
                    events.append(json.loads(line.strip().rstrip(",")))
                except json.JSONDecodeError:
                    continue
    found: list[str] = []
    for event in events:
        params: Any = event.get("params") if isinstance(event, dict) else None
        if not isinstance(params, dict) or "initiator" not in params:
            continue
        url = str(params.get("url", ""))
        from_page = params["initiator"] == "null" or "file://" in str(
            params.get("network_isolation_key", "")
        )
        if from_page and re.match(r"https?://", url):
            found.append(url)
    return found


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt install chromium)")
def test_report_in_headless_chromium(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(render_report([_facts(), ERROR]), encoding="utf-8")
    netlog, shot = tmp_path / "netlog.json", tmp_path / "shot.png"
    _chromium(
        tmp_path,
        "shot",
        f"--log-net-log={netlog}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        report.as_uri(),
    )
    assert shot.exists() and shot.stat().st_size > 10_000

    dom = _chromium(tmp_path, "dom", "--dump-dom", report.as_uri()).stdout
    assert dom.count("<mark ") >= 7 and 'data-items="a0-c0 a0-c1 a0-e0"' in dom
    assert 'data-article="a0"' in dom and "model timed out" in dom
    assert "Showing 6 of 6 claims and events." in dom  # written by the script: it ran
    assert re.search(r'<td class="shown">4</td>', dom) is None  # 6 items, not a stale count
    assert '<td class="shown">6</td>' in dom

    assert netlog.exists()
    assert _page_requests(netlog) == []

    # The filters work: choosing an event type hides the claims and other events.
    filtered = tmp_path / "filtered.html"
    pick = (
        "<script>var s=document.getElementById('f-etype');s.value='meet';"
        "s.dispatchEvent(new Event('change'));</script></body>"
    )
    filtered.write_text(report.read_text(encoding="utf-8").replace("</body>", pick))
    dom = _chromium(tmp_path, "filter", "--dump-dom", filtered.as_uri()).stdout
    assert "Showing 1 of 6 claims and events." in dom
    assert re.search(r'<li class="item claim" id="a0-c0"[^>]* hidden=""', dom)
    assert re.search(r'<li class="item event" id="a0-e1"[^>]*>', dom)
    assert not re.search(r'id="a0-e1"[^>]* hidden=""', dom)
    assert re.search(r'<mark class="[^"]*\boff\b[^"]*" data-items="a0-c0 a0-c1 a0-e0"', dom)
    assert re.search(r'<mark class="t-meet" data-items="a0-e1"', dom)

    # And the net-log check can fail: a page with a remote image is caught.
    control = tmp_path / "control.html"
    control.write_text('<p>x<img src="http://127.0.0.1:9/x.png"></p>', encoding="utf-8")
    control_log = tmp_path / "control-netlog.json"
    _chromium(tmp_path, "control", f"--log-net-log={control_log}", "--dump-dom", control.as_uri())
    assert _page_requests(control_log) == ["http://127.0.0.1:9/x.png"]
