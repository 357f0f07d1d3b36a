"""Tamper evidence: the untampered sealed ledger, roots kept elsewhere, and seals themselves
(a changed, deleted or undecodable seal). That the triggers refuse UPDATE and DELETE of events
is tested in test_migrations.py; here only seal rows and forged INSERTs are checked against
them.

Each test seals the worked example, then plays an attacker who can open the database itself:
drops the append-only triggers and edits `ledger_events` with plain SQL. `ledger verify` must
exit 3 and its JSON findings must say where (position, incident, version) and what is wrong.
Every scenario runs on SQLite (a copy of one sealed ledger, so it is fast); a representative
subset runs on PostgreSQL too. The ledger under attack is in sealed_ledger.py, its fixtures in
conftest.py.
"""

from __future__ import annotations

import json

import pytest

from ledger.errors import EXIT_OK
from ledger.integrity import SEALS_ID
from ledger.merkle import root
from tests.integration.sealed_ledger import (
    AIRSTRIKE,
    BROKEN_CHAIN,
    EVENTS,
    LAYOUT,
    SEAL_POSITION,
    SEAL_ROOT_MISMATCH,
    SHELLING,
    SUMMARY,
    SealedLedger,
    backdoor,
    finding,
    forge_claim,
    seal_finding,
)

# ---------------------------------------------------------------------------------------------
# The untampered ledger, and roots kept elsewhere


def test_the_sealed_example_is_laid_out_as_these_tests_expect(
    sealed_on_each_backend: SealedLedger,
) -> None:
    # Check every (position, incident, version) the findings below are located by.
    with backdoor(sealed_on_each_backend, drop_triggers=False) as door:
        rows = door.rows()
    layout = {
        json.loads(r.state)["report"]: (r.id, r.originator_id, r.originator_version)
        for r in rows
        if r.originator_id != SEALS_ID
    }
    assert layout == LAYOUT
    assert [(r.id, r.originator_id, r.originator_version) for r in rows][-1] == (
        SEAL_POSITION,
        SEALS_ID,
        1,
    )


def test_an_untampered_sealed_ledger_verifies_with_a_one_line_summary(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    result = ledger.cli("verify")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == f"verified: {SUMMARY}\n"
    # Check the JSON form says the same, with no findings.
    assert ledger.verify() == (
        EXIT_OK,
        {"ok": True, "events": 12, "incidents": 2, "seals": 1, "signatures": 0, "findings": []},
    )


def test_seal_prints_the_merkle_root_over_every_event_hash_in_log_order(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger, drop_triggers=False) as door:
        leaves = [
            bytes.fromhex(json.loads(r.state)["hash"])
            for r in door.rows()
            if r.originator_id != SEALS_ID
        ]
    # Check the printed root is RFC 6962's MTH over the 12 events, recomputed independently.
    assert (ledger.size, ledger.root) == (EVENTS, root(leaves).hex())


def test_verify_with_the_root_and_size_printed_by_seal_passes(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    result = ledger.cli("verify", "--root", ledger.root, "--size", str(ledger.size))
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == f"verified: {SUMMARY}\n"
    # Check upper-case hex names the same root.
    assert ledger.verify("--root", ledger.root.upper(), "--size", "12")[0] == EXIT_OK


def test_a_wrong_root_exits_3_naming_the_root_the_log_really_has(sealed: SealedLedger) -> None:
    wrong = ("0" if sealed.root[0] != "0" else "1") + sealed.root[1:]
    # Check the finding gives the real root over the first 12 events, for comparison.
    assert sealed.findings("--root", wrong, "--size", "12") == [
        finding(
            None,
            None,
            None,
            f"the root over the first 12 events is {sealed.root}, not the given root",
        ),
    ]


def test_a_smaller_size_than_the_root_covers_exits_3(sealed: SealedLedger) -> None:
    with backdoor(sealed, drop_triggers=False) as door:
        leaves = [bytes.fromhex(json.loads(r.state)["hash"]) for r in door.rows()][:11]
    # Check the finding names the root over the first 11 events, which is not the sealed one.
    assert sealed.findings("--root", sealed.root, "--size", "11") == [
        finding(
            None,
            None,
            None,
            f"the root over the first 11 events is {root(leaves).hex()}, not the given root",
        ),
    ]


def test_a_size_beyond_the_log_exits_3(sealed: SealedLedger) -> None:
    # Check: the log never reached 13 events, so no root over 13 can be compared.
    assert sealed.findings("--root", sealed.root, "--size", "13") == [
        finding(None, None, None, "the log holds 12 events, fewer than --size 13"),
    ]


NOT_HEX = "error: --root must be 64 hexadecimal characters\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--root", "ab" * 32], "error: --root and --size go together\n"),
        (["--size", "12"], "error: --root and --size go together\n"),
        (["--root", "xyz", "--size", "12"], NOT_HEX),
        (["--root", "ab" * 31, "--size", "12"], NOT_HEX),
    ],
)
def test_root_and_size_are_refused_as_usage_errors_unless_given_together_and_well_formed(
    sealed: SealedLedger, args: list[str], message: str
) -> None:
    # Check a malformed root check is a usage error (exit 2), not an integrity failure.
    result = sealed.cli("verify", *args)
    assert result.exit_code == 2
    assert result.stderr == message


def test_a_root_kept_from_a_seal_still_verifies_after_more_events_are_appended(
    sealed: SealedLedger,
) -> None:
    added = sealed.cli(
        "claim",
        SHELLING,
        "--report",
        "later",
        "--by",
        "Kurdish Red Crescent",
        "--summary",
        "Shells hit the eastern bank.",
    )
    assert added.exit_code == EXIT_OK, added.output
    # Check the kept root still covers the first 12 events of the grown log, and the log is
    # whole; the event after the seal is simply not covered by any seal yet.
    result = sealed.cli("verify", "--root", sealed.root, "--size", "12")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == "verified: 13 event(s) in 2 incident(s), 1 seal(s)\n"


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE ledger_events SET state = state WHERE notification_id = {SEAL_POSITION}",
        f"DELETE FROM ledger_events WHERE notification_id = {SEAL_POSITION}",
    ],
)
def test_the_triggers_refuse_to_rewrite_or_delete_a_seal(
    sealed_on_each_backend: SealedLedger, statement: str
) -> None:
    # Check the seal row is as protected as any event (sqlite3 and psycopg errors alike).
    with (
        backdoor(sealed_on_each_backend, drop_triggers=False) as door,
        pytest.raises(Exception, match="ledger_events is append-only"),
    ):
        door.execute(statement)
    assert sealed_on_each_backend.verify()[0] == EXIT_OK


def test_the_triggers_do_not_stop_a_forged_insert_so_only_signatures_can(
    sealed: SealedLedger,
) -> None:
    # Check an INSERT needs no dropped trigger: append-only still lets anyone append.
    with backdoor(sealed, drop_triggers=False) as door:
        position = forge_claim(door, SHELLING)
    assert position == 14
    assert sealed.verify()[0] == EXIT_OK


# ---------------------------------------------------------------------------------------------
# Seals themselves


@pytest.fixture
def twice_sealed(sealed: SealedLedger) -> SealedLedger:
    """The sealed example, one more claim (position 14), and a second seal (position 15)."""
    added = sealed.cli(
        "claim",
        SHELLING,
        "--report",
        "later",
        "--by",
        "Kurdish Red Crescent",
        "--summary",
        "Shells hit the eastern bank.",
    )
    assert added.exit_code == EXIT_OK, added.output
    resealed = sealed.cli("seal")
    assert resealed.exit_code == EXIT_OK, resealed.output
    assert resealed.stderr == "seal 2 covers 13 event(s) up to position 14\n"
    return sealed


def test_a_seal_whose_root_was_changed_is_altered_and_no_longer_matches(
    twice_sealed: SealedLedger,
) -> None:
    with backdoor(twice_sealed) as door:
        door.edit(SEAL_POSITION, lambda state: state.update(root="0" * 64))
    # Check the seal's own hash and its root are both reported; seal 2 still links to it.
    assert twice_sealed.findings() == [
        seal_finding("seal 1 was altered"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_a_deleted_seal_breaks_the_sequence_and_chain_of_the_next(
    twice_sealed: SealedLedger,
) -> None:
    with backdoor(twice_sealed) as door:
        door.delete(SEAL_POSITION)
    # Check seal 2 now follows no seal 1.
    assert twice_sealed.findings() == [
        seal_finding("seal 2 is out of sequence", position=15, version=2),
        seal_finding("seal 2 breaks the seal chain", position=15, version=2),
    ]


def test_an_undecodable_seal_is_a_finding_not_a_crash(twice_sealed: SealedLedger) -> None:
    with backdoor(twice_sealed) as door:
        door.set_raw_state(SEAL_POSITION, b"{")
    # Check the unreadable seal is a finding and seal 2 cannot link to it.
    assert twice_sealed.findings() == [
        seal_finding("undecodable seal: stored state is not JSON"),
        seal_finding("seal 2 is out of sequence", position=15, version=2),
        seal_finding("seal 2 breaks the seal chain", position=15, version=2),
    ]


def test_an_event_deleted_under_the_first_of_two_seals_fails_both(
    twice_sealed: SealedLedger,
) -> None:
    with backdoor(twice_sealed) as door:
        door.delete(2)
    # Check each seal covering the event reports the shortfall.
    assert twice_sealed.findings() == [
        finding(3, AIRSTRIKE, 3, "version 3 follows version 1 (gap or reorder)"),
        finding(3, AIRSTRIKE, 3, BROKEN_CHAIN),
        seal_finding(
            "seal 1 covers 12 events but the log holds 11 before it (events deleted or added)"
        ),
        seal_finding(
            "seal 2 covers 13 events but the log holds 12 before it (events deleted or added)",
            position=15,
            version=2,
        ),
    ]
