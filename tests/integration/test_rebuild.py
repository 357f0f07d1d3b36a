"""`project --rebuild`: one transaction, two passes, a worker process; the same tables as a
catch-up, the old views until it commits, and the schema exactly as migrated."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.application import IncidentLedger
from ledger.store.config import resolve
from projections.catchup import catch_up, connect
from projections.rebuild import rebuild
from projections.staleness import tracked_position
from tests.conftest import EXAMPLE_ACTORS, EXAMPLE_EVENTS, EXAMPLE_REPORTS, read_lines
from tests.integration.projection_tables import (
    ALL_INCIDENTS,
    ALL_TABLES,
    MORE_REPORTS,
    append,
    fold_tables,
    read_tables,
    records_of,
    views_of,
)

ALL_EVENTS = EXAMPLE_EVENTS + len(MORE_REPORTS)
# A rebuild and a catch-up count alike: the reports, and the registry's lines.
ALL_REPORTS = EXAMPLE_REPORTS + len(MORE_REPORTS)


class Stop(RuntimeError):
    """Raised from the progress callback to crash a rebuild part-way."""


def _example_projected(ledger: IncidentLedger, db_url: str) -> dict[str, Any]:
    ledger.append(read_lines(), recorded_by="tester")
    append(ledger, *MORE_REPORTS)
    assert catch_up(ledger, resolve(db_url)) == ALL_EVENTS
    return read_tables(db_url, ALL_TABLES)


@pytest.mark.parametrize("workers", [True, False], ids=["worker", "inline"])
@pytest.mark.parametrize("fold_chunk", [1, 4, 10_000])
def test_a_rebuild_in_any_chunking_with_or_without_a_worker_leaves_the_caught_up_tables(
    ledger: IncidentLedger, db_url: str, workers: bool, fold_chunk: int
) -> None:
    caught_up = _example_projected(ledger, db_url)
    applied = rebuild(ledger, resolve(db_url), batch=2, fold_chunk=fold_chunk, workers=workers)
    # Check every event was applied, and every table is exactly what the catch-up wrote.
    assert applied == ALL_EVENTS
    assert (applied.reports, applied.actor_lines) == (ALL_REPORTS, EXAMPLE_ACTORS)
    assert read_tables(db_url, ALL_TABLES) == caught_up
    assert views_of(db_url) == fold_tables(records_of(ledger, ALL_INCIDENTS))


def test_a_rebuild_reports_progress_through_both_passes(
    ledger: IncidentLedger, db_url: str
) -> None:
    _example_projected(ledger, db_url)
    seen: list[tuple[int, int]] = []
    rebuild(ledger, resolve(db_url), batch=5, fold_chunk=3, on_progress=lambda *p: seen.append(p))
    # Check progress only moves forward, against one total, and ends at that total.
    done = [position for position, _ in seen]
    total = seen[-1][1]
    assert done == sorted(done)
    assert {t for _, t in seen} == {total}
    assert done[-1] == total > 0
    # Check both passes report: the first half is the log's positions (batches of 5 events),
    # the second the reports folded (chunks of about 3), each in several steps.
    first, second = [d for d in done if d <= total // 2], [d for d in done if d > total // 2]
    assert len(first) >= ALL_EVENTS // 5 and first[-1] == total // 2
    assert len(second) >= 3


@pytest.mark.parametrize("fail_at", [1, 4, 7])
def test_a_rebuild_that_fails_part_way_leaves_the_old_views_and_position(
    ledger: IncidentLedger, db_url: str, fail_at: int
) -> None:
    before = _example_projected(ledger, db_url)
    calls = 0

    def crash(_position: int, _total: int) -> None:
        nonlocal calls
        calls += 1
        if calls == fail_at:
            raise Stop("crashed")

    # Check the failure escapes, in pass 1 (calls 1-4) or pass 2 (later calls).
    with pytest.raises(Stop):
        rebuild(ledger, resolve(db_url), batch=5, fold_chunk=3, on_progress=crash)
    # Check nothing of the rebuild was committed: not the emptying, not a row, not a position.
    assert read_tables(db_url, ALL_TABLES) == before
    with connect(resolve(db_url)) as db:
        assert tracked_position(db.raw) == before["projection_tracking"][0]["position"]


def _schema(path: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


@pytest.fixture
def sqlite_ledger(sqlite_url: str) -> Iterator[IncidentLedger]:
    app = IncidentLedger(resolve(sqlite_url), lock_timeout=10)
    yield app
    app.close()


def test_a_rebuild_on_sqlite_leaves_the_schema_exactly_as_migrated(
    sqlite_ledger: IncidentLedger, sqlite_url: str
) -> None:
    schema_before = _schema(sqlite_url)
    indexes = [row for row in schema_before if row[0] == "index" and row[3]]
    # Check there are secondary indexes for the rebuild to drop and create again.
    assert len(indexes) >= 10
    _example_projected(sqlite_ledger, sqlite_url)
    rebuild(sqlite_ledger, resolve(sqlite_url))
    assert _schema(sqlite_url) == schema_before


def test_readers_see_the_old_views_until_a_rebuild_on_sqlite_commits(
    sqlite_ledger: IncidentLedger, sqlite_url: str
) -> None:
    before = _example_projected(sqlite_ledger, sqlite_url)
    seen_mid_rebuild: list[dict[str, Any]] = []

    def read_meanwhile(_position: int, _total: int) -> None:
        seen_mid_rebuild.append(read_tables(sqlite_url, ("claims", "timeline", "actors")))

    rebuild(sqlite_ledger, resolve(sqlite_url), batch=4, fold_chunk=3, on_progress=read_meanwhile)
    # Check every read during the rebuild saw the complete old views, never a half-built one.
    expected = {name: before[name] for name in ("claims", "timeline", "actors")}
    assert seen_mid_rebuild and all(seen == expected for seen in seen_mid_rebuild)


def test_a_backlog_caught_up_in_bulk_leaves_the_tables_a_batch_by_batch_catch_up_leaves(
    ledger: IncidentLedger, db_url: str
) -> None:
    store = resolve(db_url)
    # Check the starting point: the worked example, caught up one batch at a time.
    ledger.append(read_lines(), recorded_by="tester")
    assert catch_up(ledger, store, bulk_from=10**9) == EXAMPLE_EVENTS
    append(ledger, *MORE_REPORTS)
    # Check a backlog at the threshold goes in bulk (one transaction: one progress total).
    totals: set[int] = set()
    applied = catch_up(
        ledger, store, bulk_from=len(MORE_REPORTS), on_progress=lambda _d, t: totals.add(t)
    )
    assert applied == len(MORE_REPORTS)
    assert totals == {2 * len(MORE_REPORTS)}
    bulk = read_tables(db_url, ALL_TABLES)
    # Check the tables equal the fold, and what a rebuild (so also a batch-by-batch catch-up,
    # by the property tests) leaves; and that nothing is left to apply.
    assert views_of(db_url) == fold_tables(records_of(ledger, ALL_INCIDENTS))
    assert catch_up(ledger, store, bulk_from=1) == 0
    assert rebuild(ledger, store) == ALL_EVENTS
    assert read_tables(db_url, ALL_TABLES) == bulk
