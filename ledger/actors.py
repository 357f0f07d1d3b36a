"""The actor registry in the log: each registered actor is its own aggregate, `actor:<id>`.

Every `actor` line that changes the registry is stored as one event carrying the line as given
(`actor` spelled as written, which may be an alias): `Actor.Registered` for the line that
creates the actor, `Actor.Updated` for each later one. The registry is derived from the lines
(ledger.registry), so export writes each line back verbatim and a re-import replays to the same
registry. The events are hash-chained per actor like an incident's, signed and sealed alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import BaseAggregate, CanInitAggregate
from eventsourcing.utils import register_topic

from ledger.domain import (
    ACTOR_PREFIX,
    ACTOR_REGISTERED,
    ACTOR_UPDATED,
    IncidentEvent,
    Signer,
    event_content,
    new_event,
)
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.registry import ActorLine, RegistryChange, RegistryHistory
from ledger.timeutil import recorded_stamp

ACTOR_TOPIC = "incident-ledger:Actor"
_NOT_OWN = ("type", "recorded_by")  # the line's type and recorder are the event's bookkeeping


@dataclass(frozen=True, kw_only=True)
class ActorEvent(IncidentEvent):
    """One `actor` line, as written. An IncidentEvent by shape (identity, clocks, chain), so
    export, verify, seals and history read it as they read a report; its `report` is its
    aggregate id (an actor line has no report id, and the hash leaves `report` out)."""

    report_type: ClassVar[str] = "actor"
    actor: str | None = None
    aliases: list[Any] | None = None
    drop_aliases: list[Any] | None = None
    kind: str | None = None
    part_of: str | None = None
    country: str | None = None
    description: str | None = None

    def apply(self, aggregate: Any) -> None:
        aggregate.last_hash = self.hash

    def line(self) -> ActorLine:
        return ActorLine.from_record(self.fields())


@dataclass(frozen=True, kw_only=True)
class _ActorCreated(CanInitAggregate[str], ActorEvent):
    originator_topic: str


@dataclass(frozen=True, kw_only=True)
class Registered(_ActorCreated):
    """The line that registered the actor."""

    TOPIC: ClassVar[str] = ACTOR_REGISTERED


@dataclass(frozen=True, kw_only=True)
class Updated(ActorEvent):
    """A later line naming the actor (by canonical name or alias) that changed something."""

    TOPIC: ClassVar[str] = ACTOR_UPDATED


class Actor(BaseAggregate[str]):
    """A registered actor's aggregate: only what appending its next event needs."""

    TOPIC = ACTOR_TOPIC

    def __init__(self) -> None:
        self.last_hash = GENESIS_HASH


register_topic(ACTOR_TOPIC, Actor)
register_topic(ACTOR_REGISTERED, Registered)
register_topic(ACTOR_UPDATED, Updated)
Actor.Registered = Registered  # type: ignore[attr-defined]
Actor.Updated = Updated  # type: ignore[attr-defined]


def aggregate_id(actor: str) -> str:
    return ACTOR_PREFIX + actor


def is_actor_aggregate(originator_id: object) -> bool:
    return str(originator_id).startswith(ACTOR_PREFIX)


@dataclass
class ChainHead:
    """An actor aggregate's last version and hash: where its next event goes."""

    version: int
    hash: str


class LoggedRegistry:
    """The registry as the log holds it, with each actor's chain head: what an append checks
    actor lines against (read under the write lock) and extends as its lines apply."""

    def __init__(self) -> None:
        self.history = RegistryHistory()
        self.heads: dict[str, ChainHead] = {}
        self.last_position = 0

    @classmethod
    def from_events(cls, positioned: Iterable[tuple[int, ActorEvent]]) -> LoggedRegistry:
        logged = cls()
        for position, event in positioned:
            logged.history.append(event.line(), position)
            logged.heads[event.originator_id] = ChainHead(event.originator_version, event.hash)
            logged.last_position = position
        return logged

    def apply(
        self,
        fields: Mapping[str, Any],
        *,
        recorded_at: datetime,
        recorded_by: str,
        signer: Signer | None,
    ) -> ActorEvent | None:
        """The event recording this line, or None when it changes nothing (an idempotent
        re-import). Refusals (ActorRefused) leave the registry as it was."""
        line = ActorLine.from_record(fields)
        _, change = self.history.now.apply(line)
        if not change.changed:
            return None
        # At a position past every stored one: the real position is known only once stored,
        # and nothing in this append asks for a cut between its own lines.
        self.last_position += 1
        self.history.append(line, self.last_position)
        return self._event(fields, change, recorded_at, recorded_by, signer)

    def _event(
        self,
        fields: Mapping[str, Any],
        change: RegistryChange,
        recorded_at: datetime,
        recorded_by: str,
        signer: Signer | None,
    ) -> ActorEvent:
        originator = aggregate_id(change.actor)
        head = self.heads.get(originator)
        version = head.version + 1 if head else 1
        prev = head.hash if head else GENESIS_HASH
        own = {
            k: v for k, v in fields.items() if k not in ("type", "recorded_by") and v is not None
        }
        stamp = recorded_stamp(recorded_at)
        content = event_content(
            "actor",
            originator,
            originator,
            own,
            version=version,
            recorded_at=stamp,
            recorded_by=recorded_by,
            prev_hash=prev,
        )
        digest = event_hash(content)
        values: dict[str, Any] = {
            "originator_id": originator,
            "originator_version": version,
            "timestamp": recorded_at,
            "report": originator,
            "recorded_at": stamp,
            "recorded_by": recorded_by,
            "prev_hash": prev,
            "hash": digest,
            "signature": signer(digest) if signer else None,
            **own,
        }
        if head is None:
            values["originator_topic"] = ACTOR_TOPIC
        event = new_event(Registered if head is None else Updated, values)
        assert isinstance(event, ActorEvent)
        self.heads[originator] = ChainHead(version, digest)
        return event
