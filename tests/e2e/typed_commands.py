"""Shared by the tests/e2e/test_cli_*.py modules: the brief's claim and every typed command with
every option it offers (and the JSON line each must record), and helpers that read the log back
and check a clean error. The fixtures built on these are in conftest.py.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from typer.testing import Result

from ledger.store.config import resolve

RunCli = Callable[..., Result]

INC = "inc-a"
OTHER = "inc-b"
LEDGER = str(Path(sys.executable).parent / "ledger")
AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
SHELLING = "deir-ez-zor-shelling-2017-09"
SLUG_PROBLEM = "must be a slug: lowercase letters, digits, '.', '_' or '-', at most 100"
NOT_FOUND = "incident '{}' does not exist (open it first with 'ledger open')"

# The brief's claim, option by option, and the JSON line it stands for.
CLAIM_ARGS = [
    "claim",
    INC,
    "--report",
    "r1",
    "--by",
    "X",
    "--summary",
    "S",
    "--against",
    "A",
    "--against",
    "B",
    "--stated-at",
    "2017-09-21",
    "--source",
    "TASS; kind=wire",
    "--occurrences",
    "2",
]
CLAIM_LINE = {
    "type": "claim",
    "incident": INC,
    "report": "r1",
    "by": "X",
    "summary": "S",
    "against": ["A", "B"],
    "stated_at": "2017-09-21",
    "sources": [{"outlet": "TASS", "kind": "wire"}],
    "magnitude": {"occurrences": 2},
}

# Every typed command with every option it offers, and the JSON line each must record.
TYPED: dict[str, tuple[list[str], dict[str, Any]]] = {
    "open": (
        [
            "open",
            "inc-c",
            "--title",
            "Shelling near Deir el-Zour",
            "--category",
            "shelling/artillery/missile attack",
            "--location",
            "Deir ez-Zor, Syria",
            "--location-qualifier",
            "eastern bank",
            "--lat",
            "35.33",
            "--lon",
            "40.14",
            "--occurred-from",
            "2017-09",
            "--occurred-to",
            "2017-09-21",
            "--description",
            "Mortar fire, twice",
        ],
        {
            "type": "incident",
            "incident": "inc-c",
            "title": "Shelling near Deir el-Zour",
            "category": "shelling/artillery/missile attack",
            "location": "Deir ez-Zor, Syria",
            "location_qualifier": "eastern bank",
            "lat": 35.33,
            "lon": 40.14,
            "occurred_from": "2017-09",
            "occurred_to": "2017-09-21",
            "description": "Mortar fire, twice",
        },
    ),
    "claim": (
        [
            "claim",
            INC,
            "--report",
            "c2",
            "--by",
            "Russian Ministry of Defence",
            "--speaker",
            "Maj Gen Igor Konashenkov",
            "--on-behalf-of",
            "Russian MoD",
            "--summary",
            "Fired on twice",
            "--stance",
            "accuses",
            "--against",
            "SDF",
            "--targets",
            "Syrian government forces",
            "--quote",
            "massive mortar fire",
            "--stated-at",
            "2017-09-21T14:05Z",
            "--source",
            "Russian MoD; kind=statement",
            "--source",
            "Firstpost; kind=web; url=https://www.firstpost.com/x; "
            "published_at=2017-09-21T21:07+05:30; quote_mode=direct",
            "--cameo",
            "194",
            "--occurrences",
            "2",
            "--killed",
            "0",
            "--injured",
            "6",
        ],
        {
            "type": "claim",
            "incident": INC,
            "report": "c2",
            "by": "Russian Ministry of Defence",
            "speaker": "Maj Gen Igor Konashenkov",
            "on_behalf_of": "Russian MoD",
            "summary": "Fired on twice",
            "stance": "accuses",
            "against": ["SDF"],
            "targets": ["Syrian government forces"],
            "quote": "massive mortar fire",
            "stated_at": "2017-09-21T14:05Z",
            "sources": [
                {"outlet": "Russian MoD", "kind": "statement"},
                {
                    "outlet": "Firstpost",
                    "kind": "web",
                    "url": "https://www.firstpost.com/x",
                    "published_at": "2017-09-21T21:07+05:30",
                    "quote_mode": "direct",
                },
            ],
            "cameo": "194",
            "magnitude": {"occurrences": 2, "killed": 0, "injured": 6},
        },
    ),
    "warn": (
        [
            "warn",
            INC,
            "--report",
            "w1",
            "--by",
            "X",
            "--addressee",
            "US military command",
            "--summary",
            "Will retaliate",
            "--speaker",
            "Konashenkov",
            "--on-behalf-of",
            "Russian MoD",
            "--threatened-party",
            "SDF",
            "--condition",
            "if fired upon",
            "--threatened-action",
            "retaliation",
            "--channel",
            "briefing",
            "--quote",
            "immediately met",
            "--stated-at",
            "2017-09-21",
            "--source",
            "TASS",
            "--cameo",
            "1384",
        ],
        {
            "type": "warning",
            "incident": INC,
            "report": "w1",
            "by": "X",
            "addressee": "US military command",
            "summary": "Will retaliate",
            "speaker": "Konashenkov",
            "on_behalf_of": "Russian MoD",
            "threatened_party": "SDF",
            "condition": "if fired upon",
            "threatened_action": "retaliation",
            "channel": "briefing",
            "quote": "immediately met",
            "stated_at": "2017-09-21",
            "sources": [{"outlet": "TASS"}],
            "cameo": "1384",
        },
    ),
    "deny": (
        [
            "deny",
            INC,
            "--report",
            "d1",
            "--by",
            "SDF",
            "--refers-to",
            "r1",
            "--summary",
            "7 km separates us",
            "--speaker",
            "Abu Khawla",
            "--on-behalf-of",
            "Deir ez-Zor Military Council",
            "--scope",
            "occurred",
            "--counter-claim",
            "IS holds the ground between",
            "--quote",
            "at least 7 km",
            "--stated-at",
            "2017-09-21",
            "--source",
            '{"outlet": "Rudaw", "kind": "web"}',
        ],
        {
            "type": "denial",
            "incident": INC,
            "report": "d1",
            "by": "SDF",
            "refers_to": ["r1"],
            "summary": "7 km separates us",
            "speaker": "Abu Khawla",
            "on_behalf_of": "Deir ez-Zor Military Council",
            "scope": "occurred",
            "counter_claim": "IS holds the ground between",
            "quote": "at least 7 km",
            "stated_at": "2017-09-21",
            "sources": [{"outlet": "Rudaw", "kind": "web"}],
        },
    ),
    "corroborate": (
        [
            "corroborate",
            INC,
            "--report",
            "k1",
            "--by",
            "Monitor",
            "--refers-to",
            "r1",
            "--summary",
            "Observers saw it",
            "--independent",
            "--basis",
            "Observers",
            "--quote",
            "we saw it",
            "--stated-at",
            "2017-09-22",
            "--source",
            "Monitor; kind=statement",
        ],
        {
            "type": "corroboration",
            "incident": INC,
            "report": "k1",
            "by": "Monitor",
            "refers_to": ["r1"],
            "summary": "Observers saw it",
            "independent": True,
            "basis": "Observers",
            "quote": "we saw it",
            "stated_at": "2017-09-22",
            "sources": [{"outlet": "Monitor", "kind": "statement"}],
        },
    ),
    "discrepancy": (
        [
            "discrepancy",
            INC,
            "--report",
            "x1",
            "--refers-to",
            "r1",
            "--field",
            "location_qualifier",
            "--variant",
            "western bank <= EIR",
            "--variant",
            "eastern bank <= Rudaw, Anadolu Agency",
            "--note",
            "Outlets disagree",
        ],
        {
            "type": "discrepancy",
            "incident": INC,
            "report": "x1",
            "refers_to": ["r1"],
            "field": "location_qualifier",
            "variants": [
                {"value": "western bank", "sources": [{"outlet": "EIR"}]},
                {
                    "value": "eastern bank",
                    "sources": [{"outlet": "Rudaw"}, {"outlet": "Anadolu Agency"}],
                },
            ],
            "note": "Outlets disagree",
        },
    ),
    "assess": (
        [
            "assess",
            INC,
            "--report",
            "a1",
            "--refers-to",
            "r1",
            "--reliability",
            "D",
            "--credibility",
            "3",
            "--rationale",
            "Single source",
            "--by",
            "Desk",
        ],
        {
            "type": "assessment",
            "incident": INC,
            "report": "a1",
            "refers_to": ["r1"],
            "reliability": "D",
            "credibility": 3,
            "rationale": "Single source",
            "by": "Desk",
        },
    ),
    "verdict": (
        [
            "verdict",
            INC,
            "--report",
            "v1",
            "--refers-to",
            "r1",
            "--status",
            "unverifiable",
            "--reason",
            "No access",
            "--by",
            "Desk",
        ],
        {
            "type": "verdict",
            "incident": INC,
            "report": "v1",
            "refers_to": ["r1"],
            "status": "unverifiable",
            "reason": "No access",
            "by": "Desk",
        },
    ),
    "retract": (
        [
            "retract",
            INC,
            "--report",
            "t1",
            "--refers-to",
            "r1",
            "--by",
            "X",
            "--reason",
            "Withdrawn",
            "--stated-at",
            "2017-09-23",
            "--source",
            "TASS; kind=wire",
        ],
        {
            "type": "retraction",
            "incident": INC,
            "report": "t1",
            "refers_to": ["r1"],
            "by": "X",
            "reason": "Withdrawn",
            "stated_at": "2017-09-23",
            "sources": [{"outlet": "TASS", "kind": "wire"}],
        },
    ),
    "correct": (
        [
            "correct",
            INC,
            "--report",
            "f1",
            "--refers-to",
            "r1",
            "--reason",
            "Speaker left out",
            "--change",
            'speaker="Maj Gen Igor Konashenkov"',
            "--change",
            "on-behalf-of=Russian MoD",
            "--by",
            "Desk",
        ],
        {
            "type": "correction",
            "incident": INC,
            "report": "f1",
            "refers_to": ["r1"],
            "reason": "Speaker left out",
            "changes": {
                "speaker": "Maj Gen Igor Konashenkov",
                "on_behalf_of": "Russian MoD",
            },
            "by": "Desk",
        },
    ),
    "correct --void": (
        ["correct", INC, "--report", "f2", "--refers-to", "r1", "--reason", "Dup", "--void"],
        {
            "type": "correction",
            "incident": INC,
            "report": "f2",
            "refers_to": ["r1"],
            "reason": "Dup",
            "void": True,
        },
    ),
    "link": (
        [
            "link",
            INC,
            "--report",
            "l1",
            "--other",
            OTHER,
            "--relation",
            "context_for",
            "--note",
            "Background",
        ],
        {
            "type": "link",
            "incident": INC,
            "report": "l1",
            "other": OTHER,
            "relation": "context_for",
            "note": "Background",
        },
    ),
}

LEDGER_KEYS = ("position", "version", "recorded_at", "recorded_by", "prev_hash", "hash")


def log_state(db_url: str) -> tuple[int, int, int]:
    """Rows in the three log tables: what 'nothing written' must leave unchanged."""
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            counts = [
                int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
                for table in ("ledger_events", "ledger_reports", "ledger_references")
            ]
    finally:
        engine.dispose()
    return counts[0], counts[1], counts[2]


def count_events(db_url: str) -> int:
    return log_state(db_url)[0]


def history(run_cli: RunCli, incident: str) -> list[dict[str, Any]]:
    result = run_cli("history", incident, "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def said(row: dict[str, Any]) -> dict[str, Any]:
    """A history row without the ledger's own keys: the report as its JSON line."""
    return {k: v for k, v in row.items() if k not in LEDGER_KEYS}


def assert_clean_error(result: Result, code: int, message: str) -> None:
    """Exit code first, then exactly one line on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == code, result.output
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def open_the_usual(run_cli: RunCli) -> RunCli:
    """Open inc-a and inc-b and file the claim r1 (the brief's example) on inc-a."""
    for slug in (INC, OTHER):
        result = run_cli("open", slug, "--title", f"Incident {slug}")
        assert result.exit_code == 0, result.output
    result = run_cli(*CLAIM_ARGS)
    assert result.exit_code == 0, result.output
    return run_cli
