"""The application on a real database (SQLite and PostgreSQL): append, replay, atomic batches,
cross-incident references, a real v1-to-v2 upcast from stored rows, and concurrent writers."""

from __future__ import annotations

import copy
import itertools
import json
import shutil
import string
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from ledger.application import IncidentLedger
from ledger.batch import ValidatedLine
from ledger.domain import Incident, IncidentEvent
from ledger.errors import (
    IncidentNotFound,
    InvalidReference,
    NamespaceClash,
    ReportIdClash,
    ReportNotFound,
)
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.conftest import EXAMPLE_EVENTS, _admin_connect, _pg_url, lines_of, read_lines

AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
SHELLING = "deir-ez-zor-shelling-2017-09"
MOD = "Russian Ministry of Defence"
SDF = "Syrian Democratic Forces"
TABLES = ("ledger_events", "ledger_reports", "ledger_references")

EXAMPLE_REPORTS = {
    AIRSTRIKE: [AIRSTRIKE, "sdf-airstrike-claim", "mod-airstrike-denial"],
    SHELLING: [
        SHELLING,
        "mod-shelling",
        "mod-retaliation-warning",
        "mod-special-forces-deployed",
        "sdf-shelling-denial",
        "mod-shelling-bank-discrepancy",
        "mod-shelling-date-discrepancy",
        "mod-shelling-assessment",
        "shelling-context-airstrike",
    ],
}


Lines = Callable[[], Iterable[ValidatedLine]]


def batch_of(*lines: dict[str, Any]) -> Lines:
    """conftest's `lines_of`, typed as what `IncidentLedger.append` takes."""
    return cast(Lines, lines_of(*lines))


def opening(slug: str) -> dict[str, Any]:
    return {"type": "incident", "incident": slug, "title": f"The {slug} incident"}


def claim(slug: str, report: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "claim",
        "incident": slug,
        "report": report,
        "by": MOD,
        "summary": f"{report} happened",
        **fields,
    }


def denial(slug: str, report: str, *refers_to: str) -> dict[str, Any]:
    return {
        "type": "denial",
        "incident": slug,
        "report": report,
        "by": SDF,
        "refers_to": list(refers_to),
        "summary": "It did not happen",
    }


def row_counts(db_url: str) -> dict[str, int]:
    """How many rows each table of the log holds, read with plain SQL."""
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                for table in TABLES
            }
    finally:
        engine.dispose()


def fresh_ledger(db_url: str) -> IncidentLedger:
    """A second application on the same database, with an empty aggregate cache."""
    return IncidentLedger(resolve(db_url), lock_timeout=10)


@contextmanager
def ledger_on(db_url: str) -> Iterator[IncidentLedger]:
    """A fresh application on the database (empty cache), closed afterwards."""
    reader = fresh_ledger(db_url)
    try:
        yield reader
    finally:
        reader.close()


# -- append and replay -----------------------------------------------------------------------


def test_appending_the_example_records_every_report(ledger: IncidentLedger, db_url: str) -> None:
    # Check the append result and the rows written for the worked example.
    result = ledger.append(read_lines(), recorded_by="tester")
    assert (result.added, result.unchanged) == (EXAMPLE_EVENTS, 0)
    assert result.incidents == {AIRSTRIKE, SHELLING}
    assert result.reports == EXAMPLE_REPORTS[AIRSTRIKE] + EXAMPLE_REPORTS[SHELLING]
    assert row_counts(db_url) == {
        "ledger_events": EXAMPLE_EVENTS,
        "ledger_reports": 10,
        "ledger_references": 5,
    }
    assert ledger.max_position() == EXAMPLE_EVENTS


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def new_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], str]]:
    """Makes fresh migrated databases on one backend, for fixtures shared by a module's tests."""
    template = request.getfixturevalue("pg_template") if request.param == "postgres" else ""
    made: list[str] = []

    def make() -> str:
        if not template:
            path = tmp_path_factory.mktemp("shared") / "ledger.db"
            upgrade(resolve(str(path)))
            return str(path)
        name = f"ledger_app_{uuid.uuid4().hex[:12]}"
        with _admin_connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        made.append(name)
        return _pg_url(name)

    yield make
    for name in made:
        with _admin_connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def example_db(new_database: Callable[[], str]) -> str:
    """One database per backend holding the worked example, for tests that only read it."""
    url = new_database()
    writer = fresh_ledger(url)
    writer.append(read_lines(), recorded_by="tester")
    writer.close()
    return url


@pytest.fixture(scope="module")
def example(example_db: str) -> Iterator[IncidentLedger]:
    """A ledger application on the worked example (read only)."""
    with ledger_on(example_db) as reader:
        yield reader


@pytest.mark.parametrize("slug", [AIRSTRIKE, SHELLING])
def test_an_appended_incident_replays_from_the_log(
    example: IncidentLedger, example_db: str, slug: str
) -> None:
    # Check get_incident rebuilds the aggregate: its version, reports and chain head.
    with ledger_on(example_db) as reader:
        incident = reader.get_incident(slug)
    events = [e for _, e in example.positioned_events(slug)]
    assert incident.version == len(EXAMPLE_REPORTS[slug])
    assert list(incident.reports) == EXAMPLE_REPORTS[slug]
    assert incident.last_hash == events[-1].hash


@pytest.mark.parametrize("slug", [AIRSTRIKE, SHELLING])
def test_positioned_events_come_in_version_order_with_rising_positions(
    example: IncidentLedger, slug: str
) -> None:
    # Check versions are 1..N, positions strictly increase, and the chain verifies.
    positioned = example.positioned_events(slug)
    positions = [p for p, _ in positioned]
    events = [e for _, e in positioned]
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert positions == sorted(set(positions))
    assert [e.report for e in events] == EXAMPLE_REPORTS[slug]
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    assert all(event_hash(e.content()) == e.hash for e in events)
    assert {e.recorded_by for e in events} == {"tester"}


def test_positions_across_incidents_follow_the_order_of_appending(
    example: IncidentLedger,
) -> None:
    # Check the log interleaves incidents in the order the file gave them.
    positions = {
        e.report: p for slug in (AIRSTRIKE, SHELLING) for p, e in example.positioned_events(slug)
    }
    ordered = sorted(positions, key=positions.__getitem__)
    assert ordered == EXAMPLE_REPORTS[AIRSTRIKE] + EXAMPLE_REPORTS[SHELLING]


def test_positioned_events_up_to_a_position_cut_the_history(example: IncidentLedger) -> None:
    # Check lte_position returns only the events logged by then.
    cut = example.positioned_events(SHELLING)[2][0]
    assert [e.report for _, e in example.positioned_events(SHELLING, lte_position=cut)] == (
        EXAMPLE_REPORTS[SHELLING][:3]
    )


def test_an_unknown_incident_is_not_found(example: IncidentLedger) -> None:
    # Check both read paths report a missing incident the same way.
    with pytest.raises(IncidentNotFound):
        example.get_incident("no-such-incident")
    with pytest.raises(IncidentNotFound) as caught:
        example.positioned_events("no-such-incident")
    assert str(caught.value) == (
        "incident 'no-such-incident' does not exist (open it first with 'ledger open')"
    )


def test_get_incident_at_a_version_replays_only_that_far(example: IncidentLedger) -> None:
    # Check the version argument rebuilds the past state.
    past = example.get_incident(SHELLING, version=2)
    assert (past.version, list(past.reports)) == (2, EXAMPLE_REPORTS[SHELLING][:2])


def test_the_recorded_by_of_a_line_overrides_the_batchs(ledger: IncidentLedger) -> None:
    # Check a line's own recorded_by wins over the appender's identity.
    ledger.append(
        batch_of(opening("inc"), claim("inc", "r1", recorded_by="line-recorder")),
        recorded_by="batch-recorder",
    )
    assert [e.recorded_by for _, e in ledger.positioned_events("inc")] == [
        "batch-recorder",
        "line-recorder",
    ]


# -- idempotence and atomicity ---------------------------------------------------------------


def test_appending_the_same_lines_again_adds_nothing(ledger: IncidentLedger, db_url: str) -> None:
    # Check a second import of the example is a no-op, row for row.
    ledger.append(read_lines(), recorded_by="tester")
    before = row_counts(db_url)
    result = ledger.append(read_lines(), recorded_by="someone else")
    assert (result.added, result.unchanged, result.reports) == (0, EXAMPLE_EVENTS, [])
    assert row_counts(db_url) == before


def test_lines_without_ids_are_idempotent_too(ledger: IncidentLedger, db_url: str) -> None:
    # Check derived ids make a re-append of id-less lines a no-op.
    lines = batch_of(
        opening("inc"),
        {"type": "claim", "incident": "inc", "by": MOD, "summary": "s"},
        {"type": "warning", "incident": "inc", "by": MOD, "addressee": "US", "summary": "w"},
    )
    first = ledger.append(lines, recorded_by="tester")
    before = row_counts(db_url)
    second = ledger.append(lines, recorded_by="tester")
    assert (first.added, second.added, second.unchanged) == (3, 0, 3)
    assert row_counts(db_url) == before


@pytest.fixture(scope="module")
def refusing_db(new_database: Callable[[], str]) -> str:
    """A database holding one earlier incident, shared by tests whose batches must all fail."""
    url = new_database()
    with ledger_on(url) as writer:
        writer.append(batch_of(opening("earlier"), claim("earlier", "e1")), recorded_by="tester")
    return url


@pytest.mark.parametrize(
    ("bad_line", "error", "message"),
    [
        (
            denial("inc", "d1", "no-such-claim"),
            ReportNotFound,
            "line 3: refers_to names report 'no-such-claim', which is not in the ledger",
        ),
        (
            claim("inc", "c1", summary="Something else"),
            ReportIdClash,
            "line 3: report id 'c1' is already used in incident 'inc' with different content",
        ),
        (
            {"type": "link", "incident": "inc", "other": "inc", "relation": "same_as"},
            InvalidReference,
            "line 3: an incident cannot link to itself ('inc')",
        ),
        (
            claim("not-opened", "c9"),
            IncidentNotFound,
            "line 3: incident 'not-opened' does not exist (open it first with 'ledger open')",
        ),
    ],
)
def test_a_batch_with_one_refused_line_in_the_middle_writes_nothing(
    refusing_db: str,
    bad_line: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    # Check all-or-nothing: a domain rule failing on line 3 of 5 leaves every table as it was.
    db_url = refusing_db
    ledger = fresh_ledger(db_url)
    before = row_counts(db_url)
    position = ledger.max_position()
    batch = batch_of(
        opening("inc"),
        claim("inc", "c1"),
        bad_line,
        denial("inc", "d2", "c1"),
        opening("another"),
    )
    with pytest.raises(error) as caught:
        ledger.append(batch, recorded_by="tester")
    ledger.close()
    assert str(caught.value) == message
    assert row_counts(db_url) == before
    with ledger_on(db_url) as reader:
        assert reader.max_position() == position
        with pytest.raises(IncidentNotFound):
            reader.get_incident("inc")


def test_a_refused_batch_leaves_the_ledger_usable(ledger: IncidentLedger, db_url: str) -> None:
    # Check the same lines, fixed, append cleanly after a refusal (no half-cached state).
    with pytest.raises(ReportNotFound):
        ledger.append(
            batch_of(opening("inc"), claim("inc", "c1"), denial("inc", "d1", "ghost")),
            recorded_by="tester",
        )
    result = ledger.append(
        batch_of(opening("inc"), claim("inc", "c1"), denial("inc", "d1", "c1")),
        recorded_by="tester",
    )
    assert (result.added, ledger.get_incident("inc").version) == (3, 3)


# -- references across incidents -------------------------------------------------------------


def test_a_report_may_refer_to_a_report_in_another_incident(
    ledger: IncidentLedger, db_url: str
) -> None:
    # Check a denial filed on one incident about a claim filed on another, in two batches.
    ledger.append(batch_of(opening("first"), claim("first", "c1")), recorded_by="tester")
    ledger.append(batch_of(opening("second"), denial("second", "d1", "c1")), recorded_by="tester")
    [(_, event)] = ledger.positioned_events("second")[1:]
    assert (event.report, getattr(event, "refers_to", None)) == ("d1", ["c1"])
    assert ledger.find_reports(["c1", "d1"])["c1"].incident == "first"
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT source, target, source_incident FROM ledger_references")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("d1", "c1", "second")]


def test_a_reference_to_a_report_earlier_in_the_same_batch_counts(
    ledger: IncidentLedger,
) -> None:
    # Check "earlier in the file counts", across incidents within one batch.
    result = ledger.append(
        batch_of(
            opening("first"), claim("first", "c1"), opening("second"), denial("second", "d1", "c1")
        ),
        recorded_by="tester",
    )
    assert result.reports == ["first", "c1", "second", "d1"]


# -- a real upcast ---------------------------------------------------------------------------


def insert_event_row(db_url: str, slug: str, version: int, topic: str, state: bytes) -> None:
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
                    "VALUES (:slug, :version, :topic, :state)"
                ),
                {"slug": slug, "version": version, "topic": topic, "state": state},
            )
    finally:
        engine.dispose()


def stored_row(db_url: str, slug: str, version: int) -> tuple[str, bytes]:
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            topic, state = connection.execute(
                text(
                    "SELECT topic, state FROM ledger_events "
                    "WHERE originator_id = :slug AND originator_version = :version"
                ),
                {"slug": slug, "version": version},
            ).one()
    finally:
        engine.dispose()
    return topic, bytes(state)


@pytest.fixture(scope="module")
def legacy_db(new_database: Callable[[], str]) -> str:
    return new_database()


@pytest.fixture(scope="module")
def legacy_ledger(legacy_db: str) -> Iterator[IncidentLedger]:
    with ledger_on(legacy_db) as ledger:
        yield ledger


@pytest.fixture(scope="module")
def legacy_claim(legacy_ledger: IncidentLedger, legacy_db: str) -> dict[str, Any]:
    """A version-1 ClaimMade row, written as an older ledger would have, at version 3 of 'inc'.

    Built from a real stored claim: its state without `cameo`, `magnitude` and `class_version`,
    with its own report id, chain link and the hash a v1 writer computed over its v1 content.
    """
    ledger, db_url = legacy_ledger, legacy_db
    ledger.append(batch_of(opening("inc"), claim("inc", "c1")), recorded_by="tester")
    topic, state_bytes = stored_row(db_url, "inc", 2)
    state = json.loads(state_bytes)
    assert (state["cameo"], state["magnitude"], state["class_version"]) == (None, None, 2)
    for key in ("cameo", "magnitude", "class_version"):
        del state[key]
    previous = ledger.positioned_events("inc")[-1][1]
    v1_content = {
        "type": "claim",
        "incident": "inc",
        "report": "legacy-claim",
        "by": MOD,
        "summary": "Recorded by ledger 0.x",
        "version": 3,
        "recorded_at": "2017-09-22T08:00:00.000000Z",
        "recorded_by": "v1-writer",
        "prev_hash": previous.hash,
    }
    state.update(
        report="legacy-claim",
        summary="Recorded by ledger 0.x",
        recorded_at=v1_content["recorded_at"],
        recorded_by="v1-writer",
        prev_hash=previous.hash,
        hash=event_hash(v1_content),
    )
    insert_event_row(db_url, "inc", 3, topic, json.dumps(state).encode())
    return v1_content


def version_three(db_url: str) -> IncidentEvent:
    with ledger_on(db_url) as reader:
        [event] = [e for _, e in reader.positioned_events("inc") if e.originator_version == 3]
    return event


def test_a_v1_claim_row_decodes_with_no_cameo_or_magnitude(
    legacy_db: str, legacy_claim: dict[str, Any]
) -> None:
    # Check positioned_events upcasts the stored v1 state to the v2 event class.
    event = version_three(legacy_db)
    assert (event.report_type, event.originator_version, event.report) == (
        "claim",
        3,
        "legacy-claim",
    )
    assert (getattr(event, "cameo", "absent"), getattr(event, "magnitude", "absent")) == (
        None,
        None,
    )


def test_a_v1_claims_hash_still_verifies_after_upcasting(
    legacy_db: str, legacy_claim: dict[str, Any]
) -> None:
    # Check the upcast adds only nulls, so the content and hash a v1 writer made still hold.
    event = version_three(legacy_db)
    assert event.content() == legacy_claim
    assert event_hash(event.content()) == event.hash == event_hash(legacy_claim)


def test_an_aggregate_with_a_v1_claim_replays_and_keeps_growing(
    legacy_ledger: IncidentLedger, legacy_db: str, legacy_claim: dict[str, Any]
) -> None:
    # Check get_incident (fresh and cached) includes the upcast claim, and the chain continues.
    ledger = legacy_ledger
    with ledger_on(legacy_db) as reader:
        for source in (reader, ledger):
            incident = source.get_incident("inc")
            assert (incident.version, list(incident.reports)) == (
                3,
                ["inc", "c1", "legacy-claim"],
            )
            assert incident.last_hash == event_hash(legacy_claim)
    ledger.append(batch_of(claim("inc", "c2")), recorded_by="tester")
    [*_, (_, newest)] = ledger.positioned_events("inc")
    assert (newest.originator_version, newest.prev_hash) == (4, event_hash(legacy_claim))


# -- replay equals what was appended (property) ----------------------------------------------


class RecordingLedger(IncidentLedger):
    """An IncidentLedger that keeps the events and aggregates each batch wrote."""

    def __init__(self, db_url: str) -> None:
        super().__init__(resolve(db_url), lock_timeout=10)
        self.appended: list[IncidentEvent] = []
        self.built: dict[str, Incident] = {}
        self.built_reports: dict[str, dict[str, Any]] = {}

    def _flush(
        self, session: Any, pending: list[IncidentEvent], incidents: dict[str, Incident]
    ) -> None:
        self.appended.extend(pending)
        self.built.update(incidents)
        # The append drops each aggregate's report list after a flush (it never reads it, and
        # a big import would hold millions): keep what the aggregates built, flush by flush.
        for slug, incident in incidents.items():
            self.built_reports.setdefault(slug, {}).update(incident.reports)
        super()._flush(session, pending, incidents)


TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .,'-éж", min_size=1, max_size=12)
ACTORS = st.sampled_from([MOD, SDF, "US Central Command", "Monitor"])
SLUGS = ["inc-a", "inc-b", "inc-c"]


@st.composite
def report_sequences(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    """Valid reports in batches: every reference points at an earlier report of the right kind."""
    slugs = draw(st.lists(st.sampled_from(SLUGS), min_size=1, max_size=3, unique=True))
    lines: list[dict[str, Any]] = [
        {"type": "incident", "incident": s, "title": draw(TEXT)} for s in slugs
    ]
    assertions: list[str] = []
    stated: list[str] = []
    correctable: list[str] = []
    for number in range(draw(st.integers(min_value=0, max_value=10))):
        report = f"r{number}"
        slug = draw(st.sampled_from(slugs))
        kinds = ["claim", "warning", "repeat"]
        kinds += ["denial", "corroboration", "verdict"] if assertions else []
        kinds += ["retraction"] if stated else []
        kinds += ["assessment", "discrepancy", "correction"] if correctable else []
        kinds += ["link"] if len(slugs) > 1 else []
        kind = draw(st.sampled_from(kinds))
        base: dict[str, Any] = {"incident": slug, "report": report}
        if kind == "repeat":
            lines.append(draw(st.sampled_from(lines)))
            continue
        if kind == "claim":
            line = {**base, "type": "claim", "by": draw(ACTORS), "summary": draw(TEXT)}
            if draw(st.booleans()):
                line["magnitude"] = {"occurrences": draw(st.integers(0, 5))}
        elif kind == "warning":
            line = {
                **base,
                "type": "warning",
                "by": draw(ACTORS),
                "addressee": draw(ACTORS),
                "summary": draw(TEXT),
            }
        elif kind in ("denial", "corroboration"):
            line = {
                **base,
                "type": kind,
                "by": draw(ACTORS),
                "refers_to": draw(st.sampled_from(assertions)),
                "summary": draw(TEXT),
            }
        elif kind == "verdict":
            line = {
                **base,
                "type": "verdict",
                "refers_to": [draw(st.sampled_from(assertions))],
                "status": draw(st.sampled_from(["confirmed", "refuted", "unverifiable"])),
                "reason": draw(TEXT),
            }
        elif kind == "retraction":
            line = {
                **base,
                "type": "retraction",
                "refers_to": [draw(st.sampled_from(stated))],
                "by": draw(ACTORS),
            }
        elif kind == "assessment":
            line = {
                **base,
                "type": "assessment",
                "refers_to": [draw(st.sampled_from(correctable))],
                "reliability": draw(st.sampled_from("ABCDEF")),
                "credibility": draw(st.integers(1, 6)),
            }
        elif kind == "discrepancy":
            line = {
                **base,
                "type": "discrepancy",
                "refers_to": [draw(st.sampled_from(correctable))],
                "field": "summary",
                "variants": [
                    {"value": draw(TEXT), "sources": [{"outlet": "EIR"}]},
                    {"value": draw(st.integers(0, 9)), "sources": [{"outlet": "Rudaw"}]},
                ],
            }
        elif kind == "correction":
            line = {
                **base,
                "type": "correction",
                "refers_to": [draw(st.sampled_from(correctable))],
                "reason": draw(TEXT),
                "void": True,
            }
        else:
            line = {
                **base,
                "type": "link",
                "other": draw(st.sampled_from([s for s in slugs if s != slug])),
                "relation": draw(st.sampled_from(["context_for", "follows", "same_as"])),
            }
        if draw(st.booleans()):
            del line["report"]  # a derived id: nothing can refer to it below
        else:
            assertions += [report] if kind in ("claim", "warning") else []
            stated += [report] if kind in ("claim", "warning", "denial", "corroboration") else []
            correctable += [report] if kind != "correction" else []
        lines.append(line)
    cuts = sorted(draw(st.lists(st.integers(1, len(lines)), max_size=2, unique=True)))
    return [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)], strict=True) if a < b]


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each Hypothesis example (faster than migrating)."""
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    upgrade(resolve(str(path)))
    return path


@pytest.fixture
def fresh_sqlite(migrated_template: Path) -> Iterator[Any]:
    """A factory of fresh, migrated SQLite databases, one per call, removed afterwards."""
    made: list[str] = []

    def make() -> str:
        directory = tempfile.mkdtemp(prefix="ledger-prop-")
        made.append(directory)
        path = Path(directory) / "ledger.db"
        shutil.copyfile(migrated_template, path)
        return str(path)

    yield make
    for directory in made:
        shutil.rmtree(directory, ignore_errors=True)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=report_sequences())
def test_replaying_the_log_gives_the_aggregates_built_while_appending(
    fresh_sqlite: Any, batches: list[list[dict[str, Any]]]
) -> None:
    # Check, on SQLite, that replay reproduces each aggregate and its history exactly.
    db_url = fresh_sqlite()
    writer = RecordingLedger(db_url)
    try:
        added = 0
        for batch in batches:
            added += writer.append(batch_of(*batch), recorded_by="tester").added
    finally:
        writer.close()
    assert added == len(writer.appended)
    with ledger_on(db_url) as reader:
        for slug, built in writer.built.items():
            replayed = reader.get_incident(slug)
            assert replayed.reports == writer.built_reports[slug]
            assert (replayed.version, replayed.last_hash) == (built.version, built.last_hash)
            history = [e.content() for _, e in reader.positioned_events(slug)]
            appended = [e.content() for e in writer.appended if e.originator_id == slug]
            assert history == appended
            assert [e.hash for _, e in reader.positioned_events(slug)] == [
                e.hash for e in writer.appended if e.originator_id == slug
            ]


# -- concurrent writers ----------------------------------------------------------------------


def test_a_second_ledger_with_a_cached_aggregate_appends_after_the_first(
    ledger: IncidentLedger, db_url: str
) -> None:
    # Check a cached aggregate is brought up to date before the second ledger appends to it.
    second = fresh_ledger(db_url)
    try:
        ledger.append(batch_of(opening("inc"), claim("inc", "c1")), recorded_by="first")
        assert second.get_incident("inc").version == 2  # now in the second ledger's cache
        ledger.append(batch_of(claim("inc", "c2")), recorded_by="first")
        second.append(batch_of(claim("inc", "c3")), recorded_by="second")
    finally:
        second.close()
    events = [e for _, e in ledger.positioned_events("inc")]
    assert [(e.originator_version, e.report, e.recorded_by) for e in events] == [
        (1, "inc", "first"),
        (2, "c1", "first"),
        (3, "c2", "first"),
        (4, "c3", "second"),
    ]
    assert events[3].prev_hash == events[2].hash


def test_a_writer_holding_a_stale_aggregate_retries_and_records_both_reports(
    ledger: IncidentLedger,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    # Check the write conflict path: the stale writer loses version 3, reloads, takes version 4.
    second = fresh_ledger(db_url)
    try:
        ledger.append(batch_of(opening("inc"), claim("inc", "c1")), recorded_by="first")
        stale = copy.deepcopy(second.get_incident("inc"))
        ledger.append(batch_of(claim("inc", "c2")), recorded_by="first")
        loads: list[int] = []
        real_load = second._load

        def stale_then_real(slug: str) -> Incident | None:
            loads.append(len(loads))
            return copy.deepcopy(stale) if len(loads) == 1 else real_load(slug)

        monkeypatch.setattr(second, "_load", stale_then_real)
        result = second.append(batch_of(claim("inc", "c3")), recorded_by="second")
    finally:
        second.close()
    assert (result.added, loads) == (1, [0, 1])
    events = [e for _, e in ledger.positioned_events("inc")]
    assert [(e.originator_version, e.report) for e in events] == [
        (1, "inc"),
        (2, "c1"),
        (3, "c2"),
        (4, "c3"),
    ]
    assert events[3].prev_hash == events[2].hash
    assert all(event_hash(e.content()) == e.hash for e in events)


def _with_a_write_just_before_the_lock(
    second: IncidentLedger, monkeypatch: pytest.MonkeyPatch, write: Callable[[], object]
) -> None:
    """Make `write` (another writer's append) commit just before `second` first takes the
    write lock: after `second` gathered what its lines name, before it reads what exists."""
    recorder: Any = second.recorder
    real_session = recorder.write_session
    calls: list[int] = []

    def session_after_the_other_writer() -> Any:
        calls.append(1)
        if len(calls) == 1:
            write()
        return real_session()

    monkeypatch.setattr(recorder, "write_session", session_after_the_other_writer)


def test_a_report_another_writer_records_just_before_the_lock_is_not_recorded_twice(
    ledger: IncidentLedger, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Check the race of two imports of one file: the later one finds the report already there.
    ledger.append(batch_of(opening("inc")), recorded_by="first")
    second = fresh_ledger(db_url)
    _with_a_write_just_before_the_lock(
        second,
        monkeypatch,
        lambda: ledger.append(batch_of(claim("inc", "c1")), recorded_by="first"),
    )
    try:
        result = second.append(batch_of(claim("inc", "c1")), recorded_by="second")
    finally:
        second.close()
    assert (result.added, result.unchanged) == (0, 1)
    assert [
        (e.originator_version, e.report, e.recorded_by) for _, e in ledger.positioned_events("inc")
    ] == [(1, "inc", "first"), (2, "c1", "first")]


def test_an_incident_another_writer_opens_just_before_the_lock_refuses_that_report_id(
    ledger: IncidentLedger, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Check the one namespace holds between writers: the other writer's incident `x` is
    # committed by the time this writer checks its report id `x`, which is refused.
    ledger.append(batch_of(opening("inc")), recorded_by="first")
    second = fresh_ledger(db_url)
    _with_a_write_just_before_the_lock(
        second, monkeypatch, lambda: ledger.append(batch_of(opening("x")), recorded_by="first")
    )
    try:
        with pytest.raises(NamespaceClash, match="report id 'x' is already an incident's slug"):
            second.append(batch_of(claim("inc", "x")), recorded_by="second")
    finally:
        second.close()
    assert ledger.find_reports(["x"]) == {}


def test_a_report_id_another_writer_records_just_before_the_lock_refuses_that_incident(
    ledger: IncidentLedger, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Check the other direction: report `x` committed first, then incident `x` is refused.
    ledger.append(batch_of(opening("inc")), recorded_by="first")
    second = fresh_ledger(db_url)
    _with_a_write_just_before_the_lock(
        second, monkeypatch, lambda: ledger.append(batch_of(claim("inc", "x")), recorded_by="first")
    )
    try:
        with pytest.raises(NamespaceClash, match="incident slug 'x' is already a report id"):
            second.append(batch_of(opening("x")), recorded_by="second")
    finally:
        second.close()
    assert ledger.recorder.existing_incidents(["x"]) == set()  # type: ignore[attr-defined]


def test_two_writers_in_threads_record_every_report_without_gaps(
    ledger: IncidentLedger, db_url: str
) -> None:
    # Check two ledgers appending to one incident at the same time lose nothing.
    ledger.append(batch_of(opening("inc")), recorded_by="setup")
    errors: list[BaseException] = []

    def write(name: str) -> None:
        writer = fresh_ledger(db_url)
        try:
            for number in range(6):
                writer.append(batch_of(claim("inc", f"{name}-{number}")), recorded_by=name)
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)
        finally:
            writer.close()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    events = [e for _, e in ledger.positioned_events("inc")]
    assert [e.originator_version for e in events] == list(range(1, 14))
    assert sorted(e.report for e in events[1:]) == sorted(
        f"{name}-{n}" for name in ("left", "right") for n in range(6)
    )
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash


def test_a_record_read_from_stored_json_is_its_decoded_events_old_versions_included(
    ledger: IncidentLedger,
) -> None:
    from eventsourcing.persistence import StoredEvent

    from ledger.records import to_record

    ledger.append(read_lines(), recorded_by="tester")
    log = ledger.recorder.select_notifications(start=0, limit=1000)
    assert len(log) == EXAMPLE_EVENTS
    for n in log:
        # Check the straight path gives the decoded event's record, keys in the same order.
        straight, decoded = ledger.record_of(n.id, n), to_record(n.id, ledger.decode(n))
        assert list(straight.items()) == list(decoded.items())
        # Check a stored state of an older class version (a v1 claim, before `cameo` and
        # `magnitude`) is upcast the library's way, and still gives the same record.
        state = json.loads(n.state)
        if state.get("class_version") == 2:
            del state["class_version"]
            old = StoredEvent(
                n.originator_id, n.originator_version, n.topic, json.dumps(state).encode()
            )
            assert ledger.record_of(n.id, old) == to_record(n.id, ledger.decode(old))
    assert any(json.loads(n.state).get("class_version") == 2 for n in log)
