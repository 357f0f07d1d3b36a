"""Store errors are recognised by the drivers' codes, not only by their wording."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ledger.errors import StoreUnavailable
from ledger.store.config import resolve
from ledger.store.errors import store_error
from ledger.store.migrate import upgrade

STORE = resolve("/tmp/some.db")


def translate_store_error(error: BaseException) -> StoreUnavailable | None:
    return store_error(error, STORE, lock_timeout=7)


def _sqlite_error(code: str, message: str = "something went wrong") -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = code  # type: ignore[attr-defined]
    return error


class _PostgresError(Exception):
    """Stands for a psycopg error: what matters is its SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("an error in another language")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (_sqlite_error("SQLITE_BUSY"), "stayed locked by another writer for more than 7 s"),
        (_sqlite_error("SQLITE_LOCKED"), "stayed locked by another writer"),
        (_sqlite_error("SQLITE_READONLY_DBMOVED"), "is read-only, and this command writes"),
        (_sqlite_error("SQLITE_CANTOPEN"), "cannot open the SQLite database"),
        (_sqlite_error("SQLITE_IOERR_SHORT_READ"), "cannot open the SQLite database"),
        (_sqlite_error("SQLITE_NOTADB"), "is not a SQLite database"),
        (_PostgresError("42P01"), "holds no ledger yet"),
        (_PostgresError("55P03"), "stayed locked by another writer"),
    ],
)
def test_a_driver_code_is_enough(error: Exception, says: str) -> None:
    translated = translate_store_error(error)
    assert isinstance(translated, StoreUnavailable)
    assert says in str(translated)


def test_a_code_found_through_a_wrapping_error() -> None:
    try:
        try:
            raise _sqlite_error("SQLITE_BUSY")
        except sqlite3.Error as inner:
            raise RuntimeError("the library's own wrapper") from inner
    except RuntimeError as outer:
        translated = translate_store_error(outer)
    assert translated is not None and "stayed locked" in str(translated)


def test_an_unrelated_error_is_not_a_store_error() -> None:
    assert translate_store_error(ValueError("a bug of ours")) is None


def test_sqlites_generic_error_on_a_file_without_a_ledger_says_there_is_none(
    tmp_path: Path,
) -> None:
    # "no such table" is plain SQLITE_ERROR, like a syntax error: the store looks, not reads.
    missing = resolve(str(tmp_path / "none.db"))
    translated = store_error(_sqlite_error("SQLITE_ERROR", "no such table: x"), missing, 7)
    assert translated is not None and "holds no ledger yet" in str(translated)


def test_sqlites_generic_error_on_a_ledger_is_named_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    upgrade(resolve(str(path)))
    translated = store_error(_sqlite_error("SQLITE_ERROR", "near 'x'"), resolve(str(path)), 7)
    assert translated is not None and str(translated) == f"SQLite error on {path}: near 'x'"


def test_the_wording_alone_is_not_a_store_error() -> None:
    assert translate_store_error(RuntimeError("database is locked")) is None


def test_a_lost_connection_is_told_anywhere_in_the_chain() -> None:
    import psycopg
    from eventsourcing.persistence import OperationalError

    from ledger.store.errors import connection_lost

    wrapped = RuntimeError("the catch-up failed")
    wrapped.__cause__ = OperationalError("server closed the connection")
    assert connection_lost(wrapped)
    assert connection_lost(psycopg.InterfaceError("the connection is closed"))
    assert not connection_lost(ValueError("a bug"))
