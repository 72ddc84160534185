"""The fact base across articles: entities, claim clusters, contradictions, events.

The stages are pure and tested on values; ``factsift link`` is tested end to end
on the results of ``examples/articles``, extracted through the scripted server.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from factsift import ArticleFacts, Extractor
from factsift._edges.batch import run_batch
from factsift._tools.cli import app
from factsift.factbase import link
from factsift.factbase.claims import judge
from factsift.factbase.dedup import DuplicateFinder, signature
from factsift.factbase.entities import EntityIndex, resolve_article, split_name
from factsift.factbase.text import features
from tests.support.rule_model import rule_model
from tests.support.scripted_server import ScriptedServer

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"

# --------------------------------------------------------------------------- entities


def test_titles_possessives_and_surnames_make_one_entity() -> None:
    corpus = EntityIndex.of([])
    first = resolve_article(
        ["Anika Noble", "Prime Minister Noble", "Norland's prime minister Anika Noble"], corpus
    )
    assert set(first.values()) == {"anika noble"}
    # In a later article a bare surname finds the one full name that ends with it.
    later = resolve_article(["Noble", "Dr. Anika Noble"], corpus)
    assert set(later.values()) == {"anika noble"}


def test_the_adjective_is_not_the_name() -> None:
    corpus = EntityIndex.of(["anika noble"])
    keys = resolve_article(["a noble cause", "noble", "Noble efforts"], corpus)
    assert set(keys.values()) == {None}
    assert split_name("the Harbour Authority") == ("Harbour", "Authority")
    assert split_name("Tuesday") == ()


def test_an_ambiguous_surname_stays_apart() -> None:
    corpus = EntityIndex.of(["anika noble", "peter noble"])
    assert resolve_article(["Noble"], corpus) == {"Noble": "noble"}
    # ... unless its own article names one of them.
    keys = resolve_article(["Peter Noble", "Noble"], corpus)
    assert keys == {"Peter Noble": "peter noble", "Noble": "peter noble"}


# --------------------------------------------------------------------------- claims

MONDAY = dt.date(2025, 6, 2)  # a Monday


def verdict(a: str, b: str, **kw: Any) -> tuple[str, str | None]:
    fa = features(a, denied=kw.get("denied_a", False), published=kw.get("pub_a", MONDAY))
    fb = features(b, denied=kw.get("denied_b", False), published=kw.get("pub_b", MONDAY))
    v = judge(fa, fb)
    return v.label, v.conflict.kind if v.conflict else None


def test_paraphrase_is_the_same_claim() -> None:
    assert verdict(
        "The ferry operator cancelled all crossings to Kelmar island because of the storm.",
        "All crossings to Kelmar island were cancelled by the ferry operator due to the storm.",
    ) == ("same", None)


def test_number_conflict_and_denial_and_date() -> None:
    assert verdict(
        "Five miners were killed in the collapse at the Dornfeld quarry.",
        "Seven miners were killed in the collapse at the Dornfeld quarry, officials said.",
    ) == ("contradicts", "number")
    assert verdict(
        "The mayor of Kelmar accepted payments from the ferry operator.",
        "The mayor of Kelmar denied accepting payments from the ferry operator.",
    ) == ("contradicts", "denial")
    assert verdict(
        "The mayor of Kelmar accepted payments from the ferry operator.",
        "The mayor of Kelmar accepted payments from the ferry operator.",
        denied_b=True,
    ) == ("contradicts", "denial")
    assert verdict(
        "The bridge over the Kel river reopened on Monday after repairs.",
        "The bridge over the Kel river reopened on Tuesday after repairs.",
        pub_a=dt.date(2025, 6, 3),
        pub_b=dt.date(2025, 6, 3),
    ) == ("contradicts", "date")


def test_weekdays_are_compared_after_time_normalisation() -> None:
    # Published a day apart, "yesterday" and "on Monday" are the same day.
    assert verdict(
        "The bridge over the Kel river reopened on Monday after repairs.",
        "The bridge over the Kel river reopened yesterday after repairs.",
        pub_a=dt.date(2025, 6, 3),
        pub_b=dt.date(2025, 6, 3),
    ) == ("same", None)


def test_topical_but_different_claims_are_unrelated() -> None:
    assert verdict(
        "The ferry operator cancelled all crossings to Kelmar island because of the storm.",
        "The ferry operator raised ticket prices for crossings to Kelmar island.",
    ) == ("unrelated", None)


def test_wire_copies_share_a_group_and_other_articles_do_not() -> None:
    wire = (
        "Rescue teams in the Dornfeld valley pulled four workers from the rubble of the "
        "quarry on Sunday night, a day after part of the north face gave way during blasting. "
        "The regional governor said an inquiry would look at the blasting schedule and at "
        "warnings that residents had sent to the quarry company in the spring. "
    ) * 2
    finder = DuplicateFinder()
    assert finder.add("a", signature(wire)) == "a"
    assert finder.add("b", signature(wire.replace("Sunday night", "Sunday evening"))) == "a"
    other = "The council approved a new bus route to the hospital on a vote of nine to two. " * 3
    assert finder.add("c", signature(other)) == "c"


# --------------------------------------------------------------------------- linker


def facts(
    key: str,
    statement: str,
    published: str,
    url: str,
    events: tuple[dict[str, Any], ...] = (),
    intro: str = "",
) -> ArticleFacts:
    """One article: ``intro`` then ``statement``, its one claim (events point into it)."""
    text = intro + statement
    sentence = {"start": len(intro), "end": len(text), "text": statement}
    for event in events:
        for span in (event["trigger"], *event["evidence"]):
            span["start"] += len(intro)
            span["end"] += len(intro)
    claim = {
        "statement": statement,
        "kind": "fact",
        "certainty": "asserted",
        "attribution": {"source_type": "author"},
        "evidence": [sentence],
    }
    return ArticleFacts.model_validate(
        {
            "id": key,
            "key": key,
            "url": url,
            "published": published,
            "text": text,
            "claims": [claim],
            "events": list(events),
            "model": "m",
            "provider": "p",
            "strategy": "s",
            "prompt": {"name": "n", "version": "1", "sha256": "0"},
        }
    )


def attack(text: str, trigger: str, realis: str) -> dict[str, Any]:
    start = text.index(trigger)
    return {
        "type": "attack",
        "trigger": {"start": start, "end": start + len(trigger), "text": trigger},
        "realis": realis,
        "evidence": [{"start": 0, "end": len(text), "text": text}],
    }


def test_realis_disagreement_is_flagged(tmp_path: Path) -> None:
    a = "Guards stopped a bomb attack on the Dornfeld quarry offices on Saturday."
    b = "A bomb attack hit the Dornfeld quarry offices on Saturday, wrecking the lobby."
    db = tmp_path / "fb.duckdb"
    other = "Voters in Marvao elected a new council on Sunday after a long campaign."
    # A third story: with two articles alone, every shared word is in every article.
    vote = {**attack(other, "elected", "occurred"), "type": "vote"}
    link(
        [
            facts(
                "k1", a, "2025-06-08", "https://one.example/x", (attack(a, "attack", "prevented"),)
            ),
            facts(
                "k2", b, "2025-06-08", "https://two.example/y", (attack(b, "attack", "occurred"),)
            ),
            facts("k3", other, "2025-06-08", "https://three.example/z", (vote,)),
        ],
        db,
    )
    with duckdb.connect(str(db)) as con:
        rows = con.execute(
            "SELECT articles, realis, realis_disagree FROM event_clusters"
        ).fetchall()
    assert (2, ["occurred", "prevented"], True) in rows


def test_relinking_does_no_work_and_growing_scores_only_new_pairs(tmp_path: Path) -> None:
    base = "Five miners were killed in the collapse at the Dornfeld quarry on Saturday."
    intros = [
        "Rescue teams worked through the night. ",
        "The regional governor ordered an inquiry into the blasting schedule. ",
        "Relatives gathered at the gates as the news spread through the valley. ",
        "The quarry company said it was cooperating with the labour inspectors. ",
    ]
    items = [
        facts(f"k{i}", base, "2025-06-08", f"https://outlet{i}.example/story", intro=intros[i])
        for i in range(4)
    ]
    db = tmp_path / "fb.duckdb"
    first = link(items[:2], db)
    assert (first.articles, first.pairs_scored, first.same) == (2, 1, 1)
    again = link(items[:2], db)
    assert (again.articles, again.skipped, again.pairs_scored, again.event_mentions_scored) == (
        0,
        2,
        0,
        0,
    )
    more = link(items, db)
    # Two new claims against the two old ones and each other: 2 + 3 pairs, none old-old.
    assert (more.articles, more.skipped, more.pairs_scored) == (2, 2, 5)
    with duckdb.connect(str(db)) as con:
        clusters = con.execute("SELECT members, support FROM claim_clusters").fetchall()
    assert clusters == [(4, 4)]


def test_error_records_and_bad_lines_are_counted_and_skipped(tmp_path: Path) -> None:
    results = tmp_path / "r.jsonl"
    good = facts("k1", "Five miners were killed at the quarry.", "2025-06-08", "https://a.example/")
    results.write_text(
        good.model_dump_json()
        + "\n{not json\n"
        + json.dumps({"id": "x", "source": "x.txt", "error": "empty file", "key": "e"})
        + "\n",
        encoding="utf-8",
    )
    summary = link([results], tmp_path / "fb.duckdb")
    assert summary.articles == 1 and summary.failed == 2
    assert any("r.jsonl:2: not JSON" in e for e in summary.errors)
    assert any("empty file" in e for e in summary.errors)


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def example_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results of examples/articles, extracted by the rule model through HTTP."""
    out = tmp_path_factory.mktemp("link") / "facts.jsonl"
    with ScriptedServer(rule_model) as server:
        with Extractor("scripted", base_url=server.base_url, cache="off") as ex:
            summary = run_batch(ex, [EXAMPLES], out, concurrency=4)
    assert summary.failed == 0
    return out


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    cursor = con.execute(query)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_link_examples_clusters_support_and_contradictions(
    example_results: Path, tmp_path: Path
) -> None:
    db = tmp_path / "fb.duckdb"
    result = CliRunner().invoke(app, ["link", str(example_results), "-o", str(db)])
    assert result.exit_code == 0, result.output
    assert "1 near-duplicate articles" in result.output
    with duckdb.connect(str(db), read_only=True) as con:
        by_id = {r["key"]: r for r in _rows(con, "SELECT key, id, outlet FROM articles")}
        ids = {r["id"] for r in by_id.values()}
        assert {"herald-border-arrests", "ledger-wire-varnek", "border-plot-foiled"} <= ids
        clusters = _rows(con, "SELECT * FROM claim_clusters ORDER BY support DESC, members DESC")
        top = clusters[0]
        # The foiled bombing: the original, the herald and two copies of one wire story.
        assert "foiled a planned bomb" in top["representative"]
        assert (top["articles"], top["support"]) == (4, 3)
        assert top["first_reported"] == dt.date(2025, 3, 9)
        members = _rows(con, f"SELECT * FROM claim_members WHERE cluster = '{top['id']}'")
        outlets = {m["outlet"] for m in members}
        assert {"northernherald.example", "dailyledger.example", "metrotimes.example"} <= outlets
        for m in members:
            text = con.execute("SELECT text FROM articles WHERE key = ?", [m["article"]]).fetchone()
            for span in m["evidence"]:
                assert text[0][span["start"] : span["end"]] == span["text"]

        contradictions = _rows(con, "SELECT * FROM contradictions")
        kinds = {c["kind"] for c in contradictions}
        assert kinds == {"number", "denial"}
        number = [c for c in contradictions if c["kind"] == "number"]
        sides = {by_id[c[f"article_{s}"]]["id"] for c in number for s in "ab"}
        assert "herald-border-arrests" in sides and "border-plot-foiled" in sides
        assert all("5" in c["detail"] and "7" in c["detail"] for c in number)
        denial = [c for c in contradictions if c["kind"] == "denial"]
        assert {c["certainty_a"] for c in denial} | {c["certainty_b"] for c in denial} >= {"denied"}
        assert any(
            "gazette-funding-denial" in {by_id[c["article_a"]]["id"], by_id[c["article_b"]]["id"]}
            for c in denial
        )
        for c in contradictions:
            assert c["evidence_a"] and c["evidence_b"]
        # The two copies of the wire story contradict the herald once, not twice.
        pairs = [frozenset((c["statement_a"], c["statement_b"])) for c in contradictions]
        assert len(set(pairs)) == len(pairs)

        foiled = _rows(con, "SELECT * FROM event_clusters WHERE trigger = 'foiled'")
        assert foiled and foiled[0]["articles"] == 4 and foiled[0]["realis"] == ["prevented"]
        people = _rows(con, "SELECT * FROM entities WHERE id = 'katrin mallberg'")
        assert people and people[0]["articles"] >= 2


def test_link_adds_incrementally(example_results: Path, tmp_path: Path) -> None:
    lines = example_results.read_text(encoding="utf-8").splitlines()
    half = tmp_path / "half.jsonl"
    half.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    db = tmp_path / "fb.duckdb"
    first = link([half], db)
    rest = link([example_results], db)
    assert rest.skipped == first.articles and rest.articles == len(lines) - first.articles
    whole = link([example_results], tmp_path / "whole.duckdb")
    assert first.pairs_scored + rest.pairs_scored == whole.pairs_scored
    with (
        duckdb.connect(str(db), read_only=True) as a,
        duckdb.connect(str(tmp_path / "whole.duckdb"), read_only=True) as b,
    ):
        query = "SELECT support, members FROM claim_clusters ORDER BY ALL"
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
        query = "SELECT kind, detail FROM contradictions ORDER BY ALL"
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_the_cli_and_the_package_import_no_database_until_linking() -> None:
    code = (
        "import sys, factsift, factsift._tools.cli; "
        "assert not {'duckdb', 'datasketch', 'pyarrow'} & set(sys.modules), sys.modules.keys()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_factsift_link_takes_results_in_python(tmp_path: Path) -> None:
    import factsift

    one = facts("k1", "Five miners were killed at the quarry.", "2025-06-08", "https://a.example/")
    summary = factsift.link([one], tmp_path / "fb.duckdb")
    assert summary.articles == 1 and summary.claims == 1


# --------------------------------------------------------------------------- corpus view


def test_view_escapes_and_orders_by_support(example_results: Path, tmp_path: Path) -> None:
    from factsift.factbase.view import _load, render_view

    db = tmp_path / "fb.duckdb"
    link([example_results], db)
    data = _load(db)
    data["articles"][0]["text"] = "<script>alert(1)</script>" + data["articles"][0]["text"]
    page = render_view(data)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    supports = [int(s) for s in re.findall(r"class='cluster' data-support='(\d+)'", page)]
    assert supports and supports == sorted(supports, reverse=True)
    assert page.count("class='contradiction'") == len(data["contradictions"]) > 0


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt install chromium)")
def test_view_in_headless_chromium_marks_the_member_span(
    example_results: Path, tmp_path: Path
) -> None:
    from tests.test_report import _chromium, _page_requests

    db = tmp_path / "fb.duckdb"
    page = tmp_path / "corpus.html"
    result = CliRunner().invoke(
        app, ["link", str(example_results), "-o", str(db), "--report", str(page)]
    )
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    netlog = tmp_path / "netlog.json"
    _chromium(tmp_path, "net", f"--log-net-log={netlog}", "--dump-dom", page.as_uri())
    assert _page_requests(netlog) == []

    # Click a member of the top cluster: its article shows the evidence marked.
    first = re.search(r'<a class="member"[^>]*data-article="([^"]+)"[^>]*title="([^"]+)"', html)
    assert first is not None
    click = "<script>document.querySelector('a.member').click();</script></body>"
    clicked = tmp_path / "clicked.html"
    clicked.write_text(html.replace("</body>", click), encoding="utf-8")
    dom = _chromium(tmp_path, "click", "--dump-dom", clicked.as_uri()).stdout
    marked = re.search(r'<mark class="hit">(.*?)</mark>', dom, re.S)
    assert marked is not None, dom[-2000:]
    assert marked.group(1) == first.group(2)
    section = dom[dom.index(f'id="{first.group(1)}"') :]
    assert section.index('<mark class="hit">') < section.index("</section>")
    assert dom.count('class="contradiction"') >= 2


# --------------------------------------------------------------------------- LLM judge


def test_judge_decides_borderline_pairs_through_the_llm_and_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def relate(request: dict[str, Any]) -> dict[str, Any]:
        user = request["messages"][-1]["content"]
        asked.append(user)
        # A rule model: two claims about the ferry operator are the same.
        return {"relation": "same" if user.count("ferry operator") == 2 else "unrelated"}

    a = "The ferry operator cancelled all crossings to Kelmar island because of the storm."
    b = "The ferry operator raised ticket prices for crossings to Kelmar island."
    results = tmp_path / "r.jsonl"
    results.write_text(
        "\n".join(
            facts(
                k, s, "2025-06-08", f"https://{k}.example/", intro=f"{k} reports. "
            ).model_dump_json()
            for k, s in (("one", a), ("two", b))
        )
        + "\n",
        encoding="utf-8",
    )
    assert judge(features(a), features(b)).label == "unrelated"  # lexically borderline
    monkeypatch.setenv("FACTSIFT_CACHE_DIR", str(tmp_path / "cache"))
    with ScriptedServer(relate) as server:
        args = ["link", str(results), "--judge-model", "scripted", "--base-url", server.base_url]
        first = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "a.duckdb")])
        second = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "b.duckdb")])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "1 LLM judge calls (0 from the cache" in first.output
    assert "1 LLM judge calls (1 from the cache" in second.output
    assert len(asked) == 1 and "<a>" in asked[0]
    with duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True) as con:
        assert con.execute("SELECT members FROM claim_clusters").fetchall() == [(2,)]
    # Off by default: the same results, no judge, two clusters.
    link([results], tmp_path / "c.duckdb")
    with duckdb.connect(str(tmp_path / "c.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM claim_clusters").fetchone() == (2,)


def test_events_clustered_in_a_second_process_give_the_same_base(
    example_results: Path, tmp_path: Path
) -> None:
    query = (
        "SELECT e.article, e.idx, c.members, c.realis FROM events e "
        "JOIN event_clusters c ON c.id = e.cluster ORDER BY ALL"
    )
    found = []
    for parallel in (False, True):
        db = tmp_path / f"{parallel}.duckdb"
        link([example_results], db, parallel=parallel)
        with duckdb.connect(str(db), read_only=True) as con:
            found.append(con.execute(query).fetchall())
    assert found[0] == found[1] and found[0]


def test_a_file_that_is_not_a_fact_base_is_never_touched(tmp_path: Path) -> None:
    """``-o notes.json`` by mistake: refused in one line, the file byte for byte as it was."""
    from typer.testing import CliRunner

    from factsift._tools.cli import app
    from factsift.errors import OutputError
    from factsift.factbase.store import Store

    notes = tmp_path / "notes.json"
    notes.write_bytes(b'{"important": "data"}\n')
    with pytest.raises(OutputError, match="not a DuckDB fact base"):
        Store(notes)
    results = tmp_path / "facts.jsonl"
    results.write_text(
        json.dumps({"id": "a", "source": "a.txt", "key": "k1", "error": "empty file"}) + "\n"
    )
    done = CliRunner().invoke(app, ["link", str(results), "-o", str(notes)])
    assert done.exit_code == 2, done.output
    assert "not a DuckDB fact base" in done.output
    assert notes.read_bytes() == b'{"important": "data"}\n'
