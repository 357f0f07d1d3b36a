"""The plain-Python model test_stateful.py runs the real application against: each incident's
report ids, and every assertion's status derived with its own reading of DOMAIN.md's rules
("Derived status"), written without `ledger.fold`; with the actors, texts and illegal steps the
machine draws from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger.errors import DomainRuleViolation

INCIDENTS = ("inc-a", "inc-b", "inc-c")
# Two spellings of one actor, and actors who are not the same however they are compared.
ACTORS = (
    "Russian Ministry of Defence",
    "russian ministry of defence",
    "Syrian Democratic Forces",
    "SDF",
    "Monitor",
)
SUMMARIES = ("Fire from the eastern bank", "Nothing happened", "Observers confirm it")
ASSERTIONS = ("claim", "warning")
# DOMAIN.md v2: a denial is an assertion too (a row in `claims`, a status of its own), but only
# claims and warnings make an incident's status.
CLAIM_ROWS = (*ASSERTIONS, "denial")
STATED = ("claim", "warning", "denial", "corroboration")
VERDICTS = ("confirmed", "refuted", "unverifiable")
RELATIONS = ("context_for", "follows", "same_as", "part_of", "cited_as_justification")
# DOMAIN.md v2: an incident shows the first of these any of its claims and warnings holds.
INCIDENT_STATUS_ORDER = (
    "disputed",
    "unverified",
    "corroborated",
    "unverifiable",
    "acknowledged",
    "confirmed",
    "refuted",
    "superseded",
    "retracted",
)
# Per report type, the text a correction may change and an id clash may alter.
TEXT_KEY = {
    "claim": "summary",
    "warning": "summary",
    "denial": "summary",
    "corroboration": "summary",
    "verdict": "reason",
    "retraction": "reason",
    "correction": "reason",
    "link": "note",
}
# What a correction may refer to (anything but an incident or another correction).
CORRECTABLE = tuple(t for t in TEXT_KEY if t != "correction")
RECORDER = "stateful-tester"
# An illegal step: the error it must raise, and how to make its line once it is chosen.
IllegalStep = tuple[type[DomainRuleViolation], Callable[[], dict[str, Any]]]


def actor(name: str) -> str:
    """The model's own actor identity: case and punctuation do not make a new actor."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# ---------------------------------------------------------------------------------------------
# The model


@dataclass
class ModelReport:
    report: str
    type: str
    incident: str
    line: dict[str, Any]  # the JSON line as appended, to repeat it verbatim
    current: dict[str, Any]  # its values after every correction so far
    refers_to: tuple[str, ...] = ()
    voided: bool = False

    @property
    def by(self) -> str:
        return str(self.current.get("by", ""))


@dataclass(frozen=True)
class ClaimRow:
    status: str
    denials: int
    corroborations: int
    other_corroborations: int


@dataclass
class LedgerModel:
    """What the ledger should hold, and what its views should say, in plain Python."""

    history: dict[str, list[str]] = field(default_factory=dict)
    reports: dict[str, ModelReport] = field(default_factory=dict)  # in log order
    events: int = 0

    def record(self, report: ModelReport) -> None:
        self.reports[report.report] = report
        self.history[report.incident].append(report.report)
        self.events += 1

    def of_types(self, types: tuple[str, ...]) -> list[str]:
        return [r.report for r in self.reports.values() if r.type in types]

    def referring(self, target: str, report_type: str) -> list[ModelReport]:
        """Live (not voided) reports of one type that refer to `target`, in log order."""
        return [
            r
            for r in self.reports.values()
            if r.type == report_type and not r.voided and target in r.refers_to
        ]

    def taken_back(self, report: ModelReport) -> bool:
        """Whether whoever made `report` has retracted it (anyone else's retraction is moot)."""
        return any(
            actor(r.by) == actor(report.by) for r in self.referring(report.report, "retraction")
        )

    def claim_row(self, assertion: ModelReport) -> ClaimRow:
        own = actor(assertion.by)
        denials = [
            d
            for d in self.referring(assertion.report, "denial")
            if actor(d.by) != own and not self.taken_back(d)
        ]
        corroborations = [
            c for c in self.referring(assertion.report, "corroboration") if not self.taken_back(c)
        ]
        independent = [
            c for c in corroborations if c.current.get("independent") is True and actor(c.by) != own
        ]
        verdicts = self.referring(assertion.report, "verdict")
        # v2 rule 1: a standing denial by the asserter itself withdraws the assertion. (The
        # machine names no registry, accused party or supersedes: every name is its own side.)
        self_denied = any(
            actor(d.by) == own and not self.taken_back(d)
            for d in self.referring(assertion.report, "denial")
        )
        if self.taken_back(assertion) or self_denied:
            status = "retracted"
        elif verdicts:
            status = str(verdicts[-1].current["status"])
        elif denials:
            status = "disputed"
        elif independent:
            status = "corroborated"
        else:
            status = "unverified"
        return ClaimRow(
            status, len(denials), len(independent), len(corroborations) - len(independent)
        )

    def claims(self) -> dict[str, ClaimRow]:
        return {
            r.report: self.claim_row(r)
            for r in self.reports.values()
            if r.type in CLAIM_ROWS and not r.voided
        }

    def incidents(self) -> dict[str, tuple[str, int]]:
        """Each incident's status and number of live assertions."""
        rows = self.claims()
        result = {}
        for slug in self.history:
            statuses = [
                rows[r.report].status
                for r in self.reports.values()
                if r.incident == slug and r.report in rows and r.type in ASSERTIONS
            ]
            status = next((s for s in INCIDENT_STATUS_ORDER if s in statuses), "open")
            result[slug] = (status, len(statuses))
        return result
