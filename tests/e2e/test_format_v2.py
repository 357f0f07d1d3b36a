"""Version 2 of the interchange format, through the CLI: the new types, their typed commands,
their refusals (one line, exit 2, nothing written) and the version-2 cut rule."""

from __future__ import annotations

import json
from typing import Any

SHA = "ab" * 32


def _setup(run_cli: Any) -> None:
    assert run_cli("open", "inc", "--title", "Shelling").exit_code == 0
    assert run_cli("open", "elsewhere", "--title", "Strike").exit_code == 0
    result = run_cli(
        "warn", "inc", "--report", "w1", "--by", "Russian MoD", "--addressee", "US",
        "--summary", "Fire will be met with retaliation",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def _reports(run_cli: Any) -> list[dict[str, Any]]:
    result = run_cli("export")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_the_typed_outcome_and_cite_commands_record_the_new_types(run_cli: Any) -> None:
    _setup(run_cli)
    outcome = run_cli(
        "outcome", "inc", "--report", "o1", "--refers-to", "w1", "--outcome", "carried_out",
        "--other", "elsewhere", "--speaker", "Maj Gen Igor Konashenkov", "--stated-at", "2017-09",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    cite = run_cli(
        "cite", "inc", "--report", "v1", "--kind", "video", "--sha256", SHA,
        "--url", "https://example.org/v.mp4", "--bytes", "1024", "--supports", "w1",
        "--contradicts", "o1", "--by", "Analyst desk",
    )  # fmt: skip
    assert cite.exit_code == 0, cite.output
    by_id = {r.get("report"): r for r in _reports(run_cli)}
    assert by_id["o1"]["outcome"] == "carried_out" and by_id["o1"]["other"] == "elsewhere"
    assert by_id["v1"]["supports"] == ["w1"] and by_id["v1"]["bytes"] == 1024
    assert run_cli("verify").exit_code == 0
    shown = run_cli("show", "inc", "--format", "json")
    assert shown.exit_code == 0, shown.output  # the views fold the new types without trouble


def test_an_outcome_of_a_claim_is_refused(run_cli: Any) -> None:
    _setup(run_cli)
    assert run_cli("claim", "inc", "--report", "c1", "--by", "A", "--summary", "S").exit_code == 0
    result = run_cli("outcome", "inc", "--refers-to", "c1", "--outcome", "withdrawn")
    assert result.exit_code == 1
    assert "must refer to a warning" in result.output


def test_evidence_bearing_on_an_unknown_report_writes_nothing(run_cli: Any) -> None:
    _setup(run_cli)
    before = _reports(run_cli)
    line = {"type": "evidence", "incident": "inc", "kind": "image", "sha256": SHA,
            "supports": ["w1", "ghost"]}  # fmt: skip
    result = run_cli("append", input=json.dumps(line) + "\n")
    assert result.exit_code == 1
    assert "supports names report 'ghost'" in result.output
    assert _reports(run_cli) == before


def test_evidence_without_url_or_hash_is_one_line_exit_2(run_cli: Any) -> None:
    _setup(run_cli)
    line = {"type": "evidence", "incident": "inc", "kind": "image", "title": "A photo"}
    result = run_cli("append", input=json.dumps(line) + "\n")
    assert result.exit_code == 2
    assert "line 1" in result.output and "'url' or 'sha256'" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_partial_stated_at_is_in_a_cut_only_once_its_period_has_passed(run_cli: Any) -> None:
    _setup(run_cli)
    claim = run_cli(
        "claim", "inc", "--report", "c1", "--by", "A", "--summary", "S", "--stated-at", "2023-10",
    )  # fmt: skip
    assert claim.exit_code == 0, claim.output

    def assertions(cut: str) -> list[str]:
        shown = run_cli("show", "inc", "--format", "json", "--reported-by", cut)
        assert shown.exit_code == 0, shown.output
        return [a["report"] for a in json.loads(shown.stdout)["assertions"]]

    assert "c1" not in assertions("2023-10-02")
    assert "c1" in assertions("2023-10-31")


def test_typed_claim_takes_via_and_civilians(run_cli: Any) -> None:
    _setup(run_cli)
    result = run_cli(
        "claim", "inc", "--report", "c1", "--by", "A", "--summary", "S",
        "--source", "TASS; kind=wire", "--source", "AP; via=0; language=en",
        "--source", "AFP; via=0", "--killed", "6", "--civilians",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [c1] = [r for r in _reports(run_cli) if r.get("report") == "c1"]
    assert [hop.get("via") for hop in c1["sources"]] == [None, 0, 0]
    assert c1["magnitude"] == {"killed": 6, "civilians": True}
