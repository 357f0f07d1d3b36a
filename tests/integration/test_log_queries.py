"""ledger/log_queries.py: the log read on the caller's own connection (both backends), agreeing
with the application's queries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine

from ledger.application import IncidentLedger
from ledger.log_queries import events_after, log_size, notifications, referring_from_elsewhere
from ledger.replay import related_records
from ledger.seals import seal
from tests.conftest import lines_of

CROSS = [
    {"type": "incident", "incident": "first", "title": "First"},
    {"type": "incident", "incident": "second", "title": "Second"},
    {"type": "incident", "incident": "third", "title": "Third"},
    {
        "type": "claim",
        "incident": "first",
        "report": "the-claim",
        "by": "Side A",
        "summary": "It happened",
        "stated_at": "2020-01-01",
    },
    {
        "type": "denial",
        "incident": "second",
        "report": "the-denial",
        "by": "Side B",
        "refers_to": ["the-claim"],
        "summary": "It did not",
    },
    {
        "type": "retraction",
        "incident": "third",
        "report": "the-retraction",
        "by": "Side B",
        "refers_to": ["the-denial"],
    },
]


@pytest.fixture
def connection(ledger: IncidentLedger) -> Iterator[Connection]:
    ledger.append(lines_of(*CROSS), recorded_by="tester")  # type: ignore[arg-type]
    engine = create_engine(ledger.config.sqlalchemy_url)
    try:
        with engine.connect() as opened:
            yield opened
    finally:
        engine.dispose()


def test_the_log_reads_as_the_application_reads_it(
    ledger: IncidentLedger, connection: Connection
) -> None:
    expected = [
        (n.id, n.originator_id, n.topic, bytes(n.state))
        for b in ledger.iter_notifications()
        for n in b
    ]
    found = [(n.id, n.originator_id, n.topic, n.state) for n in notifications(connection, batch=2)]
    assert found == expected
    assert log_size(connection) == len(expected) == ledger.max_position()
    assert events_after(connection, 0) == len(expected)
    assert events_after(connection, 4) == len(expected) - 4


def test_seals_count_in_the_log_but_not_as_events(
    ledger: IncidentLedger, connection: Connection
) -> None:
    events = log_size(connection)
    connection.rollback()  # a new transaction sees the seal
    seal(ledger, sealed_by="tester")
    assert log_size(connection) == events + 1
    assert events_after(connection, 0) == events


def test_reports_elsewhere_referring_in_are_those_related_records_finds(
    ledger: IncidentLedger, connection: Connection
) -> None:
    related = [r for r in related_records(ledger, "first") if r["incident"] != "first"]
    incidents, reports = referring_from_elsewhere(connection, {"first"})
    assert reports == {r["report"] for r in related} == {"the-denial", "the-retraction"}
    assert incidents == {r["incident"] for r in related} == {"second", "third"}
    # Check that a report referring within the chosen incidents is not "elsewhere".
    assert referring_from_elsewhere(connection, {"first", "second"}) == (
        {"third"},
        {"the-retraction"},
    )
