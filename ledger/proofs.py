"""Inclusion proofs: one report's event shown to be in the latest seal's Merkle tree, and such a
proof checked without the database (`ledger proof`, `ledger verify-proof`; format.md,
"Integrity").

A proof is a JSON document: the event's content and hash, its leaf index in the tree the seal
covers, the tree's size and root, and the audit path (RFC 6962). Checking it needs nothing but
the document and, to be worth anything, a root kept elsewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger import merkle
from ledger.errors import DomainRuleViolation, IntegrityFailure, InvalidInput
from ledger.hashing import event_hash
from ledger.integrity import decode_incident_row
from ledger.seals import event_hashes, seals

if TYPE_CHECKING:
    from ledger.application import IncidentLedger


def inclusion_proof(ledger: IncidentLedger, report: str) -> dict[str, Any]:
    """The proof (a JSON-ready dict) that `report`'s event (or, for an incident slug, the
    incident's opening event) is in the latest seal. DomainRuleViolation when the report is
    not in the ledger or no seal covers it yet; IntegrityFailure when the seal does not match
    the log it claims to cover."""
    entry = ledger.find_reports([report]).get(report)
    incident = entry.incident if entry else report
    events = ledger.ledger_recorder.select_positioned(incident)
    if not events:
        raise DomainRuleViolation(f"report '{report}' is not in the ledger")
    if entry is not None:
        found = next((n for n in events if ledger.decode(n).report == report), None)
        if found is None:  # the report index names an event its incident does not hold
            raise IntegrityFailure(
                f"the report index names '{report}' in {incident}, whose events do not hold "
                "it; run 'ledger verify'"
            )
        wanted = found
    else:
        wanted = events[0]
    existing = seals(ledger)
    if not existing or existing[-1].position < wanted.id:
        raise DomainRuleViolation(
            f"'{report}' is not covered by a seal yet: run 'ledger seal' first"
        )
    latest = existing[-1]
    leaves: list[bytes] = []
    index = -1
    for position, digest in event_hashes(ledger, up_to=latest.position):
        if position == wanted.id:
            index = len(leaves)
        leaves.append(bytes.fromhex(digest))
    # The seal's size and root are what the proof is checked against: a tree built from the
    # log up to the seal's position must be that tree, or the seal says of itself what the log
    # contradicts, and a proof from it would prove nothing.
    if len(leaves) != latest.size or merkle.root(leaves).hex() != latest.root:
        raise IntegrityFailure(
            f"seal {latest.version} does not match the log up to its position "
            f"{latest.position}: run 'ledger verify'"
        )
    _, content, stored, _ = decode_incident_row(wanted)
    return {
        "report": report,
        "incident": incident,
        "version": wanted.originator_version,
        "position": wanted.id,
        "leaf_index": index,
        "tree_size": latest.size,
        "root": latest.root,
        "seal": latest.version,
        "event": content,
        "hash": stored,
        "proof": [p.hex() for p in merkle.inclusion_proof(leaves, index)],
    }


class MalformedProof(InvalidInput):
    """The text is not a proof `inclusion_proof` writes (exit 2); `reason` says what failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not a proof from 'ledger proof' ({reason})")
        self.reason = reason


@dataclass(frozen=True)
class ProofCheck:
    """What checking a proof found: no problems means the event is leaf `index` of a tree of
    `size` leaves under `root` (which is only as good as the root it is compared with)."""

    report: Any
    index: int
    size: int
    root: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_proof(text: str, root: str | None = None) -> ProofCheck:
    """Check a proof's event against its hash, its labels against its event, and its path
    against its root, and that root against `root` (hex, kept elsewhere) when given.
    MalformedProof when the text is not a proof at all."""
    try:
        proof = json.loads(text)
        leaf = bytes.fromhex(proof["hash"])
        path = [bytes.fromhex(p) for p in proof["proof"]]
        claimed_root = bytes.fromhex(proof["root"])
        index, size = int(proof["leaf_index"]), int(proof["tree_size"])
        content = proof["event"]
        if not isinstance(content, dict):
            raise TypeError("'event' is not an object")
    except (ValueError, KeyError, TypeError) as e:
        raise MalformedProof(str(e)) from None
    problems: list[str] = []
    try:
        if event_hash(content) != proof["hash"]:
            problems.append("the event's content does not match its hash")
    except (ValueError, TypeError):
        problems.append("the event's content cannot be canonicalised (RFC 8785)")
    # The labels outside `event` are not covered by the hash: they must agree with it.
    labels = {
        "report": content.get("report", content.get("incident")),
        "incident": content.get("incident"),
        "version": content.get("version"),
    }
    for key, value in labels.items():
        if key in proof and proof[key] != value:
            problems.append(f"the proof's {key} does not match the proven event")
    if not merkle.verify_inclusion(leaf, index, size, path, claimed_root):
        problems.append("the path does not lead from the event to the root")
    if root is not None and root.lower() != proof["root"]:
        problems.append("the proof's root is not the root you gave")
    return ProofCheck(labels["report"], index, size, proof["root"], problems)
