"""The `Incident` aggregate: the hash chain over its events, and the events' stable topics and
class versions (with the version 1 to 2 upcast).

No I/O: a dict-backed ReportDirectory stands in for the ledger-wide index of report ids.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from typing import Any

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from ledger.domain import EVENT_BY_TYPE, TYPE_BY_TOPIC, ClaimMade, Incident
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.report_fields import REPORT_TYPES
from tests.unit.incident_desk import (
    EVENT_NAMES,
    INC,
    MOD,
    REPORTS,
    SDF,
    Desk,
    events_of,
    full_history,
)

# -- the hash chain --------------------------------------------------------------------------


def test_the_first_event_chains_from_sixty_four_zeros(desk: Desk) -> None:
    # Check the genesis prev_hash.
    [opened] = events_of(desk.open(INC))
    assert opened.prev_hash == "0" * 64 == GENESIS_HASH


def test_each_event_chains_from_the_previous_events_hash(desk: Desk, shelling: Incident) -> None:
    # Check prev_hash links every event to its predecessor, and versions count up from 1.
    events = full_history(desk, shelling)
    assert [e.originator_version for e in events] == list(range(1, len(REPORTS) + 3))
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    assert shelling.last_hash == events[-1].hash


def test_each_events_hash_is_the_hash_of_its_content(desk: Desk, shelling: Incident) -> None:
    # Check hash == event_hash(content()), lowercase hex SHA-256, all distinct.
    events = full_history(desk, shelling)
    for event in events:
        assert event.hash == event_hash(event.content())
        assert re.fullmatch(r"[0-9a-f]{64}", event.hash)
    assert len({e.hash for e in events}) == len(events)


def test_the_hash_is_sha256_of_the_canonical_json() -> None:
    # Check against an independent canonicalisation: sorted keys, no spaces (JCS for ASCII).
    content = {"type": "claim", "incident": INC, "version": 2, "by": MOD, "prev_hash": "0" * 64}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    assert event_hash(content) == hashlib.sha256(canonical).hexdigest()


def test_the_hash_leaves_out_nulls_and_bookkeeping() -> None:
    # Check null values and store bookkeeping keys do not change the hash.
    content = {"type": "claim", "incident": INC, "version": 2, "by": MOD}
    noisy = {
        **content,
        "speaker": None,
        "hash": "f" * 64,
        "position": 7,
        "timestamp": "now",
        "originator_topic": "x",
        "class_version": 2,
    }
    assert event_hash(noisy) == event_hash(content)


def content_changes(content: dict[str, Any]) -> list[tuple[str, Any]]:
    changed: list[tuple[str, Any]] = []
    for key, value in content.items():
        if isinstance(value, str):
            changed.append((key, value + "x"))
        elif isinstance(value, bool):
            changed.append((key, not value))
        elif isinstance(value, int):
            changed.append((key, value + 1))
        elif isinstance(value, list):
            changed.append((key, [*value, value[0]]))
        elif isinstance(value, dict):
            changed.append((key, {**value, "extra": 1}))
    return changed


@pytest.mark.parametrize("report_type", sorted(REPORTS))
def test_changing_any_part_of_the_content_changes_the_hash(
    desk: Desk, shelling: Incident, report_type: str
) -> None:
    # Check every key of every type's content is covered by its hash.
    event = desk.file(shelling, REPORTS[report_type])
    assert event is not None
    content = event.content()
    for key, value in content_changes(content):
        assert event_hash({**content, key: value}) != event.hash, key
    assert {key for key, _ in content_changes(content)} == set(content)


def test_the_content_holds_type_incident_report_version_clocks_recorder_and_chain(
    desk: Desk, shelling: Incident
) -> None:
    # Check the exported/hashed content's exact keys and values for a denial.
    event = desk.file(shelling, REPORTS["denial"])
    assert event is not None
    assert event.content() == {
        "type": "denial",
        "incident": INC,
        "report": "sdf-denial",
        "by": SDF,
        "refers_to": ["mod-shelling"],
        "summary": "7 km of IS-held territory separates us",
        "scope": "occurred",
        "version": 3,
        "recorded_at": "2017-09-21T12:00:04.000000Z",
        "recorded_by": "tester",
        "prev_hash": events_of(shelling)[-2].hash,
    }


# -- topics and versions ---------------------------------------------------------------------


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_each_event_class_has_a_stable_explicit_topic(report_type: str) -> None:
    # Check topics do not depend on the module path, and resolve back to the class.
    cls = EVENT_BY_TYPE[report_type]
    topic = f"incident-ledger:Incident.{EVENT_NAMES[report_type]}"
    assert topic == cls.TOPIC  # type: ignore[attr-defined]
    assert get_topic(cls) == topic
    assert resolve_topic(topic) is cls
    assert TYPE_BY_TOPIC[topic] == report_type


def test_the_aggregate_has_a_stable_explicit_topic() -> None:
    # Check the aggregate's own topic (stored as originator_topic) is explicit too.
    assert get_topic(Incident) == "incident-ledger:Incident"
    assert resolve_topic("incident-ledger:Incident") is Incident


def test_every_report_type_has_exactly_one_event_class() -> None:
    # Check the type-to-class table is complete and one-to-one.
    assert set(EVENT_BY_TYPE) == set(REPORT_TYPES)
    assert len(set(EVENT_BY_TYPE.values())) == len(REPORT_TYPES)


def test_claim_made_is_at_class_version_two() -> None:
    # Check the schema version that the v1-to-v2 upcast leads to.
    assert ClaimMade.class_version == 2


def test_the_v1_to_v2_upcast_adds_absent_cameo_and_magnitude() -> None:
    # Check a v1 claim state gains the v2 fields as None and keeps everything else.
    state: dict[str, Any] = {"by": MOD, "summary": "s"}
    ClaimMade.upcast_v1_v2(state)
    assert state == {"by": MOD, "summary": "s", "cameo": None, "magnitude": None}


def test_the_v1_to_v2_upcast_keeps_values_already_present() -> None:
    # Check the upcast never overwrites a value.
    state: dict[str, Any] = {"cameo": "194", "magnitude": {"occurrences": 2}}
    ClaimMade.upcast_v1_v2(state)
    assert state == {"cameo": "194", "magnitude": {"occurrences": 2}}
