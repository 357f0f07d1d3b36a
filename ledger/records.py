"""Reports as plain records (the shape the views and the read commands fold over), and cuts
through history. Replaying them from the log is `ledger.replay`'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.timeutil import parse_earliest, parse_latest

if TYPE_CHECKING:  # annotations only: a cut is read by commands that never load the domain
    from ledger.domain import IncidentEvent


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
            # A stated time counts once its whole period has passed: a partial date from its
            # latest instant (stated "2023-10" is in a cut of 2023-10-31, not of 2023-10-02).
            # A report without a stated time counts from when the ledger recorded it.
            moment = parse_latest(stated) if stated else recorded
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
