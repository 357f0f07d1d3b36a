"""What the HTML report shows, as plain data: gathered by `gather`, drawn and rendered by the
other modules of this package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ledger.integrity import Verification
from ledger.report_fields import BEARING_KEYS

Row = dict[str, Any]
Decoder = Callable[[Any], Any]  # a log Notification -> its domain event
Progress = Callable[[int, int], None]  # (done, of)

ROLE_LABELS = {
    "speaker": "speaker",
    "source": "source",
    "on_behalf_of": "on behalf of",
    "channel": "channel",
    "relay": "relay",
    "outlet": "outlet",
}


@dataclass(frozen=True)
class Entry:
    """One report on an incident's timeline (from the `timeline` projection)."""

    position: int
    report: str
    incident: str
    type: str
    by: str | None
    stated_at: str | None
    stated_from: str | None
    recorded_at: str
    recorded_by: str
    summary: str | None
    voided: bool
    corrected: bool
    refers_to: tuple[str, ...]
    data: Row

    @property
    def sort_key(self) -> tuple[bool, str, int]:
        """Timeline order: by stated time (earliest instant), then log position; undated last."""
        return (self.stated_from is None, self.stated_from or "", self.position)


@dataclass(frozen=True)
class Hop:
    hop: int
    agent: str
    role: str
    kind: str | None
    url: str | None
    published_at: str | None
    quote_mode: str | None


@dataclass(frozen=True)
class Step:
    """An assertion's status after one report that touched it, in log order."""

    position: int
    report: str
    type: str
    by: str | None
    stated_at: str | None
    recorded_at: str
    status: str | None
    changed: bool


@dataclass
class AssertionView:
    row: Row  # the `claims` projection row
    hops: list[Hop]
    referrers: list[Entry]
    referrer_hops: dict[str, list[Hop]]
    # Folds its history when called (gather sets it): see `history`.
    fold_history: Callable[[], list[Step]] = list
    stated_statuses: list[tuple[str | None, str]] = field(default_factory=list)
    # Reports touching it that no longer count: id -> "retracted" or "voided".
    withdrawn: dict[str, str] = field(default_factory=dict)

    def bearing(self, entry: Entry) -> str:
        """How an evidence report bears on this assertion: supports, contradicts or cites."""
        for key in BEARING_KEYS:
            if self.report in (entry.data.get(key) or ()):
                return key
        return "cites"

    @property
    def report(self) -> str:
        return str(self.row["report"])

    @cached_property
    def history(self) -> list[Step]:
        """Its status after each report that touched it, in log order: folded only when a
        page shows it (a digest page does not), as it is the costliest part of gathering."""
        return self.fold_history()


@dataclass
class IncidentView:
    row: Row  # the `incidents` projection row
    entries: list[Entry]
    assertions: list[AssertionView]
    links: list[Row]
    parties: list[str]
    chains: dict[str, str]  # report id -> its source chain as one line of text

    @property
    def slug(self) -> str:
        return str(self.row["incident"])

    @property
    def withdrawn(self) -> dict[str, str]:
        """Reports on its timeline that no longer count: id -> "retracted" or "voided"."""
        found = {e.report: "voided" for e in self.entries if e.voided}
        for assertion in self.assertions:
            found.update(assertion.withdrawn)
        return found


@dataclass(frozen=True)
class SealState:
    version: int
    position: int
    size: int
    root: str
    sealed_at: str
    sealed_by: str


@dataclass
class ReportData:
    """The page's content. For a site's index, `incidents` holds views with only their
    overview row: the incident pages' views are gathered batch by batch (gather_site)."""

    incidents: list[IncidentView]
    verification: Verification
    last_seal: SealState | None
    source: str
    generated_at: str
    filters: str
    lag: int


def chain_text(hops: list[Hop]) -> str:
    """speaker (role) → ... → outlet (role), or "" for a report without a source chain."""
    return " → ".join(f"{h.agent} ({ROLE_LABELS.get(h.role, h.role)})" for h in hops)
