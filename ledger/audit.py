"""Auditing one report: its life replayed from the log, with the status after every step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.application import IncidentLedger
from ledger.errors import DomainRuleViolation
from ledger.fold import current_values, fold
from ledger.integrity import Verification, verify
from ledger.records import Cut
from ledger.registry import Registry
from ledger.replay import magnitude_ranges, records_touching, registry_for
from ledger.report_fields import ASSERTION_TYPES


@dataclass
class Audit:
    report: str
    incident: str
    type: str
    status: str | None
    steps: list[dict[str, Any]]
    provenance: list[dict[str, Any]]
    verified: bool
    chain: Verification
    # The assertion's derived picture at the cut (DERIVED_FIELDS), None for other reports.
    derived: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "incident": self.incident,
            "type": self.type,
            "status": self.status,
            "derived": self.derived,
            "steps": self.steps,
            "provenance": self.provenance,
            "verified": self.verified,
            "chain": {
                "events": self.chain.events,
                "problems": [f.as_dict() for f in self.chain.findings],
            },
        }


# What an audit shows of an assertion beside its status: who it is by and the counts (DOMAIN.md,
# "Derived status"), and its magnitude as ranges.
DERIVED_FIELDS = (
    "actor",
    "side",
    "denials",
    "internal_denials",
    "acknowledgements",
    "corroborations",
    "other_corroborations",
    "verdict",
    "superseded_by",
    "outcome",
)


def status_of(
    records: list[dict[str, Any]], report: str, registry: Registry | None = None
) -> str | None:
    """An assertion's derived status over these records (None if it is not a live assertion),
    names resolved through `registry` (None: every name an actor of its own)."""
    # Only the two tables read here: folding every view cost ~4x as much, and the HTML report
    # calls this once per step of every assertion's history.
    # The timeline only when there is no claim row (a voided assertion): building its rows on
    # every call cost ~30% of the fold, for an answer almost never needed.
    for row in fold(records, tables=("claims",), registry=registry)["claims"]:
        if row["report"] == report:
            return str(row["status"])
    timeline = fold(records, tables=("timeline",), registry=registry)["timeline"]
    voided = any(r["report"] == report and r["voided"] for r in timeline)
    return "voided" if voided else None


def audit(ledger: IncidentLedger, report: str, *, cut: Cut | None = None) -> Audit:
    entry = ledger.find_reports([report]).get(report)
    if entry is None:
        raise DomainRuleViolation(f"report '{report}' is not in the ledger")
    steps_records = records_touching(ledger, report, cut=cut)
    if not steps_records:
        raise DomainRuleViolation(f"report '{report}' was not yet in the ledger at that cut-off")
    # A denial is an assertion too (version 2): its audit shows its status like a claim's.
    is_assertion = entry.type in ASSERTION_TYPES
    # Every step is read with the registry the cut uses, so the last step's status is the
    # status `show` gives at that cut (an alias registered later re-reads earlier steps too).
    registry = registry_for(ledger, cut)
    steps = []
    for index, record in enumerate(steps_records):
        # Status depends only on the assertion and what refers to it, so folding just the
        # steps so far is exact (and independent of the incident's size).
        after = status_of(steps_records[: index + 1], report, registry) if is_assertion else None
        steps.append(
            {
                "position": record["position"],
                "report": record["report"],
                "incident": record["incident"],
                "type": record["type"],
                "version": record["version"],
                "by": record.get("by"),
                "stated_at": record.get("stated_at"),
                "recorded_at": record["recorded_at"],
                "recorded_by": record["recorded_by"],
                "summary": record.get("summary") or record.get("reason") or record.get("status"),
                "status_after": after,
            }
        )
    views = fold(steps_records, registry=registry)
    provenance = [row for row in views["provenance"] if row["report"] == report]
    derived = None
    row = next((r for r in views["claims"] if r["report"] == report), None)
    if row is not None:
        values = current_values(steps_records, registry).get(report, {})
        derived = {k: row[k] for k in DERIVED_FIELDS}
        derived["magnitude"] = magnitude_ranges(values.get("magnitude"))
    chain = verify([ledger.ledger_recorder.select_positioned(entry.incident)])
    chain.findings = [f for f in chain.findings if "seal" not in f.problem]
    return Audit(
        report=report,
        incident=entry.incident,
        type=entry.type,
        status=steps[-1]["status_after"] if is_assertion else None,
        steps=steps,
        provenance=provenance,
        verified=chain.ok,
        chain=chain,
        derived=derived,
    )
