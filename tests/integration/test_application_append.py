"""The application on a real database (SQLite and PostgreSQL): append and replay, idempotent
and atomic batches, and references across incidents.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ledger.application import IncidentLedger
from ledger.errors import IncidentNotFound, InvalidReference, ReportIdClash, ReportNotFound
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.store.config import resolve
from tests.conftest import EXAMPLE_EVENTS, read_lines
from tests.integration.app_ledgers import (
    AIRSTRIKE,
    EXAMPLE_REPORTS,
    MOD,
    SHELLING,
    batch_of,
    claim,
    denial,
    fresh_ledger,
    ledger_on,
    opening,
    row_counts,
)

# -- append and replay -----------------------------------------------------------------------


def test_appending_the_example_records_every_report(ledger: IncidentLedger, db_url: str) -> None:
    # Check the append result and the rows written for the worked example.
    result = ledger.append(read_lines(), recorded_by="tester")
    assert (result.added, result.unchanged) == (EXAMPLE_EVENTS, 0)
    assert result.incidents == {AIRSTRIKE, SHELLING}
    assert result.reports == EXAMPLE_REPORTS[AIRSTRIKE] + EXAMPLE_REPORTS[SHELLING]
    assert row_counts(db_url) == {
        "ledger_events": EXAMPLE_EVENTS,
        "ledger_reports": 10,
        "ledger_references": 5,
    }
    assert ledger.max_position() == EXAMPLE_EVENTS


@pytest.fixture(scope="module")
def example_db(new_database: Callable[[], str]) -> str:
    """One database per backend holding the worked example, for tests that only read it."""
    url = new_database()
    writer = fresh_ledger(url)
    writer.append(read_lines(), recorded_by="tester")
    writer.close()
    return url


@pytest.fixture(scope="module")
def example(example_db: str) -> Iterator[IncidentLedger]:
    """A ledger application on the worked example (read only)."""
    with ledger_on(example_db) as reader:
        yield reader


@pytest.mark.parametrize("slug", [AIRSTRIKE, SHELLING])
def test_an_appended_incident_replays_from_the_log(
    example: IncidentLedger, example_db: str, slug: str
) -> None:
    # Check get_incident rebuilds the aggregate: its version, reports and chain head.
    with ledger_on(example_db) as reader:
        incident = reader.get_incident(slug)
    events = [e for _, e in example.positioned_events(slug)]
    assert incident.version == len(EXAMPLE_REPORTS[slug])
    assert list(incident.reports) == EXAMPLE_REPORTS[slug]
    assert incident.last_hash == events[-1].hash


@pytest.mark.parametrize("slug", [AIRSTRIKE, SHELLING])
def test_positioned_events_come_in_version_order_with_rising_positions(
    example: IncidentLedger, slug: str
) -> None:
    # Check versions are 1..N, positions strictly increase, and the chain verifies.
    positioned = example.positioned_events(slug)
    positions = [p for p, _ in positioned]
    events = [e for _, e in positioned]
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert positions == sorted(set(positions))
    assert [e.report for e in events] == EXAMPLE_REPORTS[slug]
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    assert all(event_hash(e.content()) == e.hash for e in events)
    assert {e.recorded_by for e in events} == {"tester"}


def test_positions_across_incidents_follow_the_order_of_appending(
    example: IncidentLedger,
) -> None:
    # Check the log interleaves incidents in the order the file gave them.
    positions = {
        e.report: p for slug in (AIRSTRIKE, SHELLING) for p, e in example.positioned_events(slug)
    }
    ordered = sorted(positions, key=positions.__getitem__)
    assert ordered == EXAMPLE_REPORTS[AIRSTRIKE] + EXAMPLE_REPORTS[SHELLING]


def test_positioned_events_up_to_a_position_cut_the_history(example: IncidentLedger) -> None:
    # Check lte_position returns only the events logged by then.
    cut = example.positioned_events(SHELLING)[2][0]
    assert [e.report for _, e in example.positioned_events(SHELLING, lte_position=cut)] == (
        EXAMPLE_REPORTS[SHELLING][:3]
    )


def test_an_unknown_incident_is_not_found(example: IncidentLedger) -> None:
    # Check both read paths report a missing incident the same way.
    with pytest.raises(IncidentNotFound):
        example.get_incident("no-such-incident")
    with pytest.raises(IncidentNotFound) as caught:
        example.positioned_events("no-such-incident")
    # A reader is not told to open it (a writer is: test_cli_exit_codes).
    assert str(caught.value) == "incident 'no-such-incident' does not exist"


def test_get_incident_at_a_version_replays_only_that_far(example: IncidentLedger) -> None:
    # Check the version argument rebuilds the past state.
    past = example.get_incident(SHELLING, version=2)
    assert (past.version, list(past.reports)) == (2, EXAMPLE_REPORTS[SHELLING][:2])


def test_the_recorded_by_of_a_line_overrides_the_batchs(ledger: IncidentLedger) -> None:
    # Check a line's own recorded_by wins over the appender's identity.
    ledger.append(
        batch_of(opening("inc"), claim("inc", "r1", recorded_by="line-recorder")),
        recorded_by="batch-recorder",
    )
    assert [e.recorded_by for _, e in ledger.positioned_events("inc")] == [
        "batch-recorder",
        "line-recorder",
    ]


# -- idempotence and atomicity ---------------------------------------------------------------


def test_appending_the_same_lines_again_adds_nothing(ledger: IncidentLedger, db_url: str) -> None:
    # Check a second import of the example is a no-op, row for row.
    ledger.append(read_lines(), recorded_by="tester")
    before = row_counts(db_url)
    result = ledger.append(read_lines(), recorded_by="someone else")
    assert (result.added, result.unchanged, result.reports) == (0, EXAMPLE_EVENTS, [])
    assert row_counts(db_url) == before


def test_lines_without_ids_are_idempotent_too(ledger: IncidentLedger, db_url: str) -> None:
    # Check derived ids make a re-append of id-less lines a no-op.
    lines = batch_of(
        opening("inc"),
        {"type": "claim", "incident": "inc", "by": MOD, "summary": "s"},
        {"type": "warning", "incident": "inc", "by": MOD, "addressee": "US", "summary": "w"},
    )
    first = ledger.append(lines, recorded_by="tester")
    before = row_counts(db_url)
    second = ledger.append(lines, recorded_by="tester")
    assert (first.added, second.added, second.unchanged) == (3, 0, 3)
    assert row_counts(db_url) == before


@pytest.fixture(scope="module")
def refusing_db(new_database: Callable[[], str]) -> str:
    """A database holding one earlier incident, shared by tests whose batches must all fail."""
    url = new_database()
    with ledger_on(url) as writer:
        writer.append(batch_of(opening("earlier"), claim("earlier", "e1")), recorded_by="tester")
    return url


@pytest.mark.parametrize(
    ("bad_line", "error", "message"),
    [
        (
            denial("inc", "d1", "no-such-claim"),
            ReportNotFound,
            "line 3: refers_to names report 'no-such-claim', which is not in the ledger",
        ),
        (
            claim("inc", "c1", summary="Something else"),
            ReportIdClash,
            "line 3: report id 'c1' is already used in incident 'inc' with different content",
        ),
        (
            {"type": "link", "incident": "inc", "other": "inc", "relation": "same_as"},
            InvalidReference,
            "line 3: an incident cannot link to itself ('inc')",
        ),
        (
            claim("not-opened", "c9"),
            IncidentNotFound,
            "line 3: incident 'not-opened' does not exist (open it first with 'ledger open')",
        ),
    ],
)
def test_a_batch_with_one_refused_line_in_the_middle_writes_nothing(
    refusing_db: str,
    bad_line: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    # Check all-or-nothing: a domain rule failing on line 3 of 5 leaves every table as it was.
    db_url = refusing_db
    ledger = fresh_ledger(db_url)
    before = row_counts(db_url)
    position = ledger.max_position()
    batch = batch_of(
        opening("inc"),
        claim("inc", "c1"),
        bad_line,
        denial("inc", "d2", "c1"),
        opening("another"),
    )
    with pytest.raises(error) as caught:
        ledger.append(batch, recorded_by="tester")
    ledger.close()
    assert str(caught.value) == message
    assert row_counts(db_url) == before
    with ledger_on(db_url) as reader:
        assert reader.max_position() == position
        with pytest.raises(IncidentNotFound):
            reader.get_incident("inc")


def test_a_refused_batch_leaves_the_ledger_usable(ledger: IncidentLedger, db_url: str) -> None:
    # Check the same lines, fixed, append cleanly after a refusal (no half-cached state).
    with pytest.raises(ReportNotFound):
        ledger.append(
            batch_of(opening("inc"), claim("inc", "c1"), denial("inc", "d1", "ghost")),
            recorded_by="tester",
        )
    result = ledger.append(
        batch_of(opening("inc"), claim("inc", "c1"), denial("inc", "d1", "c1")),
        recorded_by="tester",
    )
    assert (result.added, ledger.get_incident("inc").version) == (3, 3)


# -- references across incidents -------------------------------------------------------------


def test_a_report_may_refer_to_a_report_in_another_incident(
    ledger: IncidentLedger, db_url: str
) -> None:
    # Check a denial filed on one incident about a claim filed on another, in two batches.
    ledger.append(batch_of(opening("first"), claim("first", "c1")), recorded_by="tester")
    ledger.append(batch_of(opening("second"), denial("second", "d1", "c1")), recorded_by="tester")
    [(_, event)] = ledger.positioned_events("second")[1:]
    assert (event.report, getattr(event, "refers_to", None)) == ("d1", ["c1"])
    assert ledger.find_reports(["c1", "d1"])["c1"].incident == "first"
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT source, target, source_incident FROM ledger_references")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("d1", "c1", "second")]


def test_a_reference_to_a_report_earlier_in_the_same_batch_counts(
    ledger: IncidentLedger,
) -> None:
    # Check "earlier in the file counts", across incidents within one batch.
    result = ledger.append(
        batch_of(
            opening("first"), claim("first", "c1"), opening("second"), denial("second", "d1", "c1")
        ),
        recorded_by="tester",
    )
    assert result.reports == ["first", "c1", "second", "d1"]
