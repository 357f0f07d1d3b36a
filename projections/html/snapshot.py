"""The HTML report's one read-only snapshot of a ledger: an engine whose connection sees the
log and the projection tables as of one moment, also on a read-only SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text

from ledger.errors import StoreUnavailable
from ledger.store.config import StoreConfig
from ledger.store.schema_check import SCHEMA_HEAD


def report_engine(store: StoreConfig) -> Engine:
    """A read-only engine whose connections see one snapshot for the whole report.

    SQLite opens `mode=ro` in one explicit read transaction, and immutable when WAL mode's -shm
    file can neither be found nor created (a read-only copy of a ledger); PostgreSQL runs
    read-only transactions at REPEATABLE READ."""
    if store.backend != "sqlite":
        return create_engine(
            store.sqlalchemy_url,
            connect_args={"options": "-c default_transaction_read_only=on"},
            isolation_level="REPEATABLE READ",
        )
    path = Path(store.sqlite_path).resolve()
    if not path.is_file():
        raise StoreUnavailable(f"{store.display} holds no ledger yet: run 'ledger init' first")
    uri = store.sqlite_reader_uri()  # refuses a copy it could read only in part
    engine = create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    )

    @event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # so that the BEGIN below is ours

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")  # one read transaction: one snapshot of the file

    return engine


def check_schema(connection: Connection, store: StoreConfig) -> None:
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision is None:
        raise StoreUnavailable(f"{store.display} holds no ledger yet: run 'ledger init' first")
    if revision != SCHEMA_HEAD:
        raise StoreUnavailable(
            f"{store.display} has schema revision {revision}; run 'ledger init' to upgrade"
        )
