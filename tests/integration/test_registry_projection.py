"""The projector resolves names through the registry the log's actor lines build, and its
tables equal the pure fold of the same records (both backends).

The log side of actor lines is another branch's: these tests hand the catch-up synthetic actor
records of the shape the log will give (type `actor`, originator `actor:<id>`), as a batch of
the log would, then let ordinary reports follow through the ordinary catch-up.
"""

from __future__ import annotations

from typing import Any

from ledger.application import IncidentLedger
from ledger.store.config import resolve
from projections.catchup import _apply, catch_up
from projections.rows import connect, lock_and_read_position
from tests.conftest import read_lines
from tests.integration.projection_tables import (
    EXAMPLE_INCIDENTS,
    FOLDED_TABLES,
    append,
    fold_tables,
    read_tables,
    records_of,
    views_of,
    without,
)

SHELLING = "deir-ez-zor-shelling-2017-09"


def actor_record(position: int, name: str, **fields: Any) -> dict[str, Any]:
    return {"type": "actor", "actor": name, "position": position, **fields}


def test_a_registry_line_rederives_the_views_as_the_fold_does(
    ledger: IncidentLedger, db_url: str
) -> None:
    store = resolve(db_url)
    ledger.append(read_lines(), recorded_by="tester")
    catch_up(ledger, store)
    # Positions of their own, past anything these tests append (the log is another branch's).
    end = 1000
    # A registry no analyst would write, chosen because it moves statuses: the SDF as part of
    # the Russian government makes its denial of the MoD's claim internal (not a dispute).
    lines = [
        actor_record(end + 1, "Government of Russia", aliases=["Russia"]),
        actor_record(end + 2, "Russian Ministry of Defence", part_of="Government of Russia"),
        actor_record(end + 3, "Syrian Democratic Forces", part_of="Russia"),
    ]
    with connect(store) as db, db.transaction():
        lock_and_read_position(db)
        _apply(db, ledger, lines)
    records = [*records_of(ledger, EXAMPLE_INCIDENTS), *lines]
    data = frozenset({"data"})
    assert views_of(db_url) == without(fold_tables(records), data)
    claims = {r["report"]: r for r in read_tables(db_url, ("claims",))["claims"]}
    assert (claims["mod-shelling"]["status"], claims["mod-shelling"]["internal_denials"]) == (
        "unverified",
        1,
    )
    disputes = read_tables(db_url, ("disputes",))["disputes"]
    assert {(d["claim"], d["internal"]) for d in disputes} == {
        ("mod-shelling", True),
        ("sdf-airstrike-claim", True),
    }
    names = read_tables(db_url, ("actor_names",))["actor_names"]
    assert ("russia", "government-of-russia") in {(n["name"], n["actor"]) for n in names}
    actors = {a["actor"]: a for a in read_tables(db_url, ("actors",))["actors"]}
    assert actors["syrian-democratic-forces"]["side"] == "government-of-russia"

    # Later reports are folded with the registry the projector stored.
    append(
        ledger,
        {
            "type": "denial",
            "incident": SHELLING,
            "report": "russia-denies-shelling",
            "by": "Russia",
            "refers_to": ["mod-shelling"],
            "summary": "no such fire",
        },
    )
    catch_up(ledger, store)
    records = [*records_of(ledger, EXAMPLE_INCIDENTS), *lines]
    assert views_of(db_url) == without(fold_tables(records), data)
    claims = {r["report"]: r for r in read_tables(db_url, ("claims",))["claims"]}
    assert claims["mod-shelling"]["internal_denials"] == 2

    # Re-derived incrementally: a later line moving the SDF back to a side of its own, and one
    # changing only details, leave the views equal to the fold all the same.
    position = 2000
    more = [
        actor_record(position + 1, "Government of Russia", kind="state"),
        actor_record(position + 2, "SDF Deir ez-Zor Military Council", part_of="Russia"),
    ]
    with connect(store) as db, db.transaction():
        lock_and_read_position(db)
        _apply(db, ledger, more)
    records = [*records_of(ledger, EXAMPLE_INCIDENTS), *lines, *more]
    assert views_of(db_url) == without(fold_tables(records), data)


def test_a_batch_of_reports_and_registry_lines_rederives_as_the_fold_does(
    ledger: IncidentLedger, db_url: str
) -> None:
    # One batch holding a new report and the lines that change what its names mean: every
    # view is folded again, and only the rows that differ are written (projections.catchup).
    store = resolve(db_url)
    ledger.append(read_lines(), recorded_by="tester")
    catch_up(ledger, store)
    append(
        ledger,
        {
            "type": "denial",
            "incident": SHELLING,
            "report": "russia-denies-shelling",
            "by": "Russia",
            "refers_to": ["mod-shelling"],
            "summary": "no such fire",
        },
    )
    (denial,) = [
        r for r in records_of(ledger, EXAMPLE_INCIDENTS) if r["report"] == "russia-denies-shelling"
    ]
    lines = [
        actor_record(1001, "Government of Russia", aliases=["Russia"]),
        actor_record(1002, "Russian Ministry of Defence", part_of="Government of Russia"),
    ]
    with connect(store) as db, db.transaction():
        lock_and_read_position(db)
        _apply(db, ledger, [denial, *lines])
    records = [*records_of(ledger, EXAMPLE_INCIDENTS), *lines]
    assert views_of(db_url) == without(fold_tables(records), frozenset({"data"}))
    claims = {r["report"]: r for r in read_tables(db_url, ("claims",))["claims"]}
    assert claims["mod-shelling"]["internal_denials"] >= 1


def test_folded_tables_cover_the_registry_views() -> None:
    # The comparison above must include the views the registry changes.
    assert {"claims", "disputes", "actors"} <= set(FOLDED_TABLES)
