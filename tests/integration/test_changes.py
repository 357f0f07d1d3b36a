"""`ledger changes`: ledger-wide, from the views, the same answer as `diff` per incident."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cli.audit_commands import parse_cut
from ledger.application import IncidentLedger
from ledger.records import Cut
from ledger.replay import changes as _changes
from ledger.replay import incident_state
from ledger.store.config import resolve
from projections.catchup import catch_up
from projections.changes import changes
from tests.conftest import EXAMPLE, EXAMPLE_ACTORS, EXAMPLE_EVENTS, read_lines
from tests.integration.projection_tables import ALL_INCIDENTS, MORE_REPORTS, append

# Positions, stated dates (day, month, year) and recorded moments, around the two appends.
CUTS = ("#0", "#1", "#5", "#12", "#15", "#22", "2017-09-16", "2017-09-20", "2017-09", "2016")


def _per_incident(ledger: IncidentLedger, since: Cut, until: Cut | None) -> tuple[set, set]:  # type: ignore[type-arg]
    """What `diff` says, incident by incident: new report ids, and status changes."""
    new: set[str] = set()
    statuses: set[tuple[Any, ...]] = set()
    for incident in ALL_INCIDENTS:
        before = incident_state(ledger, incident, since)
        after = incident_state(ledger, incident, until)
        diff = _changes(incident, before, after)
        new |= {r["report"] for r in diff["new_reports"]}
        statuses |= {
            (incident, None, c["before"], c["after"])
            for c in diff["incident"]
            if c["field"] == "status" and c["before"] is not None
        }
        statuses |= {
            (incident, c["report"], c["before"], c["after"])
            for c in diff["assertions"]
            if c["field"] == "status"
        }
    return new, statuses


def _ordered(ledger: IncidentLedger, since: Cut, until: Cut | None) -> bool:
    records = [ledger.record_of(n.id, n) for batch in ledger.iter_notifications() for n in batch]
    return all(until is None or until.admits(r) for r in records if since.admits(r))


def _ledger_wide(db_url: str, since: Cut, until: Cut | None) -> tuple[set, set]:  # type: ignore[type-arg]
    rows = changes(resolve(db_url), since, until)
    new = {r["report"] for r in rows if r["change"] == "new"}
    statuses = {
        (r["incident"], r["report"], r["from"], r["to"]) for r in rows if r["change"] == "status"
    }
    return new, statuses


def test_changes_between_any_two_cuts_are_what_diff_says_incident_by_incident(
    ledger: IncidentLedger, db_url: str
) -> None:
    ledger.append(read_lines(), recorded_by="tester")
    middle = ledger.max_position()
    (last,) = ledger.recorder.select_notifications(start=middle, limit=1)
    recorded = ledger.record_of(middle, last)["recorded_at"]
    append(ledger, *MORE_REPORTS)
    catch_up(ledger, resolve(db_url))
    cuts = (*CUTS, f"@{recorded}", "@2000-01-01")
    compared = 0
    for since_text in cuts:
        for until_text in (None, "#12", "#18", f"@{recorded}", "2017-09-21"):
            since = parse_cut(since_text, "--since")
            until = parse_cut(until_text, "--until") if until_text else None
            if not _ordered(ledger, since, until):
                continue  # the later cut leaves out what the earlier holds: not "since"
            expected = _per_incident(ledger, since, until)
            assert _ledger_wide(db_url, since, until) == expected, (since_text, until_text)
            compared += bool(expected[0] or expected[1])
    # Check the comparison was not of empty answers only.
    assert compared > 20


def test_changes_prints_table_csv_and_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    # The example's actor lines come first: the incidents' events follow them.
    rows = json.loads(
        run_cli("changes", "--since", f"#{EXAMPLE_ACTORS + 6}", "--format", "json").output
    )
    assert [r["position"] for r in rows if r["change"] == "new"] == list(
        range(EXAMPLE_ACTORS + 7, EXAMPLE_EVENTS + 1)
    )
    assert {
        "position": None,
        "change": "status",
        "incident": "deir-ez-zor-shelling-2017-09",
        "report": "mod-shelling",
        "type": "claim",
        "by": "Russian Ministry of Defence",
        "from": "unverified",
        "to": "disputed",
        "summary": rows[-1]["summary"],
    } in rows
    since, until = f"#{EXAMPLE_ACTORS + 6}", f"#{EXAMPLE_ACTORS + 8}"
    csv = run_cli("changes", "--since", since, "--until", until, "--format", "csv").output
    assert csv.splitlines()[0] == "position,change,incident,report,type,by,from,to,summary"
    import csv as csv_module

    parsed = list(csv_module.DictReader(csv.splitlines()))
    assert [r["position"] for r in parsed if r["change"] == "new"] == [
        str(EXAMPLE_ACTORS + 7),
        str(EXAMPLE_ACTORS + 8),
    ]
    assert ("mod-shelling", "unverified", "disputed") in {
        (r["report"], r["from"], r["to"]) for r in parsed if r["change"] == "status"
    }
    table = run_cli("changes", "--since", "#12")
    assert table.exit_code == 0


@pytest.mark.parametrize("cut", ["#x", "", "@yesterday", "not a date"])
def test_a_bad_cut_is_a_usage_error(run_cli, cut: str) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    result = run_cli("changes", "--since", cut)
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1


def test_statuses_before_the_cut_resolve_names_as_the_views_do(
    ledger: IncidentLedger, db_url: str
) -> None:
    # The SDF denying, under its alias, a claim made under its full name is an internal denial,
    # not a dispute (DOMAIN.md rule 4): the views say so, and the earlier state must too, or a
    # report that changes nothing would show the claim as moving from "disputed".
    append(
        ledger,
        {"type": "actor", "actor": "Syrian Democratic Forces", "aliases": ["SDF"]},
        {"type": "incident", "incident": "river-crossing", "title": "River crossing"},
        {
            "type": "claim",
            "incident": "river-crossing",
            "report": "sdf-claim",
            "by": "Syrian Democratic Forces",
            "summary": "We crossed the river",
        },
        {
            "type": "denial",
            "incident": "river-crossing",
            "report": "sdf-denial",
            "by": "SDF",
            "refers_to": ["sdf-claim"],
            "summary": "No crossing yet",
        },
    )
    cut = Cut(at_position=ledger.max_position())
    append(
        ledger,
        {
            "type": "discrepancy",
            "incident": "river-crossing",
            "report": "counts-differ",
            "refers_to": ["sdf-claim"],
            "field": "killed",
            "variants": [
                {"value": "3", "sources": [{"outlet": "AP"}]},
                {"value": "5", "sources": [{"outlet": "Reuters"}]},
            ],
        },
    )
    catch_up(ledger, resolve(db_url))
    before = incident_state(ledger, "river-crossing", cut)
    after = incident_state(ledger, "river-crossing", None)
    diff = _changes("river-crossing", before, after)
    expected = {
        ("river-crossing", c["report"], c["before"], c["after"])
        for c in diff["assertions"]
        if c["field"] == "status"
    }
    assert _ledger_wide(db_url, cut, None) == ({"counts-differ"}, expected)
