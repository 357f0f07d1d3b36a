"""`Connection.rows_in`: one `IN (...)` query over any number of values, a chunk at a time."""

from __future__ import annotations

import sqlite3

from projections.catchup import Connection, chunks


def test_rows_in_answers_for_every_value_across_chunks_in_sorted_order() -> None:
    raw = sqlite3.connect(":memory:")
    raw.execute("CREATE TABLE t (k TEXT, v INTEGER)")
    raw.executemany("INSERT INTO t VALUES (?, ?)", [(f"k{i:05}", i) for i in range(3000)])
    db = Connection(raw, postgres=False)
    wanted = [f"k{i:05}" for i in range(2999, -1, -3)] + ["k00000", "absent"]
    # Check the values span several chunks, so the chunking itself is exercised.
    assert len(list(chunks(sorted(set(wanted))))) == 3
    rows = db.rows_in("SELECT k, v FROM t WHERE k IN ({})", wanted)
    # Check each present value answers once (a repeated value too), chunk after chunk (the
    # table is in key order, so the rows here are too).
    expected = sorted({(k, int(k[1:])) for k in wanted if k != "absent"})
    assert rows == expected
    assert db.column_in("SELECT v FROM t WHERE k IN ({})", wanted) == [v for _, v in expected]
