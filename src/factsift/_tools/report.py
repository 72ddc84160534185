"""A single-file HTML report of extraction results, for reading them against the articles.

The report is one file with inline CSS and JS and no external resource at all: it is
opened from disk, mailed around and attached to tickets, often offline, and fetching
anything (a font, a script) would both break there and reveal that it was opened.
Everything that comes from an article or a model is untrusted and goes through
:func:`html.escape`; the script only reads ``data-*`` attributes, never article text.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from factsift._edges.results import read_results
from factsift._version import VERSION
from factsift.schema import ArticleFacts, Claim, ClaimKind, Event, EventType, Span

__all__ = ["render_report", "write_report"]

_KIND_COLOURS = {
    ClaimKind.fact: "#bfe0ff",
    ClaimKind.opinion: "#ffd9a0",
    ClaimKind.prediction: "#dccbff",
    ClaimKind.other: "#dcdcdc",
}
# Events are underlined rather than filled so that a claim and an event on the same
# words both stay visible; one hue per type, spread round the colour wheel.
_EVENT_COLOURS = {t: f"hsl({i * 360 // len(EventType)}, 75%, 38%)" for i, t in enumerate(EventType)}

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.2rem .4rem;
text-align:left;vertical-align:top}tr.failed td{color:#a00}
#filters{position:sticky;top:0;background:#fff;padding:.4rem 0;border-bottom:2px solid #888}
#filters label{margin-right:1rem}.legend span{display:inline-block;margin:0 .4rem .2rem 0;
padding:0 .3rem}.text{white-space:pre-wrap;background:#fafafa;padding:.6rem;border:1px solid #ddd}
mark{background:transparent;color:inherit;cursor:pointer}mark.multi{outline:1px dashed #555}
mark.off{background:transparent!important;border-bottom:0!important;outline:0}
li.focus{background:#fff7c0}.meta{color:#555;font-size:90%}pre{white-space:pre-wrap;
font-size:85%;background:#f4f4f4;padding:.3rem}article{margin-top:2rem;border-top:3px solid #444}
.warn{color:#8a5a00}
"""

_JS = """
(function () {
  function val(n) { return document.getElementById('f-' + n).value; }
  function apply() {
    var k = val('kind'), c = val('certainty'), s = val('speaker'), t = val('etype');
    var cf = !!(k || c || s), ef = !!t, shown = {}, total = 0, count = 0;
    // A filter on one category hides the other unless that one is filtered too.
    document.querySelectorAll('li.item').forEach(function (li) {
      var d = li.dataset, ok;
      if (d.cat === 'claim') {
        ok = !(ef && !cf) && (!k || d.kind === k) && (!c || d.certainty === c) &&
          (!s || d.speaker === s);
      } else { ok = !(cf && !ef) && (!t || d.etype === t); }
      li.hidden = !ok; shown[li.id] = ok; total++; if (ok) { count++; }
    });
    document.querySelectorAll('mark[data-items]').forEach(function (m) {
      var on = m.dataset.items.split(' ').some(function (id) { return shown[id]; });
      m.classList.toggle('off', !on);
    });
    document.querySelectorAll('tr[data-article]').forEach(function (tr) {
      var art = document.getElementById(tr.dataset.article);
      var n = art.querySelectorAll('li.item:not([hidden])').length;
      tr.querySelector('.shown').textContent = String(n);
      tr.hidden = (cf || ef) && n === 0;
    });
    document.getElementById('status').textContent =
      'Showing ' + count + ' of ' + total + ' claims and events.';
  }
  document.querySelectorAll('#filters select').forEach(function (s) {
    s.addEventListener('change', apply);
  });
  document.addEventListener('click', function (e) {
    var m = e.target.closest ? e.target.closest('mark[data-items]') : null;
    if (!m) { return; }
    document.querySelectorAll('li.focus').forEach(function (li) { li.classList.remove('focus'); });
    var first = null;
    m.dataset.items.split(' ').forEach(function (id) {
      var li = document.getElementById(id);
      if (li) { li.classList.add('focus'); first = first || li; }
    });
    if (first) { first.scrollIntoView({block: 'nearest'}); }
  });
  apply();
})();
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class _Failure:
    """A result line that holds no article: an error record, or one we could not read."""

    id: str
    source: str
    error: str


@dataclass
class _Mark:
    start: int
    end: int
    key: str
    css: str
    tip: str


def _quote(span: Span | None) -> str:
    return f"“{span.text}”" if span is not None else "—"


def _claim_tip(claim: Claim) -> str:
    att = claim.attribution
    lines = [
        f"Claim: {claim.kind.value}, {claim.certainty.value}",
        claim.statement,
        f"Attribution: {att.name or '—'} ({att.source_type.value}); cue: {_quote(att.cue)}",
    ]
    if claim.time is not None:
        lines.append(f"Time: {_quote(claim.time.span)} → {claim.time.normalized or '?'}")
    return "\n".join(lines)


def _event_tip(event: Event) -> str:
    roles = "; ".join(f"{p.role}: {p.span.text}" for p in event.participants) or "—"
    time = "—" if event.time is None else f"{_quote(event.time.span)} → {event.time.normalized}"
    return (
        f"Event: {event.type.value} ({event.realis.value})\nTime: {time}\n"
        f"Participants: {roles}\nLocation: {_quote(event.location)}"
    )


def _speaker(claim: Claim) -> str:
    return claim.attribution.name or claim.attribution.source_type.value


def _highlight(text: str, marks: list[_Mark]) -> str:
    """The text with every mark highlighted, however the marks overlap.

    The text is cut at every mark boundary; each piece becomes one flat ``<mark>``
    carrying the classes and item ids of all marks covering it, so no tags ever nest.
    """
    marks = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    out: list[str] = []
    for a, b in itertools.pairwise(cuts):
        piece = _e(text[a:b])
        cover = [m for m in marks if m.start <= a and b <= m.end]
        if not cover:
            out.append(piece)
            continue
        keys = list(dict.fromkeys(m.key for m in cover))
        classes = sorted({m.css for m in cover} | ({"multi"} if len(keys) > 1 else set()))
        tip = "\n\n".join(dict.fromkeys(m.tip for m in cover))
        out.append(
            f'<mark class="{_e(" ".join(classes))}" data-items="{_e(" ".join(keys))}" '
            f'title="{_e(tip)}">{piece}</mark>'
        )
    return "".join(out)


def _article(n: int, facts: ArticleFacts) -> str:
    aid = f"a{n}"
    marks: list[_Mark] = []
    items: list[str] = []
    for i, claim in enumerate(facts.claims):
        key, tip, att = f"{aid}-c{i}", _claim_tip(claim), claim.attribution
        marks += [_Mark(s.start, s.end, key, f"k-{claim.kind.value}", tip) for s in claim.evidence]
        time = (
            ""
            if claim.time is None
            else (f"; time {_e(_quote(claim.time.span))} → {_e(claim.time.normalized or '?')}")
        )
        items.append(
            f'<li class="item claim" id="{key}" data-cat="claim" data-kind="{claim.kind.value}" '
            f'data-certainty="{claim.certainty.value}" data-speaker="{_e(_speaker(claim))}">'
            f"<b>{claim.kind.value} · {claim.certainty.value}</b> {_e(claim.statement)}"
            f'<div class="meta">by {_e(att.name or "—")} ({att.source_type.value}), cue '
            f"{_e(_quote(att.cue))}{time}; entities: {_e(', '.join(claim.entities) or '—')}; "
            f"evidence: {_e(' … '.join(_quote(s) for s in claim.evidence))}</div></li>"
        )
    for j, event in enumerate(facts.events):
        key, tip = f"{aid}-e{j}", _event_tip(event)
        marks.append(
            _Mark(event.trigger.start, event.trigger.end, key, f"t-{event.type.value}", tip)
        )
        items.append(
            f'<li class="item event" id="{key}" data-cat="event" data-etype="{event.type.value}">'
            f"<b>event · {event.type.value} · {event.realis.value}</b> "
            f'{_e(_quote(event.trigger))}<div class="meta">{_e(tip).replace(chr(10), "; ")}'
            "</div></li>"
        )
    rejected = "".join(
        f"<li><b>{_e(r.field)}</b>: {_e('; '.join(r.reasons))}"
        f"<pre>{_e(json.dumps(r.item, ensure_ascii=False, indent=1, default=str))}</pre></li>"
        for r in facts.rejected
    )
    warnings = "".join(f'<li class="warn">{_e(w)}</li>' for w in facts.warnings)
    meta = " · ".join(
        _e(v) for v in (facts.source, facts.url, facts.published, facts.model, facts.strategy) if v
    )
    return (
        f'<article id="{aid}"><h2>{_e(facts.title or facts.id)}</h2>'
        f'<p class="meta">id {_e(facts.id)} · {meta}</p>'
        + (f"<h3>Warnings</h3><ul>{warnings}</ul>" if warnings else "")
        + f'<div class="text">{_highlight(facts.text, marks)}</div>'
        f'<h3>Claims and events</h3><ol class="items">{"".join(items)}</ol>'
        f'<h3>Rejected ({len(facts.rejected)})</h3><ul class="rejected">{rejected}</ul></article>'
    )


def _entry(item: ArticleFacts | Mapping[str, Any]) -> ArticleFacts | _Failure:
    if isinstance(item, ArticleFacts):
        return item
    ident, source = str(item.get("id") or "?"), str(item.get("source") or "")
    if "error" in item:
        return _Failure(ident, source, str(item["error"]))
    try:
        return ArticleFacts.model_validate(item)
    except ValidationError as err:
        return _Failure(ident, source, f"not a valid result: {err.errors()[0]['msg']}")


def _select(name: str, label: str, values: Iterable[str]) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in sorted(set(values)))
    return (
        f'<label>{label} <select id="f-{name}"><option value="">all</option>{options}'
        "</select></label>"
    )


def render_report(
    results: Iterable[ArticleFacts | Mapping[str, Any]], *, title: str = "factsift report"
) -> str:
    """The whole report as one HTML page; error records show in the index as failed."""
    entries = [_entry(item) for item in results]
    articles = [(n, x) for n, x in enumerate(entries) if isinstance(x, ArticleFacts)]
    claims = [c for _, a in articles for c in a.claims]
    rows = []
    for n, x in enumerate(entries):
        if isinstance(x, _Failure):
            rows.append(
                f'<tr class="failed"><td>{_e(x.id)}</td><td>{_e(x.source)}</td>'
                f'<td colspan="5">failed: {_e(x.error)}</td></tr>'
            )
        else:
            rows.append(
                f'<tr data-article="a{n}"><td><a href="#a{n}">{_e(x.title or x.id)}</a></td>'
                f"<td>{_e(x.source or '')}</td><td>{len(x.claims)}</td><td>{len(x.events)}</td>"
                f'<td>{len(x.rejected)}</td><td>{len(x.warnings)}</td><td class="shown"></td></tr>'
            )
    colours = "".join(f"mark.k-{k.value}{{background:{c}}}" for k, c in _KIND_COLOURS.items())
    colours += "".join(
        f"mark.t-{t.value}{{border-bottom:3px solid {c}}}" for t, c in _EVENT_COLOURS.items()
    )
    # The legend lists only what occurs: eighteen event types would drown the two present.
    kinds = {c.kind for c in claims}
    types = {e.type for _, a in articles for e in a.events}
    legend = "".join(
        f'<span style="background:{c}">claim: {k.value}</span>'
        for k, c in _KIND_COLOURS.items()
        if k in kinds
    ) + "".join(
        f'<span style="border-bottom:3px solid {c}">event: {t.value}</span>'
        for t, c in _EVENT_COLOURS.items()
        if t in types
    )
    filters = (
        _select("kind", "Claim kind", (c.kind.value for c in claims))
        + _select("certainty", "Certainty", (c.certainty.value for c in claims))
        + _select("speaker", "Speaker", (_speaker(c) for c in claims))
        + _select("etype", "Event type", (e.type.value for _, a in articles for e in a.events))
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        # The mark by which factsift knows its own page in a folder of articles.
        f'<meta name="generator" content="factsift {VERSION}"><title>{_e(title)}</title>'
        f"<style>{_CSS}{colours}</style></head><body><h1>{_e(title)}</h1>"
        f'<div id="filters">{filters}<span id="status"></span></div>'
        f'<div class="legend">{legend}</div><h2>Articles ({len(entries)})</h2>'
        '<table id="index"><thead><tr><th>Article</th><th>Source</th><th>Claims</th>'
        "<th>Events</th><th>Rejected</th><th>Warnings</th><th>Shown</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        + "".join(_article(n, a) for n, a in articles)
        + f"<script>{_JS}</script></body></html>\n"
    )


def write_report(results_path: Path, output: Path) -> int:
    """Render a results JSONL file to ``output``; returns the number of articles shown.

    The file is read by :func:`factsift._edges.results.read_results`: the last line per
    article counts, failed ones included, and lines that are not results are
    skipped and reported once (a ``ResultsWarning``).
    """
    entries = read_results(results_path)
    output.write_text(render_report(entries), encoding="utf-8")
    return len(entries)
