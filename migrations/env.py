"""Alembic environment: uses the connection `ledger init` hands in, else LEDGER_DB."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, MetaData, create_engine

from ledger.store.config import resolve


def target_metadata() -> list[MetaData] | None:
    """The tables' MetaData, which only autogenerate and `alembic check` compare the database
    against. `ledger init` (ledger.store.migrate) only upgrades, and says so: the scripts hold
    their own DDL, so the run-time path from `ledger` never imports `projections`."""
    if context.config.attributes.get("upgrade_only"):
        return None
    # here, not at the top: `ledger init` runs this file and must not import projections
    # (tests/test_layers.py)
    from ledger.store.tables import metadata as store_metadata
    from projections.schema import metadata as view_metadata

    return [store_metadata, view_metadata]


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave out the search index (revision 0004): SQLite's FTS5 table and its shadow tables,
    PostgreSQL's GIN index over an expression. SQLAlchemy models neither (a virtual table, an
    index on one backend only), so autogenerate would drop them."""
    if type_ == "table":
        return not (name or "").startswith("report_search")
    return not (type_ == "index" and name == "timeline_search_idx")


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


# `ledger init` hands in a Connection, pytest-alembic an Engine; `alembic` by hand neither.
given = context.config.attributes.get("connection")
if isinstance(given, Engine):
    with given.begin() as connection:
        run(connection)
elif given is not None:
    run(given)
else:
    with create_engine(resolve(None).sqlalchemy_url).connect() as connection:
        run(connection)
