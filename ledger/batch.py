"""One append's view of the ledger: the lines it reads, the ids they name, and the report
directory as the batch sees it (the database plus its own reports so far)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.domain import IncidentEvent, ReportEntry, derive_report_id, shared
from ledger.report_fields import REPORT_ID_KEYS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    # Given ids, the entries of those that are reports / the slugs of those that are incidents.
    FindReports = Callable[[Sequence[str]], dict[str, ReportEntry]]
    ExistingIncidents = Callable[[Sequence[str]], set[str]]

# One validated line: its line number (None for a typed command), type, and fields.
ValidatedLine = tuple[int | None, str, dict[str, Any]]
# A validated report line with its `report_fingerprint` already computed (by the validating
# process of an import, so this one does not spend the hashing).
FingerprintedLine = tuple[int | None, str, dict[str, Any], str]
# What an append reads: validated lines, optionally preceded by the ids the next ones name
# (`Mentions`), so a stream still being validated can be appended as it arrives.


@dataclass
class Mentions:
    """Every incident and report id a batch names: what its directory reads up front, in a few
    queries, instead of one query per line."""

    incidents: set[str] = field(default_factory=set)
    reports: set[str] = field(default_factory=set)

    def add(self, report_type: str, fields: dict[str, Any]) -> None:
        if report_type == "actor":
            return  # names no incident or report (the registry is read whole, under the lock)
        self.incidents.add(fields["incident"])
        if report_type in ("link", "outcome") and "other" in fields:
            self.incidents.add(fields["other"])
        elif report_type == "correction" and isinstance(
            other := (fields.get("changes") or {}).get("other"), str
        ):
            self.incidents.add(other)  # a correction may point a link at another incident
        # Report ids and incident slugs share one namespace: each is also looked up as the other.
        if report_type == "incident":
            self.reports.add(fields["incident"])
        else:
            report = fields.get("report") or derive_report_id(report_type, fields)
            self.reports.add(report)
            self.incidents.add(report)
        # Every report it names must exist: refers_to, supersedes, evidence's supports and
        # contradicts.
        for key in REPORT_ID_KEYS:
            self.reports.update(fields.get(key, ()))

    @classmethod
    def of(cls, items: Iterable[ValidatedLine | FingerprintedLine | Mentions]) -> Mentions:
        mentions = cls()
        for item in items:
            if isinstance(item, Mentions):
                mentions.incidents |= item.incidents
                mentions.reports |= item.reports
            else:
                mentions.add(item[1], item[2])
        return mentions


class BatchDirectory:
    """The ledger-wide report directory as one batch sees it: the database plus its own reports."""

    def __init__(self, find_reports: FindReports, existing_incidents: ExistingIncidents):
        self.find_reports = find_reports
        self.existing_incidents = existing_incidents
        self.entries: dict[str, ReportEntry] = {}
        self.incidents: set[str] = set()
        self.known_missing: set[str] = set()

    def prefetch(self, mentions: Mentions) -> None:
        """Read which of these ids exist, except those this batch already knows about (it may
        be called again for each chunk of a stream)."""
        # Membership tests, not `set - self.entries.keys()`: subtracting a dict's keys view
        # walks the whole dict, which grows with the import, once per chunk (quadratic).
        entries, missing = self.entries, self.known_missing
        reports = {r for r in mentions.reports if r not in entries and r not in missing}
        entries.update(self.find_reports(sorted(reports)))
        missing.update(r for r in reports if r not in entries)
        incidents = mentions.incidents - self.incidents
        self.incidents |= self.existing_incidents(sorted(incidents))

    def find(self, report: str) -> ReportEntry | None:
        entry = self.entries.get(report)
        if entry is None and report not in self.known_missing:
            entry = self.find_reports([report]).get(report)
            if entry is not None:
                self.entries[report] = entry
        return entry

    def incident_exists(self, incident: str) -> bool:
        return incident in self.incidents

    def opened(self, incident: str) -> None:
        self.incidents.add(incident)

    def filed(self, event: IncidentEvent, fingerprint: str) -> None:
        self.entries[event.report] = ReportEntry(
            event.report,
            sys.intern(event.originator_id),
            event.report_type,
            fingerprint,
            shared(getattr(event, "by", None)),
        )
        self.known_missing.discard(event.report)
