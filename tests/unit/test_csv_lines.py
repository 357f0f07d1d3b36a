"""SQLite writes a CSV report's lines (projections.csv_lines): byte for byte what the csv module
writes from the driver's rows, for every value a view can hold, formulas escaped the same way
(projections.formulas) or, when asked, not at all."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.output import csv_text, formulas_escaped
from projections.columns import BOOLEAN_COLUMNS, FLOAT_COLUMNS, INTEGER_COLUMNS, TABLE_COLUMNS
from projections.csv_lines import _lines, csv_line_sql
from projections.formulas import neutralised_sql

TABLE = "claims"
COLUMNS = TABLE_COLUMNS[TABLE]
BOOLEANS = BOOLEAN_COLUMNS[TABLE]
INTEGERS = INTEGER_COLUMNS[TABLE]
# What the ledger lets into any text: no control character but TAB, LF and CR
# (ledger.interchange refuses the rest, NUL included).
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
texts = st.text(
    alphabet=st.one_of(
        # What a spreadsheet runs, what it reads as a number, and what CSV quotes.
        st.sampled_from(",\"\n\r\t 'ab=+-@.0123456789e"),
        st.characters(blacklist_categories=("Cs",)).filter(lambda c: not REFUSED.match(c)),
    )
)
integers = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def _value(column: str) -> st.SearchStrategy[Any]:
    if column in BOOLEANS:
        return st.booleans()
    if column in INTEGERS:
        return st.none() | integers
    return st.none() | texts


rows = st.lists(st.tuples(*(_value(c) for c in COLUMNS)), min_size=1, max_size=8)


def _table(found: list[tuple[Any, ...]]) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    types = [
        "BOOLEAN" if c in BOOLEANS else "INTEGER" if c in INTEGERS else "TEXT" for c in COLUMNS
    ]
    definition = ", ".join(f'"{c}" {t}' for c, t in zip(COLUMNS, types, strict=True))
    connection.execute(f"CREATE TABLE {TABLE} (n INTEGER PRIMARY KEY, {definition})")
    marks = ", ".join("?" * (len(COLUMNS) + 1))
    connection.executemany(
        f"INSERT INTO {TABLE} VALUES ({marks})", [(n, *row) for n, row in enumerate(found)]
    )
    return connection


def _csv_module(found: list[tuple[Any, ...]], columns: list[str], *, escape: bool = True) -> str:
    """What the csv module's way (`cli.output.emit_csv_rows`) writes of the rows."""
    picked: list[list[Any]] = []
    for row in found:
        values = dict(zip(COLUMNS, row, strict=True))
        picked.append(
            [("true" if values[c] else "false") if c in BOOLEANS else values[c] for c in columns]
        )
    return csv_text(formulas_escaped(picked) if escape else picked)


def _select(columns: list[str], *, line_breaks: bool, escape: bool = True) -> str:
    line = csv_line_sql(TABLE, columns, line_breaks=line_breaks, escape_formulas=escape)
    assert line is not None
    return f"SELECT {line} FROM {TABLE} ORDER BY n"


@settings(max_examples=300, deadline=None)
@given(
    found=rows,
    picked=st.permutations(COLUMNS).map(lambda p: p[: max(2, len(p) // 2)]),
    escape=st.booleans(),
)
def test_sqlite_writes_the_lines_the_csv_module_writes(
    found: list[tuple[Any, ...]], picked: list[str], escape: bool
) -> None:
    connection = _table(found)
    for columns in (list(COLUMNS), list(picked)):
        expected = _csv_module(found, columns, escape=escape)
        checked = _select(columns, line_breaks=True, escape=escape)
        assert "".join(f"{line}\n" for (line,) in connection.execute(checked)) == expected
        # Without the line-break check the lines differ only where a field holds one, and
        # `_lines` notices that and reads them again with the check.
        unchecked = _select(columns, line_breaks=False, escape=escape)
        if not any(isinstance(v, str) and ("\n" in v or "\r" in v) for row in found for v in row):
            assert "".join(f"{line}\n" for (line,) in connection.execute(unchecked)) == expected
        assert _lines(connection, (unchecked, checked), [], -1, 0) == expected.encode()


@pytest.mark.parametrize("line_break", ["\n", "\r", "\r\n"])
def test_a_line_break_in_one_field_is_quoted(line_break: str) -> None:
    summary = f"a{line_break}b"
    found = [tuple(summary if c == "summary" else 0 if c in INTEGERS else "x" for c in COLUMNS)]
    connection = _table(found)
    columns = ["report", "summary", "position"]
    selects = (_select(columns, line_breaks=False), _select(columns, line_breaks=True))
    text = _lines(connection, selects, [], -1, 0)
    assert text == f'x,"{summary}",0\n'.encode()
    # Python's csv reader reads the row back whole: a bare CR would have ended it.
    assert list(csv.reader(io.StringIO(text.decode(), newline=""))) == [["x", summary, "0"]]


def test_the_csv_modules_way_quotes_a_lone_cr_too() -> None:
    assert (
        csv_text([["x", "a\rb", None, 1], ["y", "plain", True, 2]])
        == 'x,"a\rb",,1\ny,plain,True,2\n'
    )
    assert csv_text([["x", "a\nb"]]) == 'x,"a\nb"\n'


def test_columns_it_cannot_write_as_the_csv_module_would_are_left_to_it() -> None:
    assert csv_line_sql("claims", ["summary"]) is None  # a lone empty field is "" there
    floats = sorted(FLOAT_COLUMNS["incidents"])
    assert csv_line_sql("incidents", ["incident", floats[0]]) is None  # floats: Python's repr
    assert csv_line_sql("incidents", ["incident", "title"]) is not None
    with pytest.raises(ValueError, match="no column 'nope' in claims"):
        csv_line_sql("claims", ["report", "nope"])


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1e5", "'-1e5"),  # not a plain decimal: text, so escaped
        ("-", "'-"),
        ("-3", "-3"),  # a number a spreadsheet reads as one: left as it is
        ("-3.5", "-3.5"),
        ("+.5", "+.5"),
        ("-3.5.1", "'-3.5.1"),
        ("-٣", "'-٣"),  # an Arabic-Indic digit: not ASCII, so not a number here
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_text_a_spreadsheet_would_run_is_escaped_the_same_in_python_and_sqlite(
    text: str, written: str
) -> None:
    assert formulas_escaped([[text]]) == [[written]]
    connection = sqlite3.connect(":memory:")
    (from_sql,) = connection.execute(f"SELECT {neutralised_sql('?1')}", (text,)).fetchone()
    assert from_sql == written


def test_numbers_in_number_columns_are_never_escaped() -> None:
    found = [tuple(-3 if c in INTEGERS else "-3+A1" if c == "summary" else "x" for c in COLUMNS)]
    line = _lines(
        _table(found), (_select(["summary", "credibility"], line_breaks=False),) * 2, [], -1, 0
    )
    assert line == b"'-3+A1,-3\n"
    assert formulas_escaped([[-3, -3.5, None, True]]) == [[-3, -3.5, None, True]]
