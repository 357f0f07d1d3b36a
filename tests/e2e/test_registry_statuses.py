"""The actor registry reaches the views from the log, through the CLI: an alias registered in
the ledger makes two names one actor, on both backends."""

from __future__ import annotations

import csv
import io
from typing import Any

INCIDENT = "deir-ez-zor-shelling-2017-09"


def _claims(run_cli: Any) -> dict[str, dict[str, str]]:
    result = run_cli("report", "claims", "--format", "csv", "--no-escape-formulas")
    assert result.exit_code == 0, result.output
    return {row["report"]: row for row in csv.DictReader(io.StringIO(result.stdout))}


def test_a_denial_under_a_registered_alias_is_the_author_withdrawing_its_claim(
    run_cli: Any,
) -> None:
    assert run_cli("open", INCIDENT, "--title", "Shelling").exit_code == 0
    claim = ["claim", INCIDENT, "--report", "sdf-claim", "--by", "SDF", "--summary", "Fire"]
    assert run_cli(*claim).exit_code == 0
    deny = ["deny", INCIDENT, "--report", "sdf-denial", "--by", "Syrian Democratic Forces"]
    assert run_cli(*deny, "--refers-to", "sdf-claim", "--summary", "No").exit_code == 0
    # Check that, with two names and no registry, the denial is another actor's: a dispute.
    assert _claims(run_cli)["sdf-claim"]["status"] == "disputed"
    # Register the alias after the reports: the views are re-derived from the log ...
    registered = run_cli("actor", "Syrian Democratic Forces", "--alias", "SDF")
    assert registered.exit_code == 0, registered.output
    claims = _claims(run_cli)
    # ... and the author denying its own claim withdraws it (DOMAIN.md rule 1), no dispute left.
    assert claims["sdf-claim"]["status"] == "retracted"
    assert claims["sdf-claim"]["denials"] == "0"
    assert claims["sdf-claim"]["actor"] == claims["sdf-denial"]["actor"]
    # Check a rebuild from the log agrees with what the incremental catch-up wrote.
    assert run_cli("verify", "--views").exit_code == 0


def test_a_denial_by_a_body_of_the_same_side_is_internal_not_a_dispute(run_cli: Any) -> None:
    assert run_cli("actor", "Government of Russia", "--kind", "state").exit_code == 0
    for body in ("Russian Ministry of Defence", "Russian Ministry of Foreign Affairs"):
        assert run_cli("actor", body, "--part-of", "Government of Russia").exit_code == 0
    assert run_cli("open", INCIDENT, "--title", "Shelling").exit_code == 0
    claim = ["claim", INCIDENT, "--report", "mod-claim", "--by", "Russian Ministry of Defence"]
    assert run_cli(*claim, "--summary", "Fire").exit_code == 0
    deny = ["deny", INCIDENT, "--by", "Russian Ministry of Foreign Affairs"]
    assert run_cli(*deny, "--refers-to", "mod-claim", "--summary", "No").exit_code == 0
    row = _claims(run_cli)["mod-claim"]
    assert (row["status"], row["denials"], row["internal_denials"]) == ("unverified", "0", "1")
    assert row["side"] == "government-of-russia"
