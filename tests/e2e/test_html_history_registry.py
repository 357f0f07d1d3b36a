"""The HTML report's status history reads names through the actor registry as the ledger held
it at each step, so its last status is the views' status (issue 19): an alias's denial, a
same-side denial, an alias registered after the reports."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.e2e.test_html_report import element_by_id, parse_strict, text_of

INCIDENT = "deir-ez-zor-shelling-2017-09"


def _history(run_cli: Any, tmp_path: Path, report: str) -> list[tuple[str, str, str]]:
    """The history table's rows of one assertion: (report, type, status after)."""
    out = tmp_path / "report.html"
    result = run_cli("report", "html", "-o", str(out), "--force")
    assert result.exit_code == 0, result.output
    section = element_by_id(parse_strict(out.read_text(encoding="utf-8")), f"report-{report}")
    rows = []
    for table in section.iter("table"):
        if "history" not in (table.get("class") or ""):
            continue
        for row in table.iter("tr"):
            cells = [text_of(td).strip() for td in row.findall("td")]
            if cells:
                rows.append((cells[1], cells[2], cells[-1]))
    return rows


def _status(run_cli: Any, report: str) -> str:
    result = run_cli("report", "claims", "--format", "csv", "--no-escape-formulas")
    assert result.exit_code == 0, result.output
    rows = {row["report"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    return rows[report]["status"]


def _claim_and_deny(run_cli: Any, claimant: str, denier: str) -> None:
    assert run_cli("open", INCIDENT, "--title", "Shelling").exit_code == 0
    claim = ["claim", INCIDENT, "--report", "the-claim", "--by", claimant, "--summary", "Fire"]
    assert run_cli(*claim).exit_code == 0
    deny = ["deny", INCIDENT, "--report", "the-denial", "--by", denier]
    assert run_cli(*deny, "--refers-to", "the-claim", "--summary", "No").exit_code == 0


def test_a_denial_under_an_alias_registered_before_it(run_cli: Any, tmp_path: Path) -> None:
    assert run_cli("actor", "Syrian Democratic Forces", "--alias", "SDF").exit_code == 0
    _claim_and_deny(run_cli, "SDF", "Syrian Democratic Forces")
    assert _status(run_cli, "the-claim") == "retracted"
    steps = _history(run_cli, tmp_path, "the-claim")
    # The author denying its own claim withdraws it at the denial, never a dispute.
    assert [s[2] for s in steps] == ["unverified", "retracted"]


def test_a_denial_by_the_same_side(run_cli: Any, tmp_path: Path) -> None:
    assert run_cli("actor", "Government of Russia", "--kind", "state").exit_code == 0
    for body in ("Russian Ministry of Defence", "Russian Ministry of Foreign Affairs"):
        assert run_cli("actor", body, "--part-of", "Government of Russia").exit_code == 0
    _claim_and_deny(run_cli, "Russian Ministry of Defence", "Russian Ministry of Foreign Affairs")
    assert _status(run_cli, "the-claim") == "unverified"
    steps = _history(run_cli, tmp_path, "the-claim")
    assert [s[2] for s in steps] == ["unverified", "unverified"]


def test_an_alias_registered_after_the_reports_is_a_step(run_cli: Any, tmp_path: Path) -> None:
    _claim_and_deny(run_cli, "SDF", "Syrian Democratic Forces")
    registered = run_cli("actor", "Syrian Democratic Forces", "--alias", "SDF")
    assert registered.exit_code == 0, registered.output
    assert _status(run_cli, "the-claim") == "retracted"
    steps = _history(run_cli, tmp_path, "the-claim")
    # Until the alias, the ledger held two actors: a dispute; the registry line then changed
    # the status, and the history ends where the views are.
    assert [s[2] for s in steps] == ["unverified", "disputed", "retracted"]
    assert steps[-1][1] == "actor"
