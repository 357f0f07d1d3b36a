"""`ledger import --format claimreview FILE --incident SLUG`: a feed of odd ratings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.importing.claimreview import UNKNOWN_AUTHOR, rating_status

INCIDENT = {"type": "incident", "incident": "market-strike", "title": "Strike on a market"}


def _review(claim: str, rating: dict[str, Any], **item: Any) -> dict[str, Any]:
    return {
        "@type": "ClaimReview",
        "claimReviewed": claim,
        "author": {"@type": "Organization", "name": "Checker"},
        "itemReviewed": {"@type": "Claim", **item},
        "reviewRating": {"@type": "Rating", **rating},
    }


FEED = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "Organization", "name": "Checker"},  # not a review: skipped
        _review(
            "Twelve were killed.",
            {"alternateName": "  pants ON fire "},
            author={"@type": "Person", "name": "Minister"},
            datePublished="2024-03-02T10:00:00",  # no offset: its date is kept
            appearance=[{"@type": "CreativeWork", "url": "https://tv.example/a"}],
        ),
        _review("The market was hit.", {"alternateName": "Accurate"}),
        _review("Three were hurt.", {"alternateName": "Mostly false"}),
        _review("A drone was seen.", {"ratingValue": "1", "worstRating": 1, "bestRating": 10}),
        _review("Rebels fired first.", {"ratingValue": 9, "bestRating": 10, "worstRating": 1}),
        _review("It rained.", {"ratingValue": 3}),  # schema.org's default 1–5 scale
    ],
}


def _write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "feed.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def _verdicts(run_cli) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    result = run_cli("export", "--incident", "market-strike")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    summaries = {line["report"]: line for line in lines if line["type"] == "claim"}
    return {
        summaries[line["refers_to"][0]]["summary"]: (line["status"], line["reason"])
        for line in lines
        if line["type"] == "verdict"
    }


def test_a_feed_of_odd_ratings_imports_once(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("append", input=json.dumps(INCIDENT) + "\n").exit_code == 0
    feed = _write(tmp_path, FEED)
    args = ("import", "--format", "claimreview", feed, "--incident", "market-strike")
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    assert "added 12 report(s)" in first.output
    again = run_cli(*args)
    assert again.exit_code == 0 and "12 already recorded" in again.output
    assert _verdicts(run_cli) == {
        "Twelve were killed.": ("refuted", "rated 'pants ON fire'"),
        "The market was hit.": ("confirmed", "rated 'Accurate'"),
        "Three were hurt.": ("unverifiable", "rated 'Mostly false'"),
        "A drone was seen.": ("refuted", "rated 1 on 1–10"),
        "Rebels fired first.": ("confirmed", "rated 9 on 1–10"),
        "It rained.": ("unverifiable", "rated 3 on 1–5"),
    }
    exported = run_cli("export", "--incident", "market-strike").stdout
    claim = next(json.loads(x) for x in exported.splitlines() if "Twelve" in x and "claim" in x)
    assert (claim["by"], claim["stated_at"]) == ("Minister", "2024-03-02")
    assert claim["sources"] == [
        {"outlet": "tv.example", "kind": "web", "url": "https://tv.example/a"}
    ]
    unknown = next(json.loads(x) for x in exported.splitlines() if "It rained" in x)
    assert unknown["by"] == UNKNOWN_AUTHOR


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (_review("", {"alternateName": "False"}), "item 2: claimReviewed"),
        (_review("X", {"ratingValue": 7}), "item 2: reviewRating: ratingValue is outside"),
        (_review("X", {"ratingValue": "lots"}), "item 2: reviewRating.ratingValue: a number"),
        (_review("X", {}), "item 2: reviewRating: alternateName or ratingValue is required"),
        (_review("X", {"ratingValue": float("nan")}), "item 2: reviewRating.ratingValue: a number"),
        (_review("X" * 2001, {"alternateName": "False"}), "item 2, field 'summary'"),
    ],
)
def test_a_bad_review_is_named_and_nothing_is_written(
    run_cli, tmp_path: Path, bad, message
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("append", input=json.dumps(INCIDENT) + "\n").exit_code == 0
    good = _review("Fine.", {"alternateName": "True"})
    result = run_cli(
        "import", "-f", "claimreview", _write(tmp_path, [good, bad]), "-i", "market-strike"
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Fine." not in run_cli("export").stdout


def test_an_unknown_incident_and_a_missing_incident_option(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    feed = _write(tmp_path, _review("X", {"alternateName": "True"}))
    unknown = run_cli("import", "-f", "claimreview", feed, "-i", "nowhere")
    assert unknown.exit_code == 1
    # The incident named, not a line of the spool the reviews were converted into.
    assert unknown.stderr == (
        "error: incident 'nowhere' does not exist (open it first with 'ledger open')\n"
    )
    assert run_cli("import", "-f", "claimreview", feed).exit_code == 2


def test_rating_words_and_scales() -> None:
    assert rating_status({"alternateName": "FALSE"})[0] == "refuted"
    assert rating_status([{"alternateName": "Correct", "ratingExplanation": "Seen."}]) == (
        "confirmed",
        "rated 'Correct': Seen.",
    )
    # A scale that runs the other way: 1 is best.
    assert rating_status({"ratingValue": 1, "worstRating": 5, "bestRating": 1})[0] == "confirmed"
