"""Projections: incremental, batched, rebuilt and bulk-built views all equal the fold
(property-based, on SQLite and PostgreSQL).

The reference is `ledger.fold.fold` over every record in the log. The SQL tables must equal
it whether they were kept current one report at a time, caught up in one go, rebuilt from
scratch, or caught up after a crash in the middle of a batch; and the CLI reports must show
exactly the statuses DOMAIN.md ("Derived status") derives for the worked example.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import IncidentLedger
from ledger.integrity import SEALS_ID
from ledger.records import to_record
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from projections.catchup import catch_up
from projections.rebuild import catch_up_in_bulk, rebuild
from tests.integration.projection_tables import (
    ALL_TABLES,
    CLOCK_COLUMNS,
    Row,
    Tables,
    append,
    fold_tables,
    opened,
    pg_databases,
    read_tables,
    records_of,
    views_of,
    without,
)

# ---------------------------------------------------------------------------------------------
# 3. Incremental, batched and rebuilt projections all equal the fold (property-based)

ACTORS = (
    "Syrian Democratic Forces",
    "syrian democratic forces",
    "SYRIAN DEMOCRATIC FORCES",
    "Russian Ministry of Defence",
    "russian ministry of defence",
    "Ministère de la Défense",
    "Ministere de la Defense",
    "ministère de la défense",
    "Syrian Observatory",
)
TEXTS = ("They fired first.", "Nothing happened.", "It was the other side.", "Ça a eu lieu.")
TIMES = (
    "2017",
    "2017-09",
    "2017-09-20",
    "2017-09-21",
    "2017-09-21T14:05Z",
    "2017-09-21T21:07:52+05:30",
)
HOPS = (
    {"outlet": "Russian Ministry of Defence", "kind": "statement"},
    {"outlet": "TASS", "kind": "wire"},
    {"outlet": "Associated Press", "kind": "wire", "quote_mode": "translated"},
    {
        "outlet": "Firstpost",
        "kind": "web",
        "published_at": "2017-09-21T21:07+05:30",
        "url": "https://www.firstpost.com/x",
        "quote_mode": "direct",
    },
    {"outlet": "Rudaw"},
)
ASSERTIONS = ("claim", "warning")
STATED = ("claim", "warning", "denial", "corroboration")
KINDS = (
    "incident",
    "claim",
    "claim",
    "warning",
    "denial",
    "denial",
    "corroboration",
    "verdict",
    "retraction",
    "retraction",
    "assessment",
    "discrepancy",
    "correction",
    "correction",
    "link",
)

actors = st.sampled_from(ACTORS)
texts = st.sampled_from(TEXTS)
times = st.sampled_from(TIMES)
# What a correction may change, per type of the report it corrects (all valid values).
CHANGES: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "claim": {
        "by": actors,
        "summary": texts,
        "stated_at": times,
        "speaker": actors,
        "against": st.lists(actors, max_size=2),
    },
    "warning": {"by": actors, "summary": texts, "stated_at": times, "threatened_party": actors},
    "denial": {
        "by": actors,
        "summary": texts,
        "stated_at": times,
        "scope": st.sampled_from(("occurred", "attribution")),
    },
    "corroboration": {"by": actors, "summary": texts, "independent": st.booleans()},
    "retraction": {"by": actors, "stated_at": times, "reason": texts},
    "verdict": {
        "status": st.sampled_from(("confirmed", "refuted", "unverifiable")),
        "reason": texts,
    },
    "assessment": {"reliability": st.sampled_from("ABCDEF"), "credibility": st.integers(1, 6)},
    "discrepancy": {"note": texts},
    "link": {"relation": st.sampled_from(("follows", "same_as")), "note": texts},
}


def _drop_none(report: Row) -> Row:
    return {k: v for k, v in report.items() if v is not None}


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any]) -> Any:
    return draw(st.one_of(st.none(), strategy))


def _refs(draw: st.DrawFn, candidates: Sequence[Row]) -> list[str]:
    """One or two ids among the candidates (a repeated id is allowed and counts once)."""
    return draw(
        st.lists(st.sampled_from([c["report"] for c in candidates]), min_size=1, max_size=2)
    )


def _draw_correction(draw: st.DrawFn, base: Row, targets: Sequence[Row]) -> Row:
    if draw(st.booleans()):
        return {
            **base,
            "type": "correction",
            "refers_to": _refs(draw, targets),
            "void": True,
            "reason": "Entered in error.",
        }
    target = draw(st.sampled_from(targets))
    options = CHANGES[target["type"]]
    fields = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=2, unique=True))
    changes = {f: draw(options[f]) for f in fields}
    return {
        **base,
        "type": "correction",
        "refers_to": [target["report"]],
        "changes": changes,
        "reason": "Corrected.",
    }


def _draw_report(
    draw: st.DrawFn, kind: str, base: Row, filed: Sequence[Row], opened: Sequence[str]
) -> Row:
    """One valid report of the kind; a claim when nothing of the right type exists yet."""
    assertions = [r for r in filed if r["type"] in ASSERTIONS]
    stated = [r for r in filed if r["type"] in STATED]
    correctable = [r for r in filed if r["type"] != "correction"]
    stated_at = _maybe(draw, times)
    if kind == "warning":
        return _drop_none(
            {
                **base,
                "type": "warning",
                "by": draw(actors),
                "addressee": draw(actors),
                "summary": draw(texts),
                "stated_at": stated_at,
                "threatened_party": _maybe(draw, actors),
            }
        )
    if kind == "denial" and assertions:
        return _drop_none(
            {
                **base,
                "type": "denial",
                "by": draw(actors),
                "refers_to": _refs(draw, assertions),
                "summary": draw(texts),
                "stated_at": stated_at,
                "speaker": _maybe(draw, actors),
                "sources": _maybe(draw, st.lists(st.sampled_from(HOPS), max_size=2)),
            }
        )
    if kind == "corroboration" and assertions:
        return _drop_none(
            {
                **base,
                "type": "corroboration",
                "by": draw(actors),
                "refers_to": _refs(draw, assertions),
                "summary": draw(texts),
                "independent": _maybe(draw, st.booleans()),
            }
        )
    if kind == "verdict" and assertions:
        return {
            **base,
            "type": "verdict",
            "refers_to": _refs(draw, assertions),
            "status": draw(CHANGES["verdict"]["status"]),
            "reason": draw(texts),
        }
    if kind == "retraction" and stated:
        targets = _refs(draw, stated)
        own = next(r["by"] for r in stated if r["report"] == targets[0])
        # By the one who said it (as spelled then), or by anyone (often the same actor).
        by = draw(st.one_of(st.just(own), actors))
        return _drop_none(
            {**base, "type": "retraction", "refers_to": targets, "by": by, "stated_at": stated_at}
        )
    if kind == "assessment" and filed:
        return {
            **base,
            "type": "assessment",
            "refers_to": _refs(draw, filed),
            "reliability": draw(st.sampled_from("ABCDEF")),
            "credibility": draw(st.integers(1, 6)),
        }
    if kind == "discrepancy" and filed:
        return {
            **base,
            "type": "discrepancy",
            "refers_to": _refs(draw, filed),
            "field": "stated_at",
            "variants": [
                {"value": "2017-09-20", "sources": [{"outlet": "EIR"}]},
                {"value": "2017-09-21", "sources": [{"outlet": "Rudaw"}]},
            ],
        }
    if kind == "correction" and correctable:
        return _draw_correction(draw, base, correctable)
    others = [slug for slug in opened if slug != base["incident"]]
    if kind == "link" and others:
        return {
            **base,
            "type": "link",
            "other": draw(st.sampled_from(others)),
            "relation": draw(st.sampled_from(("context_for", "follows", "part_of"))),
        }
    return _drop_none(
        {
            **base,
            "type": "claim",
            "by": draw(actors),
            "summary": draw(texts),
            "stated_at": stated_at,
            "speaker": _maybe(draw, actors),
            "on_behalf_of": _maybe(draw, actors),
            "against": _maybe(draw, st.lists(actors, max_size=2)),
            "sources": _maybe(draw, st.lists(st.sampled_from(HOPS), max_size=3)),
        }
    )


def _draw_incident(draw: st.DrawFn, slug: str) -> Row:
    return _drop_none(
        {
            "type": "incident",
            "incident": slug,
            "title": f"Incident {slug}",
            "lat": _maybe(draw, st.floats(-90, 90, allow_nan=False)),
            "lon": _maybe(draw, st.floats(-180, 180, allow_nan=False)),
            "occurred_from": _maybe(draw, st.just("2017-09")),
        }
    )


@st.composite
def report_sequences(draw: st.DrawFn) -> list[Row]:
    """A valid sequence of reports on up to three incidents, each referring only backwards."""
    slugs = ["inc-a", "inc-b", "inc-c"]
    reports = [_draw_incident(draw, slugs[0])]
    opened = [slugs[0]]
    filed: list[Row] = []
    for n in range(draw(st.integers(1, 16))):
        kind = draw(st.sampled_from(KINDS))
        if kind == "incident" and len(opened) < len(slugs):
            opened.append(slugs[len(opened)])
            reports.append(_draw_incident(draw, opened[-1]))
            continue
        base = {"incident": draw(st.sampled_from(opened)), "report": f"r{n}"}
        report = _draw_report(draw, kind, base, filed, opened)
        filed.append(report)
        reports.append(report)
    return reports


def _incidents_in(reports: Sequence[Row]) -> list[str]:
    return [r["incident"] for r in reports if r["type"] == "incident"]


# What one way of building a database leaves: every table, the folded tables, the log.
Built = tuple[Tables, Tables, list[Row]]


def _built(app: IncidentLedger, url: str, reports: Sequence[Row]) -> Built:
    return read_tables(url, ALL_TABLES), views_of(url), records_of(app, _incidents_in(reports))


def build_one_at_a_time(url: str, reports: Sequence[Row]) -> Built:
    """Append and catch up after every report; then check a rebuild changes nothing."""
    with opened(url) as app:
        for report in reports:
            append(app, report)
            assert catch_up(app, resolve(url)) == 1
        built = _built(app, url, reports)
        rebuild(app, resolve(url))
        # Check a rebuild of what was kept current one report at a time changes nothing.
        assert read_tables(url, ALL_TABLES) == built[0]
        return built


def build_in_batches(url: str, reports: Sequence[Row]) -> Built:
    """Append everything at once, then catch up in small batches."""
    with opened(url) as app:
        append(app, *reports)
        assert catch_up(app, resolve(url), batch=4) == len(reports)
        # Check each record read straight from its stored JSON is its decoded event's.
        log = [
            n
            for n in app.recorder.select_notifications(start=0, limit=10**6)
            if n.originator_id != SEALS_ID
        ]
        assert [app.record_of(n.id, n) for n in log] == [
            to_record(n.id, app.decode(n)) for n in log
        ]
        return _built(app, url, reports)


def build_by_rebuilding(url: str, reports: Sequence[Row]) -> Built:
    """Append everything at once, then rebuild the views from scratch: in batches of three
    events and folds of about two reports, so references cross batches and fold chunks."""
    with opened(url) as app:
        append(app, *reports)
        assert rebuild(app, resolve(url), batch=3, fold_chunk=2) == len(reports)
        return _built(app, url, reports)


def build_in_bulk(url: str, reports: Sequence[Row]) -> Built:
    """Append and catch up the first half one batch at a time, then the rest in bulk (one
    transaction, two passes), in batches of three events and folds of about two reports."""
    half = len(reports) // 2
    with opened(url) as app:
        if half:
            append(app, *reports[:half])
            assert catch_up(app, resolve(url), bulk_from=10**9) == half
        append(app, *reports[half:])
        applied = catch_up_in_bulk(app, resolve(url), batch=3, fold_chunk=2)
        assert applied == len(reports) - half
        return _built(app, url, reports)


BUILDERS = (build_one_at_a_time, build_in_batches, build_by_rebuilding, build_in_bulk)


def check_all_ways_agree(urls: Sequence[str], reports: Sequence[Row]) -> None:
    built = [builder(url, reports) for builder, url in zip(BUILDERS, urls, strict=True)]
    for full, views, records in built:
        # Check each database's views equal the fold of its own log, clocks included.
        assert [r["report"] for r in records] == [r.get("report", r["incident"]) for r in reports]
        assert views == fold_tables(records)
        # Check the tracked position is the last event's.
        assert full["projection_tracking"] == [
            {"projection": "views", "position": records[-1]["position"]}
        ]
    # Check the databases agree on everything but the ledger's own clock.
    first, *others = (without(full, CLOCK_COLUMNS) for full, _, _ in built)
    for other in others:
        assert other == first


# Property examples build many small files: on a RAM disk where there is one, since their
# commits' fsyncs dominate the run time otherwise.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every database a property example needs."""
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    upgrade(resolve(str(path)))
    return path


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(reports=report_sequences())
def test_incremental_batched_rebuilt_and_bulk_views_all_equal_the_fold_on_sqlite(
    sqlite_template: Path, reports: list[Row]
) -> None:
    with tempfile.TemporaryDirectory(dir=SCRATCH) as directory:
        urls = []
        for name in ("incremental", "batched", "rebuilt", "bulk"):
            path = Path(directory) / f"{name}.db"
            shutil.copyfile(sqlite_template, path)
            urls.append(str(path))
        check_all_ways_agree(urls, reports)


@pytest.mark.postgres
@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(reports=report_sequences())
def test_incremental_batched_rebuilt_and_bulk_views_all_equal_the_fold_on_postgres(
    pg_template: str, reports: list[Row]
) -> None:
    with pg_databases(pg_template, len(BUILDERS)) as urls:
        check_all_ways_agree(urls, reports)
