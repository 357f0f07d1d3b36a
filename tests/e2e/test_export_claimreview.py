"""`ledger export --format claimreview`: JSON-LD whose every type and property schema.org
declares (checked offline against tests/data/schemaorg-subset.jsonld, written from schema.org's
published vocabulary), with a fitting domain and range."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "schemaorg-subset.jsonld"
LINES = [
    {"type": "incident", "incident": "market-strike", "title": "Strike on a market"},
    {
        "type": "claim",
        "incident": "market-strike",
        "report": "ministry",
        "by": "Ministry of Health",
        "summary": "Twelve civilians were killed.",
        "stated_at": "2024-03-02",
        "quote": "Twelve martyrs.",
        "sources": [
            {"outlet": "Ministry of Health", "kind": "statement"},
            {"outlet": "Wire", "url": "https://wire.example/1", "published_at": "2024-03-02"},
        ],
    },
    {"type": "claim", "incident": "market-strike", "report": "unjudged", "by": "X", "summary": "Y"},
    {
        "type": "verdict",
        "incident": "market-strike",
        "refers_to": "ministry",
        "status": "refuted",
        "reason": "Hospital records list three.",
        "by": "Analyst Desk",
    },
]


class Vocabulary:
    def __init__(self, path: Path) -> None:
        graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]
        self.parent: dict[str, str | None] = {}
        self.domains: dict[str, set[str]] = {}
        self.ranges: dict[str, set[str]] = {}
        for node in graph:
            name = node["@id"].removeprefix("schema:")
            if node["@type"] == "rdf:Property":
                self.domains[name] = {d["@id"][7:] for d in node["schema:domainIncludes"]}
                self.ranges[name] = {r["@id"][7:] for r in node["schema:rangeIncludes"]}
            else:
                parent = node.get("rdfs:subClassOf")
                self.parent[name] = parent["@id"][7:] if parent else None

    def ancestry(self, type_: str) -> Iterator[str]:
        current: str | None = type_
        while current is not None:
            yield current
            current = self.parent[current]

    def problems(self, node: dict[str, Any]) -> Iterator[str]:
        type_ = node["@type"]
        if type_ not in self.parent:
            yield f"undeclared type {type_}"
            return
        for key, value in node.items():
            if key.startswith("@"):
                continue
            if key not in self.domains:
                yield f"undeclared property {key}"
                continue
            if not self.domains[key] & set(self.ancestry(type_)):
                yield f"{key} not for a {type_}"
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    if not self.ranges[key] & set(self.ancestry(item["@type"])):
                        yield f"{key} cannot hold a {item['@type']}"
                    yield from self.problems(item)


def test_claimreview_export_uses_only_declared_schema_org_terms(run_cli) -> None:  # type: ignore[no-untyped-def]
    feed = "".join(json.dumps(line) + "\n" for line in LINES)
    assert run_cli("append", input=feed).exit_code == 0
    result = run_cli("export", "--format", "claimreview")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["@context"] == "https://schema.org"
    [review] = document["@graph"]  # only the assertion with a verdict
    vocabulary = Vocabulary(DATA)
    assert list(vocabulary.problems(review)) == []
    assert review["claimReviewed"] == "Twelve civilians were killed."
    assert review["reviewRating"]["alternateName"] == "refuted"
    assert review["reviewRating"]["ratingExplanation"] == "Hospital records list three."
    assert review["author"] == {"@type": "Organization", "name": "Analyst Desk"}
    claim = review["itemReviewed"]
    assert claim["author"]["name"] == "Ministry of Health"
    assert claim["datePublished"] == "2024-03-02"
    assert [a["url"] for a in claim["appearance"]] == ["https://wire.example/1"]


def test_the_vocabulary_check_can_fail() -> None:
    vocabulary = Vocabulary(DATA)
    bad = {"@type": "Claim", "reviewRating": {"@type": "Rating"}, "color": "red"}
    assert list(vocabulary.problems(bad)) == [
        "reviewRating not for a Claim",
        "undeclared property color",
    ]
    assert list(vocabulary.problems({"@type": "Review", "author": {"@type": "Rating"}})) == [
        "author cannot hold a Rating"
    ]
