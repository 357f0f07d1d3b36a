"""SQL written once with `?` placeholders, run on either driver (sqlite3, or psycopg for
PostgreSQL, whose placeholders are `%s`). Its own module so that the modules the reports use
(projections.queries, projections.actor_scope) can share it without importing each other."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


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
