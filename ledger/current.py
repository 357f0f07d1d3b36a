"""The ledger as it stands now, for the field's formats (ACLED, ClaimReview): the views' rows
(statuses derived by `ledger.fold`) beside each report's current record (its corrections
applied, voided reports dropped), which carries what the views leave out (`magnitude`,
`sources`).

Replayed from the log rather than read from the SQL views: the views may lag behind the log
(`--no-project`), and an export must say what the log says, on either backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.application import IncidentLedger
from ledger.errors import IncidentNotFound
from ledger.fold import fold
from ledger.integrity import SEALS_ID
from ledger.records import to_record
from ledger.replay import related_records
from ledger.store.errors import translated

# What a correction never changes (the fold's rule): which report it is, where, and when.
_FIXED = frozenset(
    {"refers_to", "type", "incident", "report", "position", "version", "recorded_at", "recorded_by"}
)


@dataclass
class Current:
    """The incidents' view rows, the assertions' view rows (claims and warnings, with
    `status`), and every live report's current record by id, all in log order."""

    incidents: list[dict[str, Any]]
    assertions: list[dict[str, Any]]
    records: dict[str, dict[str, Any]]
    # Indexes built once: an export over a large ledger asks for every assertion's referrers
    # and every incident's reports, which a scan each time would make quadratic.
    _by_incident: dict[str, list[dict[str, Any]]] = field(init=False, repr=False)
    _referrers: dict[tuple[str, str], list[dict[str, Any]]] = field(init=False, repr=False)
    _assertions: dict[str, list[dict[str, Any]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_incident, self._referrers, self._assertions = {}, {}, {}
        for record in self.records.values():
            self._by_incident.setdefault(str(record["incident"]), []).append(record)
            for target in dict.fromkeys(_as_list(record.get("refers_to"))):
                self._referrers.setdefault((target, record["type"]), []).append(record)
        for row in self.assertions:
            self._assertions.setdefault(row["incident"], []).append(row)

    def assertions_of(self, incident: str) -> list[dict[str, Any]]:
        return self._assertions.get(incident, [])

    def records_of(self, incident: str) -> list[dict[str, Any]]:
        """The incident's own live reports, in log order."""
        return self._by_incident.get(incident, [])

    def referring(self, report: str, type_: str) -> list[dict[str, Any]]:
        """Live reports of `type_` that refer to `report`, in log order."""
        return self._referrers.get((report, type_), [])


def current(ledger: IncidentLedger, incidents: Sequence[str] | None = None) -> Current:
    """The whole ledger now, or these incidents (and what refers into them); an unknown
    incident is refused (IncidentNotFound) before anything is produced."""
    wanted = sorted(set(incidents or ()))
    with translated(ledger.config, ledger.lock_timeout):
        missing = set(wanted) - ledger.ledger_recorder.existing_incidents(wanted)
        if missing:
            raise IncidentNotFound(sorted(missing)[0])
        if wanted:
            chosen: dict[str, dict[str, Any]] = {}
            for slug in wanted:
                chosen.update({r["report"]: r for r in related_records(ledger, slug)})
            records = sorted(chosen.values(), key=lambda r: r["position"])
        else:
            records = [
                to_record(n.id, ledger.decode(n))
                for batch in ledger.iter_notifications(batch=5_000)
                for n in batch
                if n.originator_id != SEALS_ID
            ]
    views = fold(records, tables=("incidents", "claims"))
    keep = set(wanted)
    incident_rows = [r for r in views["incidents"] if not keep or r["incident"] in keep]
    assertion_rows = [r for r in views["claims"] if not keep or r["incident"] in keep]
    return Current(incident_rows, assertion_rows, corrected_records(records))


def corrected_records(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each report's record with its corrections applied in log order, voided ones left out
    (the rule `ledger.fold` applies to the views, for the fields the views do not keep)."""
    by_id: dict[str, dict[str, Any]] = {}
    voided: set[str] = set()
    for record in sorted(records, key=lambda r: int(r["position"])):
        # The first report holding an id is the one the views show (as the fold keeps it).
        by_id.setdefault(str(record["report"]), dict(record))
    for record in list(by_id.values()):
        if record["type"] != "correction":
            continue
        for target in dict.fromkeys(_as_list(record.get("refers_to"))):
            if target not in by_id or by_id[target]["type"] == "incident":
                continue
            if record.get("void") is True:
                voided.add(target)
            changes = record.get("changes") or {}
            by_id[target].update({k: v for k, v in changes.items() if k not in _FIXED})
    return {k: v for k, v in by_id.items() if k not in voided}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
