"""The fact base on disk: a DuckDB file, written one linking run at a time.

Rows go in through Arrow tables (one insert per table per run), and a run is
one transaction: an interrupted run leaves the base as it was. Extensions are
never installed or loaded automatically, so nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from factsift.errors import OutputError
from factsift.factbase.linker import Delta, Prior

__all__ = ["Store"]

_SPAN = 'STRUCT("start" INTEGER, "end" INTEGER, "text" VARCHAR)'
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS articles (
  key VARCHAR PRIMARY KEY, id VARCHAR, title VARCHAR, url VARCHAR, source VARCHAR,
  outlet VARCHAR, published DATE, dup_group VARCHAR, signature UBIGINT[], text VARCHAR,
  claims INTEGER, events INTEGER);
CREATE TABLE IF NOT EXISTS claims (
  id VARCHAR PRIMARY KEY, article VARCHAR, idx INTEGER, statement VARCHAR, kind VARCHAR,
  certainty VARCHAR, source_type VARCHAR, speaker VARCHAR, speaker_entity VARCHAR,
  time VARCHAR, evidence {_SPAN}[], cluster VARCHAR);
CREATE TABLE IF NOT EXISTS events (
  id VARCHAR PRIMARY KEY, article VARCHAR, idx INTEGER, type VARCHAR, trigger VARCHAR,
  sentence VARCHAR, realis VARCHAR, time VARCHAR, place VARCHAR, participants VARCHAR[],
  published VARCHAR, trigger_span {_SPAN}, evidence {_SPAN}[], cluster VARCHAR);
CREATE TABLE IF NOT EXISTS entity_mentions (
  entity VARCHAR, name VARCHAR, article VARCHAR, item VARCHAR, role VARCHAR, text VARCHAR);
CREATE TABLE IF NOT EXISTS claim_clusters (
  id VARCHAR PRIMARY KEY, representative VARCHAR, support INTEGER, members INTEGER,
  articles INTEGER, first_reported DATE, first_article VARCHAR);
CREATE TABLE IF NOT EXISTS event_clusters (
  id VARCHAR PRIMARY KEY, type VARCHAR, trigger VARCHAR, members INTEGER, articles INTEGER,
  support INTEGER, realis VARCHAR[], realis_disagree BOOLEAN, first_reported DATE,
  first_article VARCHAR);
CREATE TABLE IF NOT EXISTS contradictions (
  id VARCHAR PRIMARY KEY, kind VARCHAR, detail VARCHAR,
  claim_a VARCHAR, article_a VARCHAR, outlet_a VARCHAR, speaker_a VARCHAR,
  certainty_a VARCHAR, statement_a VARCHAR, evidence_a {_SPAN}[],
  claim_b VARCHAR, article_b VARCHAR, outlet_b VARCHAR, speaker_b VARCHAR,
  certainty_b VARCHAR, statement_b VARCHAR, evidence_b {_SPAN}[]);
CREATE OR REPLACE VIEW entities AS
  SELECT entity AS id,
         arg_max(name, length(name)) AS name,
         count(*) AS mentions, count(DISTINCT article) AS articles
  FROM entity_mentions GROUP BY entity;
CREATE OR REPLACE VIEW claim_members AS
  SELECT c.cluster, c.id AS claim, c.article, a.outlet, a.published, c.speaker,
         c.speaker_entity, c.certainty, c.statement, c.evidence
  FROM claims c JOIN articles a ON a.key = c.article;
CREATE OR REPLACE VIEW event_members AS
  SELECT e.cluster, e.id AS event, e.article, a.outlet, a.published, e.trigger, e.realis,
         e.trigger_span, e.evidence
  FROM events e JOIN articles a ON a.key = e.article;
"""
_TABLES = (
    "articles",
    "claims",
    "events",
    "entity_mentions",
    "claim_clusters",
    "event_clusters",
    "contradictions",
)


#: Where a DuckDB database file says what it is (its header's bytes 8 to 12).
_MAGIC = b"DUCK"


def _refuse_foreign(path: Path | str) -> None:
    """A file that is there and is not a DuckDB database is someone else's: never touch it."""
    if str(path) == ":memory:":
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise OutputError(f"{path} is a folder; name a fact base file with -o") from None
    if head and head[8:12] != _MAGIC:
        raise OutputError(
            f"{path} is not a DuckDB fact base; it was left as it is: "
            "name a new file (e.g. factbase.duckdb) or an existing fact base with -o"
        )


class Store:
    """One fact base file (``:memory:`` for a throwaway one)."""

    def __init__(self, path: Path | str) -> None:
        _refuse_foreign(path)
        self.connection = duckdb.connect(
            str(path),
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
        )
        self.connection.execute(_SCHEMA)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def keys(self) -> set[str]:
        return {row[0] for row in self.connection.execute("SELECT key FROM articles").fetchall()}

    def prior(self) -> Prior:
        con = self.connection
        prior = Prior()
        for key, outlet, published, group, sig, text in con.execute(
            "SELECT key, outlet, published, dup_group, signature, "
            "CASE WHEN events > 0 THEN text END FROM articles"
        ).fetchall():
            prior.articles[key] = {
                "outlet": outlet,
                "published": published,
                "dup_group": group,
                "signature": sig,
                "text": text,
            }
        prior.claims = _dicts(
            con.execute(
                "SELECT id, article, statement, certainty, time, speaker, cluster, evidence "
                "FROM claims ORDER BY article, idx"
            )
        )
        prior.events = _dicts(
            con.execute(
                "SELECT e.id, e.article, e.trigger, e.sentence, e.type, e.time, e.place, "
                "e.participants, e.realis, e.published, e.cluster FROM events e "
                "ORDER BY e.article, e.idx"
            )
        )
        prior.entities = [
            row[0] for row in con.execute("SELECT DISTINCT entity FROM entity_mentions").fetchall()
        ]
        return prior

    def apply(self, delta: Delta) -> None:
        con = self.connection
        con.execute("BEGIN TRANSACTION")
        try:
            for table, rows in (
                ("articles", delta.articles),
                ("claims", delta.claims),
                ("events", delta.events),
                ("entity_mentions", delta.entity_mentions),
                ("contradictions", delta.contradictions),
            ):
                self._insert(table, rows)
            for table, moves in (("claims", delta.claim_moves), ("events", delta.event_moves)):
                if moves:
                    moved = pa.table({"id": list(moves), "cluster": list(moves.values())})
                    con.register("moved", moved)
                    con.execute(
                        f"UPDATE {table} SET cluster = moved.cluster FROM moved "
                        f"WHERE {table}.id = moved.id"
                    )
                    con.unregister("moved")
            for table, rows, dropped in (
                ("claim_clusters", delta.claim_clusters, delta.dropped_claim_clusters),
                ("event_clusters", delta.event_clusters, delta.dropped_event_clusters),
            ):
                gone = [r["id"] for r in rows] + sorted(dropped)
                if gone:
                    con.register("gone", pa.table({"id": gone}))
                    con.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM gone)")
                    con.unregister("gone")
                self._insert(table, rows)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        described = self.connection.execute(f"SELECT * FROM {table} LIMIT 0").description
        columns = [d[0] for d in described or ()]
        data = pa.table({c: [r.get(c) for r in rows] for c in columns})
        self.connection.register("incoming", data)
        self.connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
        self.connection.unregister("incoming")

    def counts(self) -> dict[str, int]:
        return {
            t: int(self.connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
            for t in _TABLES
        }


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
