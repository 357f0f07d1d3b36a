"""DOMAIN.md v2's identity-aware statuses through `fold`, with the registry built from the
log's own `actor` records (the shape the log side gives them: type `actor`, no incident).

Written from DOMAIN.md ("The actor registry", "Derived status"): each case is a log and the
statuses and counts the views must show.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.fold import fold
from ledger.registry import ActorLine, Registry
from tests.unit.fold_ledgers import (
    INC,
    MOD,
    SDF,
    US,
    _log,
    _row,
    actor_line,
    claim,
    corroboration,
    denial,
    incident,
    retraction,
    warning,
)

GOV = "Government of Russia"
RUSSIA = [
    actor_line(GOV, aliases=["Russia"]),
    actor_line(MOD, aliases=["Russian MoD"], part_of=GOV),
]
SDF_LINE = actor_line(SDF, aliases=["SDF"])


def outcome(report: str, *refers_to: str, by: str, value: str) -> dict[str, Any]:
    return {
        "type": "outcome",
        "incident": INC,
        "report": report,
        "by": by,
        "refers_to": list(refers_to),
        "outcome": value,
    }


CASES = [
    pytest.param(
        [SDF_LINE, incident(), claim("c1", by=SDF), denial("d1", "c1", by="SDF")],
        {"claims/c1": {"status": "retracted", "denials": 0, "internal_denials": 0}, "disputes": 0},
        id="a denial under an alias is the author's own: it withdraws",
    ),
    pytest.param(
        [incident(), claim("c1", by=SDF), denial("d1", "c1", by="SDF")],
        {"claims/c1": {"status": "disputed", "denials": 1}, "disputes": 1},
        id="without the registry the alias is another actor: a dispute",
    ),
    pytest.param(
        [incident(), claim("c1", by=SDF), denial("d1", "c1", by="SDF"), SDF_LINE],
        {"claims/c1": {"status": "retracted", "denials": 0}, "disputes": 0},
        id="an alias registered after the reports changes what they mean",
    ),
    pytest.param(
        [*RUSSIA, incident(), claim("c1", by=MOD), denial("d1", "c1", by=GOV)],
        {
            "claims/c1": {"status": "unverified", "denials": 0, "internal_denials": 1},
            "disputes/c1/d1": {"internal": True, "denier_actor": "government-of-russia"},
        },
        id="a denial by the author's own side is internal, not a dispute",
    ),
    pytest.param(
        [*RUSSIA, incident(), claim("c1", by=MOD), retraction("r1", "c1", by="Russia")],
        {"claims/c1": {"status": "retracted"}},
        id="a retraction by an ancestor counts",
    ),
    pytest.param(
        [*RUSSIA, incident(), claim("c1", by=GOV), retraction("r1", "c1", by=MOD)],
        {"claims/c1": {"status": "unverified"}},
        id="a retraction by a part of the author does not",
    ),
    pytest.param(
        [
            *RUSSIA,
            incident(),
            claim("c1", by=US, against=["Russia"]),
            denial("d1", "c1", by=MOD),
            corroboration("k1", "c1", by="Russian MoD", independent=False),
        ],
        {"claims/c1": {"status": "acknowledged", "acknowledgements": 1, "denials": 1}},
        id="an admission by the accused's side acknowledges, despite a denial",
    ),
    pytest.param(
        [
            *RUSSIA,
            incident(),
            claim("c1", by=US),
            corroboration("k1", "c1", by=GOV),
            corroboration("k2", "c1", by="Russian MoD"),
        ],
        {"claims/c1": {"status": "corroborated", "corroborations": 2}},
        id="independent corroborations by another side corroborate",
    ),
    pytest.param(
        [
            *RUSSIA,
            incident(),
            claim("c1", by=GOV),
            corroboration("k1", "c1", by="Russian MoD"),
        ],
        {"claims/c1": {"status": "unverified", "corroborations": 0, "other_corroborations": 1}},
        id="a corroboration by the author's own side is not independent",
    ),
    pytest.param(
        [
            *RUSSIA,
            incident(),
            claim("c1", by=MOD),
            claim("c2", by="Russia", supersedes=["c1"]),
        ],
        {
            "claims/c1": {"status": "superseded", "superseded_by": "c2"},
            "claims/c2": {"status": "unverified"},
        },
        id="a later statement by the same side supersedes",
    ),
    pytest.param(
        [incident(), claim("c1", by=MOD), claim("c2", by=US, supersedes=["c1"])],
        {"claims/c1": {"status": "unverified", "superseded_by": None}},
        id="another side cannot supersede",
    ),
    pytest.param(
        [
            incident(),
            warning("w1", threatened_party=SDF),
            outcome("o1", "w1", by=US, value="carried_out"),
        ],
        {"claims/w1": {"outcome": "carried_out"}},
        id="a warning's outcome is the latest standing outcome",
    ),
    pytest.param(
        [
            incident(),
            warning("w1"),
            outcome("o1", "w1", by=US, value="carried_out"),
            retraction("r1", "o1", by=US),
        ],
        {"claims/w1": {"outcome": "pending"}},
        id="a retracted outcome leaves the warning pending",
    ),
    pytest.param(
        [incident(), claim("c1", by=MOD), denial("d1", "c1", by=SDF), denial("d2", "d1", by=MOD)],
        {"claims/d1": {"status": "disputed", "denials": 1}, "claims/c1": {"status": "disputed"}},
        id="a denial is an assertion: it can itself be disputed",
    ),
]


@pytest.mark.parametrize(("ledger", "expected"), CASES)
def test_identity_aware_status(ledger: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    tables = fold(_log(*ledger))
    for address, want in expected.items():
        if isinstance(want, int):
            assert len(tables[address]) == want, address
            continue
        row = _row(tables, address)
        assert row is not None, f"no row {address}"
        assert {k: row[k] for k in want} == want, address


def test_a_superseded_claim_makes_the_incident_superseded_only_after_every_other_status() -> None:
    # DOMAIN.md v2's order: superseded ranks below refuted and above retracted.
    tables = fold(
        _log(
            *RUSSIA,
            incident(),
            claim("c1", by=MOD),
            claim("c2", by=GOV, supersedes=["c1"]),
            retraction("r1", "c2", by=GOV),
        )
    )
    # c2 retracted: it no longer supersedes, so c1 is back to unverified.
    assert _row(tables, "claims/c1")["status"] == "unverified"  # type: ignore[index]
    assert _row(tables, f"incidents/{INC}")["status"] == "unverified"  # type: ignore[index]


def test_an_explicit_registry_is_the_cut_and_the_records_lines_are_ignored() -> None:
    # The projector passes the registry as of the position it projects to.
    log = _log(SDF_LINE, incident(), claim("c1", by=SDF), denial("d1", "c1", by="SDF"))
    assert _row(fold(log, registry=Registry()), "claims/c1")["status"] == "disputed"  # type: ignore[index]
    registry = Registry.from_lines([ActorLine.from_record(SDF_LINE)])
    assert _row(fold(log, registry=registry), "claims/c1")["status"] == "retracted"  # type: ignore[index]


def test_actors_rows_are_per_resolved_actor_with_the_registry_columns() -> None:
    tables = fold(
        _log(
            *RUSSIA,
            incident(),
            claim("c1", by="Russian MoD", against=["SDF"]),
            claim("c2", by=MOD),
            denial("d1", "c1", by=SDF),
        )
    )
    actors = {row["actor"]: row for row in tables["actors"]}
    mod = actors["russian-ministry-of-defence"]
    assert (mod["name"], mod["part_of"], mod["side"], mod["claims_made"]) == (
        MOD,
        "government-of-russia",
        "government-of-russia",
        2,
    )
    assert "russian-mod" not in actors  # an alias is no actor of its own
    assert actors["government-of-russia"]["claims_made"] == 0  # registered, named by no report
    assert {(r["name"], r["actor"]) for r in tables["actor_names"]} == {
        ("government-of-russia", "government-of-russia"),
        ("russia", "government-of-russia"),
        ("russian-ministry-of-defence", "russian-ministry-of-defence"),
        ("russian-mod", "russian-ministry-of-defence"),
    }
    # The tallies stay per name as written: an alias registered later rewrites none of them.
    assert {r["actor"] for r in tables["actor_tallies"]} >= {"russian-mod", "sdf"}


def test_actor_records_make_no_row_of_any_per_incident_view() -> None:
    tables = fold(_log(*RUSSIA, incident()))
    assert [r["report"] for r in tables["timeline"]] == [INC]
    assert [r["incident"] for r in tables["incidents"]] == [INC]


def test_only_the_resolving_views_depend_on_the_registry() -> None:
    # A catch-up of registry lines alone folds only `RESOLVING` again (projections.catchup):
    # every other incident-scoped view must come out the same whatever the registry says.
    from projections.catchup import RESOLVING
    from projections.rows import FOLDED

    moved: set[str] = set()
    for case in CASES:
        ledger = case.values[0]
        log = _log(*ledger)
        registered, bare = fold(log), fold(log, registry=Registry())
        for table in FOLDED:
            if table in RESOLVING:
                if registered[table] != bare[table]:
                    moved.add(table)
            else:
                assert registered[table] == bare[table], (table, case.id)
    # The cases do move what resolves names: the comparison above is not an empty one.
    assert moved == set(RESOLVING)
