"""`ledger export --format acled`: one CSV row per incident, read back with the csv module."""

from __future__ import annotations

import csv
import io
import json

from projections.acled import COLUMNS, best_killed

STRIKE = "market-strike"
LINES = [
    {
        "type": "incident",
        "incident": STRIKE,
        "title": "Strike on a market",
        "category": "air/drone strike",
        "location": "Al-Bab",
        "lat": 36.37,
        "lon": -37.5,
        "occurred_from": "2024-03-02",
        "description": '=HYPERLINK("http://x") says a ministry; the army denies it.',
    },
    {
        "type": "claim",
        "incident": STRIKE,
        "report": "ministry",
        "by": "Ministry of Health",
        "summary": "Twelve killed.",
        "against": ["Air Force", "Allied militia"],
        "targets": ["Civilians"],
        "magnitude": {"killed": 12},
        "sources": [{"outlet": "Ministry of Health"}, {"outlet": "Wire Agency"}],
    },
    {
        "type": "claim",
        "incident": STRIKE,
        "report": "monitor",
        "by": "Monitor",
        "summary": "Nine killed.",
        "magnitude": {"killed": 9},
    },
    {
        "type": "claim",
        "incident": STRIKE,
        "report": "lowball",
        "by": "Army",
        "summary": "Two killed.",
        "magnitude": {"killed": 2},
    },
    # The lowest count is refuted: ACLED's conservative rule skips it.
    {
        "type": "verdict",
        "incident": STRIKE,
        "refers_to": "lowball",
        "status": "refuted",
        "reason": "Hospital records.",
    },
    {"type": "denial", "incident": STRIKE, "by": "Army", "refers_to": "ministry", "summary": "No."},
    # So is a count its own author took back.
    {
        "type": "claim",
        "incident": STRIKE,
        "report": "council",
        "by": "Local council",
        "summary": "One killed.",
        "magnitude": {"killed": 1},
    },
    {"type": "retraction", "incident": STRIKE, "refers_to": "council", "by": "Local council"},
]


def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def test_an_acled_row_reads_back_with_the_conservative_fatalities(run_cli) -> None:  # type: ignore[no-untyped-def]
    feed = "".join(json.dumps(line) + "\n" for line in LINES)
    assert run_cli("append", input=feed).exit_code == 0
    result = run_cli("export", "--format", "acled", "--incident", STRIKE)
    assert result.exit_code == 0, result.output
    header, rows = _rows(result.stdout)
    assert header == list(COLUMNS)
    [row] = rows
    assert row["event_id_cnty"] == STRIKE
    assert (row["event_date"], row["year"]) == ("2024-03-02", "2024")
    assert row["fatalities"] == "9"  # 2 is refuted, 1 retracted; 9 is the lowest standing
    assert row["tags"] == "ledger status=disputed"
    assert (row["actor1"], row["assoc_actor_1"], row["actor2"]) == (
        "Air Force",
        "Allied militia",
        "Civilians",
    )
    assert row["source"] == "Ministry of Health; Wire Agency"
    assert (row["latitude"], row["longitude"]) == ("36.37", "-37.5")
    assert row["notes"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert row["country"] == row["admin1"] == row["geo_precision"] == ""
    assert int(row["timestamp"]) > 1_700_000_000


def test_acled_export_of_an_unknown_incident_writes_nothing(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "-", input=json.dumps(LINES[0]) + "\n").exit_code == 0
    result = run_cli("export", "--format", "acled", "--incident", "nowhere")
    assert result.exit_code == 1
    assert result.stdout == ""


def test_best_killed_reads_counts_and_ranges_defensively() -> None:
    assert best_killed({"killed": 4}) == 4
    assert best_killed({"killed": {"low": 3, "best": 5, "high": 9}}) == 5
    assert best_killed({"killed": {"low": 3, "high": 9}}) == 3  # the conservative stand-in
    assert best_killed({"killed": True}) is None
    assert best_killed({"killed": {"high": 9}}) is None
    assert best_killed({"injured": 2}) is None
    assert best_killed(None) is None
