"""A rebuild's worker builds each report's search document in Python (`search.document`); the
corrections' refresh later deletes it by the SQL view's text, so the two must agree exactly."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson
import pytest

from projections import search

RECORDS: list[dict[str, Any]] = [
    {"quote": "Nous n'avons rien fait", "speaker": "Ministère", "against": None},
    {"description": 'Şam, "quoted" \\ back', "location": "Aleppo", "addressee": "UN"},
    {"changes": {"summary": "new", "z": [1, 2.5, None, True], "a": {"b": "ü\n"}}},
    {"changes": ["x", {"y": 1e-07}], "on_behalf_of": "SDF"},
    {"quote": 7},
    {"against": True},
    {"location": 1.5},
    {},
]


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize(("summary", "by"), [("A summary", "Reuters"), (None, None), (3, "x")])
def test_a_document_is_the_views(record: dict[str, Any], summary: Any, by: Any) -> None:
    record = {**record, "position": 1}
    data = orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()
    connection = sqlite3.connect(":memory:")
    connection.execute(
        'CREATE TABLE timeline (position INTEGER PRIMARY KEY, summary TEXT, "by" TEXT, data TEXT)'
    )
    connection.execute("INSERT INTO timeline VALUES (1, ?, ?, ?)", (summary, by, data))
    (view,) = connection.execute(search.SQLITE_SOURCE).fetchall()
    built = search.document(record, summary, by)
    # None: the projector falls back to the view for this one.
    assert built is None or built == view


def test_text_and_json_values_are_built_not_left_to_the_view() -> None:
    for record in RECORDS[:4] + RECORDS[-1:]:
        assert search.document({**record, "position": 1}, "s", None) is not None
