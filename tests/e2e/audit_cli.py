"""Shared by test_audit.py and test_proof_and_export.py: the shelling claim's audit steps and
keys, and helpers that invoke the CLI on a ledger and read its JSON back. The fixtures built on
these (`pristine`, `example`, `imported`) are in conftest.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from cli.main import app
from ledger.errors import EXIT_OK

Cli = Callable[..., Result]

AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
SHELLING = "deir-ez-zor-shelling-2017-09"
MOD = "Russian Ministry of Defence"
SDF = "Syrian Democratic Forces"
NOT_AT_THAT_CUT = "error: report 'mod-shelling' was not yet in the ledger at that cut-off\n"
UNKNOWN_REPORT = "error: report 'no-such-report' is not in the ledger\n"

# (report, type, by, stated_at, status_after) of every step of the shelling claim's audit.
SHELLING_STEPS = [
    ("mod-shelling", "claim", MOD, "2017-09-21", "unverified"),
    ("sdf-shelling-denial", "denial", SDF, "2017-09-21", "disputed"),
    ("mod-shelling-bank-discrepancy", "discrepancy", None, None, "disputed"),
    ("mod-shelling-date-discrepancy", "discrepancy", None, None, "disputed"),
    ("mod-shelling-assessment", "assessment", "Ledger analyst", None, "disputed"),
]
AUDIT_KEYS = {
    "report",
    "incident",
    "type",
    "status",
    "derived",
    "steps",
    "provenance",
    "verified",
    "chain",
}
STEP_KEYS = {
    "position",
    "report",
    "incident",
    "type",
    "version",
    "by",
    "stated_at",
    "recorded_at",
    "recorded_by",
    "summary",
    "status_after",
}


def invoke(db: str, *args: str, input: str | None = None, key: Path | None = None) -> Result:
    """`ledger --db DB --as tester ARGS`, signing writes with `key` if given."""
    return CliRunner().invoke(
        app,
        ["--db", db, "--as", "tester", *args],
        input=input,
        env={"LEDGER_SIGNING_KEY": str(key) if key else None},
    )


def json_of(cli: Cli, *args: str) -> Any:
    """The parsed stdout of a command that must succeed."""
    result = cli(*args)
    assert result.exit_code == EXIT_OK, result.output
    return json.loads(result.stdout)


def step_rows(audit: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (s["report"], s["type"], s["by"], s["stated_at"], s["status_after"]) for s in audit["steps"]
    ]


def statuses(audit: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["report"], s["status_after"]) for s in audit["steps"]]


def recorded_at(cli: Cli, incident: str) -> dict[str, str]:
    """Each event's recorded_at by report (the incident's slug for the event opening it)."""
    return {
        row.get("report", row["incident"]): row["recorded_at"]
        for row in json_of(cli, "history", incident, "--format", "json")
    }
