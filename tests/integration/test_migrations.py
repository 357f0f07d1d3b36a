"""Migrations: pytest-alembic's built-in tests on both backends, plus the append-only triggers."""

from __future__ import annotations

import sqlite3

import pytest
from pytest_alembic.tests import (  # noqa: F401 - collected as this module's tests
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import create_engine

from ledger.store.config import resolve
from ledger.store.migrate import head_revision
from ledger.store.schema_check import SCHEMA_HEAD
from tests.conftest import EXAMPLE, ROOT


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def alembic_engine(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    else:
        import psycopg

        from ledger.store.config import resolve

        url = request.getfixturevalue("pg_url")
        store = resolve(url)
        # pg_url is migrated already: start these tests from an empty database instead.
        with psycopg.connect(
            host=store.host,
            port=store.port,
            user=store.user,
            dbname=store.dbname,
            autocommit=True,
        ) as connection:
            connection.execute("DROP SCHEMA public CASCADE")
            connection.execute("CREATE SCHEMA public")
        engine = create_engine(store.sqlalchemy_url)
    yield engine
    engine.dispose()


@pytest.fixture
def alembic_config():  # type: ignore[no-untyped-def]
    return {"file": str(ROOT / "alembic.ini"), "script_location": str(ROOT / "migrations")}


def test_cli_knows_the_newest_migration() -> None:
    # Check the constant the CLI compares against (without importing Alembic) is the real head.
    assert head_revision() == SCHEMA_HEAD


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_events SET topic = 'x'",
        "DELETE FROM ledger_events",
        "UPDATE ledger_reports SET incident = 'x'",
        "DELETE FROM ledger_reports",
        "DELETE FROM ledger_references",
    ],
)
def test_plain_sql_cannot_update_or_delete_the_log_on_sqlite(
    sqlite_url: str, statement: str
) -> None:
    from typer.testing import CliRunner

    from cli.main import app
    from tests.conftest import EXAMPLE, EXAMPLE_EVENTS

    result = CliRunner().invoke(app, ["--db", sqlite_url, "import", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    connection = sqlite3.connect(sqlite_url)
    before = connection.execute("SELECT count(*) FROM ledger_events").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute(statement)
    connection.rollback()
    assert (
        connection.execute("SELECT count(*) FROM ledger_events").fetchone()[0]
        == before
        == EXAMPLE_EVENTS
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_events SET topic = 'x'",
        "DELETE FROM ledger_events",
        "TRUNCATE ledger_events",
        "UPDATE ledger_reports SET incident = 'x'",
        "DELETE FROM ledger_references",
    ],
)
def test_plain_sql_cannot_update_or_delete_the_log_on_postgres(pg_url: str, statement: str) -> None:
    import psycopg
    from typer.testing import CliRunner

    from cli.main import app
    from ledger.store.config import resolve
    from tests.conftest import EXAMPLE, EXAMPLE_EVENTS

    result = CliRunner().invoke(app, ["--db", pg_url, "import", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    store = resolve(pg_url)
    with psycopg.connect(
        host=store.host, port=store.port, user=store.user, dbname=store.dbname, autocommit=True
    ) as connection:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            connection.execute(statement)
        count = connection.execute("SELECT count(*) FROM ledger_events").fetchone()
        assert count is not None and count[0] == EXAMPLE_EVENTS


def test_the_databases_sql_views_are_the_schemas(db_url: str) -> None:
    # Check the migration's frozen view definitions are the ones the code documents.
    from projections.schema import SQL_VIEWS

    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            backend = connection.dialect.name
            for name in SQL_VIEWS:
                if backend == "sqlite":
                    found = connection.exec_driver_sql(
                        "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", (name,)
                    ).scalar_one()
                    assert found == f"CREATE VIEW {name} AS {SQL_VIEWS[name]['sqlite']}"
                else:
                    # PostgreSQL keeps its own normalised text of a view: compare it with the
                    # text it keeps for a scratch view made from the schema's definition.
                    connection.exec_driver_sql(
                        f"CREATE TEMP VIEW expected_{name} AS {SQL_VIEWS[name]['postgresql']}"
                    )
                    found, expected = connection.exec_driver_sql(
                        f"SELECT pg_get_viewdef('{name}'::regclass), "
                        f"pg_get_viewdef('expected_{name}'::regclass)"
                    ).one()
                    assert found == expected
    finally:
        engine.dispose()


def test_a_downgrade_and_upgrade_rebuild_the_same_views_from_the_untouched_log(
    db_url: str,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    from alembic import command

    from ledger.store.migrate import alembic_config, engine_for

    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    before = {
        report: run_cli("report", report, "--format", "csv").output
        for report in ("claims", "actors", "provenance", "disputes")
    }
    named = run_cli(
        "report", "provenance", "--actor", "Syrian Democratic Forces", "--format", "csv"
    ).output
    events = _count(db_url, "ledger_events")

    engine = engine_for(resolve(db_url))
    try:
        for target in ("0001", "head"):
            with engine.begin() as connection:
                config = alembic_config()
                config.attributes["connection"] = connection
                (command.downgrade if target == "0001" else command.upgrade)(config, target)
            # Check each migration empties the views and forgets their position, log untouched.
            assert _count(db_url, "claims") == 0
            assert _count(db_url, "projection_tracking") == 0
            assert _count(db_url, "ledger_events") == events
    finally:
        engine.dispose()

    # Check the next catch-up rebuilds exactly the views there were, from the log.
    assert run_cli("project").exit_code == 0
    after = {report: run_cli("report", report, "--format", "csv").output for report in before}
    assert after == before
    assert "sdf-shelling-denial" in named
    assert (
        run_cli(
            "report", "provenance", "--actor", "Syrian Democratic Forces", "--format", "csv"
        ).output
        == named
    )


def _count(db_url: str, table: str) -> int:
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
    finally:
        engine.dispose()


def test_a_new_sqlite_ledger_has_large_pages_and_an_existing_one_keeps_its_own(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from ledger.store.migrate import PAGE_SIZE, upgrade

    new = tmp_path / "new.db"
    upgrade(resolve(str(new)))
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as connection:  # made by SQLite's defaults, before this ledger
        connection.execute("PRAGMA journal_mode=WAL")
        # A ledger's file before its first migration (a file that is not a ledger is refused).
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        default = connection.execute("PRAGMA page_size").fetchone()[0]
    upgrade(resolve(str(old)))
    assert default != PAGE_SIZE
    for path, size in ((new, PAGE_SIZE), (old, default)):
        connection = sqlite3.connect(path)
        try:
            assert connection.execute("PRAGMA page_size").fetchone()[0] == size
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            connection.close()


def test_the_sqlite_file_init_replays_is_what_the_migrations_run() -> None:
    # After a new migration: `python -m migrations.sqlite_head` writes the file again.
    from migrations import sqlite_head

    assert sqlite_head.path().read_text(encoding="utf-8") == sqlite_head.record()


def test_a_new_sqlite_ledger_is_the_database_the_migrations_build(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ledger.store.migrate import engine_for, migrate_with_alembic, upgrade

    by_alembic, replayed, empty = tmp_path / "alembic.db", tmp_path / "replayed.db", tmp_path / "e"
    engine = engine_for(resolve(str(by_alembic)))
    try:
        assert migrate_with_alembic(engine) == (None, SCHEMA_HEAD)
    finally:
        engine.dispose()
    assert upgrade(resolve(str(replayed))) == (None, SCHEMA_HEAD)
    sqlite3.connect(empty).close()  # a file with no tables yet (SQLite makes it 0 bytes)
    assert upgrade(resolve(str(empty))) == (None, SCHEMA_HEAD)
    assert upgrade(resolve(str(replayed))) == (SCHEMA_HEAD, SCHEMA_HEAD)  # Alembic's, now
    expected = _whole_database(by_alembic)
    assert expected["master"]  # the comparison compares something
    assert _whole_database(replayed) == expected
    assert _whole_database(empty) == expected


def _whole_database(path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything SQLite keeps: the schema as stored (pages included), every table's rows
    (the search index's shadow tables and sqlite_sequence too), and the file's settings."""
    connection = sqlite3.connect(path)
    try:
        found: dict[str, object] = {
            "master": connection.execute(
                "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid"
            ).fetchall()
        }
        tables = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
        ).fetchall()
        for (table,) in tables:
            found[table] = connection.execute(f'SELECT * FROM "{table}"').fetchall()
        for pragma in ("page_size", "journal_mode", "user_version", "auto_vacuum", "encoding"):
            found[pragma] = connection.execute(f"PRAGMA {pragma}").fetchall()
        found["page_count"] = connection.execute("PRAGMA page_count").fetchall()
        return found
    finally:
        connection.close()
