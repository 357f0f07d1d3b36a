"""`ledger export --format claimreview`: a schema.org ClaimReview (JSON-LD) for each assertion
that has a verdict (DOMAIN.md, "Interchange with the field's formats"; the mapping is in
docs/interchange.md).

A fact-checker's review is the ledger's verdict: `claimReviewed` is the assertion's summary,
`itemReviewed` the assertion as a `Claim` (its asserter, when and where it appeared), and
`reviewRating.alternateName` the assertion's ledger status. `ledger.importing.claimreview`
reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ledger.application import IncidentLedger
from ledger.current import Current, current

CONTEXT = "https://schema.org"
DEFAULT_NAMESPACE = "https://incident-ledger.example/"
# A verdict's status on the usual 1 (false) to 5 (true) scale, so a consumer that reads only
# numbers ranks them; the ledger's own word stays in alternateName.
RATING_VALUES = {"refuted": 1, "unverifiable": 3, "confirmed": 5}


def claimreview_json(
    ledger: IncidentLedger, incidents: Sequence[str] | None = None
) -> Iterator[str]:
    """One JSON-LD document: the reviews under `@graph`, in log order."""
    graph = claim_reviews(current(ledger, incidents))
    document = {"@context": CONTEXT, "@graph": graph}
    yield json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def claim_reviews(now: Current, namespace: str = DEFAULT_NAMESPACE) -> list[dict[str, Any]]:
    reviews = []
    for assertion in now.assertions:
        verdicts = now.referring(assertion["report"], "verdict")
        if not verdicts:
            continue
        record = now.records.get(assertion["report"], assertion)
        reviews.append(_review(assertion, record, verdicts[-1], namespace))
    return reviews


def _review(
    assertion: Mapping[str, Any],
    record: Mapping[str, Any],
    verdict: Mapping[str, Any],
    namespace: str,
) -> dict[str, Any]:
    status = assertion["status"]
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": status}
    if status in RATING_VALUES:
        # Only a verdict's own status has a place on the scale (a retracted claim has none).
        rating |= {"ratingValue": RATING_VALUES[status], "bestRating": 5, "worstRating": 1}
    if verdict.get("reason"):
        rating["ratingExplanation"] = verdict["reason"]
    claim: dict[str, Any] = {
        "@type": "Claim",
        "@id": f"{namespace}report/{assertion['report']}",
        "author": _agent(record.get("by")),
    }
    if record.get("stated_at"):
        claim["datePublished"] = record["stated_at"]
    if record.get("quote"):
        claim["text"] = record["quote"]
    appearances = [_appearance(hop) for hop in record.get("sources") or () if _has_url(hop)]
    if appearances:
        claim["appearance"] = appearances
    review: dict[str, Any] = {
        "@type": "ClaimReview",
        "@id": f"{namespace}report/{verdict['report']}",
        "claimReviewed": record.get("summary") or assertion.get("summary"),
        "itemReviewed": claim,
        "reviewRating": rating,
        # A verdict without `by` is the recorder's own judgement.
        "author": _agent(verdict.get("by") or verdict.get("recorded_by")),
        # Version 2 gives verdicts a stated time; until then, when the ledger recorded it.
        "datePublished": verdict.get("stated_at") or verdict["recorded_at"],
    }
    return review


def _agent(name: Any, kind: str | None = None) -> dict[str, Any]:
    # No actor kinds yet: an asserter is an Organization unless the registry says a person.
    schema_type = "Person" if kind == "person" else "Organization"
    return {"@type": schema_type, "name": name if isinstance(name, str) else "unknown"}


def _has_url(hop: Any) -> bool:
    return isinstance(hop, Mapping) and isinstance(hop.get("url"), str)


def _appearance(hop: Mapping[str, Any]) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "url": hop["url"]}
    if isinstance(hop.get("outlet"), str):
        work["publisher"] = _agent(hop["outlet"])
    if isinstance(hop.get("published_at"), str):
        work["datePublished"] = hop["published_at"]
    if isinstance(hop.get("title"), str):
        work["name"] = hop["title"]
    return work
