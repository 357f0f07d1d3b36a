"""The report index beside the log: `ledger_reports` and `ledger_references` must be exactly
what the log says, since writers trust them (a report id already used, the reports that refer
to a claim).

Checked in two directions, with memory flat in the log's size. While `verify` follows the log,
each batch's reports are looked up in the index: each must have its row, saying what the event
says, and its refers_to edges, no more and no fewer. At the end, the tables' row counts show
whether they hold rows no event accounts for; only then are they read whole, page by page, to
name those rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from ledger.report_fields import referenced
from ledger.store.names import REFERENCES_TABLE, REPORTS_TABLE

# What an event says of itself in the index: its report id, type, `by`, and refers_to targets.
IndexFacts = tuple[str, str, Any, tuple[str, ...]]
# A batch's facts, with each event's (position, incident, version).
LocatedFacts = tuple[int, str, int, IndexFacts]

PAGE = 2_000
_SAID = ("incident", "type", "by", "version")  # the columns of a report's row that are checked
UNREADABLE = "\0unreadable"  # no report id can be this: ids are slugs


class IndexReader(Protocol):
    def find_reports(self, reports: Sequence[str]) -> list[tuple[Any, ...]]: ...
    def references_from(self, sources: Sequence[str]) -> list[tuple[str, str, str]]: ...
    def index_count(self, table: str) -> int: ...
    def index_page(
        self, table: str, after: tuple[str, ...], limit: int
    ) -> list[tuple[Any, ...]]: ...
    def select_versions(self, keys: Sequence[tuple[str, int]]) -> list[Any]: ...


def index_facts(content: dict[str, Any]) -> IndexFacts | None:
    """What the index must hold for an event's hashed content (None: an incident's opening,
    or an actor line: neither has a report id, so the index holds no row for either)."""
    if content["type"] in ("incident", "actor"):
        return None
    targets = tuple(referenced(content))
    return str(content["report"]), str(content["type"]), content.get("by"), targets


@dataclass
class IndexCheck:
    """Compare the index with the log, batch by batch; `problems` are (position, incident,
    version, problem), the verify findings' fields."""

    reader: IndexReader
    reports_seen: int = 0
    references_seen: int = 0

    def __post_init__(self) -> None:
        self.problems: list[tuple[int | None, str | None, int | None, str]] = []

    def batch(self, located: Sequence[LocatedFacts]) -> None:
        if not located:
            return
        reports = [facts[0] for _, _, _, facts in located]
        rows = {row[0]: row for row in self.reader.find_reports(reports)}
        edges: dict[str, set[tuple[str, str]]] = {}
        for source, target, source_incident in self.reader.references_from(reports):
            edges.setdefault(source, set()).add((target, source_incident))
        for position, incident, version, (report, type_, by, targets) in located:
            at = (position, incident, version)
            row = rows.get(report)
            if row is None:
                self._problem(at, f"report '{report}' has no row in {REPORTS_TABLE}")
            else:
                self.reports_seen += 1
                said = (row[1], row[2], row[3], row[5])
                for name, stored, logged in zip(
                    _SAID, said, (incident, type_, by, version), strict=True
                ):
                    if stored != logged:
                        self._problem(
                            at,
                            f"{REPORTS_TABLE} says {name} {stored!r} for report '{report}', "
                            f"the log {logged!r}",
                        )
            expected = {(target, incident) for target in targets}
            found = edges.get(report, set())
            self.references_seen += len(found & expected)
            for target, _ in sorted(expected - found):
                self._problem(at, f"{REFERENCES_TABLE} lacks '{report}' -> '{target}'")
            for target, source_incident in sorted(found - expected):
                self._problem(
                    at,
                    f"{REFERENCES_TABLE} holds '{report}' -> '{target}' ({source_incident}), "
                    "which the log does not",
                )

    def finish(self) -> None:
        """Name the rows no event accounts for, where the counts say there are any."""
        if self.reader.index_count(REPORTS_TABLE) > self.reports_seen:
            self._extra_reports()
        if self.reader.index_count(REFERENCES_TABLE) > self.references_seen:
            self._extra_references()

    def _extra_reports(self) -> None:
        for page in self._pages(REPORTS_TABLE):
            named = self._reports_of_events(
                [(str(r[1]), r[4]) for r in page if isinstance(r[4], int)]
            )
            for report, incident, _, _, version in page:
                if named.get((incident, version)) not in (report, UNREADABLE):
                    self._problem(
                        (None, None, None),
                        f"{REPORTS_TABLE} holds report '{report}' ({incident}, version "
                        f"{version}), which no event in the log files",
                    )

    def _extra_references(self) -> None:
        for page in self._pages(REFERENCES_TABLE):
            entries = {r[0]: r for r in self.reader.find_reports(sorted({p[0] for p in page}))}
            keys = [(str(e[1]), e[5]) for e in entries.values() if isinstance(e[5], int)]
            named = self._reports_of_events(keys)
            for source, target, source_incident in page:
                entry = entries.get(source)
                said = named.get((entry[1], entry[5])) if entry else None
                # A source the log files had its edges compared while the log was read.
                if said not in (UNREADABLE, source):
                    self._problem(
                        (None, None, None),
                        f"{REFERENCES_TABLE} holds '{source}' -> '{target}' "
                        f"({source_incident}), which the log does not",
                    )

    def _pages(self, table: str) -> Any:
        after: tuple[str, ...] = ()
        key_width = 1 if table == REPORTS_TABLE else 2
        while page := self.reader.index_page(table, after, PAGE):
            yield page
            after = tuple(page[-1][:key_width])

    def _reports_of_events(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """(incident, version) -> the report id the event at that key files."""
        found: dict[tuple[str, int], str] = {}
        for n in self.reader.select_versions(keys) if keys else ():
            key = (str(n.originator_id), n.originator_version)
            try:
                found[key] = str(orjson.loads(n.state)["report"])
            except (ValueError, KeyError, TypeError):
                # The log's own check reports an undecodable event; its index rows cannot be
                # told right or wrong, so they are not reported a second time.
                found[key] = UNREADABLE
        return found

    def _problem(self, at: tuple[int | None, str | None, int | None], problem: str) -> None:
        self.problems.append((*at, problem))
