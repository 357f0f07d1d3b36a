"""The application on a real database (SQLite and PostgreSQL): concurrent writers (cached and
stale aggregates, writes just before the lock, threads), and records read from stored JSON.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from ledger.application import IncidentLedger
from ledger.domain import Incident
from ledger.errors import NamespaceClash
from ledger.hashing import event_hash
from tests.conftest import EXAMPLE_EVENTS, read_lines
from tests.integration.app_ledgers import batch_of, claim, fresh_ledger, opening

# -- concurrent writers ----------------------------------------------------------------------


def test_a_second_ledger_with_a_cached_aggregate_appends_after_the_first(
    ledger: IncidentLedger, db_url: str
) -> None:
    # Check a cached aggregate is brought up to date before the second ledger appends to it.
    second = fresh_ledger(db_url)
    try:
        ledger.append(batch_of(opening("inc"), claim("inc", "c1")), recorded_by="first")
        assert second.get_incident("inc").version == 2  # now in the second ledger's cache
        ledger.append(batch_of(claim("inc", "c2")), recorded_by="first")
        second.append(batch_of(claim("inc", "c3")), recorded_by="second")
    finally:
        second.close()
    events = [e for _, e in ledger.positioned_events("inc")]
    assert [(e.originator_version, e.report, e.recorded_by) for e in events] == [
        (1, "inc", "first"),
        (2, "c1", "first"),
        (3, "c2", "first"),
        (4, "c3", "second"),
    ]
    assert events[3].prev_hash == events[2].hash


def test_a_writer_holding_a_stale_aggregate_retries_and_records_both_reports(
    ledger: IncidentLedger,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    # Check the write conflict path: the stale writer loses version 3, reloads, takes version 4.
    second = fresh_ledger(db_url)
    try:
        ledger.append(batch_of(opening("inc"), claim("inc", "c1")), recorded_by="first")
        stale = copy.deepcopy(second.get_incident("inc"))
        ledger.append(batch_of(claim("inc", "c2")), recorded_by="first")
        loads: list[int] = []
        real_load = second._load

        def stale_then_real(slug: str) -> Incident | None:
            loads.append(len(loads))
            return copy.deepcopy(stale) if len(loads) == 1 else real_load(slug)

        monkeypatch.setattr(second, "_load", stale_then_real)
        result = second.append(batch_of(claim("inc", "c3")), recorded_by="second")
    finally:
        second.close()
    assert (result.added, loads) == (1, [0, 1])
    events = [e for _, e in ledger.positioned_events("inc")]
    assert [(e.originator_version, e.report) for e in events] == [
        (1, "inc"),
        (2, "c1"),
        (3, "c2"),
        (4, "c3"),
    ]
    assert events[3].prev_hash == events[2].hash
    assert all(event_hash(e.content()) == e.hash for e in events)


def _with_a_write_just_before_the_lock(
    second: IncidentLedger, monkeypatch: pytest.MonkeyPatch, write: Callable[[], object]
) -> None:
    """Make `write` (another writer's append) commit just before `second` first takes the
    write lock: after `second` gathered what its lines name, before it reads what exists."""
    recorder: Any = second.recorder
    real_session = recorder.write_session
    calls: list[int] = []

    def session_after_the_other_writer() -> Any:
        calls.append(1)
        if len(calls) == 1:
            write()
        return real_session()

    monkeypatch.setattr(recorder, "write_session", session_after_the_other_writer)


def test_a_report_another_writer_records_just_before_the_lock_is_not_recorded_twice(
    ledger: IncidentLedger, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Check the race of two imports of one file: the later one finds the report already there.
    ledger.append(batch_of(opening("inc")), recorded_by="first")
    second = fresh_ledger(db_url)
    _with_a_write_just_before_the_lock(
        second,
        monkeypatch,
        lambda: ledger.append(batch_of(claim("inc", "c1")), recorded_by="first"),
    )
    try:
        result = second.append(batch_of(claim("inc", "c1")), recorded_by="second")
    finally:
        second.close()
    assert (result.added, result.unchanged) == (0, 1)
    assert [
        (e.originator_version, e.report, e.recorded_by) for _, e in ledger.positioned_events("inc")
    ] == [(1, "inc", "first"), (2, "c1", "first")]


def test_an_incident_another_writer_opens_just_before_the_lock_refuses_that_report_id(
    ledger: IncidentLedger, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Check the one namespace holds between writers: the other writer's incident `x` is
    # committed by the time this writer checks its report id `x`, which is refused.
    ledger.append(batch_of(opening("inc")), recorded_by="first")
    second = fresh_ledger(db_url)
    _with_a_write_just_before_the_lock(
        second, monkeypatch, lambda: ledger.append(batch_of(opening("x")), recorded_by="first")
    )
    try:
        with pytest.raises(NamespaceClash, match="report id 'x' is already an incident's slug"):
            second.append(batch_of(claim("inc", "x")), recorded_by="second")
    finally:
        second.close()
    assert ledger.find_reports(["x"]) == {}


def test_a_report_id_another_writer_records_just_before_the_lock_refuses_that_incident(
    ledger: IncidentLedger, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Check the other direction: report `x` committed first, then incident `x` is refused.
    ledger.append(batch_of(opening("inc")), recorded_by="first")
    second = fresh_ledger(db_url)
    _with_a_write_just_before_the_lock(
        second, monkeypatch, lambda: ledger.append(batch_of(claim("inc", "x")), recorded_by="first")
    )
    try:
        with pytest.raises(NamespaceClash, match="incident slug 'x' is already a report id"):
            second.append(batch_of(opening("x")), recorded_by="second")
    finally:
        second.close()
    assert ledger.recorder.existing_incidents(["x"]) == set()  # type: ignore[attr-defined]


def test_two_writers_in_threads_record_every_report_without_gaps(
    ledger: IncidentLedger, db_url: str
) -> None:
    # Check two ledgers appending to one incident at the same time lose nothing.
    ledger.append(batch_of(opening("inc")), recorded_by="setup")
    errors: list[BaseException] = []

    def write(name: str) -> None:
        writer = fresh_ledger(db_url)
        try:
            for number in range(6):
                writer.append(batch_of(claim("inc", f"{name}-{number}")), recorded_by=name)
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)
        finally:
            writer.close()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    events = [e for _, e in ledger.positioned_events("inc")]
    assert [e.originator_version for e in events] == list(range(1, 14))
    assert sorted(e.report for e in events[1:]) == sorted(
        f"{name}-{n}" for name in ("left", "right") for n in range(6)
    )
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash


def test_a_record_read_from_stored_json_is_its_decoded_events_old_versions_included(
    ledger: IncidentLedger,
) -> None:
    from eventsourcing.persistence import StoredEvent

    from ledger.records import to_record

    ledger.append(read_lines(), recorded_by="tester")
    log = ledger.recorder.select_notifications(start=0, limit=1000)
    assert len(log) == EXAMPLE_EVENTS
    for n in log:
        # Check the straight path gives the decoded event's record, keys in the same order.
        straight, decoded = ledger.record_of(n.id, n), to_record(n.id, ledger.decode(n))
        assert list(straight.items()) == list(decoded.items())
        # Check a stored state of an older class version (a v1 claim, before `cameo` and
        # `magnitude`) is upcast the library's way, and still gives the same record.
        state = json.loads(n.state)
        if state.get("class_version") == 2:
            del state["class_version"]
            old = StoredEvent(
                n.originator_id, n.originator_version, n.topic, json.dumps(state).encode()
            )
            assert ledger.record_of(n.id, old) == to_record(n.id, ledger.decode(old))
    assert any(json.loads(n.state).get("class_version") == 2 for n in log)
