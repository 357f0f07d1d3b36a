"""Which schema revision a database holds, read without importing Alembic (CLI start-up)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ledger.errors import StoreUnavailable
from ledger.store.config import StoreConfig

# The newest migration; a test checks it against Alembic's head.
SCHEMA_HEAD = "0008"


def revision(store: StoreConfig) -> str | None:
    """The Alembic revision of the ledger schema, or None where there is no schema yet."""
    if store.backend == "sqlite":
        path = Path(store.sqlite_path)
        if not path.exists():
            return None
        connection: sqlite3.Connection = sqlite3.connect(store.sqlite_reader_uri(), uri=True)
        try:
            row = connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
            if row is None:
                return None
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            return found[0] if found else None
        finally:
            connection.close()
    with store.connect_postgres(autocommit=False) as pg:
        exists = pg.execute("SELECT to_regclass('alembic_version')").fetchone()
        if exists is None or exists[0] is None:
            return None
        found = pg.execute("SELECT version_num FROM alembic_version").fetchone()
        return found[0] if found else None


def refuse_foreign(store: StoreConfig) -> None:
    """Refuse (one line) a SQLite file that holds tables but no ledger: creating the ledger's
    schema in it would turn someone's other database into a ledger."""
    if store.backend != "sqlite" or not Path(store.sqlite_path).exists():
        return
    connection = sqlite3.connect(store.sqlite_reader_uri(), uri=True)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name"
            )
        ]
    finally:
        connection.close()
    if tables and "alembic_version" not in tables:
        raise StoreUnavailable(
            f"{store.display} is a SQLite database but not a ledger (it holds table "
            f"{tables[0]!r}); refusing to change it"
        )
