"""The driver-level column lists are the SQLAlchemy schema's, table for table."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Integer

from projections import schema
from projections.columns import (
    BOOLEAN_COLUMNS,
    FLOAT_COLUMNS,
    INTEGER_COLUMNS,
    REQUIRED_COLUMNS,
    TABLE_COLUMNS,
    VIEW_COLUMNS,
    VIEW_TABLE_NAMES,
)


def test_every_table_has_the_schemas_columns_in_order() -> None:
    assert {
        table.name: tuple(c.name for c in table.columns) for table in schema.metadata.sorted_tables
    } == TABLE_COLUMNS


def test_boolean_columns_are_the_schemas() -> None:
    derived = {
        table.name: frozenset(c.name for c in table.columns if isinstance(c.type, Boolean))
        for table in schema.metadata.sorted_tables
    }
    assert {name: cols for name, cols in derived.items() if cols} == BOOLEAN_COLUMNS


def test_number_columns_are_the_schemas() -> None:
    tables = [*schema.metadata.sorted_tables, *schema.view_metadata.sorted_tables]
    for kind, declared in ((Integer, INTEGER_COLUMNS), (Float, FLOAT_COLUMNS)):
        derived = {
            table.name: frozenset(c.name for c in table.columns if isinstance(c.type, kind))
            for table in tables
        }
        assert {name: cols for name, cols in derived.items() if cols} == declared, kind


def test_view_tables_are_the_schemas() -> None:
    assert tuple(t.name for t in schema.VIEW_TABLES) == VIEW_TABLE_NAMES


def test_every_sql_view_has_its_columns_in_order() -> None:
    assert {
        table.name: tuple(c.name for c in table.columns)
        for table in schema.view_metadata.sorted_tables
    } == VIEW_COLUMNS
    assert set(schema.SQL_VIEWS) == set(VIEW_COLUMNS)


def test_the_timeline_table_is_the_folds_timeline_row_and_the_record() -> None:
    # A rebuild inserts `timeline_values(record)` and the record's JSON by position.
    from ledger.fold import COLUMNS, timeline_row, timeline_values

    assert TABLE_COLUMNS["timeline"] == (*COLUMNS["timeline"], "data")
    record = {"type": "claim", "report": "r", "incident": "i", "position": 3, "by": "X",
              "stated_at": "2017-09", "refers_to": "a", "summary": "s", "version": 2}  # fmt: skip
    assert tuple(timeline_row(record, corrected=True).values()) == timeline_values(
        record, corrected=True
    )
    assert timeline_row(record)["stated_from"] == "2017-09-01T00:00:00.000000Z"


def test_required_columns_are_the_schemas_not_null_columns() -> None:
    assert {
        table.name: frozenset(c.name for c in table.columns if not c.nullable)
        for table in schema.metadata.sorted_tables
    } == REQUIRED_COLUMNS
