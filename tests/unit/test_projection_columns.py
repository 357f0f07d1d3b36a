"""Each view's columns are declared once (ledger/view_columns.py); the SQLAlchemy tables, the
driver-level column lists, the fold's rows and docs/views.md follow it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, Boolean, Float, Integer, Text

from ledger.view_columns import VIEWS
from ledger.view_rows import COLUMNS, declared, timeline_row, timeline_values
from projections import schema
from projections.columns import (
    BOOLEAN_COLUMNS,
    INTEGER_COLUMNS,
    READABLE_COLUMNS,
    REQUIRED_COLUMNS,
    VIEW_TABLE_NAMES,
)

KIND_OF_TYPE = {
    Text: "text", Integer: "integer", BigInteger: "position", Float: "float", Boolean: "boolean"
}  # fmt: skip
DOCS = Path(__file__).parents[2] / "docs" / "views.md"


def test_every_sqlalchemy_table_and_view_is_the_declared_one() -> None:
    tables = {**schema.metadata.tables, **schema.view_metadata.tables}
    assert list(tables) == [view.name for view in VIEWS]
    for view in VIEWS:
        table = tables[view.name]
        assert (view.name in schema.view_metadata.tables) == view.sql_view
        assert table.comment == view.comment
        found = [
            (c.name, KIND_OF_TYPE[type(c.type)], not c.nullable, c.primary_key, bool(c.unique))
            for c in table.columns
        ]
        assert found == [(c.name, c.kind, c.required, c.key, c.unique) for c in view.columns]
        # Partial indexes are added beside the declaration (schema.py says why); only one.
        plain = {i for i in table.indexes if i.dialect_options["sqlite"].get("where") is None}
        assert {(i.name, *(c.name for c in i.columns)) for i in plain} == set(view.indexes)
        partial = {i.name for i in table.indexes} - {i.name for i in plain}
        assert partial == ({"timeline_corrected_idx"} if view.name == "timeline" else set())
    assert set(schema.SQL_VIEWS) == {view.name for view in VIEWS if view.sql_view}


def test_the_driver_level_lists_are_the_declared_columns() -> None:
    assert {view.name: view.column_names for view in VIEWS} == READABLE_COLUMNS
    assert tuple(t.name for t in schema.VIEW_TABLES) == VIEW_TABLE_NAMES
    assert BOOLEAN_COLUMNS["timeline"] == {"voided", "corrected"}
    assert INTEGER_COLUMNS["timeline"] == {"position", "version"}  # positions are integers too
    assert "data" in REQUIRED_COLUMNS["timeline"] and "summary" not in REQUIRED_COLUMNS["timeline"]


def test_the_fold_yields_the_declared_columns_but_what_the_projector_writes() -> None:
    assert COLUMNS["timeline"] == tuple(c for c in READABLE_COLUMNS["timeline"] if c != "data")
    not_folded = {
        "report_refs", "projection_tracking", "projection_errors", "report_actors", "registry_lines"
    }  # fmt: skip
    assert set(COLUMNS) == {v.name for v in VIEWS} - not_folded


def test_the_timeline_row_is_its_values_in_column_order() -> None:
    # A rebuild inserts `timeline_values(record)` and the record's JSON by position.
    record = {"type": "claim", "report": "r", "incident": "i", "position": 3, "by": "X",
              "stated_at": "2017-09", "refers_to": "a", "summary": "s", "version": 2}  # fmt: skip
    assert tuple(timeline_row(record, corrected=True).values()) == timeline_values(
        record, corrected=True
    )
    assert timeline_row(record)["stated_from"] == "2017-09-01T00:00:00.000000Z"


def test_docs_views_lists_every_declared_column_in_order() -> None:
    rows = {}
    for line in DOCS.read_text().splitlines():
        if match := re.match(r"\| `(\w+)`( \(a view\))? \| [^|]+ \| (.+) \|$", line):
            rows[match[1]] = match[3]
    assert set(rows) == {view.name for view in VIEWS}
    for view in VIEWS:
        named = re.findall(r"`(\w+)`", rows[view.name])
        # The columns, in order of first mention; other names are tables or values in prose.
        mentioned = list(dict.fromkeys(n for n in named if n in view.column_names))
        assert mentioned == list(view.column_names), view.name
        assert set(named) - set(view.column_names) <= {v.name for v in VIEWS} | {"open"}, view.name


def test_a_builder_whose_value_order_is_not_its_views_columns_is_refused_at_import() -> None:
    # The fold builds rows as tuples in the order each builder declares; a builder declaring
    # another order than the view's columns would put values under the wrong names.
    assert declared("links", *COLUMNS["links"]) == COLUMNS["links"]
    swapped = (COLUMNS["links"][1], COLUMNS["links"][0], *COLUMNS["links"][2:])
    with pytest.raises(AssertionError, match="links"):
        declared("links", *swapped)
    with pytest.raises(AssertionError):
        declared("links", *COLUMNS["links"][:-1])
