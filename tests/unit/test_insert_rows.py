"""An append's rows go to SQLite 100 to a statement: the same rows, rowids and errors as one
statement per row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ledger.store.config import resolve
from ledger.store.many_rows import ROWS_PER_STATEMENT
from ledger.store.migrate import upgrade
from ledger.store.recorders import (
    _INSERT_EVENT,
    _INSERT_REFERENCE,
    _INSERT_REPORT,
    _insert_rows,
)

TABLES = ("ledger_events", "ledger_reports", "ledger_references", "sqlite_sequence")


def _rows(n: int) -> dict[str, list[tuple[object, ...]]]:
    return {
        _INSERT_EVENT: [(f"inc-{i // 7}", i % 7 + 1, "t", b"{}") for i in range(n)],
        _INSERT_REPORT: [(f"r-{i}", f"inc-{i // 7}", "claim", None, "f", i) for i in range(n)],
        _INSERT_REFERENCE: [(f"r-{i}", f"r-{i // 2}", f"inc-{i // 7}") for i in range(n)],
    }


def _ledger(path: Path) -> sqlite3.Connection:
    upgrade(resolve(str(path)))
    return sqlite3.connect(path, isolation_level=None)


def _contents(connection: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {
        t: connection.execute(f"SELECT rowid, * FROM {t} ORDER BY rowid").fetchall() for t in TABLES
    }


@pytest.mark.parametrize("n", [0, 1, ROWS_PER_STATEMENT, 2 * ROWS_PER_STATEMENT + 57])
def test_rows_by_the_hundred_are_the_rows_one_by_one(tmp_path: Path, n: int) -> None:
    batched, single = _ledger(tmp_path / "batched.db"), _ledger(tmp_path / "single.db")
    for insert, rows in _rows(n).items():
        _insert_rows(batched, insert, rows)
        single.executemany(insert.format(p="?"), rows)
    assert _contents(batched) == _contents(single)
    assert len(_contents(batched)["ledger_events"]) == n


def test_a_clash_is_the_same_error(tmp_path: Path) -> None:
    rows = _rows(ROWS_PER_STATEMENT)[_INSERT_EVENT]
    errors = []
    for name, insert in (("batched", _insert_rows), ("single", None)):
        connection = _ledger(tmp_path / f"{name}.db")
        connection.execute("BEGIN")
        clashing = [*rows[:50], rows[10], *rows[50:]]
        with pytest.raises(sqlite3.IntegrityError) as caught:
            if insert is None:
                connection.executemany(_INSERT_EVENT.format(p="?"), clashing)
            else:
                insert(connection, _INSERT_EVENT, clashing)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert "UNIQUE constraint failed" in errors[0]
