"""What `ledger verify` covers beyond the hash chains: every row of the log whatever its position,
what each seal says of itself, and the report index beside the log.

The attacker is the one of test_tamper_*.py (plain SQL on the database, guards dropped first);
the sealed worked example and its helpers come from sealed_ledger.py, its fixtures from conftest.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import EXIT_INTEGRITY, EXIT_OK
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.integrity import SEALS_ID, seal_content
from tests.integration.sealed_ledger import (
    SEAL_POSITION,
    SHELLING,
    Backdoor,
    SealedLedger,
    backdoor,
    finding,
    index_says,
    rehashed,
    seal_finding,
)

PLANTED = "planted-incident"
OUTSIDE = "position {} is outside the log (positions start at 1)"
ONE_EVENT_TOO_MANY = (
    "seal 1 covers 12 events but the log holds 13 before it (events deleted or added)"
)


def drop_position_guard(door: Backdoor) -> None:
    """What an attacker with the database's owner login does before planting a row below 1."""
    if door.backend == "sqlite":
        door.execute("DROP TRIGGER ledger_events_positions_start_at_one")
    else:
        door.execute(
            "ALTER TABLE ledger_events DROP CONSTRAINT ledger_events_positions_start_at_one"
        )


def plant(door: Backdoor, position: int) -> None:
    """Insert, at `position`, an incident's opening event whose hash and chain are right."""
    opening = door.rows()[0]
    state = json.loads(opening.state)
    state.pop("signature", None)
    state.update(report=PLANTED, prev_hash=GENESIS_HASH)
    row = replace(opening, originator_id=PLANTED)
    state["hash"] = rehashed(row, state)
    door.execute(
        "INSERT INTO ledger_events (notification_id, originator_id, originator_version, "
        "topic, state) VALUES (?, ?, 1, ?, ?)",
        position,
        PLANTED,
        opening.topic,
        json.dumps(state).encode(),
    )


# ---------------------------------------------------------------------------------------------
# (1) Positions start at 1


@pytest.mark.parametrize("position", [0, -1])
def test_the_schema_refuses_an_event_row_at_position_0_or_below(
    sealed_on_each_backend: SealedLedger, position: int
) -> None:
    # Check the append-only guards alone (not dropped) let an INSERT through, but not below 1.
    with (
        backdoor(sealed_on_each_backend, drop_triggers=False) as door,
        pytest.raises(Exception, match=r"positions_start_at_one|positions start at 1"),
    ):
        plant(door, position)
    assert sealed_on_each_backend.verify()[0] == EXIT_OK


@pytest.mark.parametrize("position", [0, -7])
def test_a_row_planted_below_position_1_is_a_finding_of_plain_verify(
    sealed_on_each_backend: SealedLedger, position: int
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger, drop_triggers=False) as door:
        drop_position_guard(door)
        plant(door, position)
    # Check `history` shows the planted incident, so verify must not pass over it ...
    shown = ledger.cli("history", PLANTED, "--format", "json")
    assert shown.exit_code == EXIT_OK, shown.output
    # ... and verify reads it, first in log order: out of range, and one leaf too many.
    assert ledger.findings() == [
        finding(position, PLANTED, 1, OUTSIDE.format(position)),
        seal_finding(ONE_EVENT_TOO_MANY),
    ]


def test_a_row_planted_at_position_0_is_a_finding_with_the_key_and_with_a_kept_root(
    signed_on_each_backend: SealedLedger,
) -> None:
    ledger = signed_on_each_backend
    with backdoor(ledger, drop_triggers=False) as door:
        drop_position_guard(door)
        plant(door, 0)
    # Check the signature check names it (it is out of range and unsigned) ...
    assert ledger.findings_with_key() == [
        finding(0, PLANTED, 1, OUTSIDE.format(0)),
        finding(0, PLANTED, 1, "not signed"),
        seal_finding(ONE_EVENT_TOO_MANY),
    ]
    # ... and a root kept elsewhere no longer matches the first 12 events.
    findings = ledger.findings("--root", ledger.root, "--size", str(ledger.size))
    assert findings[0] == finding(0, PLANTED, 1, OUTSIDE.format(0))
    assert findings[-1]["problem"].startswith("the root over the first 12 events is ")


# ---------------------------------------------------------------------------------------------
# (5) What a seal says of itself: its position


def reforge_last_seal(door: Backdoor, **changes: Any) -> None:
    """Change the last seal's fields and recompute its hash: nothing chains from the last seal,
    so without a signature or a kept root only the checks of its content can notice."""
    row = [r for r in door.rows() if r.originator_id == SEALS_ID][-1]
    state = json.loads(row.state)
    state.update(changes)
    state.pop("signature", None)
    state["hash"] = event_hash(seal_content(state, row.originator_version))
    door.set_state(row.id, state)


def test_a_seal_claiming_positions_it_does_not_cover_is_a_finding(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        reforge_last_seal(door, position=20)
    # Check the seal's position is checked against where it stands in the log.
    assert ledger.findings() == [
        seal_finding("seal 1 says it covers the log up to position 20 but follows position 12"),
    ]


def test_proof_refuses_a_seal_whose_position_does_not_match_its_size(
    sealed: SealedLedger,
) -> None:
    with backdoor(sealed) as door:
        reforge_last_seal(door, position=3)
    # Check `proof` builds no proof from a seal that the log contradicts: exit 3, one line.
    result = sealed.cli("proof", "mod-airstrike-denial")
    assert result.exit_code == EXIT_INTEGRITY, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: seal 1 ")
    assert "ledger verify" in result.stderr


def test_a_deleted_middle_seal_is_found_by_the_seal_after_it(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    for n in (2, 3):
        added = ledger.cli(
            "claim", SHELLING, "--report", f"later-{n}", "--by", "Kurdish Red Crescent",
            "--summary", "Shells hit the eastern bank.",
        )  # fmt: skip
        assert added.exit_code == EXIT_OK, added.output
        assert ledger.cli("seal").exit_code == EXIT_OK
    with backdoor(ledger) as door:
        seals = [r for r in door.rows() if r.originator_id == SEALS_ID]
        door.delete(seals[1].id)
    # Check seal 3's version and prev_hash both name the missing seal 2.
    assert ledger.findings() == [
        seal_finding("seal 3 is out of sequence", position=seals[2].id, version=3),
        seal_finding("seal 3 breaks the seal chain", position=seals[2].id, version=3),
    ]


# ---------------------------------------------------------------------------------------------
# (5) One undecodable row stops `seal` and `project` with one line naming it


def not_utf8(door: Backdoor, position: int) -> None:
    state = door.raw_state(position)
    door.set_raw_state(position, b"\xff" + state[1:])


def test_seal_refuses_a_log_holding_an_undecodable_event_naming_its_position(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        not_utf8(door, 5)
    result = ledger.cli("seal")
    # Check: exit 3, one line, no traceback, and no seal over a log it cannot read.
    assert result.exit_code == EXIT_INTEGRITY, repr(result.exception)
    assert result.stderr == (
        "error: the event at position 5 cannot be read (stored state is not valid UTF-8); "
        "run 'ledger verify'\n"
    )
    with backdoor(ledger, drop_triggers=False) as door:
        assert [r.id for r in door.rows() if r.originator_id == SEALS_ID] == [SEAL_POSITION]


A_CLAIM = ["claim", SHELLING, "--report", "later", "--by", "Kurdish Red Crescent", "--summary", "x"]


@pytest.mark.parametrize("args", [["project", "--rebuild"], A_CLAIM])
def test_a_projector_or_writer_meeting_an_undecodable_event_names_it_in_one_line(
    sealed_on_each_backend: SealedLedger, args: list[str]
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        not_utf8(door, 5)
    result = ledger.cli(*args)
    # Check: exit 3 (the log is damaged), one line that names the event, no traceback.
    assert result.exit_code == EXIT_INTEGRITY, repr(result.exception)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "position 5" in result.stderr or "originator_version 2" in result.stderr
    assert result.stderr.endswith("run 'ledger verify'\n")


def state_as_text(door: Backdoor, position: int) -> None:
    """The same bytes, stored as text: SQLite keeps a value's type per row, so an UPDATE
    outside the ledger can change it without changing a byte (PostgreSQL's bytea cannot)."""
    door.execute(
        "UPDATE ledger_events SET state = CAST(state AS TEXT) WHERE notification_id = ?", position
    )


AS_TEXT = (
    "the event at position 5 (incident 'deir-ez-zor-shelling-2017-09', version 2) cannot be "
    "decoded (its state is stored as text, not as bytes); run 'ledger verify'"
)


def test_a_state_stored_as_text_is_a_finding_of_plain_verify(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        state_as_text(door, 5)
    # Check: verify names the row (the other commands refuse it and send the user here).
    assert sealed.findings() == [
        finding(5, SHELLING, 2, "undecodable event: its state is stored as text, not as bytes"),
        seal_finding("seal 1 root does not match the log (events altered)"),
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["project", "--rebuild"],
        ["show", SHELLING],
        ["report", "html", "-o", "-"],
        ["export"],
    ],
    ids=["rebuild", "show", "html", "export"],
)
def test_every_reader_refuses_a_state_stored_as_text_in_one_line(
    sealed: SealedLedger, args: list[str]
) -> None:
    with backdoor(sealed) as door:
        state_as_text(door, 5)
    result = sealed.cli(*args)
    # Check: exit 3 and the one line naming the event, never a traceback.
    assert result.exit_code == EXIT_INTEGRITY, repr(result.exception)
    assert result.stderr == f"error: {AS_TEXT}\n"


def test_verify_views_on_a_state_stored_as_text_is_a_finding_not_a_crash(
    sealed: SealedLedger,
) -> None:
    with backdoor(sealed) as door:
        state_as_text(door, 5)
    problems = [f["problem"] for f in sealed.findings("--views")]
    assert problems[-1] == f"the views cannot be recomputed: {AS_TEXT}"


# ---------------------------------------------------------------------------------------------
# (5) The report index: ledger_reports and ledger_references are what the log says

DENIAL = "sdf-shelling-denial"  # position 8, version 5: a denial of mod-shelling


def test_a_deleted_report_index_row_is_a_finding_on_its_event(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        door.execute("DELETE FROM ledger_reports WHERE report = 'mod-shelling'")
    # Check: without its row a second 'mod-shelling' would be accepted; verify says so first.
    assert ledger.findings() == [
        finding(5, SHELLING, 2, "report 'mod-shelling' has no row in ledger_reports"),
    ]


def test_an_altered_report_index_row_is_a_finding_naming_the_column(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        door.execute("UPDATE ledger_reports SET incident = 'elsewhere' WHERE report = ?", DENIAL)
    assert ledger.findings() == [
        finding(8, SHELLING, 5, index_says("incident", "elsewhere", DENIAL, SHELLING)),
    ]


def test_a_report_index_row_no_event_files_is_a_finding(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        door.execute(
            "INSERT INTO ledger_reports (report, incident, type, by, fingerprint, version) "
            "VALUES ('ghost', ?, 'claim', 'Nobody', 'x', 99)",
            SHELLING,
        )
    # Check: a planted id would make the real report of that id a clash; verify names it.
    assert ledger.findings() == [
        finding(
            None,
            None,
            None,
            f"ledger_reports holds report 'ghost' ({SHELLING}, version 99), "
            "which no event in the log files",
        ),
    ]


def test_a_deleted_or_planted_reference_is_a_finding(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        door.execute("DELETE FROM ledger_references WHERE source = ?", DENIAL)
        for source in ("mod-retaliation-warning", "ghost"):
            door.execute(
                "INSERT INTO ledger_references (source, target, source_incident) "
                "VALUES (?, 'sdf-airstrike-claim', ?)",
                source,
                SHELLING,
            )
    # Check the missing edge, the edge from a real report the log does not give it, and the
    # edge from a report that is not in the log at all.
    assert ledger.findings() == [
        finding(6, SHELLING, 3, f"ledger_references holds 'mod-retaliation-warning' -> "
                f"'sdf-airstrike-claim' ({SHELLING}), which the log does not"),
        finding(8, SHELLING, 5, f"ledger_references lacks '{DENIAL}' -> 'mod-shelling'"),
        finding(None, None, None, "ledger_references holds 'ghost' -> 'sdf-airstrike-claim' "
                f"({SHELLING}), which the log does not"),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# (6) The views: recomputed from the log, and the HTML report's exit code


def test_verify_views_passes_on_views_the_log_gives(sealed_on_each_backend: SealedLedger) -> None:
    result = sealed_on_each_backend.cli("verify", "--views")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.startswith("verified: 12 event(s) in 2 incident(s), 1 seal(s), ")
    # The views hold the log up to its last event (12); the seal (13) is not projected.
    assert result.stdout.endswith(" view row(s) at position 12\n")


def test_verify_views_lists_every_edited_missing_and_planted_view_row(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    # The views carry no triggers: the projector rewrites them. An edit needs no guard dropped.
    with backdoor(ledger, drop_triggers=False) as door:
        door.execute("UPDATE claims SET status = 'confirmed' WHERE report = 'mod-shelling'")
        door.execute("DELETE FROM disputes WHERE denial = ?", DENIAL)
        door.execute(
            "UPDATE actors SET claims_made = claims_made + 5 "
            "WHERE name = 'Syrian Democratic Forces'"
        )
    # Check plain verify cannot see it (the log is whole) ...
    assert ledger.verify()[0] == EXIT_OK
    # ... and --views names each row and column, with the value the log gives.
    problems = [f["problem"] for f in ledger.findings("--views")]
    assert problems[0] == (
        "view claims row mod-shelling: status is 'confirmed' in the view, 'disputed' from the log"
    )
    assert problems[1] == (
        f"view disputes row mod-shelling/{DENIAL}: given by the log, but missing from the view"
    )
    assert problems[2].startswith("view actors row ")
    assert problems[2].endswith("claims_made is 6 in the view, 1 from the log")
    assert len(problems) == 3


def test_verify_views_on_an_undecodable_log_is_a_finding_not_a_crash(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        not_utf8(door, 5)
    problems = [f["problem"] for f in sealed.findings("--views")]
    assert problems[-1].startswith("the views cannot be recomputed: the event at position 5 ")


def test_report_html_writes_the_page_and_exits_3_when_the_log_fails_verification(
    sealed_on_each_backend: SealedLedger, tmp_path: Path
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
    page = tmp_path / "report.html"
    result = ledger.cli("report", "html", "-o", str(page))
    # Check the page is written and says the check failed, and the exit code says it too.
    assert result.exit_code == EXIT_INTEGRITY, result.output
    assert "Integrity check FAILED" in page.read_text(encoding="utf-8")
    assert result.stderr.splitlines()[-1] == (
        "error: the log failed verification (1 problem(s), listed on the page): run 'ledger verify'"
    )


def test_report_html_reads_a_row_planted_below_position_1_and_exits_3(
    sealed_on_each_backend: SealedLedger, tmp_path: Path
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger, drop_triggers=False) as door:
        drop_position_guard(door)
        plant(door, 0)
    page = tmp_path / "report.html"
    result = ledger.cli("report", "html", "-o", str(page))
    # Check the page's own check reads the planted row, as `verify` does, and says it failed.
    assert result.exit_code == EXIT_INTEGRITY, result.output
    text = page.read_text(encoding="utf-8")
    assert "Integrity check FAILED" in text
    assert OUTSIDE.format(0) in text
