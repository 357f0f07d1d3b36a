"""CSV lines built by SQLite (`projections.queries.csv_cell_sql`) are the csv module's bytes."""

from __future__ import annotations

import csv
import io
import sqlite3
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.queries import csv_cell_sql

# Text with everything the csv module treats specially, and more: NUL, CR, LF, quotes, commas,
# spaces at the ends, non-ASCII.
texts = st.text(
    alphabet=st.sampled_from([*"ab ,\"'\n\r\t\x00;|", "é", "ж", "中", "🙂"]), max_size=12
) | st.text(max_size=8)
cells = st.none() | texts | st.integers(min_value=-(2**63), max_value=2**63 - 1)
rows = st.lists(st.tuples(cells, cells, cells, st.none() | st.booleans()), max_size=8)


def sqlite_lines(found: list[tuple[Any, ...]]) -> list[str | None]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, a, b, c, flag BOOLEAN)")
    db.executemany("INSERT INTO t (a, b, c, flag) VALUES (?, ?, ?, ?)", found)
    cells = [csv_cell_sql(f"t.{c}") for c in "abc"] + [csv_cell_sql("t.flag", boolean=True)]
    line = " || ',' || ".join(cells)
    return [text for (text,) in db.execute(f"SELECT {line} FROM t ORDER BY n")]


@settings(max_examples=400, deadline=None)
@given(rows)
def test_sqlite_writes_the_csv_modules_lines(found: list[tuple[Any, ...]]) -> None:
    # Lines split on "\n" would cut quoted cells holding one: compare the whole text instead.
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    for *values, flag in found:
        writer.writerow([*values, None if flag is None else ("yes" if flag else "no")])
    built = sqlite_lines(found)
    assert None not in built
    assert "".join(f"{line}\n" for line in built) == expected.getvalue()


@given(st.lists(st.tuples(cells, st.floats(allow_nan=False) | st.binary(), cells, st.booleans()),
                min_size=1, max_size=4))  # fmt: skip
def test_a_float_or_bytes_cell_gives_no_line(found: list[tuple[Any, ...]]) -> None:
    # Python and SQLite write floats differently (1e-05 and 1.0e-05): such a line is left to
    # the csv module, which the caller uses when any line is None.
    assert sqlite_lines(found) == [None] * len(found)
