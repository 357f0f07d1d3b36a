"""SQL written once with `?` placeholders, run on either driver (sqlite3, or psycopg for
PostgreSQL, whose placeholders are `%s`). Its own module so that the modules the reports use
(projections.queries, projections.actor_scope) can share it without importing each other, and
so that the staleness check and `ledger search` import no more than this to read."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ledger.errors import StoreUnavailable
from ledger.store.config import StoreConfig


def driver_sql(sql: str, *, postgres: bool) -> str:
    """A statement written with `?` placeholders, as the driver takes it: psycopg's are `%s`."""
    return sql.replace("?", "%s") if postgres else sql  # our SQL holds no other `?` (nor `%`)


def run_sql(connection: Any, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Every row of one statement written with `?` placeholders, on either driver."""
    cursor = connection.cursor()
    try:
        postgres = not isinstance(connection, sqlite3.Connection)
        cursor.execute(driver_sql(sql, postgres=postgres), tuple(parameters))
        return list(cursor.fetchall())
    finally:
        cursor.close()


@contextmanager
def read_connection(store: StoreConfig) -> Iterator[Any]:
    """A DB-API connection, read-only where the backend allows it (so reports work on a
    read-only ledger file), closed on exit. Its SQL takes `?` placeholders on SQLite and `%s`
    on PostgreSQL; `run_sql` takes `?` on both."""
    if store.backend == "sqlite":
        if not os.path.exists(store.sqlite_path):
            # Else SQLite would create an empty file (`immutable=1` without `mode=ro` may).
            raise StoreUnavailable(f"{store.display} holds no ledger yet: run 'ledger init' first")
        connection: Any = sqlite3.connect(store.sqlite_reader_uri(), uri=True)
    else:
        connection = store.connect_postgres(autocommit=True)  # reads only
    try:
        yield connection
    finally:
        connection.close()
