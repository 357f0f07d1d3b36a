"""Events today's input rules refuse, but which an older version let into the log (the log is
append-only: they stay): the projector names each one and the way out, and the void
correction it names lets every rebuild and catch-up through again. Both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import Result

from ledger.application import IncidentLedger
from ledger.domain import Incident
from ledger.errors import UnprojectableEvent
from ledger.store.config import resolve
from ledger.timeutil import utc_now
from projections.catchup import catch_up
from projections.rebuild import rebuild
from tests.conftest import lines_of

RunCli = Callable[..., Result]


class _AsAnOlderVersionSawIt:
    """A report directory that knows of no report and no incident: what an older version's
    checks amounted to for a report id that was already an incident's slug."""

    def find(self, report: str) -> None:
        return None

    def incident_exists(self, incident: str) -> bool:
        return False


def plant(ledger: IncidentLedger, fields: dict[str, Any]) -> None:
    """Append a claim through the domain and the ledger's one write path, without today's
    namespace and name checks: as an older version did. An id another report holds cannot be
    indexed again, so that one goes in as a hand-written row would: the event alone."""
    incident: Incident = ledger.get_incident(fields["incident"])
    event = incident.file(
        "claim",
        fields,
        directory=_AsAnOlderVersionSawIt(),
        recorded_at=utc_now(),
        recorded_by="an older version",
    )
    assert event is not None
    indexed = not ledger.find_reports([event.report])
    with ledger.recorder.write_session() as session:  # type: ignore[attr-defined]
        if indexed:
            ledger._flush(session, [event], {incident.slug: incident})
        else:
            session.insert(ledger.event_rows([event]), [], [])


@pytest.fixture
def ledger(db_url: str) -> Any:
    app = IncidentLedger(resolve(db_url), lock_timeout=10)
    app.append(
        lines_of(
            {"type": "incident", "incident": "inc-a", "title": "Shelling"},
            {"type": "claim", "incident": "inc-a", "report": "c1", "by": "SDF", "summary": "S"},
        ),
        recorded_by="tester",
    )
    yield app
    app.close()


def void(ledger: IncidentLedger, report: str) -> None:
    ledger.append(
        lines_of(
            {
                "type": "correction",
                "incident": "inc-a",
                "refers_to": [report],
                "void": True,
                "reason": "left by an older version",
            }
        ),
        recorded_by="tester",
    )


POISONS = {
    "a report id that is its incident's slug": (
        {"incident": "inc-a", "report": "inc-a", "by": "MoD", "summary": "Fire"},
        "its report id is already held by the event at position 1",
        3,  # left out of the views
    ),
    "a report id another report holds": (
        {"incident": "inc-a", "report": "c1", "by": "MoD", "summary": "Other fire"},
        "its report id is already held by the event at position 2",
        3,
    ),
    "a blank by": (
        {"incident": "inc-a", "report": "c2", "by": "\u3000", "summary": "Fire"},
        "it leaves claims.actor empty (a blank name?)",
        4,  # in the timeline, struck through
    ),
}


@pytest.mark.parametrize("poison", sorted(POISONS))
def test_a_rebuild_names_the_poisoned_event_and_a_void_correction_lets_it_through(
    ledger: IncidentLedger, db_url: str, poison: str
) -> None:
    fields, problem, stored = POISONS[poison]
    plant(ledger, {"type": "claim", **fields})
    report = fields["report"]

    # Check the rebuild stops naming position, incident, report, the problem and the way out.
    with pytest.raises(UnprojectableEvent) as caught:
        rebuild(ledger, resolve(db_url), workers=False)
    assert str(caught.value) == (
        f"the views cannot hold the event at position 3 (incident 'inc-a', report '{report}'): "
        f"{problem}; append a correction with \"void\": true for report '{report}' "
        f"(ledger correct inc-a --refers-to {report} --void --reason ...) and project again"
    )

    # Check the correction it names is accepted, and then the rebuild goes through.
    void(ledger, report)
    assert rebuild(ledger, resolve(db_url), workers=False) == stored
    assert catch_up(ledger, resolve(db_url)) == 0


@pytest.mark.parametrize("poison", sorted(POISONS))
def test_a_catch_up_stops_at_the_poisoned_event_and_resumes_once_it_is_voided(
    ledger: IncidentLedger, db_url: str, poison: str
) -> None:
    fields, _, _ = POISONS[poison]
    assert catch_up(ledger, resolve(db_url)) == 2
    plant(ledger, {"type": "claim", **fields})

    with pytest.raises(UnprojectableEvent, match=r"at position 3 \(incident 'inc-a'"):
        catch_up(ledger, resolve(db_url))

    void(ledger, fields["report"])
    assert catch_up(ledger, resolve(db_url)) == 2


def test_the_incident_keeps_its_row_when_a_report_sharing_its_slug_is_voided(
    ledger: IncidentLedger, db_url: str, run_cli: RunCli
) -> None:
    # Check the void reaches the report (the incident cannot be corrected), in the views and in
    # `show`, which folds the log itself.
    plant(ledger, {"type": "claim", "incident": "inc-a", "report": "inc-a", "by": "MoD",
                   "summary": "Fire"})  # fmt: skip
    void(ledger, "inc-a")
    assert run_cli("project", "--rebuild").exit_code == 0
    claims = run_cli("report", "claims", "--format", "json")
    assert [row["report"] for row in json.loads(claims.stdout)] == ["c1"]
    shown = run_cli("show", "inc-a", "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert '"title": "Shelling"' in shown.stdout or '"title":"Shelling"' in shown.stdout
    assert '"report": "inc-a", "type": "claim"' not in shown.stdout


def test_project_rebuild_refuses_with_one_line_and_exit_3_naming_the_way_out(
    ledger: IncidentLedger, run_cli: RunCli
) -> None:
    plant(ledger, {"type": "claim", "incident": "inc-a", "report": "c2", "by": " \t",
                   "summary": "Fire"})  # fmt: skip
    result = run_cli("project", "--rebuild")
    assert result.exit_code == 3, result.output
    assert re.fullmatch(
        r"error: the views cannot hold the event at position 3 \(incident 'inc-a', report 'c2'\)"
        r": .*; append a correction with \"void\": true for report 'c2' .*\n",
        result.stderr,
    ), result.stderr
    assert "Traceback" not in result.output


def insert_undecodable_row(db_url: str) -> None:
    """A row whose state is not UTF-8, written straight into the log (as damage would leave it)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
                    "VALUES ('inc-a', 3, 'incident-ledger:Incident.ClaimMade', :state)"
                ),
                {"state": b'{"report": "\xff"}'},
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "command", [("show", "inc-a"), ("history", "inc-a"), ("project", "--rebuild"), ("project",)]
)
def test_an_undecodable_row_is_one_line_naming_its_position_with_exit_3(
    ledger: IncidentLedger, db_url: str, run_cli: RunCli, command: tuple[str, ...]
) -> None:
    insert_undecodable_row(db_url)
    result = run_cli(*command)
    assert result.exit_code == 3, result.output
    assert result.stderr == (
        "error: the event at position 3 (incident 'inc-a', version 3) cannot be decoded "
        "('utf-8' codec can't decode byte 0xff in position 12: invalid start byte); "
        "run 'ledger verify'\n"
    )
    assert "Traceback" not in result.output
