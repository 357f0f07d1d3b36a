"""The W3C PROV export of the worked example, checked after a PROV-JSON round trip.

The records are built without a database: each example line is validated by the interchange
parser and given the keys `to_record` adds (position, version, recorded_at, recorded_by).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prov.constants import PROV_LABEL, PROV_TYPE, XSD, XSD_DATE
from prov.identifier import Identifier, QualifiedName
from prov.model import (
    Literal,
    ProvAgent,
    ProvAttribution,
    ProvBundle,
    ProvDelegation,
    ProvDerivation,
    ProvDocument,
    ProvEntity,
    ProvGeneration,
    ProvRecord,
)

from ledger.ids import actor_id
from ledger.interchange import parse_line, report_fields
from ledger.prov_export import FORMATS, build_document, serialize

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "deir-ez-zor-2017.jsonl"
NS = "https://incident-ledger.example/"
SHELLING = "deir-ez-zor-shelling-2017-09"
AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
KONASHENKOV = "actor:maj-gen-igor-konashenkov"
MOD = "actor:russian-ministry-of-defence"
SDF = "actor:syrian-democratic-forces"
# Two recorders, one of them a name with a space, so the recorder ids are normalised.
RECORDERS = {AIRSTRIKE: "alice", SHELLING: "Bob Smith"}


def example_records() -> list[dict[str, Any]]:
    records = []
    versions: Counter[str] = Counter()
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for position, line in enumerate(lines, start=1):
        fields = report_fields(parse_line(line, position))
        if fields["type"] == "actor":
            # A registry line (the example's first): its own aggregate, and no bundle.
            records.append({**fields, "incident": f"actor:{actor_id(fields['actor'])}"})
            records[-1]["position"] = position
            continue
        incident = fields["incident"]
        versions[incident] += 1
        records.append(
            {
                **fields,
                "report": fields.get("report", incident),  # an incident event's id is its slug
                "position": position,
                "version": versions[incident],
                "recorded_at": f"2024-05-01T10:00:{position:02d}.000000Z",
                "recorded_by": RECORDERS[incident],
            }
        )
    return records


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return example_records()


@pytest.fixture(scope="module")
def document(records: list[dict[str, Any]]) -> ProvDocument:
    return build_document(records)


@pytest.fixture(scope="module")
def parsed(document: ProvDocument) -> ProvDocument:
    """What a PROV tool reads back from the PROV-JSON export."""
    return ProvDocument.deserialize(content=serialize(document, "prov-json"), format="json")


# Readers: relations as tuples of prefixed names, so the assertions read like PROV-N.


def _bundle(doc: ProvDocument, event: str) -> ProvBundle:
    return next(b for b in doc.bundles if str(b.identifier) == event)


def _records(bundle: ProvBundle, kind: type[ProvRecord]) -> list[Any]:
    return [r for r in bundle.get_records(kind) if isinstance(r, kind)]


def _types(record: ProvRecord) -> set[str]:
    return {str(t) for t in record.get_attribute(PROV_TYPE)}


def _derivations(bundle: ProvBundle, generated: str | None = None) -> set[tuple[str, str, str]]:
    triples = {
        (str(r.args[0]), str(r.args[1]), ",".join(sorted(_types(r))))
        for r in _records(bundle, ProvDerivation)
    }
    return {t for t in triples if generated is None or t[0] == generated}


def _attributions(bundle: ProvBundle, entity: str | None = None) -> set[tuple[str, str]]:
    pairs = {(str(r.args[0]), str(r.args[1])) for r in _records(bundle, ProvAttribution)}
    return {p for p in pairs if entity is None or p[0] == entity}


def _delegations(bundle: ProvBundle) -> set[tuple[str, str]]:
    return {(str(r.args[0]), str(r.args[1])) for r in _records(bundle, ProvDelegation)}


def _entity(bundle: ProvBundle, identifier: str) -> ProvEntity:
    (entity,) = [e for e in _records(bundle, ProvEntity) if str(e.identifier) == identifier]
    return entity


def _attribute(record: ProvRecord, name: str | QualifiedName) -> Any:
    (value,) = record.get_attribute(name)
    return value


# The round trip itself.


def test_prov_json_round_trips_to_an_equal_document(
    document: ProvDocument, parsed: ProvDocument
) -> None:
    assert parsed == document


def test_namespaces_are_the_given_one_and_its_sub_namespaces(parsed: ProvDocument) -> None:
    prefixes = {ns.prefix: ns.uri for ns in parsed.namespaces}
    assert prefixes == {
        "ledger": NS,
        **{
            p: f"{NS}{p}/"
            for p in ("report", "incident", "hop", "actor", "event", "recorder", "activity")
        },
    }


# Speakers act on behalf of organisations.


def test_konashenkov_acted_on_behalf_of_the_russian_mod(parsed: ProvDocument) -> None:
    shelling = _bundle(parsed, f"event:{SHELLING}/2")
    assert _delegations(shelling) == {(KONASHENKOV, MOD)}
    # The same delegation, and no other, in each of the four reports he spoke for.
    delegating = [str(b.identifier) for b in parsed.bundles if _delegations(b)]
    assert sorted(delegating) == [
        f"event:{AIRSTRIKE}/3",
        f"event:{SHELLING}/2",
        f"event:{SHELLING}/3",
        f"event:{SHELLING}/4",
    ]
    assert {d for b in parsed.bundles for d in _delegations(b)} == {(KONASHENKOV, MOD)}


def test_speaker_is_a_person_and_the_ministry_an_organisation(parsed: ProvDocument) -> None:
    shelling = _bundle(parsed, f"event:{SHELLING}/2")
    agents = {str(a.identifier): a for a in _records(shelling, ProvAgent)}
    assert _types(agents[KONASHENKOV]) == {"prov:Person"}
    assert _types(agents[MOD]) == {"prov:Organization"}
    assert _attribute(agents[KONASHENKOV], PROV_LABEL) == "Maj Gen Igor Konashenkov"


# Statements are entities attributed to who made them.


def test_statement_is_attributed_to_its_maker_and_speaker(parsed: ProvDocument) -> None:
    shelling = _bundle(parsed, f"event:{SHELLING}/2")
    statement = _entity(shelling, "report:mod-shelling")
    assert _types(statement) == {"ledger:Claim"}
    assert _attributions(shelling, "report:mod-shelling") == {
        ("report:mod-shelling", MOD),
        ("report:mod-shelling", KONASHENKOV),
    }
    denial = _bundle(parsed, f"event:{SHELLING}/5")
    assert _attributions(denial, "report:sdf-shelling-denial") == {
        ("report:sdf-shelling-denial", SDF)
    }


# Each hop quotes the one before it and has the statement as its primary source.


def test_firstpost_hop_quotes_the_previous_hop_and_has_the_statement_as_primary_source(
    parsed: ProvDocument,
) -> None:
    shelling = _bundle(parsed, f"event:{SHELLING}/2")
    assert _attributions(shelling, "hop:mod-shelling/2") == {
        ("hop:mod-shelling/2", "actor:firstpost")
    }
    assert _derivations(shelling, "hop:mod-shelling/2") == {
        ("hop:mod-shelling/2", "hop:mod-shelling/1", "prov:Quotation"),
        ("hop:mod-shelling/2", "report:mod-shelling", "prov:PrimarySource"),
    }


def test_the_whole_chain_goes_back_to_the_statement(parsed: ProvDocument) -> None:
    shelling = _bundle(parsed, f"event:{SHELLING}/2")
    assert _derivations(shelling, "hop:mod-shelling/0") == {
        ("hop:mod-shelling/0", "report:mod-shelling", "prov:Quotation"),
        ("hop:mod-shelling/0", "report:mod-shelling", "prov:PrimarySource"),
    }
    assert _derivations(shelling, "hop:mod-shelling/1") == {
        ("hop:mod-shelling/1", "hop:mod-shelling/0", "prov:Quotation"),
        ("hop:mod-shelling/1", "report:mod-shelling", "prov:PrimarySource"),
    }
    assert _attributions(shelling, "hop:mod-shelling/0") == {("hop:mod-shelling/0", MOD)}
    assert _attributions(shelling, "hop:mod-shelling/1") == {
        ("hop:mod-shelling/1", "actor:associated-press")
    }


def test_hop_keeps_its_url_publication_time_and_quote_mode(parsed: ProvDocument) -> None:
    firstpost = _entity(_bundle(parsed, f"event:{SHELLING}/2"), "hop:mod-shelling/2")
    assert _types(firstpost) == {"ledger:SourceText"}
    assert _attribute(firstpost, "ledger:kind") == "web"
    assert _attribute(firstpost, "ledger:quoteMode") == "direct"
    assert _attribute(firstpost, "ledger:publishedAt") == datetime.fromisoformat(
        "2017-09-21T21:07:52+05:30"
    )


def test_hop_url_is_an_any_uri() -> None:
    record = {
        **_minimal_claim(),
        "sources": [{"outlet": "Firstpost", "kind": "web", "url": "https://example.org/a?b=1"}],
    }
    text = serialize(build_document([record]), "prov-json")
    assert '"$": "https://example.org/a?b=1", "type": "xsd:anyURI"' in " ".join(text.split())
    doc = ProvDocument.deserialize(content=text, format="json")
    hop = _entity(_bundle(doc, "event:inc/2"), "hop:c/0")
    assert _attribute(hop, "ledger:url") == Identifier("https://example.org/a?b=1")


# Denials and other references are typed derivations of what they refer to.


def test_sdf_denial_is_a_derivation_of_the_shelling_claim(parsed: ProvDocument) -> None:
    denial = _bundle(parsed, f"event:{SHELLING}/5")
    assert _types(_entity(denial, "report:sdf-shelling-denial")) == {"ledger:Denial"}
    assert _derivations(denial, "report:sdf-shelling-denial") == {
        ("report:sdf-shelling-denial", "report:mod-shelling", "ledger:Denial")
    }
    airstrike_denial = _bundle(parsed, f"event:{AIRSTRIKE}/3")
    assert _derivations(airstrike_denial, "report:mod-airstrike-denial") == {
        ("report:mod-airstrike-denial", "report:sdf-airstrike-claim", "ledger:Denial")
    }


def test_every_reference_is_derived_with_the_referring_type(parsed: ProvDocument) -> None:
    # Hops derive from statements too; the references are what reports derive from.
    references = {d for b in parsed.bundles for d in _derivations(b) if d[0].startswith("report:")}
    assert references == {
        ("report:mod-airstrike-denial", "report:sdf-airstrike-claim", "ledger:Denial"),
        ("report:sdf-shelling-denial", "report:mod-shelling", "ledger:Denial"),
        ("report:mod-shelling-bank-discrepancy", "report:mod-shelling", "ledger:Discrepancy"),
        ("report:mod-shelling-date-discrepancy", "report:mod-shelling", "ledger:Discrepancy"),
        ("report:mod-shelling-assessment", "report:mod-shelling", "ledger:Assessment"),
    }


def test_corroboration_is_typed_as_such() -> None:
    corroboration = {
        **_minimal_claim(),
        "type": "corroboration",
        "report": "seen",
        "by": "Monitor",
        "refers_to": ["c", "c"],  # a repeated id is one derivation
        "version": 3,
        "position": 3,
    }
    doc = build_document([_minimal_claim(), corroboration])
    assert _derivations(_bundle(doc, "event:inc/3"), "report:seen") == {
        ("report:seen", "report:c", "ledger:Corroboration")
    }


# Every event is a bundle attributed to its recorder.


def test_every_event_is_a_bundle_attributed_to_its_recorder(
    parsed: ProvDocument, records: list[dict[str, Any]]
) -> None:
    recorder_ids = {AIRSTRIKE: "recorder:alice", SHELLING: "recorder:bob-smith"}
    expected = {
        (f"event:{r['incident']}/{r['version']}", recorder_ids[r["incident"]])
        for r in records
        if r["type"] != "actor"  # registry lines are agents, not bundles
    }
    assert {str(b.identifier) for b in parsed.bundles} == {event for event, _ in expected}
    assert _attributions(parsed) == expected
    agents = {str(a.identifier): a for a in _records(parsed, ProvAgent)}
    recorders = {i: a for i, a in agents.items() if not i.startswith("actor:")}
    assert set(recorders) == {"recorder:alice", "recorder:bob-smith"}
    # The other top-level agents are the registry's actors.
    assert set(agents) - set(recorders) == {r["incident"] for r in records if r["type"] == "actor"}
    assert _types(recorders["recorder:bob-smith"]) == {"ledger:Recorder"}
    assert _attribute(recorders["recorder:bob-smith"], PROV_LABEL) == "Bob Smith"


def test_each_bundle_holds_its_own_event_entity(
    parsed: ProvDocument, records: list[dict[str, Any]]
) -> None:
    for r in records:
        if r["type"] == "actor":
            continue  # a registry line is an agent, not a bundle
        bundle = _bundle(parsed, f"event:{r['incident']}/{r['version']}")
        own = f"incident:{r['incident']}" if r["type"] == "incident" else f"report:{r['report']}"
        assert _types(_entity(bundle, own)) == {f"ledger:{r['type'].capitalize()}"}


def test_bundle_entity_carries_position_and_recording_time(
    parsed: ProvDocument, records: list[dict[str, Any]]
) -> None:
    event = _entity(parsed, f"event:{SHELLING}/2")
    # The shelling incident's second event, after the registry's lines and the airstrike's.
    (position,) = [r["position"] for r in records if r.get("report") == "mod-shelling"]
    recorded = datetime(2024, 5, 1, 10, 0, position, tzinfo=UTC)
    assert _types(event) == {"prov:Bundle"}
    assert _attribute(event, "ledger:position") == position
    assert _attribute(event, "ledger:recordedAt") == recorded
    generations = [
        g for g in _records(parsed, ProvGeneration) if str(g.args[0]) == str(event.identifier)
    ]
    assert [g.args[2] for g in generations] == [recorded]


# Times keep the precision they were given.


def test_stated_date_is_an_xsd_date(parsed: ProvDocument) -> None:
    statement = _entity(_bundle(parsed, f"event:{SHELLING}/2"), "report:mod-shelling")
    assert _attribute(statement, "ledger:statedAt") == Literal("2017-09-21", XSD_DATE)


def test_partial_stated_time_is_not_widened_to_an_instant() -> None:
    doc = build_document([{**_minimal_claim(), "stated_at": "2017-09"}])
    bundle = _bundle(doc, "event:inc/2")
    statement = _entity(bundle, "report:c")
    assert _attribute(statement, "ledger:statedAt") == Literal("2017-09", XSD["gYearMonth"])
    assert _records(bundle, ProvGeneration) == []  # only an exact instant is a generation time


def test_exact_stated_time_is_also_the_generation_time() -> None:
    doc = build_document([{**_minimal_claim(), "stated_at": "2017-09-21T14:05Z"}])
    bundle = _bundle(doc, "event:inc/2")
    moment = datetime(2017, 9, 21, 14, 5, tzinfo=UTC)
    assert _attribute(_entity(bundle, "report:c"), "ledger:statedAt") == moment
    assert [g.args[2] for g in _records(bundle, ProvGeneration)] == [moment]


# Serialisation.


def test_prov_n_spells_out_the_relations(document: ProvDocument) -> None:
    text = serialize(document, "prov-n")
    assert text.startswith("document\n")
    assert f"actedOnBehalfOf({KONASHENKOV}, {MOD}, -)" in text
    assert "wasAttributedTo(report:mod-shelling, actor:russian-ministry-of-defence)" in text
    assert f"wasAttributedTo(event:{SHELLING}/2, recorder:bob-smith)" in text
    assert f"bundle event:{SHELLING}/2" in text
    # PROV-N writes quotation and primary source as typed wasDerivedFrom.
    assert (
        "wasDerivedFrom(hop:mod-shelling/2, hop:mod-shelling/1, -, -, -, "
        "[prov:type='prov:Quotation'])"
    ) in text
    assert (
        "wasDerivedFrom(hop:mod-shelling/2, report:mod-shelling, -, -, -, "
        "[prov:type='prov:PrimarySource'])"
    ) in text
    assert (
        "wasDerivedFrom(report:sdf-shelling-denial, report:mod-shelling, -, -, -, "
        "[prov:type='ledger:Denial'])"
    ) in text


def test_formats_and_unknown_format() -> None:
    assert FORMATS == ("prov-json", "prov-n")
    with pytest.raises(ValueError, match="unknown PROV format 'xml'"):
        serialize(ProvDocument(), "xml")


def test_namespace_without_separator_gets_one() -> None:
    doc = build_document([_minimal_claim()], namespace="urn:x:ledger")
    prefixes = {ns.prefix: ns.uri for ns in doc.namespaces}
    assert prefixes["ledger"] == "urn:x:ledger/"
    assert prefixes["report"] == "urn:x:ledger/report/"


def _minimal_claim() -> dict[str, Any]:
    return {
        "type": "claim",
        "incident": "inc",
        "report": "c",
        "by": "Russian MoD",
        "summary": "Fired on",
        "position": 2,
        "version": 2,
        "recorded_at": "2024-05-01T10:00:00.000000Z",
        "recorded_by": "alice",
    }
