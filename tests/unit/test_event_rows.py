"""`IncidentLedger.event_rows` writes the log rows the library's mapper would."""

from __future__ import annotations

import contextlib

from ledger.importing import import_file
from ledger.opening import open_ledger
from ledger.seals import seal
from tests.conftest import EXAMPLE


def test_event_rows_are_the_librarys_stored_events(sqlite_url: str) -> None:
    import_file(sqlite_url, EXAMPLE, recorded_by="tester")  # incidents, reports, actors
    with contextlib.closing(open_ledger(sqlite_url, write=True)) as ledger:
        seal(ledger, sealed_by="tester")
        events = [ledger.mapper.to_domain_event(n) for b in ledger.iter_notifications() for n in b]
        kinds = {type(e).__name__ for e in events}
        assert len(kinds) >= 6, kinds  # every kind the example holds, and a seal
        library = [ledger.mapper.to_stored_event(e) for e in events]
        expected = [(s.originator_id, s.originator_version, s.topic, s.state) for s in library]
        assert ledger.event_rows(events) == expected
        # One at a time too: each class's topic is remembered after its first event.
        assert [ledger.event_rows([e])[0] for e in events] == expected
        # And they are the rows the import and the seal wrote.
        stored = [
            (n.originator_id, n.originator_version, n.topic, n.state)
            for b in ledger.iter_notifications()
            for n in b
        ]
        assert stored == expected
