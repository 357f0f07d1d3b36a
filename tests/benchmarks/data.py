"""Deterministic benchmark data: N incidents x M reports of mixed types, with source chains."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

ACTORS = [
    "Russian Ministry of Defence",
    "Syrian Democratic Forces",
    "US Central Command",
    "Syrian Observatory for Human Rights",
    "Syrian Arab Army",
    "Islamic State",
    "Turkish Ministry of National Defence",
    "Kurdish Red Crescent",
]
SPEAKERS = ["Maj Gen Igor Konashenkov", "Col Ryan Dillon", "Mustafa Bali", "Rami Abdulrahman"]
OUTLETS = [
    ("TASS", "wire"),
    ("Associated Press", "wire"),
    ("Reuters", "wire"),
    ("Firstpost", "web"),
    ("Rudaw", "web"),
    ("Anadolu Agency", "wire"),
    ("SANA", "web"),
]


def _sources(rng: random.Random, by: str) -> list[dict[str, object]]:
    hops: list[dict[str, object]] = [{"outlet": by, "kind": rng.choice(["statement", "briefing"])}]
    for outlet, kind in rng.sample(OUTLETS, rng.randint(1, 3)):
        hops.append({"outlet": outlet, "kind": kind})
    hops[-1].update(
        url=f"https://news.example/{rng.randrange(10**6)}",
        published_at="2017-09-21T21:07+05:30",
        quote_mode="direct",
    )
    return hops


def _report(
    rng: random.Random,
    incident: str,
    n: int,
    claims: list[str],
    denials: list[tuple[str, str]],
    actors: Sequence[str] = ACTORS,
) -> dict[str, object]:
    report = f"{incident}-r{n}"
    by = rng.choice(actors)
    roll = rng.random()
    day = f"2017-09-{rng.randint(10, 28):02d}"
    if roll < 0.35 or not claims:
        claims.append(report)
        return {
            "type": "claim",
            "incident": incident,
            "report": report,
            "by": by,
            "speaker": rng.choice(SPEAKERS),
            "stance": "accuses",
            "against": rng.sample([a for a in actors[:50] if a != by], 2),
            "summary": "Positions came under mortar and rocket fire from the eastern bank",
            "quote": "have twice come under massive mortar and rocket artillery fire",
            "stated_at": day,
            "sources": _sources(rng, by),
            "cameo": "194",
            "magnitude": {"occurrences": rng.randint(1, 3), "injured": rng.randint(0, 9)},
        }
    target = rng.choice(claims)
    if roll < 0.45:
        return {
            "type": "warning",
            "incident": incident,
            "report": report,
            "by": by,
            "addressee": rng.choice(actors),
            "summary": "Fire will be met with retaliation",
            "condition": "if fire continues",
            "stated_at": day,
            "sources": _sources(rng, by),
        }
    if roll < 0.65:
        denials.append((report, by))
        return {
            "type": "denial",
            "incident": incident,
            "report": report,
            "by": by,
            "refers_to": [target],
            "summary": "At least 7 km of IS-held territory separate us",
            "scope": "attribution",
            "stated_at": day,
            "sources": _sources(rng, by),
        }
    if roll < 0.77:
        return {
            "type": "corroboration",
            "incident": incident,
            "report": report,
            "by": by,
            "refers_to": [target],
            "summary": "Observers saw the shelling",
            "independent": rng.random() < 0.5,
            "stated_at": day,
        }
    if roll < 0.85:
        return {
            "type": "assessment",
            "incident": incident,
            "report": report,
            "refers_to": [target],
            "reliability": rng.choice("ABCDEF"),
            "credibility": rng.randint(1, 6),
            "rationale": "Single-source statement",
        }
    if roll < 0.91:
        return {
            "type": "discrepancy",
            "incident": incident,
            "report": report,
            "refers_to": [target],
            "field": "location_qualifier",
            "variants": [
                {"value": "eastern bank", "sources": [{"outlet": "Rudaw"}]},
                {"value": "western bank", "sources": [{"outlet": "EIR"}]},
            ],
        }
    if roll < 0.95 and denials:
        denial, denier = rng.choice(denials)
        return {
            "type": "retraction",
            "incident": incident,
            "report": report,
            "by": denier,
            "refers_to": [denial],
            "reason": "Statement withdrawn",
        }
    return {
        "type": "verdict",
        "incident": incident,
        "report": report,
        "refers_to": [target],
        "status": rng.choice(["confirmed", "refuted", "unverifiable"]),
        "reason": "Satellite imagery reviewed",
    }


def write_dataset(
    path: Path,
    incidents: int,
    reports: int,
    seed: int = 2017,
    actors: Sequence[str] = ACTORS,
) -> int:
    """Write `incidents` incidents of `reports` lines each (the incident line included), the
    reports' names drawn from `actors` (tests/benchmarks/registry.py passes registered ones)."""
    rng = random.Random(seed)
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(incidents):
            incident = f"bench-{i:06d}"
            out.write(
                json.dumps(
                    {
                        "type": "incident",
                        "incident": incident,
                        "title": f"Disputed shelling {i}",
                        "category": "shelling/artillery/missile attack",
                        "location": "Deir ez-Zor, Syria",
                        "occurred_from": "2017-09",
                        "occurred_to": "2017-09-21",
                    }
                )
                + "\n"
            )
            claims: list[str] = []
            denials: list[tuple[str, str]] = []
            for n in range(reports - 1):
                report = _report(rng, incident, n, claims, denials, actors)
                out.write(json.dumps(report) + "\n")
            lines += reports
    return lines
