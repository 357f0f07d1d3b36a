"""`ledger search`: the full-text index, kept by the projector in the transaction that writes
`timeline` (SQLite FTS5) or by the database itself (PostgreSQL GIN), on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.application import IncidentLedger
from ledger.store.config import resolve
from projections import search
from projections.catchup import InjectedFailure, catch_up
from projections.rebuild import rebuild
from tests.conftest import EXAMPLE, read_lines
from tests.integration.projection_tables import MORE_REPORTS, append

# Words from every kind of text the index covers, and the queries the tests compare.
QUERIES = (
    "shelling",
    "Raqqa",
    "Fixed",
    "eastern bank",
    '"eastern bank"',
    "Observatory",
    "Defense",
    "Défense",
    "error",
    "russian OR special",
    "russian -special",
    "access",
)


def found(db_url: str, text: str, **filters: Any) -> list[str]:
    return [row["report"] for row in search.search(resolve(db_url), text, **filters)]


def answers(db_url: str) -> dict[str, list[tuple[str, float]]]:
    return {
        q: [(r["report"], r["score"]) for r in search.search(resolve(db_url), q, limit=1000)]
        for q in QUERIES
    }


def _projected(ledger: IncidentLedger, db_url: str, batch: int = 5_000) -> None:
    ledger.append(read_lines(), recorded_by="tester")
    append(ledger, *MORE_REPORTS)
    catch_up(ledger, resolve(db_url), batch=batch)


def test_search_finds_titles_summaries_reasons_and_names_and_leaves_voided_reports_out(
    ledger: IncidentLedger, db_url: str
) -> None:
    _projected(ledger, db_url)
    # Check a title, a summary, a reason and a name are each found.
    assert "raqqa-2017-09" in found(db_url, "fighting near")
    assert found(db_url, '"no US forces fired"') == ["us-denies-warning-premise"]
    assert found(db_url, "access") == ["airstrike-unverifiable"]
    assert "monitor-saw-special-forces" in found(db_url, "observatory")
    # Check a name in `against` is found, with or without its accent.
    assert "sdf-raqqa-claim" in found(db_url, "Ministère")
    # Check the voided denial is left out, though its text is indexed.
    assert "mod-airstrike-denial" not in found(db_url, "striking")


def test_a_correction_replaces_the_text_it_changes(ledger: IncidentLedger, db_url: str) -> None:
    ledger.append(read_lines(), recorded_by="tester")
    catch_up(ledger, resolve(db_url))
    old = found(db_url, "fixed")
    append(ledger, *MORE_REPORTS)
    catch_up(ledger, resolve(db_url))
    # Check the corrected summary is found under its new text, and the correction too.
    assert old == []
    assert set(found(db_url, "fixed")) == {"mod-shelling", "fix-shelling-date"}


def test_filters_narrow_the_matches(ledger: IncidentLedger, db_url: str) -> None:
    _projected(ledger, db_url)
    everything = found(db_url, "russian OR raqqa OR shelling", limit=1000)
    assert len(everything) > 3
    shelling = "deir-ez-zor-shelling-2017-09"
    assert set(found(db_url, "russian OR raqqa OR shelling", incident=[shelling])) < set(everything)
    assert all(
        r["incident"] == shelling
        for r in search.search(resolve(db_url), "russian OR raqqa", incident=[shelling])
    )
    assert all(
        r["type"] == "denial"
        for r in search.search(resolve(db_url), "russian OR raqqa", types=["denial"])
    )
    assert found(db_url, "raqqa", actor="syrian democratic forces") == ["sdf-raqqa-claim"]
    assert found(db_url, "raqqa", since="2017-09-23", until="2017-09-23") == ["sdf-raqqa-claim"]
    assert found(db_url, "raqqa", limit=1) == everything[:1] or len(found(db_url, "raqqa")) >= 1


def test_one_event_at_a_time_gives_the_index_a_rebuild_gives(
    ledger: IncidentLedger, db_url: str
) -> None:
    _projected(ledger, db_url, batch=1)
    one_by_one = answers(db_url)
    rebuild(ledger, resolve(db_url), batch=2, fold_chunk=1)
    assert answers(db_url) == one_by_one
    assert any(one_by_one.values())
    if resolve(db_url).backend == "sqlite":
        _fts5_integrity_check(db_url)


def test_a_catch_up_that_fails_mid_batch_leaves_the_index_with_its_rows(
    ledger: IncidentLedger, db_url: str
) -> None:
    ledger.append(read_lines(), recorded_by="tester")
    append(ledger, *MORE_REPORTS)
    store = resolve(db_url)
    with pytest.raises(InjectedFailure):
        catch_up(ledger, store, batch=4, fail_after=14)
    catch_up(ledger, store, batch=4)
    resumed = answers(db_url)
    rebuild(ledger, store)
    assert answers(db_url) == resumed
    if store.backend == "sqlite":
        _fts5_integrity_check(db_url)


def _fts5_integrity_check(db_url: str) -> None:
    import sqlite3

    connection = sqlite3.connect(resolve(db_url).sqlite_path)
    try:
        # rank 1: also against the content (the view), as a refresh deletes by the view's text.
        connection.execute(
            "INSERT INTO report_search(report_search, rank) VALUES ('integrity-check', 1)"
        )
    finally:
        connection.close()


def test_the_migrations_definitions_are_the_codes(db_url: str) -> None:
    import importlib

    migration = importlib.import_module("migrations.versions.0004_search")
    assert migration.SQLITE_SOURCE == search.SQLITE_SOURCE
    # PostgreSQL's document moved into a function in revision 0008.
    document = importlib.import_module("migrations.versions.0008_search_document")
    assert document.POSTGRES_FUNCTION == search.POSTGRES_FUNCTION
    assert document.POSTGRES_DOCUMENT == search.POSTGRES_DOCUMENT
    assert document._DOCUMENT_0004 == migration.POSTGRES_DOCUMENT


def test_the_function_gives_revision_0004s_document(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    """Revision 0008's function and 0004's expression: the same lexemes at the same positions
    (so the same matches and the same ts_rank) for every row."""
    import importlib

    import psycopg

    if resolve(db_url).backend == "sqlite":
        pytest.skip("PostgreSQL's document only")
    old = importlib.import_module("migrations.versions.0004_search").POSTGRES_DOCUMENT
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    store = resolve(db_url)
    with psycopg.connect(
        host=store.host, port=store.port, user=store.user, dbname=store.dbname
    ) as connection:
        row = connection.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {search.POSTGRES_DOCUMENT} "
            f"IS DISTINCT FROM {old}), count(*) FILTER (WHERE {old} <> ''::tsvector) "
            "FROM timeline"
        ).fetchone()
    assert row is not None
    rows, different, documents = row
    assert rows > 0 and documents > 0 and different == 0


def test_the_migration_indexes_the_rows_already_there(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from ledger.store.migrate import alembic_config, engine_for

    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    before = answers(db_url)
    engine = engine_for(resolve(db_url))
    try:
        for step, target in ((command.downgrade, "0003"), (command.upgrade, "head")):
            with engine.begin() as connection:
                config = alembic_config()
                config.attributes["connection"] = connection
                step(config, target)
    finally:
        engine.dispose()
    # Revision 0005 empties the views (they are re-derived under version 2's rules): the next
    # projection refills them, and the index with them.
    assert run_cli("project").exit_code == 0
    assert answers(db_url) == before
    assert any(before.values())


@pytest.mark.parametrize(
    "text", ['"unbalanced', "NEAR(a b", "col:umn", "a*", "AND", "OR OR", "-", "^x", "a + b"]
)
def test_fts5_syntax_in_a_query_is_just_text(
    run_cli,  # type: ignore[no-untyped-def]
    text: str,
) -> None:
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    result = run_cli("search", text, "--format", "json")
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert "give at least one word" in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_a_query_with_no_word_is_a_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    for text in ('"', "--- !!", "-shelling"):
        result = run_cli("search", "--", text)
        assert result.exit_code == 2, result.output
        assert result.output.strip() == "error: search: give at least one word to look for"


def test_search_prints_csv_and_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    import json

    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    rows = json.loads(run_cli("search", "shelling", "--format", "json").output)
    assert rows and list(rows[0]) == list(search.COLUMNS)
    assert rows == sorted(rows, key=lambda r: -r["score"])
    csv = run_cli("search", "shelling", "--type", "claim", "--format", "csv").output
    assert csv.splitlines()[0] == ",".join(search.COLUMNS)
    assert all(",claim," in line for line in csv.splitlines()[1:])
    assert run_cli("search", "shelling", "--since", "yesterday-ish").exit_code == 2


def test_verify_views_finds_a_planted_or_removed_search_document(
    db_url: str,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    import sqlite3

    if resolve(db_url).backend != "sqlite":
        pytest.skip("PostgreSQL's index is the database's own, over timeline (compared)")
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    assert run_cli("verify", "--views").exit_code == 0
    connection = sqlite3.connect(resolve(db_url).sqlite_path)
    with connection:
        connection.execute(
            "INSERT INTO report_search (rowid, summary) VALUES (9999, 'chlorine chlorine')"
        )
    connection.close()
    assert found(db_url, "chlorine") == []  # no timeline row: nothing shown, but a lie kept
    result = run_cli("verify", "--views")
    assert result.exit_code == 3, result.output
    assert (
        "view report_search row chlorine: term 'chlorine' (documents, occurrences) is (1, 2) "
        "in the index, (0, 0) from the log" in result.output
    )
    assert "documents indexed is (13, 0) in the index, (12, 0) from the log" in result.output


def test_datasette_searches_the_timeline_and_runs_the_canned_queries(sqlite_url: str) -> None:
    import asyncio

    from tests.e2e.test_browse import require_datasette

    require_datasette()
    from datasette.app import Datasette
    from typer.testing import CliRunner

    from cli.main import app
    from projections.datasette import metadata as ledger_metadata

    assert CliRunner().invoke(app, ["--db", sqlite_url, "import", str(EXAMPLE)]).exit_code == 0
    metadata = ledger_metadata("ledger")

    async def fetch(*paths: str) -> list[dict[str, Any]]:
        ds = Datasette([sqlite_url], metadata=metadata)
        found = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text[:300])
            found.append(response.json())
        return found

    searched, disputed, since = asyncio.run(
        fetch(
            "/ledger/timeline.json?_search=Konashenkov&_shape=objects",
            "/ledger/disputed_claims_by_actor.json?actor=Russian+Ministry+of+Defence&_shape=objects",
            "/ledger/changes_since.json?since=2000-01-01&_shape=objects",
        )
    )
    expected = found(sqlite_url, "Konashenkov", limit=1000)
    assert expected and sorted(r["report"] for r in searched["rows"]) == sorted(expected)
    assert [r["report"] for r in disputed["rows"]] == ["mod-shelling"]
    assert len(since["rows"]) == 12


@pytest.mark.parametrize("limit", [1, 2, 5, 1000])
def test_taking_the_best_matches_first_gives_what_ranking_them_all_gives(
    ledger: IncidentLedger, db_url: str, limit: int
) -> None:
    from projections.queries import read_connection, run_sql

    _projected(ledger, db_url)
    store = resolve(db_url)
    postgres = store.backend != "sqlite"
    narrowing: list[dict[str, Any]] = [
        {},
        {"incident": ["raqqa-2017-09"]},
        {"types": ["correction", "verdict"]},
        {"actor": "Russian Ministry of Defence"},
        {"since": "2017-09-22"},
    ]
    compared = 0
    for text in (*QUERIES, "the OR of OR a", "russian"):
        for filters in narrowing:
            sql, parameters = search.search_query(postgres, text, limit=limit, **filters)
            with read_connection(store) as connection:
                every = [row[1] for row in run_sql(connection, sql, parameters)]
            paged = [r["report"] for r in search.search(store, text, limit=limit, **filters)]
            assert paged == every, (text, filters)
            compared += len(every)
    assert compared >= 20


@pytest.mark.parametrize("limit", [1, 3])
def test_a_word_matching_too_many_ranks_the_latest_matches_and_says_so(
    ledger: IncidentLedger, db_url: str, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections.queries import read_connection, run_sql

    _projected(ledger, db_url)
    store = resolve(db_url)
    postgres = store.backend != "sqlite"
    monkeypatch.setattr(search, "RANKED", 2)  # ranks max(RANKED, limit) of the latest
    ranked = max(2, limit)
    capped = 0
    for text in (*QUERIES, "the OR of OR a OR in OR to", "russian"):
        with read_connection(store) as connection:
            latest = search._latest_matches(connection, postgres, text, 100_000)
            sql, parameters = search.search_query(postgres, text, limit=100_000)
            every = [(row[1], row[-1]) for row in run_sql(connection, sql, parameters)]
        assert latest == sorted(latest, reverse=True)
        window = set(latest[:ranked])
        expected = [report for report, position in every if position in window][:limit]
        notes: list[str] = []
        shown = [
            r["report"] for r in search.search(store, text, limit=limit, on_capped=notes.append)
        ]
        if len(latest) > ranked and len(expected) == limit:
            capped += 1
            assert shown == expected, text
            assert notes and f"the latest {ranked}" in notes[0]
        elif len(latest) <= ranked:
            assert shown == [report for report, _ in every][:limit], text
            assert not notes
    assert capped >= 1
