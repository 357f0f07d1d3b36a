"""Hand-built ledgers for the fold's tests (test_fold_status_cases.py, test_fold_table_rows.py,
test_fold_registry.py): a builder per report type, `_log` that adds the ledger-set keys, and
`_row` that picks one row of a folded table.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

INC = "deir-ez-zor-shelling-2017-09"
OTHER = "deir-ez-zor-airstrike-2017-09-16"
MOD = "Russian Ministry of Defence"
SDF = "Syrian Democratic Forces"
US = "US Central Command"


# Builders: one report each, without the ledger-set keys that `_log` adds.


def incident(slug: str = INC, **fields: Any) -> dict[str, Any]:
    return {"type": "incident", "incident": slug, "report": slug, "title": slug, **fields}


def claim(report: str, by: str = MOD, incident: str = INC, **fields: Any) -> dict[str, Any]:
    return {
        "type": "claim",
        "incident": incident,
        "report": report,
        "by": by,
        "summary": f"{report} happened",
        **fields,
    }


def warning(report: str, by: str = MOD, **fields: Any) -> dict[str, Any]:
    return {
        "type": "warning",
        "incident": INC,
        "report": report,
        "by": by,
        "addressee": "US military command",
        "summary": "fire will be met",
        **fields,
    }


def denial(
    report: str, *refers_to: str, by: str = SDF, incident: str = INC, **fields: Any
) -> dict[str, Any]:
    return {
        "type": "denial",
        "incident": incident,
        "report": report,
        "by": by,
        "refers_to": list(refers_to),
        "summary": "did not happen",
        **fields,
    }


def corroboration(
    report: str, *refers_to: str, by: str = US, independent: bool = True, **fields: Any
) -> dict[str, Any]:
    return {
        "type": "corroboration",
        "incident": INC,
        "report": report,
        "by": by,
        "refers_to": list(refers_to),
        "summary": "we saw it too",
        "independent": independent,
        **fields,
    }


def actor_line(name: str, **fields: Any) -> dict[str, Any]:
    """A registry line as the log gives it (reglog's record shape): no incident of its own."""
    return {"type": "actor", "report": f"actor:{name}", "actor": name, **fields}


def retraction(report: str, *refers_to: str, by: str) -> dict[str, Any]:
    return {
        "type": "retraction",
        "incident": INC,
        "report": report,
        "by": by,
        "refers_to": list(refers_to),
        "reason": "withdrawn",
    }


def verdict(report: str, *refers_to: str, status: str) -> dict[str, Any]:
    return {
        "type": "verdict",
        "incident": INC,
        "report": report,
        "refers_to": list(refers_to),
        "status": status,
        "reason": "analyst's call",
        "by": "Analyst",
    }


def assessment(report: str, *refers_to: str, reliability: str, credibility: int) -> dict[str, Any]:
    return {
        "type": "assessment",
        "incident": INC,
        "report": report,
        "refers_to": list(refers_to),
        "reliability": reliability,
        "credibility": credibility,
    }


def discrepancy(report: str, *refers_to: str) -> dict[str, Any]:
    return {
        "type": "discrepancy",
        "incident": INC,
        "report": report,
        "refers_to": list(refers_to),
        "field": "location",
        "variants": [{"value": "eastern bank"}, {"value": "western bank"}],
    }


def correction(report: str, *refers_to: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "correction",
        "incident": INC,
        "report": report,
        "refers_to": list(refers_to),
        "reason": "entry error",
        **fields,
    }


def link(report: str, other: str = OTHER, relation: str = "context_for") -> dict[str, Any]:
    return {"type": "link", "incident": INC, "report": report, "other": other, "relation": relation}


def _log(*reports: dict[str, Any]) -> list[dict[str, Any]]:
    """Number the reports as the ledger would: positions 1.., per-incident versions, clock."""
    start = datetime(2024, 5, 1, tzinfo=UTC)
    versions: dict[str, int] = {}
    records = []
    for position, report in enumerate(reports, start=1):
        # An actor line is its own aggregate (`actor:<id>`), with versions of its own.
        aggregate = report.get("incident") or f"actor:{report['actor']}"
        versions[aggregate] = versions.get(aggregate, 0) + 1
        moment = start + timedelta(minutes=position)
        records.append(
            {
                "refers_to": [],
                **report,
                "position": position,
                "version": versions[aggregate],
                "recorded_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "recorded_by": "analyst@example.org",
            }
        )
    return records


_KEYS = {
    "incidents": ("incident",),
    "claims": ("report",),
    "disputes": ("claim", "denial"),
    "actors": ("actor",),
    "timeline": ("report",),
}


def _row(tables: dict[str, list[dict[str, Any]]], address: str) -> dict[str, Any] | None:
    """The row at 'table/key' (disputes: 'disputes/claim/denial'), or None if there is none."""
    table, *key = address.split("/")
    found = [r for r in tables[table] if [str(r[k]) for k in _KEYS[table]] == key]
    assert len(found) <= 1, f"{address} is not unique"
    return found[0] if found else None
