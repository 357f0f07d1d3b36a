"""The `Incident` aggregate's events: those built directly (`new_event`) are the ones the
constructor builds, and events stored in the version 1 shape replay and verify under the
version 2 classes.

No I/O: a dict-backed ReportDirectory stands in for the ledger-wide index of report ids.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.domain import CanInitAggregate
from eventsourcing.utils import get_topic

from ledger.domain import EVENT_BY_TYPE, ClaimMade, Incident, IncidentEvent, new_event
from ledger.hashing import event_hash
from tests.unit.incident_desk import Desk, full_history

# ---------------------------------------------------------------------------------------------
# Events built directly (`new_event`) are the events the constructor builds


@pytest.mark.parametrize("event_class", sorted(set(EVENT_BY_TYPE.values()), key=str))
def test_an_event_built_directly_is_the_one_its_constructor_builds(
    event_class: type[IncidentEvent],
) -> None:
    own = [f.name for f in dataclasses.fields(event_class) if f.default is None]
    values: dict[str, Any] = {
        "originator_id": "some-incident",
        "originator_version": 7,
        "timestamp": datetime(2017, 9, 21, tzinfo=UTC),
        "report": "r-1",
        "recorded_at": "2017-09-21T00:00:00Z",
        "recorded_by": "tester",
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
    }
    if issubclass(event_class, CanInitAggregate):
        values["originator_topic"] = get_topic(Incident)
    # Every optional field given (in reverse, so order comes from the class), then none.
    for given in ({**values, **{name: [name] for name in reversed(own)}}, values):
        built, constructed = new_event(event_class, given), event_class(**given)
        assert type(built) is type(constructed)
        # Check the same attributes with the same values, in the same order.
        assert list(built.__dict__.items()) == list(constructed.__dict__.items())
        assert built == constructed


def test_building_an_event_with_an_unknown_or_missing_field_raises_as_the_constructor_does() -> (
    None
):
    values = {"originator_id": "i", "originator_version": 1, "timestamp": datetime.now(UTC)}
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        new_event(ClaimMade, {**values, "nonsense": 1})
    with pytest.raises(TypeError, match="missing"):
        new_event(ClaimMade, values)


# -- version-1 events replay under the version-2 classes --------------------------------------

# The keys version 2 added to existing event classes: an event stored by version 1 has none.
V2_KEYS = {
    "incident": {"country", "admin1", "admin2", "geo_precision", "time_precision"},
    "claim": {"supersedes"},
    "warning": {"supersedes"},
    "denial": {"reason", "cameo", "supersedes"},
    "corroboration": {"speaker", "on_behalf_of", "confidence"},
    "retraction": {"speaker", "on_behalf_of", "quote"},
    "discrepancy": {"by", "stated_at"},
    "assessment": {"stated_at"},
    "verdict": {"stated_at"},
    "correction": {"stated_at"},
    "link": {"by", "stated_at"},
}


def test_events_stored_in_the_version_1_shape_replay_and_verify(
    desk: Desk, shelling: Incident
) -> None:
    # Store each event as version 1 did (without the keys version 2 added), read it back with
    # the version-2 classes: same type, same fields, and its hash still verifies.
    from eventsourcing.persistence import DatetimeAsISO, Mapper

    from ledger.store.transcoder import OrjsonTranscoder

    transcoder = OrjsonTranscoder()
    transcoder.register(DatetimeAsISO())
    mapper: Mapper[str] = Mapper(transcoder=transcoder)
    events = [e for e in full_history(desk, shelling) if e.report_type in V2_KEYS]
    assert {e.report_type for e in events} == set(V2_KEYS)
    for event in events:
        stored = mapper.to_stored_event(event)
        state = transcoder.decode(stored.state)
        assert V2_KEYS[event.report_type] <= set(state), event.report_type
        v1_state = {k: v for k, v in state.items() if k not in V2_KEYS[event.report_type]}
        v1_stored = dataclasses.replace(stored, state=transcoder.encode(v1_state))
        replayed = mapper.to_domain_event(v1_stored)
        assert type(replayed) is type(event)
        assert replayed.fields() == event.fields()
        assert replayed.hash == event.hash == event_hash(replayed.content())
        for key in V2_KEYS[event.report_type]:
            assert getattr(replayed, key) is None
