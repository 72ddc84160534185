"""The corpus view: one self-contained HTML page of a fact base.

Claim clusters sorted by support, contradictions first and highlighted, event
clusters with each article's realis, and the articles themselves: a member's
link opens its article and marks the evidence. Like ``factsift._tools.report`` the
page loads nothing from anywhere, escapes everything that came from an
article or a model, and its script reads only ``data-*`` attributes (offsets
in UTF-16 units, as the DOM counts them).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["render_view", "write_view"]

#: Clusters shown per table: the page stays readable for a large base.
LIMIT = 300

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.2rem .4rem;
text-align:left;vertical-align:top}.contradiction{background:#ffe3e3;border-left:4px solid #c00;
padding:.4rem .6rem;margin:.5rem 0}.contradiction .kind{font-weight:bold;color:#a00}
.disagree{color:#a00;font-weight:bold}.support{font-weight:bold;font-size:1.1em}
ul.members{margin:.2rem 0;padding-left:1.2rem}.article{white-space:pre-wrap;border:1px solid #ccc;
padding:.6rem;margin:.6rem 0}mark.hit{background:#ffe066;outline:2px solid #c90}
.meta{color:#666;font-size:.9em}
"""
_JS = """
document.addEventListener('click',function(ev){
 var a=ev.target.closest('a.member');if(!a)return;
 var box=document.getElementById(a.dataset.article);if(!box)return;
 var old=box.querySelector('mark.hit');
 if(old){old.replaceWith(document.createTextNode(old.textContent));box.normalize();}
 var node=box.querySelector('.text').firstChild;if(!node)return;
 var r=document.createRange();r.setStart(node,+a.dataset.start);r.setEnd(node,+a.dataset.end);
 var m=document.createElement('mark');m.className='hit';r.surroundContents(m);
 box.hidden=false;m.scrollIntoView({block:'center'});ev.preventDefault();
});
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def _member(
    article: Mapping[str, Any],
    spans: Sequence[Mapping[str, Any]],
    label: str,
    anchors: dict[str, str],
) -> str:
    anchor = anchors[article["key"]]
    if not spans:
        return f'<a href="#{anchor}">{_e(label)}</a>'
    span = spans[0]
    text = article["text"]
    start, end = _utf16(text, span["start"]), _utf16(text, span["end"])
    return (
        f'<a class="member" href="#{anchor}" data-article="{anchor}" data-start="{start}" '
        f'data-end="{end}" title="{_e(span["text"])}">{_e(label)}</a>'
    )


def render_view(data: Mapping[str, Any]) -> str:
    """The page for a base loaded by :func:`_load`: dicts per table."""
    articles: dict[str, dict[str, Any]] = {a["key"]: a for a in data["articles"]}
    anchors = {key: f"art-{n}" for n, key in enumerate(sorted(articles))}

    def who(article: Mapping[str, Any]) -> str:
        return str(article.get("outlet") or article.get("title") or article["id"])

    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        f"<title>factsift corpus view</title><style>{_CSS}</style></head><body>",
        f"<h1>Fact base</h1><p class='meta'>{len(articles)} articles, "
        f"{len(data['claim_clusters'])} claim clusters, {len(data['contradictions'])} "
        f"contradictions, {len(data['event_clusters'])} event clusters.</p>",
        "<h2 id='contradictions'>Contradictions</h2>",
    ]
    for c in data["contradictions"]:
        sides = []
        for side in ("a", "b"):
            article = articles[c[f"article_{side}"]]
            speaker = c[f"speaker_{side}"] or "the article"
            sides.append(
                f"<li>{_e(c[f'statement_{side}'])} <span class='meta'>({_e(speaker)}, "
                f"{_e(c[f'certainty_{side}'])}) — "
                + _member(article, c[f"evidence_{side}"], who(article), anchors)
                + "</span></li>"
            )
        parts.append(
            f"<div class='contradiction' data-kind='{_e(c['kind'])}'><span class='kind'>"
            f"{_e(c['kind'])}</span>: {_e(c['detail'])}<ul>{''.join(sides)}</ul></div>"
        )
    members: dict[str, list[dict[str, Any]]] = {}
    for m in data["claims"]:
        members.setdefault(m["cluster"], []).append(m)
    parts.append(
        "<h2 id='claims'>Claim clusters, by support</h2><table id='claim-clusters'><tr>"
        "<th>support</th><th>claim</th><th>first reported</th><th>members</th></tr>"
    )
    for cluster in data["claim_clusters"][:LIMIT]:
        items = []
        for m in members.get(cluster["id"], []):
            article = articles[m["article"]]
            label = f"{who(article)}: {m['speaker'] or 'the article'} ({m['certainty']})"
            items.append(f"<li>{_member(article, m['evidence'], label, anchors)}</li>")
        parts.append(
            f"<tr class='cluster' data-support='{cluster['support']}'><td class='support'>"
            f"{cluster['support']}</td><td>{_e(cluster['representative'])}</td>"
            f"<td>{_e(cluster['first_reported'] or '')}</td>"
            f"<td><ul class='members'>{''.join(items)}</ul></td></tr>"
        )
    parts.append("</table>")
    events: dict[str, list[dict[str, Any]]] = {}
    for m in data["events"]:
        events.setdefault(m["cluster"], []).append(m)
    parts.append(
        "<h2 id='events'>Event clusters</h2><table id='event-clusters'><tr><th>type</th>"
        "<th>event</th><th>articles</th><th>each article's realis</th></tr>"
    )
    for cluster in data["event_clusters"][:LIMIT]:
        items = []
        for m in events.get(cluster["id"], []):
            article = articles[m["article"]]
            label = f"{who(article)}: {m['trigger']} ({m['realis']})"
            items.append(f"<li>{_member(article, [m['trigger_span']], label, anchors)}</li>")
        flag = (
            "<span class='disagree'>realis disagrees</span> " if cluster["realis_disagree"] else ""
        )
        parts.append(
            f"<tr class='event-cluster'><td>{_e(cluster['type'])}</td><td>{flag}"
            f"{_e(cluster['trigger'])}</td><td>{cluster['articles']}</td>"
            f"<td><ul class='members'>{''.join(items)}</ul></td></tr>"
        )
    parts.append("</table><h2 id='articles'>Articles</h2>")
    for key in sorted(articles):
        a = articles[key]
        parts.append(
            f"<section class='article' id='{anchors[key]}'><h3>{_e(a['title'] or a['id'])}</h3>"
            f"<p class='meta'>{_e(a['outlet'] or a['source'] or '')} {_e(a['published'] or '')}"
            f"</p><div class='text'>{_e(a['text'])}</div></section>"
        )
    parts.append(f"<script>{_JS}</script></body></html>")
    return "".join(parts)


def _load(database: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(
        str(database),
        read_only=True,
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    queries = {
        "articles": "SELECT key, id, title, outlet, source, published, text FROM articles",
        "claim_clusters": "SELECT * FROM claim_clusters WHERE members > 1 "
        "ORDER BY support DESC, members DESC, id",
        "claims": "SELECT cluster, article, speaker, certainty, evidence FROM claim_members "
        "WHERE cluster IN (SELECT id FROM claim_clusters WHERE members > 1) "
        "ORDER BY published, claim",
        "event_clusters": "SELECT * FROM event_clusters WHERE articles > 1 "
        "ORDER BY support DESC, members DESC, id",
        "events": "SELECT cluster, article, trigger, realis, trigger_span FROM event_members "
        "WHERE cluster IN (SELECT id FROM event_clusters WHERE articles > 1) "
        "ORDER BY published, event",
        "contradictions": "SELECT * FROM contradictions ORDER BY kind, id",
    }
    data: dict[str, Any] = {}
    try:
        for name, query in queries.items():
            cursor = con.execute(query)
            names = [d[0] for d in cursor.description or ()]
            data[name] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    return data


def write_view(database: Path, output: Path) -> None:
    """Write the corpus view of the base at ``database`` to ``output``."""
    output.write_text(render_view(_load(database)), encoding="utf-8")
