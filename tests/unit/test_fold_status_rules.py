"""The derived-status rules of DOMAIN.md, checked on hand-built ledgers through `fold`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.fold import COLUMNS, fold
from ledger.status_rules import STATUS_INPUT_TYPES
from ledger.view_columns import ACTOR_COUNTS

INC = "deir-ez-zor-shelling-2017-09"
OTHER = "deir-ez-zor-airstrike-2017-09-16"
MOD = "Russian Ministry of Defence"
SDF = "Syrian Democratic Forces"
US = "US Central Command"


# Builders: one report each, without the ledger-set keys that `_log` adds.


def incident(slug: str = INC, **fields: Any) -> dict[str, Any]:
    return {"type": "incident", "incident": slug, "report": slug, "title": slug, **fields}


def claim(report: str, by: str = MOD, incident: str = INC, **fields: Any) -> dict[str, Any]:
    return {
        "type": "claim",
        "incident": incident,
        "report": report,
        "by": by,
        "summary": f"{report} happened",
        **fields,
    }


def warning(report: str, by: str = MOD, **fields: Any) -> dict[str, Any]:
    return {
        "type": "warning",
        "incident": INC,
        "report": report,
        "by": by,
        "addressee": "US military command",
        "summary": "fire will be met",
        **fields,
    }


def denial(
    report: str, *refers_to: str, by: str = SDF, incident: str = INC, **fields: Any
) -> dict[str, Any]:
    return {
        "type": "denial",
        "incident": incident,
        "report": report,
        "by": by,
        "refers_to": list(refers_to),
        "summary": "did not happen",
        **fields,
    }


def corroboration(
    report: str, *refers_to: str, by: str = US, independent: bool = True, **fields: Any
) -> dict[str, Any]:
    return {
        "type": "corroboration",
        "incident": INC,
        "report": report,
        "by": by,
        "refers_to": list(refers_to),
        "summary": "we saw it too",
        "independent": independent,
        **fields,
    }


def actor_line(name: str, **fields: Any) -> dict[str, Any]:
    """A registry line as the log gives it (reglog's record shape): no incident of its own."""
    return {"type": "actor", "report": f"actor:{name}", "actor": name, **fields}


def retraction(report: str, *refers_to: str, by: str) -> dict[str, Any]:
    return {
        "type": "retraction",
        "incident": INC,
        "report": report,
        "by": by,
        "refers_to": list(refers_to),
        "reason": "withdrawn",
    }


def verdict(report: str, *refers_to: str, status: str) -> dict[str, Any]:
    return {
        "type": "verdict",
        "incident": INC,
        "report": report,
        "refers_to": list(refers_to),
        "status": status,
        "reason": "analyst's call",
        "by": "Analyst",
    }


def assessment(report: str, *refers_to: str, reliability: str, credibility: int) -> dict[str, Any]:
    return {
        "type": "assessment",
        "incident": INC,
        "report": report,
        "refers_to": list(refers_to),
        "reliability": reliability,
        "credibility": credibility,
    }


def discrepancy(report: str, *refers_to: str) -> dict[str, Any]:
    return {
        "type": "discrepancy",
        "incident": INC,
        "report": report,
        "refers_to": list(refers_to),
        "field": "location",
        "variants": [{"value": "eastern bank"}, {"value": "western bank"}],
    }


def correction(report: str, *refers_to: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "correction",
        "incident": INC,
        "report": report,
        "refers_to": list(refers_to),
        "reason": "entry error",
        **fields,
    }


def link(report: str, other: str = OTHER, relation: str = "context_for") -> dict[str, Any]:
    return {"type": "link", "incident": INC, "report": report, "other": other, "relation": relation}


def _log(*reports: dict[str, Any]) -> list[dict[str, Any]]:
    """Number the reports as the ledger would: positions 1.., per-incident versions, clock."""
    start = datetime(2024, 5, 1, tzinfo=UTC)
    versions: dict[str, int] = {}
    records = []
    for position, report in enumerate(reports, start=1):
        # An actor line is its own aggregate (`actor:<id>`), with versions of its own.
        aggregate = report.get("incident") or f"actor:{report['actor']}"
        versions[aggregate] = versions.get(aggregate, 0) + 1
        moment = start + timedelta(minutes=position)
        records.append(
            {
                "refers_to": [],
                **report,
                "position": position,
                "version": versions[aggregate],
                "recorded_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "recorded_by": "analyst@example.org",
            }
        )
    return records


_KEYS = {
    "incidents": ("incident",),
    "claims": ("report",),
    "disputes": ("claim", "denial"),
    "actors": ("actor",),
    "timeline": ("report",),
}


def _row(tables: dict[str, list[dict[str, Any]]], address: str) -> dict[str, Any] | None:
    """The row at 'table/key' (disputes: 'disputes/claim/denial'), or None if there is none."""
    table, *key = address.split("/")
    found = [r for r in tables[table] if [str(r[k]) for k in _KEYS[table]] == key]
    assert len(found) <= 1, f"{address} is not unique"
    return found[0] if found else None


# Each case: a ledger, then expectations keyed "table/key" (a row's columns, or None for "no such
# row") or "table" (its number of rows).
CASES = [
    pytest.param(
        [incident(), claim("c1")],
        {
            "claims/c1": {
                "status": "unverified",
                "denials": 0,
                "corroborations": 0,
                "other_corroborations": 0,
                "discrepancies": 0,
                "verdict": None,
            },
            f"incidents/{INC}": {"status": "unverified", "assertions": 1, "disputed": 0},
        },
        id="a plain claim is unverified",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1")],
        {
            "claims/c1": {"status": "disputed", "denials": 1},
            f"incidents/{INC}": {"status": "disputed", "disputed": 1},
            "disputes/c1/d1": {"claimant": MOD, "denier": SDF, "retracted": False},
        },
        id="a denial by another actor disputes the claim",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1", by=MOD)],
        # DOMAIN.md v2 rule 1: an author denying its own statement withdraws it.
        {"claims/c1": {"status": "retracted", "denials": 0}, "disputes": 0},
        id="a denial by the asserter itself withdraws it, no dispute",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1"), retraction("r1", "d1", by=SDF)],
        {
            "claims/c1": {"status": "unverified", "denials": 0},
            "disputes/c1/d1": {"retracted": True},
        },
        id="a denial retracted by its denier no longer disputes",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1"), retraction("r1", "d1", by=US)],
        {"claims/c1": {"status": "disputed", "denials": 1}, "disputes/c1/d1": {"retracted": False}},
        id="a denial retracted by a third party still disputes",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            denial("d1", "c1"),
            verdict("v1", "c1", status="confirmed"),
            retraction("r1", "c1", by=MOD),
        ],
        {
            "claims/c1": {"status": "retracted", "denials": 1, "verdict": "confirmed"},
            f"incidents/{INC}": {"status": "retracted", "disputed": 0},
        },
        id="a retraction by the asserter wins even over a denial and a verdict",
    ),
    pytest.param(
        [incident(), claim("c1"), retraction("r1", "c1", by=SDF)],
        {"claims/c1": {"status": "unverified"}},
        id="a retraction by someone other than the asserter is ignored",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            denial("d1", "c1"),
            verdict("v1", "c1", status="refuted"),
            verdict("v2", "c1", status="confirmed"),
        ],
        {
            "claims/c1": {"status": "confirmed", "verdict": "confirmed", "denials": 1},
            f"incidents/{INC}": {"status": "confirmed"},
        },
        id="the latest verdict wins over an earlier verdict and over a denial",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1")],
        {
            "claims/c1": {"status": "corroborated", "corroborations": 1, "other_corroborations": 0},
            f"incidents/{INC}": {"status": "corroborated"},
        },
        id="an independent corroboration by another actor corroborates",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1", independent=False)],
        {"claims/c1": {"status": "unverified", "corroborations": 0, "other_corroborations": 1}},
        id="a non-independent corroboration leaves the claim unverified",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1", by=MOD)],
        {"claims/c1": {"status": "unverified", "corroborations": 0, "other_corroborations": 1}},
        id="an independent corroboration by the asserter itself does not count",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1"), denial("d1", "c1")],
        {"claims/c1": {"status": "disputed", "denials": 1, "corroborations": 1}},
        id="a denial beats a corroboration and both counts are kept",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1"), retraction("r1", "k1", by=US)],
        {"claims/c1": {"status": "unverified", "corroborations": 0, "other_corroborations": 0}},
        id="a corroboration retracted by its corroborator no longer counts",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1"), correction("x1", "d1", void=True)],
        {
            "claims/c1": {"status": "unverified", "denials": 0},
            "disputes": 0,
            "timeline/d1": {"voided": True, "corrected": False},
            f"incidents/{INC}": {"reports": 3},
        },
        id="a voided denial does not count",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            claim("c2"),
            denial("d1", "c1"),
            correction("x1", "c1", void=True),
        ],
        {
            "claims/c1": None,
            "claims": 2,  # the other claim, and the denial (an assertion in v2)
            "disputes": 0,
            f"incidents/{INC}": {
                "status": "unverified",
                "assertions": 1,
                "disputed": 0,
                "reports": 4,
            },
            "timeline/c1": {"voided": True},
        },
        id="a voided assertion disappears from claims and incident counts",
    ),
    pytest.param(
        [
            incident(),
            claim("c1", stated_at="2017-09-21"),
            correction(
                "x1",
                "c1",
                changes={
                    "summary": "fired on twice",
                    "stated_at": "2017-09-20",
                    "report": "renamed",
                    "incident": OTHER,
                },
            ),
        ],
        {
            "claims/c1": {
                "summary": "fired on twice",
                "stated_at": "2017-09-20",
                "incident": INC,
                "corrected": True,
            },
            "timeline/c1": {
                "summary": "fired on twice",
                "stated_from": "2017-09-20T00:00:00.000000Z",
                "corrected": True,
            },
        },
        id="a correction with changes shows the corrected values but never renames or moves",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1"), correction("x1", "d1", changes={"by": MOD})],
        {
            "claims/c1": {"status": "retracted", "denials": 0},
            "disputes": 0,
            "timeline/d1": {"by": MOD, "corrected": True},
        },
        id="correcting a denial's author to the asserter removes the dispute",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            denial("d1", "c1"),
            verdict("v1", "c1", status="refuted"),
            correction("x1", "v1", void=True),
        ],
        {"claims/c1": {"status": "disputed", "verdict": None}},
        id="voiding a verdict restores the status it had overruled",
    ),
    pytest.param(
        [
            incident(),
            claim("c1", by="Ministère de la Défense"),
            denial("d1", "c1", by="MINISTERE DE LA DEFENSE"),
            retraction("r1", "c1", by="ministère de la défense"),
        ],
        {
            "claims/c1": {"status": "retracted", "denials": 0, "actor": "ministere-de-la-defense"},
            "disputes": 0,
            "actors/ministere-de-la-defense": {
                "name": "Ministère de la Défense",
                "claims_made": 1,
                "denials_issued": 1,
                "retractions": 1,
            },
        },
        id="actor names differing only in case or accents are the same actor",
    ),
    pytest.param(
        [incident(), claim("c1"), incident(OTHER), denial("d1", "c1", incident=OTHER)],
        {
            "claims/c1": {"status": "disputed", "denials": 1},
            f"incidents/{INC}": {
                "status": "disputed",
                "reports": 2,
                "last_position": 4,
                "last_recorded_at": "2024-05-01T00:04:00.000000Z",
                "version": 2,
            },
            f"incidents/{OTHER}": {"status": "open", "reports": 2, "last_position": 4},
            "disputes/c1/d1": {"incident": INC, "denial_incident": OTHER},
        },
        id="a denial in another incident disputes the claim and bumps its incident's position",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            incident(OTHER),
            correction("x1", "c1", void=True, incident=OTHER),
        ],
        {
            f"incidents/{INC}": {"status": "open", "reports": 1, "version": 2, "last_position": 4},
            f"incidents/{OTHER}": {"reports": 2, "version": 2, "last_position": 4},
        },
        id="a voided report still counts toward its incident's version and last position",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1"), claim("c2"), denial("d1", "c2")],
        {f"incidents/{INC}": {"status": "disputed", "assertions": 2, "disputed": 1}},
        id="a disputed assertion makes the incident disputed though another is corroborated",
    ),
    pytest.param(
        [incident(), warning("w1"), claim("c1"), denial("d1", "c1")],
        {f"incidents/{INC}": {"status": "disputed", "assertions": 2, "disputed": 1}},
        id="a disputed assertion outranks an unverified one in the incident status",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1"), warning("w1")],
        {f"incidents/{INC}": {"status": "unverified", "assertions": 2, "disputed": 0}},
        id="an unverified assertion outranks a corroborated one in the incident status",
    ),
    pytest.param(
        [incident(), link("l1")],
        {f"incidents/{INC}": {"status": "open", "assertions": 0, "reports": 2}},
        id="an incident without assertions is open",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            assessment("a1", "c1", reliability="B", credibility=2),
            assessment("a2", "c1", reliability="D", credibility=4),
        ],
        {"claims/c1": {"reliability": "D", "credibility": 4}},
        id="the latest assessment gives the reliability and credibility",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            claim("c2"),
            discrepancy("q1", "c1", "c2"),
            discrepancy("q2", "c1"),
        ],
        {
            "claims/c1": {"discrepancies": 2, "status": "unverified"},
            "claims/c2": {"discrepancies": 1},
        },
        id="discrepancies are counted without changing the status",
    ),
]


@pytest.mark.parametrize(("ledger", "expected"), CASES)
def test_status_rule(ledger: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    tables = fold(_log(*ledger))
    for address, want in expected.items():
        if isinstance(want, int):
            assert len(tables[address]) == want, address
            continue
        row = _row(tables, address)
        if want is None:
            assert row is None, address
            continue
        assert row is not None, f"no row {address}"
        assert {k: row[k] for k in want} == want, address


def test_every_table_has_exactly_its_columns_in_order() -> None:
    tables = fold(
        _log(
            incident(),
            claim("c1", sources=[{"outlet": "TASS", "kind": "wire"}]),
            denial("d1", "c1"),
            link("l1"),
            actor_line(SDF, aliases=["SDF"]),
            {
                "type": "evidence",
                "incident": INC,
                "report": "e1",
                "kind": "video",
                "sha256": "a" * 64,
                "supports": ["c1"],
            },
        )
    )
    assert list(tables) == list(COLUMNS)
    for name, rows in tables.items():
        assert rows, f"{name} is empty"
        assert all(tuple(row) == COLUMNS[name] for row in rows), name


def test_claim_row_shows_every_column() -> None:
    tables = fold(
        _log(
            incident(),
            claim(
                "c1",
                speaker="Maj Gen Igor Konashenkov",
                against=["SDF", "US special forces"],
                targets=["Syrian government forces"],
                quote="twice come under fire",
                stated_at="2017-09-21T10:00Z",
            ),
            warning("w1", threatened_party="SDF"),
        )
    )
    assert tables["claims"] == [
        {
            "report": "c1",
            "incident": INC,
            "type": "claim",
            "by": MOD,
            "actor": "russian-ministry-of-defence",
            "side": "russian-ministry-of-defence",
            "speaker": "Maj Gen Igor Konashenkov",
            "on_behalf_of": None,
            "stance": "alleges",
            "against": '["SDF","US special forces"]',
            "targets": '["Syrian government forces"]',
            "addressee": None,
            "summary": "c1 happened",
            "quote": "twice come under fire",
            "stated_at": "2017-09-21T10:00Z",
            "status": "unverified",
            "denials": 0,
            "internal_denials": 0,
            "acknowledgements": 0,
            "corroborations": 0,
            "other_corroborations": 0,
            "discrepancies": 0,
            "reliability": None,
            "credibility": None,
            "verdict": None,
            "superseded_by": None,
            "outcome": None,
            "corrected": False,
            "recorded_at": "2024-05-01T00:02:00.000000Z",
            "position": 2,
        },
        {
            "report": "w1",
            "incident": INC,
            "type": "warning",
            "by": MOD,
            "actor": "russian-ministry-of-defence",
            "side": "russian-ministry-of-defence",
            "speaker": None,
            "on_behalf_of": None,
            "stance": None,
            "against": "[]",
            "targets": "[]",
            "addressee": "US military command",
            "summary": "fire will be met",
            "quote": None,
            "stated_at": None,
            "status": "unverified",
            "denials": 0,
            "internal_denials": 0,
            "acknowledgements": 0,
            "corroborations": 0,
            "other_corroborations": 0,
            "discrepancies": 0,
            "reliability": None,
            "credibility": None,
            "verdict": None,
            "superseded_by": None,
            "outcome": "pending",  # a warning with no outcome report yet
            "corrected": False,
            "recorded_at": "2024-05-01T00:03:00.000000Z",
            "position": 3,
        },
    ]


def test_incident_stated_span_compares_earliest_instants_and_keeps_the_text() -> None:
    tables = fold(
        _log(
            incident(),
            claim("c1", stated_at="2017-09-16T23:00-05:00"),  # 17 Sept, 04:00 UTC
            claim("c2", stated_at="2017-09-17T01:00+05:00"),  # 16 Sept, 20:00 UTC
            claim("c3", stated_at="2017-09-18"),
            denial("d1", "c1", stated_at="2017-09-17T23:00-05:00"),  # 18 Sept, 04:00 UTC
            claim("c4", stated_at="2017-08"),
            correction("x1", "c4", void=True),  # a voided report's time no longer counts
        )
    )
    row = _row(tables, f"incidents/{INC}")
    assert row is not None
    assert (row["first_stated_at"], row["last_stated_at"]) == (
        "2017-09-17T01:00+05:00",
        "2017-09-17T23:00-05:00",
    )
    assert (row["reports"], row["version"], row["last_position"]) == (6, 7, 7)


def test_provenance_numbers_hops_from_speaker_to_outlet() -> None:
    sources = [
        {"outlet": "Ministry briefing", "kind": "briefing"},
        {"outlet": "TASS", "kind": "wire", "quote_mode": "translated"},
        {"outlet": "AP", "kind": "wire"},
        {
            "outlet": "Firstpost",
            "kind": "web",
            "url": "https://www.firstpost.com/x",
            "published_at": "2017-09-21T21:07+05:30",
            "quote_mode": "direct",
        },
    ]
    tables = fold(
        _log(
            incident(),
            claim("c1", speaker="Maj Gen Igor Konashenkov", sources=sources),
            denial("d1", "c1", speaker="Syrian Democratic Forces"),  # speaking for itself
            corroboration(
                "k1",
                "c1",
                on_behalf_of="Someone",
                sources=[
                    {"outlet": "Rudaw", "kind": "web"},
                    {"outlet": "Statement", "kind": "statement"},
                ],
            ),
            verdict("v1", "c1", status="confirmed"),  # analysts' entries have no provenance
        )
    )
    hops = [
        (r["report"], r["hop"], r["agent"], r["role"], r["kind"], r["quote_mode"])
        for r in tables["provenance"]
    ]
    assert hops == [
        ("c1", 0, "Maj Gen Igor Konashenkov", "speaker", None, None),
        ("c1", 1, MOD, "on_behalf_of", None, None),
        ("c1", 2, "Ministry briefing", "channel", "briefing", None),
        ("c1", 3, "TASS", "relay", "wire", "translated"),
        ("c1", 4, "AP", "relay", "wire", None),
        ("c1", 5, "Firstpost", "outlet", "web", "direct"),
        ("d1", 0, "Syrian Democratic Forces", "speaker", None, None),
        ("k1", 0, US, "source", None, None),
        ("k1", 1, "Rudaw", "outlet", "web", None),
        ("k1", 2, "Statement", "channel", "statement", None),
    ]
    firstpost = tables["provenance"][5]
    assert (firstpost["url"], firstpost["published_at"], firstpost["incident"]) == (
        "https://www.firstpost.com/x",
        "2017-09-21T21:07+05:30",
        INC,
    )


def test_actors_are_counted_by_id_over_live_reports() -> None:
    tables = fold(
        _log(
            incident(),
            claim("c1", speaker="Maj Gen Igor Konashenkov", against=[SDF, "US special forces"]),
            warning("w1", threatened_party="syrian democratic forces"),
            denial("d1", "c1", on_behalf_of="SDF Deir ez-Zor Military Council"),
            corroboration("k1", "c1"),
            retraction("r1", "k1", by=US),
            claim("c2", by="Ghost Actor", against=[SDF]),
            correction("x1", "c2", void=True),
        )
    )
    assert tables["actors"] == [
        {
            "actor": "maj-gen-igor-konashenkov",
            "name": "Maj Gen Igor Konashenkov",
            "kind": None,
            "part_of": None,
            "side": "maj-gen-igor-konashenkov",
            "country": None,
            "claims_made": 0,
            "warnings_issued": 0,
            "denials_issued": 0,
            "accused_in": 0,
            "corroborations_given": 0,
            "retractions": 0,
        },
        {
            "actor": "russian-ministry-of-defence",
            "name": MOD,
            "kind": None,
            "part_of": None,
            "side": "russian-ministry-of-defence",
            "country": None,
            "claims_made": 1,
            "warnings_issued": 1,
            "denials_issued": 0,
            "accused_in": 0,
            "corroborations_given": 0,
            "retractions": 0,
        },
        {
            "actor": "sdf-deir-ez-zor-military-council",
            "name": "SDF Deir ez-Zor Military Council",
            "kind": None,
            "part_of": None,
            "side": "sdf-deir-ez-zor-military-council",
            "country": None,
            "claims_made": 0,
            "warnings_issued": 0,
            "denials_issued": 0,
            "accused_in": 0,
            "corroborations_given": 0,
            "retractions": 0,
        },
        {
            "actor": "syrian-democratic-forces",
            "name": SDF,
            "kind": None,
            "part_of": None,
            "side": "syrian-democratic-forces",
            "country": None,
            "claims_made": 0,
            "warnings_issued": 0,
            "denials_issued": 1,
            "accused_in": 2,
            "corroborations_given": 0,
            "retractions": 0,
        },
        {
            "actor": "us-central-command",
            "name": US,
            "kind": None,
            "part_of": None,
            "side": "us-central-command",
            "country": None,
            "claims_made": 0,
            "warnings_issued": 0,
            "denials_issued": 0,
            "accused_in": 0,
            "corroborations_given": 1,
            "retractions": 1,
        },
        {
            "actor": "us-military-command",
            "name": "US military command",
            "kind": None,
            "part_of": None,
            "side": "us-military-command",
            "country": None,
            "claims_made": 0,
            "warnings_issued": 0,
            "denials_issued": 0,
            "accused_in": 0,
            "corroborations_given": 0,
            "retractions": 0,
        },
        {
            "actor": "us-special-forces",
            "name": "US special forces",
            "kind": None,
            "part_of": None,
            "side": "us-special-forces",
            "country": None,
            "claims_made": 0,
            "warnings_issued": 0,
            "denials_issued": 0,
            "accused_in": 1,
            "corroborations_given": 0,
            "retractions": 0,
        },
    ]


def test_partial_input_ignores_references_to_reports_it_lacks() -> None:
    # The other incident's claim is not in the input: its denial and correction still fold.
    tables = fold(
        _log(
            incident(),
            denial("d1", "missing-claim"),
            correction("x1", "missing-claim", changes={"summary": "x"}),
            verdict("v1", "missing-claim", status="refuted"),
        )
    )
    # The denial is an assertion of its own (v2), answering nothing the input holds.
    assert [(r["report"], r["status"]) for r in tables["claims"]] == [("d1", "unverified")]
    assert tables["disputes"] == []
    row = _row(tables, f"incidents/{INC}")
    assert row is not None
    assert (row["status"], row["reports"], row["last_position"]) == ("open", 4, 4)
    assert [r["refers_to"] for r in tables["timeline"]] == [
        "[]",
        '["missing-claim"]',
        '["missing-claim"]',
        '["missing-claim"]',
    ]


def test_links_and_timeline_text() -> None:
    tables = fold(
        _log(
            incident(title="Shelling near Deir ez-Zor"),
            link("l2", other="b-incident", relation="follows"),
            link("l1", other="a-incident"),
            correction("x1", "l2", void=True),
        )
    )
    assert tables["links"] == [
        {
            "report": "l1",
            "incident": INC,
            "other": "a-incident",
            "relation": "context_for",
            "note": None,
        },
    ]
    assert [(r["position"], r["type"], r["summary"], r["voided"]) for r in tables["timeline"]] == [
        (1, "incident", "Shelling near Deir ez-Zor", False),
        (2, "link", None, True),
        (3, "link", None, False),
        (4, "correction", "entry error", False),
    ]


def test_actor_tallies_sum_to_the_actors_table() -> None:
    # Check the per-incident tallies the SQL projection sums give exactly the actors rows:
    # counts summed over incidents, the name of the earliest (position, field) naming.
    tables = fold(
        _log(
            incident(),
            claim("c1", by="Ministère de la Défense", against=["SDF", "sdf"]),
            denial("d1", "c1", by="SDF"),
            incident(OTHER),
            claim("c2", incident=OTHER, by="ministere de la defense", against=["sdf"]),
        )
    )
    summed: dict[str, dict[str, object]] = {}
    counted = ACTOR_COUNTS
    for row in sorted(tables["actor_tallies"], key=lambda r: (r["first_position"], r["first_seq"])):
        entry = summed.setdefault(
            row["actor"], {"actor": row["actor"], "name": row["name"], **dict.fromkeys(counted, 0)}
        )
        for column in counted:
            entry[column] = int(entry[column]) + row[column]  # type: ignore[call-overload]
    picked = [{k: r[k] for k in ("actor", "name", *counted)} for r in tables["actors"]]
    assert sorted(summed.values(), key=lambda r: str(r["actor"])) == picked
    assert {r["actor"]: r["accused_in"] for r in tables["actors"]}["sdf"] == 2
    # Check each tally lists the reports naming the actor in that incident, once each.
    reports = {
        (r["incident"], r["actor"]): json.loads(r["reports"]) for r in tables["actor_tallies"]
    }
    assert reports[(INC, "sdf")] == ["c1", "d1"]
    assert reports[(OTHER, "sdf")] == ["c2"]


HOP_FIELDS = ("agent", "role", "kind", "url", "published_at", "quote_mode")


def test_provenance_chains_hold_the_provenance_rows() -> None:
    # Check each report's stored chain expands, hop by hop, into exactly its provenance rows.
    tables = fold(
        _log(
            incident(),
            claim(
                "c1",
                speaker="Igor Konashenkov",
                by="Russian MoD",
                sources=[
                    {"outlet": "MoD briefing", "kind": "briefing"},
                    {"outlet": "TASS", "kind": "wire", "url": "https://tass.example/1"},
                ],
            ),
            denial("d1", "c1", by="SDF"),
        )
    )
    expanded = [
        {
            "report": row["report"],
            "hop": hop,
            "incident": row["incident"],
            **dict(
                zip(("agent", "role", "kind", "url", "published_at", "quote_mode"), h, strict=True)
            ),
        }
        for row in tables["provenance_chains"]
        for hop, h in enumerate(json.loads(row["chain"]))
    ]
    assert expanded == tables["provenance"]
    assert [r["report"] for r in tables["provenance_chains"]] == ["c1", "d1"]


@pytest.mark.parametrize(("ledger", "expected"), CASES)
def test_statuses_need_only_the_status_input_types(
    ledger: list[dict[str, Any]], expected: dict[str, Any]
) -> None:
    """`ledger changes` folds an assertion with only its referrers of `STATUS_INPUT_TYPES`:
    leaving every other report out must leave every assertion's status as it is."""
    records = _log(*ledger)
    # Incident lines and actor lines stay: `changes` has the registry and its incidents apart.
    kept = [r for r in records if r["type"] in STATUS_INPUT_TYPES | {"incident", "actor"}]

    def statuses(reports: list[dict[str, Any]]) -> dict[str, str]:
        return {row["report"]: row["status"] for row in fold(reports, tables=("claims",))["claims"]}

    assert statuses(kept) == statuses(records)
