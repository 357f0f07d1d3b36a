"""Tamper evidence: `ledger verify` with its worker process finds exactly what it finds
without one, and reading its own ranges finds what reading batches finds.

Each test seals the worked example, then plays an attacker who can open the database itself:
drops the append-only triggers and edits `ledger_events` with plain SQL. `ledger verify` must
exit 3 and its JSON findings must say where (position, incident, version) and what is wrong.
Every scenario runs on SQLite (a copy of one sealed ledger, so it is fast); a representative
subset runs on PostgreSQL too. The ledger under attack is in sealed_ledger.py, its fixtures in
conftest.py.
"""

from __future__ import annotations

import pytest

from ledger.store.config import resolve
from tests.integration.sealed_ledger import (
    ALTERED,
    CLAIM_TOPIC,
    SEAL_ROOT_MISMATCH,
    SealedLedger,
    backdoor,
    forge_claim,
)

# ---------------------------------------------------------------------------------------------
# `verify` with its worker process finds exactly what it finds without one


def test_verify_finds_the_same_with_and_without_its_worker_process(signed: SealedLedger) -> None:
    from ledger.application import IncidentLedger
    from ledger.integrity import verify
    from ledger.signing import load_signature_check

    assert signed.keys is not None
    with backdoor(signed) as door:
        rows = door.rows()
        claim = next(r for r in rows if r.topic == CLAIM_TOPIC)
        forge_claim(door, str(rows[0].originator_id))
        door.edit(claim.id, lambda state: state.update(summary="changed"))
        door.delete(rows[5].id)
        door.set_raw_state(rows[2].id, b"\xff not json")
    check = load_signature_check(signed.keys.public)
    ledger = IncidentLedger(resolve(signed.url), read_only=True)
    try:
        results = [
            verify(
                ledger.iter_notifications(batch=batch),
                signature_check=check,
                expected_root=(signed.root, signed.size),
                parallel=parallel,
            )
            for parallel in (False, True)
            for batch in (1, 4, 1000)
        ]
    finally:
        ledger.close()
    first = results[0]
    # Check the tampering is found (altered, undecodable, a gap, an unsigned forgery, the root).
    assert len(first.findings) >= 5 and not first.ok
    # Check every way of reading the log, in-process or in the worker, finds the same.
    for other in results[1:]:
        assert other.findings == first.findings
        assert (other.events, other.incidents, other.seals, other.signatures) == (
            first.events,
            first.incidents,
            first.seals,
            first.signatures,
        )


@pytest.mark.parametrize("batch", [1, 2, 5, 13, 2_000])
def test_verify_reading_its_own_ranges_finds_what_verify_over_read_batches_finds(
    sealed: SealedLedger, batch: int
) -> None:
    # `ledger verify` on SQLite reads the log in ranges, each in the process that examines it
    # (verify_sqlite); it must find exactly what `verify` finds over batches read for it, at
    # every range size, seals and altered, undecodable and out-of-order events included.
    from ledger.application import IncidentLedger
    from ledger.integrity import verify, verify_sqlite
    from ledger.store.config import resolve

    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
        door.set_raw_state(7, b"not json")
        door.execute("UPDATE ledger_events SET originator_version = 99 WHERE notification_id = 9")
    store = resolve(sealed.url)
    ledger = IncidentLedger(store, read_only=True)
    try:
        expected = verify(ledger.iter_notifications(batch=4), expected_root=(sealed.root, 12))
        found = verify_sqlite(
            store.sqlite_reader_uri(), ledger.max_position(), batch=batch,
            expected_root=(sealed.root, 12),
        )  # fmt: skip
    finally:
        ledger.close()
    # Check the tampering was found at all, seal included, so the comparison means something.
    problems = {f.problem for f in expected.findings}
    assert ALTERED in problems and SEAL_ROOT_MISMATCH in problems
    assert any("undecodable" in p for p in problems)
    assert (found.events, found.incidents, found.seals) == (
        expected.events, expected.incidents, expected.seals,
    )  # fmt: skip
    assert found.findings == expected.findings
