"""The application on a real database (SQLite and PostgreSQL): replaying the log gives the
aggregates built while appending (property-based).
"""

from __future__ import annotations

import shutil
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import IncidentLedger
from ledger.domain import Incident, IncidentEvent
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.integration.app_ledgers import MOD, SDF, batch_of, ledger_on

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


# A title or summary must show something (blanks alone are refused, as an empty one is).
TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + " .,'-éж", min_size=1, max_size=12
).filter(str.strip)
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
