"""`Connection.rows_in`: one `IN (...)` query over any number of values; on SQLite a chunk at a
time, on PostgreSQL as one array."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from projections.rows import Connection, chunks


def _table(db_url: str) -> Connection:
    """A connection on the backend with a table t of 3,000 keys and values."""
    raw: Any
    if db_url.startswith("postgresql"):
        import psycopg

        raw = psycopg.connect(db_url, autocommit=True)
        db = Connection(raw, postgres=True)
    else:
        raw = sqlite3.connect(db_url)
        db = Connection(raw, postgres=False)
    db.run("CREATE TABLE t (k TEXT, v INTEGER)")
    rows = [(f"k{i:05}", i) for i in range(3000)]
    if db.postgres:
        with raw.cursor() as cursor:
            cursor.executemany("INSERT INTO t VALUES (%s, %s)", rows)
    else:
        raw.executemany("INSERT INTO t VALUES (?, ?)", rows)
    return db


def test_rows_in_answers_for_every_value_once_across_chunks(db_url: str) -> None:
    db = _table(db_url)
    try:
        wanted = [f"k{i:05}" for i in range(2999, -1, -3)] + ["k00000", "absent"]
        # Check the values span several of SQLite's chunks, so the chunking is exercised.
        assert len(list(chunks(sorted(set(wanted))))) == 3
        rows = db.rows_in("SELECT k, v FROM t WHERE k IN ({})", wanted)
        # Check each present value answers exactly once (a repeated one too), and no other.
        expected = sorted({(k, int(k[1:])) for k in wanted if k != "absent"})
        assert sorted(rows) == expected
        assert len(rows) == len(expected)
        values = db.column_in("SELECT v FROM t WHERE k IN ({})", wanted)
        assert sorted(values) == [v for _, v in expected]
        # Check no values is no rows (and, on PostgreSQL, no query with an empty array).
        assert db.rows_in("SELECT k, v FROM t WHERE k IN ({})", []) == []
    finally:
        db.close()


def test_a_statement_without_exactly_one_in_list_is_refused_on_postgresql() -> None:
    db = Connection(object(), postgres=True)
    with pytest.raises(ValueError, match="one 'IN"):
        db.rows_in("SELECT k FROM t WHERE k = ?", ["a"])
