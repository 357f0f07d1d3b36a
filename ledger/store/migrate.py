"""Run the Alembic migrations from code: `ledger init` creates or upgrades the schema.

Alembic and SQLAlchemy (~0.7 s of start-up) are imported late, inside the functions that run
them: opening any ledger imports this module (ledger/opening.py), and a new SQLite ledger replays
migrations/sqlite_head.sql without them."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from ledger.errors import StoreUnavailable
from ledger.store.config import StoreConfig
from ledger.store.schema_check import SCHEMA_HEAD, refuse_foreign, revision

PAGE_SIZE = 16_384  # bytes, for a new SQLite ledger (see engine_for)


def alembic_config():  # type: ignore[no-untyped-def]
    """Alembic's configuration, built here rather than read from alembic.ini: an installed
    copy has no alembic.ini, and its migration scripts are package data of `migrations`,
    wherever that package was installed. (alembic.ini is for `alembic` run by hand in a
    checkout.) `ledger init` only upgrades, so env.py need not import the tables' MetaData,
    which only autogenerate and `alembic check` compare against."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    config.set_main_option("path_separator", "os")
    config.attributes["upgrade_only"] = True
    return config


def engine_for(store: StoreConfig):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, event

    engine = create_engine(store.sqlalchemy_url)
    if store.backend == "sqlite":

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # A new file gets pages of 16 KB, not SQLite's 4 KB: a view row (a timeline row
            # holds its record's JSON) often fills a fifth of a small page, and a rebuild of
            # 100,000 events ran ~10% faster, an import no slower, a claim, an audit and a
            # report no slower. An existing file keeps its size: SQLite ignores this there.
            dbapi_connection.execute(f"PRAGMA page_size={PAGE_SIZE}")
            # WAL lets readers (reports, audits) run while a writer appends.
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

    return engine


def upgrade(store: StoreConfig) -> tuple[str | None, str]:
    """Upgrade the schema to the newest revision; returns (revision before, revision after)."""
    refuse_foreign(store)
    # Read first: a ledger already at the newest revision needs no write (and may be a
    # read-only file, or a standby).
    if revision(store) == SCHEMA_HEAD:
        return SCHEMA_HEAD, SCHEMA_HEAD
    if store.backend == "sqlite":
        Path(store.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        if _create_new_sqlite(store):
            return None, SCHEMA_HEAD
    from sqlalchemy.exc import OperationalError

    engine = engine_for(store)
    try:
        return migrate_with_alembic(engine)
    except OperationalError as e:
        raise StoreUnavailable(f"cannot initialise {store.display}: {e.orig}") from None
    finally:
        engine.dispose()


def migrate_with_alembic(engine) -> tuple[str | None, str]:  # type: ignore[no-untyped-def]
    """Alembic's upgrade to head in one transaction; returns (revision before, after)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after or ""


def _create_new_sqlite(store: StoreConfig) -> bool:
    """Give a SQLite file that holds no tables (or does not exist) the newest schema by
    replaying what the migrations run there (migrations/sqlite_head.sql), without importing
    Alembic and SQLAlchemy: an `init` took 1 s of CPU, ~0.7 s of it their import. The same
    database either way (a test builds both and compares). False (nothing done) when the file
    holds tables: an existing ledger is upgraded by Alembic."""
    script = (resources.files("migrations") / "sqlite_head.sql").read_text(encoding="utf-8")
    try:
        connection = sqlite3.connect(store.sqlite_file, isolation_level=None)
    except sqlite3.Error as e:
        raise StoreUnavailable(f"cannot initialise {store.display}: {e}") from None
    try:
        # As engine_for's connect hook does, before the first write.
        connection.execute(f"PRAGMA page_size={PAGE_SIZE}")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("BEGIN IMMEDIATE")
        # Looked at inside the write transaction: another writer may have just made it.
        if connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None:
            connection.execute("ROLLBACK")
            return False
        for statement in _statements(script):
            connection.execute(statement)
        connection.execute("COMMIT")
        return True
    except sqlite3.OperationalError as e:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise StoreUnavailable(f"cannot initialise {store.display}: {e}") from None
    finally:
        connection.close()


def _statements(script: str) -> list[str]:
    """The script's statements, whole (a trigger's body holds semicolons of its own)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if not pending and line.startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"sqlite_head.sql ends inside a statement: {pending[:80]!r}")
    return statements


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""
