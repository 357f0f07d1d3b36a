"""The application on a real database (SQLite and PostgreSQL): a real v1-to-v2 upcast from
stored rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ledger.application import IncidentLedger
from ledger.domain import IncidentEvent
from ledger.hashing import event_hash
from ledger.store.config import resolve
from tests.integration.app_ledgers import MOD, batch_of, claim, ledger_on, opening

# -- a real upcast ---------------------------------------------------------------------------


def insert_event_row(db_url: str, slug: str, version: int, topic: str, state: bytes) -> None:
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
                    "VALUES (:slug, :version, :topic, :state)"
                ),
                {"slug": slug, "version": version, "topic": topic, "state": state},
            )
    finally:
        engine.dispose()


def stored_row(db_url: str, slug: str, version: int) -> tuple[str, bytes]:
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            topic, state = connection.execute(
                text(
                    "SELECT topic, state FROM ledger_events "
                    "WHERE originator_id = :slug AND originator_version = :version"
                ),
                {"slug": slug, "version": version},
            ).one()
    finally:
        engine.dispose()
    return topic, bytes(state)


@pytest.fixture(scope="module")
def legacy_db(new_database: Callable[[], str]) -> str:
    return new_database()


@pytest.fixture(scope="module")
def legacy_ledger(legacy_db: str) -> Iterator[IncidentLedger]:
    with ledger_on(legacy_db) as ledger:
        yield ledger


@pytest.fixture(scope="module")
def legacy_claim(legacy_ledger: IncidentLedger, legacy_db: str) -> dict[str, Any]:
    """A version-1 ClaimMade row, written as an older ledger would have, at version 3 of 'inc'.

    Built from a real stored claim: its state without `cameo`, `magnitude` and `class_version`,
    with its own report id, chain link and the hash a v1 writer computed over its v1 content.
    """
    ledger, db_url = legacy_ledger, legacy_db
    ledger.append(batch_of(opening("inc"), claim("inc", "c1")), recorded_by="tester")
    topic, state_bytes = stored_row(db_url, "inc", 2)
    state = json.loads(state_bytes)
    assert (state["cameo"], state["magnitude"], state["class_version"]) == (None, None, 2)
    for key in ("cameo", "magnitude", "class_version"):
        del state[key]
    previous = ledger.positioned_events("inc")[-1][1]
    v1_content = {
        "type": "claim",
        "incident": "inc",
        "report": "legacy-claim",
        "by": MOD,
        "summary": "Recorded by ledger 0.x",
        "version": 3,
        "recorded_at": "2017-09-22T08:00:00.000000Z",
        "recorded_by": "v1-writer",
        "prev_hash": previous.hash,
    }
    state.update(
        report="legacy-claim",
        summary="Recorded by ledger 0.x",
        recorded_at=v1_content["recorded_at"],
        recorded_by="v1-writer",
        prev_hash=previous.hash,
        hash=event_hash(v1_content),
    )
    insert_event_row(db_url, "inc", 3, topic, json.dumps(state).encode())
    return v1_content


def version_three(db_url: str) -> IncidentEvent:
    with ledger_on(db_url) as reader:
        [event] = [e for _, e in reader.positioned_events("inc") if e.originator_version == 3]
    return event


def test_a_v1_claim_row_decodes_with_no_cameo_or_magnitude(
    legacy_db: str, legacy_claim: dict[str, Any]
) -> None:
    # Check positioned_events upcasts the stored v1 state to the v2 event class.
    event = version_three(legacy_db)
    assert (event.report_type, event.originator_version, event.report) == (
        "claim",
        3,
        "legacy-claim",
    )
    assert (getattr(event, "cameo", "absent"), getattr(event, "magnitude", "absent")) == (
        None,
        None,
    )


def test_a_v1_claims_hash_still_verifies_after_upcasting(
    legacy_db: str, legacy_claim: dict[str, Any]
) -> None:
    # Check the upcast adds only nulls, so the content and hash a v1 writer made still hold.
    event = version_three(legacy_db)
    assert event.content() == legacy_claim
    assert event_hash(event.content()) == event.hash == event_hash(legacy_claim)


def test_an_aggregate_with_a_v1_claim_replays_and_keeps_growing(
    legacy_ledger: IncidentLedger, legacy_db: str, legacy_claim: dict[str, Any]
) -> None:
    # Check get_incident (fresh and cached) includes the upcast claim, and the chain continues.
    ledger = legacy_ledger
    with ledger_on(legacy_db) as reader:
        for source in (reader, ledger):
            incident = source.get_incident("inc")
            assert (incident.version, list(incident.reports)) == (
                3,
                ["inc", "c1", "legacy-claim"],
            )
            assert incident.last_hash == event_hash(legacy_claim)
    ledger.append(batch_of(claim("inc", "c2")), recorded_by="tester")
    [*_, (_, newest)] = ledger.positioned_events("inc")
    assert (newest.originator_version, newest.prev_hash) == (4, event_hash(legacy_claim))
