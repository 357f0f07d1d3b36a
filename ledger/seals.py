"""Seals: record a Merkle root over the log so far, and read the seals back.

`ledger.integrity` makes and checks seal events; this module writes them under the write lock
and reads them for `seal` and `proof`. A row that cannot be read stops both with one line
naming its position (exit 3): a seal or a proof over it would be a wrong one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.persistence import Notification

from ledger.errors import IntegrityFailure
from ledger.integrity import SEALS_ID, make_seal, stored_hash
from ledger.merkle import TreeBuilder
from ledger.timeutil import utc_now

if TYPE_CHECKING:
    from ledger.application import IncidentLedger


@dataclass(frozen=True)
class SealInfo:
    version: int
    size: int
    position: int
    root: str
    sealed_at: str
    sealed_by: str
    hash: str


def _seal_info(notification: Notification) -> SealInfo:
    try:
        state = json.loads(notification.state)
        return SealInfo(
            int(notification.originator_version),
            state["size"],
            state["position"],
            state["root"],
            state["sealed_at"],
            state["sealed_by"],
            state["hash"],
        )
    except (ValueError, KeyError, TypeError) as e:
        raise IntegrityFailure(
            f"the seal at position {notification.id} cannot be read ({type(e).__name__}); "
            "run 'ledger verify'"
        ) from None


def seals(ledger: IncidentLedger) -> list[SealInfo]:
    """Every seal recorded so far, oldest first."""
    return [_seal_info(n) for n in ledger.ledger_recorder.select_positioned(SEALS_ID)]


def event_hashes(ledger: IncidentLedger, *, up_to: int | None = None) -> Iterator[tuple[int, str]]:
    """(position, hash) of every incident event in log order: the Merkle tree's leaves."""
    for batch in ledger.iter_notifications(batch=5_000, stop=up_to):
        for n in batch:
            if n.originator_id != SEALS_ID:
                yield n.id, stored_hash(n)


def seal(ledger: IncidentLedger, *, sealed_by: str) -> SealInfo:
    """Record a seal over every incident event so far; returns it (root, size, position)."""
    with ledger.ledger_recorder.write_session() as session:
        # Holding the write lock: no event can be appended between reading and sealing.
        position = ledger.max_position()
        tree = TreeBuilder()
        for _, digest in event_hashes(ledger, up_to=position):
            tree.append(bytes.fromhex(digest))
        existing = seals(ledger)
        previous = (existing[-1].version, existing[-1].hash) if existing else None
        event = make_seal(
            previous,
            size=tree.size,
            position=position,
            root=tree.root(),
            sealed_at=utc_now(),
            sealed_by=sealed_by,
            signer=ledger.signer,
        )
        session.insert(ledger.event_rows([event]), [], [])
    return seals(ledger)[-1]
