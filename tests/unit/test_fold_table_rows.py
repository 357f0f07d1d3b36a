"""The tables `fold` derives from hand-built ledgers, column by column: claims, incidents'
stated spans, provenance hops, actor counts and tallies, links and the timeline, and partial
input.
"""

from __future__ import annotations

import json

from ledger.fold import COLUMNS, fold
from ledger.view_columns import ACTOR_COUNTS
from tests.unit.fold_ledgers import (
    INC,
    MOD,
    OTHER,
    SDF,
    US,
    _log,
    _row,
    actor_line,
    claim,
    correction,
    corroboration,
    denial,
    incident,
    link,
    retraction,
    verdict,
    warning,
)


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
