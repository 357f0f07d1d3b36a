"""Tamper evidence: re-hash the log, check every chain link and seal, make and check seals.

`verify` trusts nothing it reads: it decodes each stored row itself (an undecodable row is a
finding, not a crash), recomputes each event's hash from its content, follows each incident's
chain and versions, and recomputes the RFC 6962 Merkle root at every seal. It streams the log in
batches, keeping one (version, hash) pair per incident and O(log n) Merkle state, so memory stays
flat as the log grows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.utils import register_topic

from ledger.domain import (
    ACTOR_PREFIX,
    ACTOR_REGISTERED,
    ACTOR_TOPICS,
    TYPE_BY_TOPIC,
    Signer,
    event_content,
)
from ledger.errors import STATE_AS_TEXT, IntegrityFailure
from ledger.hashing import GENESIS_HASH, event_hash, hash_matches
from ledger.index_check import IndexCheck, IndexFacts, index_facts
from ledger.infra.parallel import Task, Worker, shared
from ledger.merkle import TreeBuilder
from ledger.store.names import SEALS_ID
from ledger.store.recorders import read_stored_rows, readers_closed
from ledger.timeutil import format_utc

SEAL_TOPIC = "incident-ledger:Seal.Sealed"
_HEX = re.compile("[0-9a-fA-F]{64}")
_BOOKKEEPING = {"timestamp", "originator_topic", "class_version", "hash", "signature", "report"}
# Keys of a stored event's state that are not among its hashed fields (they are hashed, where
# they are, as the content's own keys).
_NOT_CONTENT = frozenset({*_BOOKKEEPING, "recorded_at", "recorded_by", "prev_hash"})

# Checks an event hash (hex) against its signature (hex); see ledger/signing.py.
SignatureCheck = Callable[[str, str], bool]


@dataclass(frozen=True, kw_only=True)
class Sealed(CanMutateAggregate[str]):
    """A seal: the Merkle root over every incident event's hash, up to a log position."""

    TOPIC = SEAL_TOPIC
    originator_id: str
    originator_version: int
    timestamp: datetime
    size: int
    position: int
    root: str
    sealed_at: str
    sealed_by: str
    prev_hash: str
    hash: str
    signature: str | None = None


register_topic(SEAL_TOPIC, Sealed)


def seal_content(state: dict[str, Any], version: int) -> dict[str, Any]:
    return {
        "type": "seal",
        "version": version,
        "size": state["size"],
        "position": state["position"],
        "root": state["root"],
        "sealed_at": state["sealed_at"],
        "sealed_by": state["sealed_by"],
        "prev_hash": state["prev_hash"],
    }


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the log, and where."""

    position: int | None
    incident: str | None
    version: int | None
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "incident": self.incident,
            "version": self.version,
            "problem": self.problem,
        }


@dataclass
class Verification:
    events: int = 0
    incidents: int = 0
    actors: int = 0  # actor aggregates (`actor:<id>`), chained like incidents
    seals: int = 0
    signatures: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class _Chain:
    version: int
    hash: str


def decode_incident_row(
    notification: StoredEvent,
) -> tuple[str, dict[str, Any], str, str | None]:
    """(report type, hashed content, stored hash, signature) of a stored incident event.

    Raises ValueError with a one-line reason when the row cannot be read as an event.
    """
    report_type = TYPE_BY_TOPIC.get(notification.topic)
    if report_type is None:
        raise ValueError(f"unknown event topic {notification.topic!r}")
    if notification.topic in ACTOR_TOPICS:
        _check_actor_topic(notification.topic, notification.originator_version)
    state = _load_state(notification)
    fields = {k: v for k, v in state.items() if v is not None and k not in _NOT_CONTENT}
    try:
        content = event_content(
            report_type,
            str(notification.originator_id),
            str(state["report"]),
            fields,
            version=int(notification.originator_version),
            recorded_at=state["recorded_at"],
            recorded_by=state["recorded_by"],
            prev_hash=state["prev_hash"],
        )
        stored = state["hash"]
    except KeyError as e:
        raise ValueError(f"event lacks {e.args[0]!r}") from None
    return report_type, content, str(stored), state.get("signature")


def _check_actor_topic(topic: str, version: Any) -> None:
    """An actor's two topics name events of one type, which is what the hash covers: the topic
    must say what the version does (Actor.Registered the first event, Actor.Updated the rest),
    so that no stored column changes unseen."""
    first = str(version) == "1"
    if first and topic != ACTOR_REGISTERED:
        raise ValueError(
            f"topic {topic!r} on an actor's version 1 (its first event is Actor.Registered)"
        )
    if not first and topic == ACTOR_REGISTERED:
        raise ValueError(
            f"topic {topic!r} on an actor's version {version} "
            "(only its first event is Actor.Registered)"
        )


def stored_hash(notification: Notification) -> str:
    """The hash an event row stores (a Merkle leaf, in hex); an IntegrityFailure naming the
    row's position where it cannot be read: a seal or proof over it would be a wrong one."""
    try:
        digest = _load_state(notification).get("hash")
    except ValueError as e:
        reason = str(e)
    else:
        if isinstance(digest, str) and _HEX.fullmatch(digest):
            return digest
        reason = "its hash is not 64 hexadecimal characters"
    raise IntegrityFailure(
        f"the event at position {notification.id} cannot be read ({reason}); run 'ledger verify'"
    )


def _load_state(notification: StoredEvent) -> dict[str, Any]:
    if isinstance(notification.state, str):  # the same words as every other reader's
        raise ValueError(STATE_AS_TEXT)
    try:
        # orjson: strict JSON (no NaN/Infinity), and several times faster than json here.
        state = orjson.loads(notification.state)
    except (orjson.JSONDecodeError, TypeError) as e:
        what = "not valid UTF-8" if "utf-8" in str(e).lower() else "not JSON"
        raise ValueError(f"stored state is {what}") from None
    if not isinstance(state, dict):
        raise ValueError("stored state is not a JSON object")
    return state


def verify(
    batches: Iterable[Sequence[Notification]],
    *,
    signature_check: SignatureCheck | None = None,
    expected_root: tuple[str, int] | None = None,
    parallel: bool = False,
    index: IndexCheck | None = None,
) -> Verification:
    """Check the whole log, given in batches; every problem becomes a Finding (never an
    exception). With `parallel`, a worker process decodes, hashes and checks the signature of
    each batch's events while this one reads the next batch and follows the chains."""

    def tasks() -> Iterator[Task]:
        for batch in batches:
            rows = [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in batch]
            yield examine_rows, (rows,)

    return _verify(tasks(), signature_check, expected_root, index, parallel=parallel, share=False)


def verify_sqlite(
    uri: str,
    target: int,
    *,
    batch: int = 2_000,
    signature_check: SignatureCheck | None = None,
    expected_root: tuple[str, int] | None = None,
    parallel: bool = True,
    index: IndexCheck | None = None,
) -> Verification:
    """`verify` of a SQLite log up to position `target`, each range of it read by the process
    that examines it, on a read-only connection of its own (`uri`): this one neither reads nor
    sends the events, only follows the chains, and examines a range itself while the worker's
    result is not ready. Every position up to `target` was committed when it was read."""

    def tasks() -> Iterator[Task]:
        # The first range is open below: a row at position 0 or below is read, and reported.
        yield examine_range, (uri, None, min(batch, max(target, 0)))
        for start in range(batch, target, batch):
            yield examine_range, (uri, start, min(start + batch, target))

    with readers_closed():  # before the worker is forked: it inherits no connection
        return _verify(
            tasks(), signature_check, expected_root, index, parallel=parallel, share=True
        )


def _verify(
    tasks: Iterator[Task],
    signature_check: SignatureCheck | None,
    expected_root: tuple[str, int] | None,
    index: IndexCheck | None,
    *,
    parallel: bool,
    share: bool,
) -> Verification:
    result = Verification()
    chains: dict[str, _Chain] = {}
    tree = TreeBuilder()
    seal_chain = _Chain(0, GENESIS_HASH)
    root_at_expected: bytes | None = None
    previous = 0  # the position of the row before this one (0: none yet)
    with Worker(signature_check, parallel=parallel) as worker:
        for rows in worker.ordered(tasks, share=share):
            if index is not None:
                index.batch(
                    [
                        (row[0], str(row[1]), row[2], row[5][6])
                        for row in rows
                        if row[5] is not None and row[5][6] is not None
                    ]
                )
            for position, originator_id, version, topic, state, examined in rows:
                if expected_root is not None and tree.size == expected_root[1]:
                    root_at_expected = tree.root()
                if position < 1:
                    result.findings.append(
                        Finding(
                            position,
                            None if examined is None else str(originator_id),
                            _int_or_none(version),
                            f"position {position} is outside the log (positions start at 1)",
                        )
                    )
                if examined is None:  # a seal
                    seal = Notification(
                        id=position,
                        originator_id=originator_id,
                        originator_version=version,
                        topic=topic,
                        state=state,
                    )
                    _check_seal(seal, previous, tree, seal_chain, result, signature_check)
                    previous = position
                    continue
                result.events += 1
                at = (position, originator_id, version)
                _check_event(at, examined, chains, tree, result, signature_check is not None)
                previous = position
    if expected_root is not None:
        if tree.size == expected_root[1]:
            root_at_expected = tree.root()
        _check_expected_root(expected_root, tree.size, root_at_expected, result)
    if index is not None:
        index.finish()
        result.findings.extend(Finding(*problem) for problem in index.problems)
    result.actors = sum(1 for key in chains if str(key).startswith(ACTOR_PREFIX))
    result.incidents = len(chains) - result.actors
    return result


# What an event's checks find without looking at any other event: why it cannot be decoded
# (None when it can), its prev_hash, its stored hash, its signature, whether its content no
# longer matches the hash, whether the signature verifies (None when not asked), and what the
# report index must say of it (None for an incident's opening).
Examined = tuple[str | None, str, str, Any, bool, bool | None, IndexFacts | None]

# A row as examined: (position, originator id, version, topic, the state of a seal (None for
# an incident event: it is not sent back), the event's Examined (None for a seal)).
ExaminedRow = tuple[int, Any, Any, str, Any, Examined | None]


def examine_range(uri: str, after: int, stop: int) -> list[ExaminedRow]:
    """`examine_rows` of the events in (after, stop] of the SQLite log at `uri`, read by the
    process that runs the task."""
    return examine_rows(read_stored_rows(uri, after, stop))


def examine_rows(rows: Sequence[tuple[int, Any, Any, str, Any]]) -> list[ExaminedRow]:
    """Decode, re-hash and check the signature of each (position, incident, version, topic,
    state) incident event; a seal comes back whole, for the chain follower to check. Pure: a
    worker process runs it, with the signature check `Worker` was given."""
    check: SignatureCheck | None = shared()
    return [
        (position, originator_id, version, topic, state, None)
        if originator_id == SEALS_ID
        else (
            position,
            originator_id,
            version,
            topic,
            None,
            _examine(StoredEvent(originator_id, version, topic, state), check),
        )
        for position, originator_id, version, topic, state in rows
    ]


def _examine(event: StoredEvent, check: SignatureCheck | None) -> Examined:
    try:
        if _int_or_none(event.originator_version) is None:
            raise ValueError(f"version {event.originator_version!r} is not a number")
        _, content, stored, signature = decode_incident_row(event)
        altered = not hash_matches(content, stored)
    except (ValueError, TypeError) as e:
        return f"undecodable event: {e}", "", "", None, False, None, None
    signed = None
    if check is not None and signature:
        signed = isinstance(signature, str) and check(stored, signature)
    facts = index_facts(content)
    return None, content["prev_hash"], stored, signature, altered, signed, facts


def _check_event(
    at: tuple[int, Any, Any],
    examined: Examined,
    chains: dict[str, _Chain],
    tree: TreeBuilder,
    result: Verification,
    signatures_wanted: bool,
) -> None:
    """Follow an incident event's chain; `at` is its (position, originator id, version)."""
    position = at[0]
    incident = str(at[1])
    version = _int_or_none(at[2])
    undecodable, prev_hash, stored, signature, altered, signed, _ = examined
    if undecodable is not None:
        result.findings.append(Finding(position, incident, version, undecodable))
        chains[incident] = _Chain(version or 0, "")  # the chain cannot be followed past here
        tree.append(b"")
        return
    assert version is not None  # an event whose version is not a number is undecodable
    problems: list[str] = []
    chain = chains.get(incident, _Chain(0, GENESIS_HASH))
    if version != chain.version + 1:
        problems.append(f"version {version} follows version {chain.version} (gap or reorder)")
    if prev_hash != chain.hash and chain.hash:
        problems.append("prev_hash does not match the previous event's hash (broken chain)")
    if altered:
        problems.append("content does not match its hash (altered)")
    if signatures_wanted:
        if not signature:
            problems.append("not signed")
        elif not signed:
            problems.append("signature does not verify with the given public key")
        else:
            result.signatures += 1
    for problem in problems:
        result.findings.append(Finding(position, incident, version, problem))
    chains[incident] = _Chain(version, stored)
    try:
        tree.append(bytes.fromhex(stored))
    except ValueError:
        tree.append(stored.encode())


def _check_seal(
    n: Notification,
    previous: int,
    tree: TreeBuilder,
    seal_chain: _Chain,
    result: Verification,
    signature_check: SignatureCheck | None,
) -> None:
    result.seals += 1
    version = _int_or_none(n.originator_version)
    try:
        if version is None:
            raise ValueError(f"version {n.originator_version!r} is not a number")
        state = _load_state(n)
        content = seal_content(state, version)
        stored = str(state["hash"])
        recomputed = event_hash(content)
    except (ValueError, KeyError, TypeError) as e:
        result.findings.append(Finding(n.id, None, version, f"undecodable seal: {e}"))
        return
    where = f"seal {version}"
    if version != seal_chain.version + 1:
        result.findings.append(Finding(n.id, None, version, f"{where} is out of sequence"))
    if content["prev_hash"] != seal_chain.hash:
        result.findings.append(Finding(n.id, None, version, f"{where} breaks the seal chain"))
    if recomputed != stored:
        result.findings.append(Finding(n.id, None, version, f"{where} was altered"))
    if signature_check is not None:
        signature = state.get("signature")
        if not isinstance(signature, str) or not signature_check(stored, signature):
            result.findings.append(
                Finding(n.id, None, version, f"{where} is not signed by the given public key")
            )
        else:
            result.signatures += 1
    if content["position"] != previous and tree.size == content["size"]:
        # `seal` records the log's last position under the write lock, so the row before the
        # seal is at exactly that position: otherwise `proof` would build its tree over other
        # events than the seal's root covers. (Where the size is off too, events were deleted
        # or added before the seal: that finding, below, says so.)
        result.findings.append(
            Finding(
                n.id,
                None,
                version,
                f"{where} says it covers the log up to position {content['position']} but "
                f"follows position {previous}",
            )
        )
    if tree.size != content["size"]:
        result.findings.append(
            Finding(
                n.id,
                None,
                version,
                f"{where} covers {content['size']} events but the log holds {tree.size} "
                "before it (events deleted or added)",
            )
        )
    elif tree.root().hex() != content["root"]:
        result.findings.append(
            Finding(n.id, None, version, f"{where} root does not match the log (events altered)")
        )
    seal_chain.version, seal_chain.hash = version, stored


def _int_or_none(value: Any) -> int | None:
    # SQLite keeps whatever it is given, even text in an INTEGER column.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_expected_root(
    expected: tuple[str, int], size: int, actual: bytes | None, result: Verification
) -> None:
    root_hex, wanted = expected
    if actual is None:
        result.findings.append(
            Finding(None, None, None, f"the log holds {size} events, fewer than --size {wanted}")
        )
    elif actual.hex() != root_hex.lower():
        result.findings.append(
            Finding(
                None,
                None,
                None,
                f"the root over the first {wanted} events is {actual.hex()}, not the given root",
            )
        )


def make_seal(
    previous: tuple[int, str] | None,
    *,
    size: int,
    position: int,
    root: bytes,
    sealed_at: datetime,
    sealed_by: str,
    signer: Signer | None = None,
) -> Sealed:
    """The next seal event after `previous` (its version and hash), or the first."""
    version = previous[0] + 1 if previous else 1
    state: dict[str, Any] = {
        "size": size,
        "position": position,
        "root": root.hex(),
        "sealed_at": format_utc(sealed_at),
        "sealed_by": sealed_by,
        "prev_hash": previous[1] if previous else GENESIS_HASH,
    }
    digest = event_hash(seal_content(state, version))
    return Sealed(
        originator_id=SEALS_ID,
        originator_version=version,
        timestamp=sealed_at,
        size=size,
        position=position,
        root=root.hex(),
        sealed_at=state["sealed_at"],
        sealed_by=sealed_by,
        prev_hash=state["prev_hash"],
        hash=digest,
        signature=signer(digest) if signer else None,
    )
