"""PROV for retractions (`wasInvalidatedBy`), `via` hops (`wasQuotedFrom` the named hop) and
the registry's `part_of` (`actedOnBehalfOf`); the document loads with `prov.read` and renders
with prov's Graphviz output where Graphviz is installed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import prov
import pytest
from prov.constants import PROV, PROV_TYPE
from prov.model import ProvDelegation, ProvDerivation, ProvDocument, ProvInvalidation

from ledger.prov_export import build_document, serialize


def _record(position: int, **fields: Any) -> dict[str, Any]:
    return {
        "incident": "inc",
        "position": position,
        "version": position,
        "recorded_at": f"2024-05-01T10:00:{position:02d}.000000Z",
        "recorded_by": "alice",
        **fields,
    }


RECORDS = [
    _record(1, type="incident", report="inc", title="T"),
    _record(
        2,
        type="claim",
        report="c",
        by="Russian MoD",
        summary="Fired on",
        sources=[
            {"outlet": "Russian MoD", "kind": "statement"},
            {"outlet": "TASS", "kind": "wire"},
            {"outlet": "AP", "kind": "wire"},
            {"outlet": "Al Jazeera", "kind": "web", "via": 0},  # relayed the statement itself
            {"outlet": "Blog", "kind": "web", "via": 7},  # no such earlier hop: the one before
        ],
    ),
    _record(3, type="claim", report="d", by="SDF", summary="Other"),
    _record(
        4,
        type="retraction",
        report="r",
        by="russian mod",  # the same actor id as the claim's author
        refers_to=["c"],
        stated_at="2024-05-02T09:00Z",
    ),
    _record(5, type="retraction", report="r2", by="Someone Else", refers_to=["d"]),
    # A registry line (format version 2), read defensively.
    {
        "type": "actor",
        "actor": "Russian Ministry of Defence",
        "part_of": "Government of Russia",
        "kind": "government_body",
        "position": 6,
    },
]


def _all(doc: ProvDocument, kind: type) -> list[Any]:
    found = [r for r in doc.get_records(kind) if isinstance(r, kind)]
    for bundle in doc.bundles:
        found += [r for r in bundle.get_records(kind) if isinstance(r, kind)]
    return found


def _pairs(doc: ProvDocument, kind: type) -> set[tuple[str, str]]:
    return {(str(r.args[0]), str(r.args[1])) for r in _all(doc, kind)}


def _quotations(doc: ProvDocument) -> set[tuple[str, str]]:
    # The prov package keeps wasQuotedFrom as a derivation typed prov:Quotation.
    return {
        (str(r.args[0]), str(r.args[1]))
        for r in _all(doc, ProvDerivation)
        if PROV["Quotation"] in r.get_attribute(PROV_TYPE)
    }


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> ProvDocument:
    path = tmp_path_factory.mktemp("prov") / "export.json"
    path.write_text(serialize(build_document(RECORDS), "prov-json"), encoding="utf-8")
    return prov.read(str(path), format="json")


def test_an_authors_own_retraction_invalidates_the_claim_and_no_one_elses(
    parsed: ProvDocument,
) -> None:
    assert _pairs(parsed, ProvInvalidation) == {("report:c", "activity:r")}


def test_a_via_hop_quotes_the_hop_it_names(parsed: ProvDocument) -> None:
    quotations = _quotations(parsed)
    assert ("hop:c/3", "hop:c/0") in quotations  # via 0, not the AP hop before it
    assert ("hop:c/3", "hop:c/2") not in quotations
    assert ("hop:c/4", "hop:c/3") in quotations  # an impossible via: the hop before
    assert ("hop:c/2", "hop:c/1") in quotations  # no via: the hop before


def test_part_of_is_delegation_between_agents(parsed: ProvDocument) -> None:
    assert (
        "actor:russian-ministry-of-defence",
        "actor:government-of-russia",
    ) in _pairs(parsed, ProvDelegation)


def test_the_document_renders_with_provs_graphviz_output(tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz (dot) is not installed: only the rendering is skipped")
    dot = pytest.importorskip("prov.dot", reason="prov's graphical extra (prov[dot]) is missing")
    prov_to_dot = dot.prov_to_dot

    target = tmp_path / "export.svg"
    prov_to_dot(build_document(RECORDS)).write_svg(str(target))
    assert target.read_bytes().lstrip().startswith((b"<?xml", b"<svg"))
