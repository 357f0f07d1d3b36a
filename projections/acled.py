"""`ledger export --format acled`: one CSV row per incident in ACLED's columns (STANDARDS.md
section 1; the mapping is documented in docs/interchange.md).

ACLED publishes a best current coding, not who claimed what: each row is a projection of the
incident now, and the competing claims stay in the ledger. Text cells that a spreadsheet would
run are neutralised (`projections.formulas`), as in every CSV the project writes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeGuard

from ledger.application import IncidentLedger
from ledger.current import Current, current
from ledger.timeutil import InvalidTime, parse_earliest
from projections.formulas import neutralised

COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
# ACLED's conservative rule counts only claims still standing: these statuses no longer do.
NOT_COUNTED = frozenset({"refuted", "retracted", "superseded"})
# Incident fields format version 2 adds; read when present, empty until then.
_LATER_FIELDS = ("country", "admin1", "admin2", "time_precision", "geo_precision")


def acled_csv(ledger: IncidentLedger, incidents: Sequence[str] | None = None) -> Iterator[str]:
    """The CSV text, header first, one piece per row."""
    now = current(ledger, incidents)
    yield _csv_line(COLUMNS)
    for row in acled_rows(now):
        yield _csv_line([_cell(row[column]) for column in COLUMNS])


def acled_rows(now: Current) -> list[dict[str, Any]]:
    """One dict per incident, keyed by COLUMNS (None: an empty cell)."""
    return [_row(now, incident) for incident in now.incidents]


def _row(now: Current, view: Mapping[str, Any]) -> dict[str, Any]:
    slug = view["incident"]
    # The incident's own record has the fields the view may not (format version 2's).
    record = now.records.get(slug, {})
    claims = [a for a in now.assertions_of(slug) if a["type"] == "claim"]
    standing = [c for c in claims if c["status"] not in NOT_COUNTED]
    perpetrators = _names(now.records.get(c["report"], {}).get("against") for c in standing)
    targets = _names(now.records.get(c["report"], {}).get("targets") for c in standing)
    occurred = view.get("occurred_from")
    row: dict[str, Any] = {
        # ACLED's stable key for updates; the slug is ours (no country acronym to add).
        "event_id_cnty": slug,
        "event_date": occurred,
        "year": int(occurred[:4]) if occurred else None,
        "sub_event_type": view.get("category"),
        "actor1": perpetrators[0] if perpetrators else None,
        "assoc_actor_1": "; ".join(perpetrators[1:]) or None,
        "actor2": targets[0] if targets else None,
        "location": _location(view),
        "latitude": view.get("lat"),
        "longitude": view.get("lon"),
        "source": "; ".join(_outlets(now, slug)) or None,
        "notes": view.get("description") or view.get("title"),
        "fatalities": fatalities(now.records.get(c["report"], {}) for c in standing),
        "tags": f"ledger status={view['status']}",
        "timestamp": _epoch(view.get("last_recorded_at")),
    }
    for key in _LATER_FIELDS:
        row[key] = record.get(key)
    return row


def fatalities(records: Any) -> int | None:
    """The lowest `killed` best estimate among these claim records (None: none gives one)."""
    estimates = [k for k in (best_killed(r.get("magnitude")) for r in records) if k is not None]
    return min(estimates) if estimates else None


def best_killed(magnitude: Any) -> int | None:
    """A magnitude's `killed` best estimate: the integer (format version 1), or a range's
    `best` (version 2), else its `low`, the conservative stand-in; anything else counts as
    no estimate."""
    if not isinstance(magnitude, Mapping):
        return None
    killed = magnitude.get("killed")
    if isinstance(killed, Mapping):
        for key in ("best", "low"):
            value = killed.get(key)
            if _is_count(value):
                return value
        return None
    return killed if _is_count(killed) else None


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _names(lists: Any) -> list[str]:
    """Distinct names, first seen first."""
    seen: dict[str, None] = {}
    for names in lists:
        for name in names or ():
            if isinstance(name, str):
                seen.setdefault(name, None)
    return list(seen)


def _outlets(now: Current, slug: str) -> list[str]:
    """Every outlet any of the incident's live reports cites, first seen first."""
    seen: dict[str, None] = {}
    for record in now.records_of(slug):
        for hop in record.get("sources") or ():
            if isinstance(hop, Mapping) and isinstance(hop.get("outlet"), str):
                seen.setdefault(hop["outlet"], None)
    return list(seen)


def _location(view: Mapping[str, Any]) -> str | None:
    parts = [view.get("location"), view.get("location_qualifier")]
    return " — ".join(p for p in parts if p) or None


def _epoch(recorded_at: str | None) -> int | None:
    """ACLED's `timestamp`: when the row last changed, in Unix seconds."""
    if not recorded_at:
        return None
    try:
        return int(parse_earliest(recorded_at).timestamp())
    except InvalidTime:
        return None


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    # Numbers are never touched (a negative latitude stays a number); any text is.
    return neutralised(value) if isinstance(value, str) else value


def _csv_line(cells: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()
