"""Reports as plain records replayed from the log, and cuts through history: what the
read commands (`show`, `history`, `diff`, `audit`, `export`) and the views fold over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain import IncidentEvent
from ledger.timeutil import parse_earliest

if TYPE_CHECKING:
    from ledger.application import IncidentLedger


@dataclass(frozen=True)
class Cut:
    """A cut through history: on the stated clock, the recorded clock, or a log position."""

    reported_by: datetime | None = None
    as_of: datetime | None = None
    at_position: int | None = None

    def admits(self, record: dict[str, Any]) -> bool:
        if self.at_position is not None and record["position"] > self.at_position:
            return False
        recorded = parse_earliest(record["recorded_at"])
        if self.as_of is not None and recorded > self.as_of:
            return False
        if self.reported_by is not None and record["type"] != "incident":
            # The incident line opens the case file; it is not a statement anyone made.
            stated = record.get("stated_at")
            # A report without a stated time counts from when the ledger recorded it.
            moment = parse_earliest(stated) if stated else recorded
            if moment > self.reported_by:
                return False
        return True

    @property
    def is_open(self) -> bool:
        return self.reported_by is None and self.as_of is None and self.at_position is None


def to_record(position: int, event: IncidentEvent) -> dict[str, Any]:
    """An event as a plain report record (the shape projections fold over)."""
    record: dict[str, Any] = {
        "type": event.report_type,
        "incident": event.originator_id,
        "report": event.report,
        "position": position,
        "version": event.originator_version,
        "recorded_at": event.recorded_at,
        "recorded_by": event.recorded_by,
    }
    record.update(event.fields())
    return record


def related_records(
    ledger: IncidentLedger, slug: str, *, cut: Cut | None = None
) -> list[dict[str, Any]]:
    """The incident's own reports plus every report elsewhere that refers into it, and the
    retractions and corrections of those, replayed from the log in position order."""
    own = [to_record(pos, e) for pos, e in ledger.positioned_events(slug)]
    known = {r["report"] for r in own}
    records = own + _load_reports(ledger, _referrers_of(ledger, known) - known)
    return _cut(sorted(records, key=lambda r: r["position"]), cut)


def records_touching(
    ledger: IncidentLedger, report: str, *, cut: Cut | None = None
) -> list[dict[str, Any]]:
    """The report and every report that refers to it, or to one of those (in any incident),
    replayed from the log in position order: found through the reference index, so an audit
    reads only these events, however large their incidents."""
    return _cut(_load_reports(ledger, {report} | _referrers_of(ledger, {report})), cut)


def _referrers_of(ledger: IncidentLedger, reports: set[str], hops: int = 4) -> set[str]:
    """Reports referring to `reports`, or to those, up to `hops` deep (denial -> its
    retraction -> a correction voiding that retraction...)."""
    found: set[str] = set()
    frontier = sorted(reports)
    for _ in range(hops):
        sources = {s for s, _ in ledger.recorder.referrers(frontier)}  # type: ignore[attr-defined]
        sources -= found | reports
        if not sources:
            break
        found |= sources
        frontier = sorted(sources)
    return found


def _load_reports(ledger: IncidentLedger, reports: set[str]) -> list[dict[str, Any]]:
    """These reports' events, located through the report index, as records in log order."""
    entries = ledger.find_reports(sorted(reports))
    keys = [(e.incident, int(e.version)) for e in entries.values() if e.version is not None]
    notifications = ledger.recorder.select_versions(keys)  # type: ignore[attr-defined]
    return [to_record(n.id, ledger.decode(n)) for n in notifications]


def _cut(records: list[dict[str, Any]], cut: Cut | None) -> list[dict[str, Any]]:
    if cut is None or cut.is_open:
        return records
    return [r for r in records if cut.admits(r)]
