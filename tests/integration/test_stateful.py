"""The real application against a plain-Python model, step by random step (Hypothesis stateful).

The machine appends single reports with `IncidentLedger.append`, brings the views up to date
with `catch_up`, and sometimes reopens the database or rebuilds every view from the log. Beside
it, a model keeps each incident's report ids and derives every assertion's status with its own
reading of DOMAIN.md's rules ("Derived status"), written here without `ledger.fold`.

Illegal steps (an unknown incident or report, a reused id, a retracted link, a corrected
correction, ...) must raise the right `ledger.errors` class and change nothing: each one comes
after a valid line in the same batch, so it also shows the batch is all or nothing.

After every step: each incident's version and history are the model's, the log holds the
model's number of events, and the `claims` and `incidents` views hold the model's statuses and
counts. SQLite runs by default; PostgreSQL (fewer examples) is marked `postgres`.
The model is in ledger_model.py.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, create_engine, text

from ledger.application import IncidentLedger
from ledger.errors import (
    DomainRuleViolation,
    IncidentAlreadyOpen,
    IncidentNotFound,
    InvalidReference,
    ReportIdClash,
    ReportNotFound,
)
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from projections.catchup import catch_up
from projections.rebuild import rebuild
from tests.conftest import _admin_connect, _pg_url, lines_of
from tests.integration.ledger_model import (
    ACTORS,
    ASSERTIONS,
    CORRECTABLE,
    INCIDENTS,
    RECORDER,
    RELATIONS,
    STATED,
    SUMMARIES,
    TEXT_KEY,
    VERDICTS,
    ClaimRow,
    IllegalStep,
    LedgerModel,
    ModelReport,
)

# ---------------------------------------------------------------------------------------------
# Throwaway databases (a state machine cannot use pytest fixtures, so these are plain helpers)


def copy_sqlite_database(template: Path) -> str:
    path = template.with_name(f"ledger-{uuid.uuid4().hex[:12]}.db")
    shutil.copyfile(template, path)
    return str(path)


def remove_sqlite_database(url: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(url + suffix).unlink(missing_ok=True)


def clone_postgres_database(template: str) -> str:
    """A fresh migrated PostgreSQL database, cloned from the session's template."""
    name = f"ledger_stateful_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _pg_url(name)


def drop_postgres_database(url: str) -> None:
    name = url.rpartition("/")[2]
    with _admin_connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------------
# The machine


class LedgerMachine(RuleBasedStateMachine):
    """Subclasses say where each example's fresh database comes from and how it goes away."""

    create_database: ClassVar[Callable[[], str]]
    drop_database: ClassVar[Callable[[str], None]]

    def __init__(self) -> None:
        super().__init__()
        self.url = type(self).create_database()
        self.store = resolve(self.url)
        self.ledger = IncidentLedger(self.store, lock_timeout=10)
        self.engine: Engine = create_engine(self.store.sqlalchemy_url)
        self.model = LedgerModel()
        self.ids = 0

    def teardown(self) -> None:
        self.ledger.close()
        self.engine.dispose()
        type(self).drop_database(self.url)

    # -- helpers -------------------------------------------------------------------------------

    def new_id(self, prefix: str = "r") -> str:
        self.ids += 1
        return f"{prefix}{self.ids}"

    def append(self, *lines: dict[str, Any]) -> int:
        """Append the lines as one batch, bring the views up to date; returns events added."""
        result = self.ledger.append(lines_of(*lines), recorded_by=RECORDER)  # type: ignore[arg-type]
        catch_up(self.ledger, self.store)
        return result.added

    def file(self, line: dict[str, Any]) -> None:
        """Append one new report and record it in the model."""
        assert self.append(line) == 1
        report_type = line["type"]
        current = {k: v for k, v in line.items() if k not in ("type", "incident", "report")}
        refers_to = tuple(line.get("refers_to", ()))
        self.model.record(
            ModelReport(line["report"], report_type, line["incident"], line, current, refers_to)
        )

    def log_rows(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text("SELECT COUNT(*) FROM ledger_events")).scalar_one())

    def assert_refused(self, error: type[DomainRuleViolation], line: dict[str, Any]) -> None:
        """A valid report then `line`, in one batch: `error` is raised and nothing is written."""
        before = self.log_rows()
        valid = {
            "type": "claim",
            "incident": next(iter(self.model.history)),
            "report": self.new_id("ghost-"),
            "by": "Monitor",
            "summary": "Written only if the whole batch is",
        }
        with pytest.raises(error):
            self.append(valid, line)
        assert self.log_rows() == before
        assert self.ledger.find_reports([valid["report"]]) == {}

    def some(self, data: st.DataObject, choices: list[str]) -> str:
        return data.draw(st.sampled_from(sorted(choices)))

    def some_report(self, data: st.DataObject, types: tuple[str, ...]) -> ModelReport:
        """A report of one of `types`: the type first, so rare types are picked as often."""
        present = sorted({self.model.reports[r].type for r in self.model.of_types(types)})
        chosen = data.draw(st.sampled_from(present))
        return self.model.reports[self.some(data, self.model.of_types((chosen,)))]

    def open_incidents(self) -> list[str]:
        return list(self.model.history)

    # -- legal steps ---------------------------------------------------------------------------

    @initialize(claimant=st.sampled_from(ACTORS), denier=st.sampled_from(ACTORS))
    def start_with_a_claim_denied_from_another_incident(self, claimant: str, denier: str) -> None:
        # Most rules need something to refer to: without a start, short runs test little.
        self.open_an_incident("inc-a")
        self.open_an_incident("inc-b")
        claim = self.new_id()
        self.file(
            {
                "type": "claim",
                "incident": "inc-a",
                "report": claim,
                "by": claimant,
                "summary": SUMMARIES[0],
            }
        )
        self.file(
            {
                "type": "denial",
                "incident": "inc-b",
                "report": self.new_id(),
                "by": denier,
                "refers_to": [claim],
                "summary": SUMMARIES[1],
            }
        )

    @rule(slug=st.sampled_from(INCIDENTS))
    def open_an_incident(self, slug: str) -> None:
        line = {"type": "incident", "incident": slug, "title": f"Incident {slug}"}
        if slug in self.model.history:
            assert self.append(line) == 0  # the same incident line again adds nothing
            return
        assert self.append(line) == 1
        self.model.history[slug] = [slug]
        self.model.events += 1

    @precondition(lambda self: self.model.history)
    @rule(data=st.data(), kind=st.sampled_from(ASSERTIONS), by=st.sampled_from(ACTORS))
    def make_an_assertion(self, data: st.DataObject, kind: str, by: str) -> None:
        line = {
            "type": kind,
            "incident": self.some(data, self.open_incidents()),
            "report": self.new_id(),
            "by": by,
            "summary": data.draw(st.sampled_from(SUMMARIES)),
        }
        if kind == "warning":
            line["addressee"] = "US military command"
        self.file(line)

    @precondition(lambda self: self.model.of_types(ASSERTIONS))
    @rule(data=st.data(), by=st.sampled_from(ACTORS))
    def deny(self, data: st.DataObject, by: str) -> None:
        targets = data.draw(
            st.lists(
                st.sampled_from(sorted(self.model.of_types(ASSERTIONS))),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        self.file(
            {
                "type": "denial",
                "incident": self.some(data, self.open_incidents()),
                "report": self.new_id(),
                "by": by,
                "refers_to": targets,
                "summary": "It did not happen",
            }
        )

    @precondition(lambda self: self.model.of_types(ASSERTIONS))
    @rule(
        data=st.data(),
        by=st.sampled_from(ACTORS),
        independent=st.sampled_from([True, False, None]),
    )
    def corroborate(self, data: st.DataObject, by: str, independent: bool | None) -> None:
        line: dict[str, Any] = {
            "type": "corroboration",
            "incident": self.some(data, self.open_incidents()),
            "report": self.new_id(),
            "by": by,
            "refers_to": [self.some(data, self.model.of_types(ASSERTIONS))],
            "summary": "Seen by observers",
        }
        if independent is not None:
            line["independent"] = independent
        self.file(line)

    @precondition(lambda self: self.model.of_types(ASSERTIONS))
    @rule(data=st.data(), status=st.sampled_from(VERDICTS))
    def give_a_verdict(self, data: st.DataObject, status: str) -> None:
        self.file(
            {
                "type": "verdict",
                "incident": self.some(data, self.open_incidents()),
                "report": self.new_id(),
                "refers_to": [self.some(data, self.model.of_types(ASSERTIONS))],
                "status": status,
                "reason": "Analyst's call",
            }
        )

    @precondition(lambda self: self.model.of_types(STATED))
    @rule(data=st.data(), by_the_asserter=st.booleans(), someone=st.sampled_from(ACTORS))
    def retract(self, data: st.DataObject, by_the_asserter: bool, someone: str) -> None:
        target = self.some_report(data, STATED)
        self.file(
            {
                "type": "retraction",
                "incident": self.some(data, self.open_incidents()),
                "report": self.new_id(),
                "refers_to": [target.report],
                "by": target.by if by_the_asserter else someone,
            }
        )

    @precondition(lambda self: self.model.of_types(CORRECTABLE))
    @rule(data=st.data())
    def correct(self, data: st.DataObject) -> None:
        target = self.some_report(data, CORRECTABLE)
        options: list[dict[str, Any]] = [{TEXT_KEY[target.type]: "Corrected text"}]
        if "by" in target.current:
            options.append({"by": data.draw(st.sampled_from(ACTORS))})
        if target.type == "corroboration":
            options.append({"independent": data.draw(st.booleans())})
        if target.type == "verdict":
            options.append({"status": data.draw(st.sampled_from(VERDICTS))})
        changes = data.draw(st.sampled_from(options))
        self.file(
            {
                "type": "correction",
                "incident": self.some(data, self.open_incidents()),
                "report": self.new_id(),
                "refers_to": [target.report],
                "reason": "Entered wrongly",
                "changes": changes,
            }
        )
        target.current.update(changes)

    @precondition(lambda self: self.model.of_types(CORRECTABLE))
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        target = self.some_report(data, CORRECTABLE)
        self.file(
            {
                "type": "correction",
                "incident": self.some(data, self.open_incidents()),
                "report": self.new_id(),
                "refers_to": [target.report],
                "reason": "Entered twice",
                "void": True,
            }
        )
        target.voided = True

    @precondition(lambda self: len(self.model.history) >= 2)
    @rule(data=st.data(), relation=st.sampled_from(RELATIONS))
    def link_two_incidents(self, data: st.DataObject, relation: str) -> None:
        incident = self.some(data, self.open_incidents())
        other = self.some(data, [s for s in self.open_incidents() if s != incident])
        self.file(
            {
                "type": "link",
                "incident": incident,
                "report": self.new_id(),
                "other": other,
                "relation": relation,
            }
        )

    @precondition(lambda self: self.model.reports)
    @rule(data=st.data())
    def repeat_an_earlier_report_verbatim(self, data: st.DataObject) -> None:
        line = self.model.reports[self.some(data, list(self.model.reports))].line
        assert self.append(line) == 0

    @rule()
    def reopen_the_database(self) -> None:
        self.ledger.close()
        self.ledger = IncidentLedger(self.store, lock_timeout=10)

    @rule()
    def rebuild_the_projections(self) -> None:
        rebuild(self.ledger, self.store)

    # -- illegal steps: the right error, and nothing changes ------------------------------------

    def illegal_steps(self, data: st.DataObject) -> dict[str, IllegalStep]:
        """Each illegal step possible now: the error it must raise, and its line (drawn late)."""
        incident = self.some(data, self.open_incidents())
        steps: dict[str, IllegalStep] = {
            "claim on an unknown incident": (
                IncidentNotFound,
                lambda: {
                    "type": "claim",
                    "incident": "inc-unknown",
                    "by": "SDF",
                    "summary": "Fire",
                },
            ),
            "deny an unknown report": (
                ReportNotFound,
                lambda: {
                    "type": "denial",
                    "incident": incident,
                    "by": "SDF",
                    "refers_to": ["no-such-report"],
                    "summary": "No",
                },
            ),
            "reopen an incident with another title": (
                IncidentAlreadyOpen,
                lambda: {"type": "incident", "incident": incident, "title": "Another title"},
            ),
            "link an incident to itself": (
                InvalidReference,
                lambda: {
                    "type": "link",
                    "incident": incident,
                    "other": incident,
                    "relation": "same_as",
                },
            ),
        }
        if self.model.reports:
            steps["reuse a report id with different content"] = (
                ReportIdClash,
                lambda: self.altered_line(data),
            )
        if self.model.of_types(("link",)):
            steps["retract a link"] = (
                InvalidReference,
                lambda: {
                    "type": "retraction",
                    "incident": incident,
                    "refers_to": [self.some(data, self.model.of_types(("link",)))],
                    "by": data.draw(st.sampled_from(ACTORS)),
                },
            )
        if self.model.of_types(("correction",)):
            steps["correct a correction"] = (
                InvalidReference,
                lambda: {
                    "type": "correction",
                    "incident": incident,
                    "refers_to": [self.some(data, self.model.of_types(("correction",)))],
                    "reason": "Second thoughts",
                    "void": True,
                },
            )
        if self.model.of_types(ASSERTIONS):
            steps["correct which incident a claim is in"] = (
                InvalidReference,
                lambda: {
                    "type": "correction",
                    "incident": incident,
                    "refers_to": [self.some(data, self.model.of_types(ASSERTIONS))],
                    "reason": "Move it",
                    "changes": {"incident": "inc-c"},
                },
            )
        return steps

    def altered_line(self, data: st.DataObject) -> dict[str, Any]:
        """An earlier report's line, its id kept and its text changed."""
        line = dict(self.model.reports[self.some(data, list(self.model.reports))].line)
        key = TEXT_KEY[line["type"]]
        line[key] = str(line.get(key, "")) + " (altered)"
        return line

    @precondition(lambda self: self.model.history)
    @rule(data=st.data())
    def take_an_illegal_step(self, data: st.DataObject) -> None:
        steps = self.illegal_steps(data)
        name = data.draw(st.sampled_from(sorted(steps)), label="illegal step")
        error, make_line = steps[name]
        self.assert_refused(error, make_line())

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def the_log_holds_the_models_events(self) -> None:
        assert self.log_rows() == self.model.events

    @invariant()
    def each_incidents_version_and_history_are_the_models(self) -> None:
        for slug, reports in self.model.history.items():
            assert self.ledger.get_incident(slug).version == len(reports)
            history = [event.report for _, event in self.ledger.positioned_events(slug)]
            assert history == reports

    @invariant()
    def the_claims_view_agrees_with_the_models_statuses(self) -> None:
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT report, status, denials, corroborations, other_corroborations "
                    "FROM claims"
                )
            ).all()
        actual = {row[0]: ClaimRow(row[1], row[2], row[3], row[4]) for row in rows}
        assert actual == self.model.claims()

    @invariant()
    def the_incidents_view_agrees_with_the_models_statuses(self) -> None:
        with self.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT incident, status, assertions FROM incidents")
            ).all()
        assert {row[0]: (row[1], row[2]) for row in rows} == self.model.incidents()


# ---------------------------------------------------------------------------------------------


def test_the_ledger_on_sqlite_behaves_like_the_model(tmp_path: Path) -> None:
    # Check random legal and illegal steps keep versions, history and views equal to the model.
    template = tmp_path / "template.db"
    upgrade(resolve(str(template)))

    class OnSqlite(LedgerMachine):
        create_database = staticmethod(lambda: copy_sqlite_database(template))
        drop_database = staticmethod(remove_sqlite_database)

    run_state_machine_as_test(
        OnSqlite,
        settings=settings(
            max_examples=15,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


@pytest.mark.postgres
def test_the_ledger_on_postgres_behaves_like_the_model(pg_template: str) -> None:
    # Check the same machine on PostgreSQL, each example on a clone of the migrated template.

    class OnPostgres(LedgerMachine):
        create_database = staticmethod(lambda: clone_postgres_database(pg_template))
        drop_database = staticmethod(drop_postgres_database)

    run_state_machine_as_test(
        OnPostgres,
        settings=settings(
            max_examples=5,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
