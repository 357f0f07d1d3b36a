"""Tamper evidence: what `ledger verify` finds after events are rewritten behind its back: one
byte of a state, a field's value, deleted events, swapped events.

Each test seals the worked example, then plays an attacker who can open the database itself:
drops the append-only triggers and edits `ledger_events` with plain SQL. `ledger verify` must
exit 3 and its JSON findings must say where (position, incident, version) and what is wrong.
Every scenario runs on SQLite (a copy of one sealed ledger, so it is fast); a representative
subset runs on PostgreSQL too. The ledger under attack is in sealed_ledger.py, its fixtures in
conftest.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.domain import EVENT_BY_TYPE
from ledger.errors import EXIT_INTEGRITY, EXIT_OK
from tests.integration.sealed_ledger import (
    AIRSTRIKE,
    ALTERED,
    BROKEN_CHAIN,
    FORCES,
    LAYOUT,
    SEAL_POSITION,
    SEAL_ROOT_MISMATCH,
    SHELLING,
    SUMMARY,
    WARNING,
    SealedLedger,
    backdoor,
    finding,
    finding_at,
    index_says,
    rehashed,
    rewrite_consistently,
    seal_finding,
)

# ---------------------------------------------------------------------------------------------
# (1) One byte of one event's state


def test_one_flipped_byte_that_keeps_the_state_valid_json_is_an_altered_event(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        state = door.raw_state(5)
        flipped = state.replace(b"twice", b"twIce", 1)
        assert flipped != state and len(flipped) == len(state)
        door.set_raw_state(5, flipped)
    # Check one finding, on mod-shelling: its stored hash still stands in the seal's tree,
    # so the seal itself still matches.
    assert ledger.findings() == [finding_at("mod-shelling", ALTERED)]
    result = ledger.cli("verify")
    assert result.exit_code == EXIT_INTEGRITY
    assert result.stderr == f"error: 1 integrity problem(s) in {SUMMARY}\n"


def invalid_utf8(state: bytes) -> bytes:
    at = state.index(b"twice")
    return state[:at] + b"\xff" + state[at + 1 :]


def truncated(state: bytes) -> bytes:
    return state[:-1]


def json_array(state: bytes) -> bytes:
    return b"[" + state + b"]"


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (invalid_utf8, "stored state is not valid UTF-8"),
        (truncated, "stored state is not JSON"),
        (json_array, "stored state is not a JSON object"),
    ],
)
def test_a_state_that_is_no_longer_a_json_object_is_an_undecodable_event_not_a_crash(
    sealed: SealedLedger, mangle: Callable[[bytes], bytes], reason: str
) -> None:
    with backdoor(sealed) as door:
        door.set_raw_state(5, mangle(door.raw_state(5)))
    # Check: the row is a finding, and its leaf in the seal's tree no longer matches.
    assert sealed.findings() == [
        finding_at("mod-shelling", f"undecodable event: {reason}"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_invalid_utf8_is_an_undecodable_event_on_each_backend(
    sealed_on_each_backend: SealedLedger,
) -> None:
    # Check: PostgreSQL's bytea keeps the invalid byte as SQLite does, and verify reports it.
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        door.set_raw_state(5, invalid_utf8(door.raw_state(5)))
    assert ledger.findings() == [
        finding_at("mod-shelling", "undecodable event: stored state is not valid UTF-8"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_an_unknown_topic_is_an_undecodable_event(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.execute("UPDATE ledger_events SET topic = 'x:Y' WHERE notification_id = 5")
    # Check the row is reported by its topic, and its leaf (now unknown) breaks the seal.
    assert sealed.findings() == [
        finding_at("mod-shelling", "undecodable event: unknown event topic 'x:Y'"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_a_state_missing_a_hashed_key_is_an_undecodable_event(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.pop("recorded_at"))
    # Check the finding names the missing key.
    assert sealed.findings() == [
        finding_at("mod-shelling", "undecodable event: event lacks 'recorded_at'"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_a_changed_topic_to_another_report_type_is_an_altered_event(sealed: SealedLedger) -> None:
    warning_topic: str = EVENT_BY_TYPE["warning"].TOPIC  # type: ignore[attr-defined]
    with backdoor(sealed) as door:
        door.execute("UPDATE ledger_events SET topic = ? WHERE notification_id = 5", warning_topic)
    # Check: the type is hashed, so a claim relabelled as a warning no longer matches its hash,
    # nor the report index, which still files it as a claim.
    assert sealed.findings() == [
        finding_at("mod-shelling", ALTERED),
        finding_at("mod-shelling", index_says("type", "claim", "mod-shelling", "warning")),
    ]


@pytest.mark.parametrize(
    ("position", "change", "where"),
    [
        (5, lambda s: s.__setitem__("magnitude", {"occurrences": 2**60}), LAYOUT["mod-shelling"]),
        (5, lambda s: s.__setitem__("summary", float("nan")), LAYOUT["mod-shelling"]),
        (SEAL_POSITION, lambda s: s.__setitem__("size", float("inf")), (SEAL_POSITION, None, 1)),
    ],
    ids=["integer-beyond-2^53", "nan-summary", "infinite-seal-size"],
)
def test_a_value_rfc8785_cannot_canonicalise_is_a_finding_not_a_crash(
    sealed: SealedLedger,
    position: int,
    change: Callable[[dict[str, Any]], None],
    where: tuple[int, str | None, int],
) -> None:
    with backdoor(sealed) as door:
        door.edit(position, change)
    # Check: `ledger import` refuses such values, so only a tamperer writes them; verify must
    # report the row like any other undecodable one.
    result = sealed.cli("verify", "--format", "json")
    assert result.exit_code == EXIT_INTEGRITY, repr(result.exception)
    located = [
        (f["position"], f["incident"], f["version"]) for f in json.loads(result.stdout)["findings"]
    ]
    assert where in located


def test_a_non_numeric_version_on_sqlite_is_a_finding_not_a_crash(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.execute(
            "UPDATE ledger_events SET originator_version = 'two' WHERE notification_id = 5"
        )
    # Check the row is reported, at its position, rather than crashing the check.
    result = sealed.cli("verify", "--format", "json")
    assert result.exit_code == EXIT_INTEGRITY, repr(result.exception)
    assert json.loads(result.stdout)["findings"][0]["position"] == 5


# ---------------------------------------------------------------------------------------------
# (2) A field's value


def test_a_changed_summary_is_an_altered_event_and_audit_says_so(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
    expected = finding_at("mod-shelling", ALTERED)
    assert sealed.findings() == [expected]
    # Check `audit` shows the altered text but says its incident's chain does not verify.
    audited = sealed.cli("audit", "mod-shelling", "--format", "json")
    assert audited.exit_code == EXIT_OK, audited.output
    report = json.loads(audited.stdout)
    assert report["steps"][0]["summary"] == "Nobody shelled anyone."
    assert (report["verified"], report["chain"]) == (False, {"events": 9, "problems": [expected]})


def test_a_changed_summary_fails_its_offline_proof(sealed: SealedLedger, tmp_path: Path) -> None:
    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
    proof = sealed.cli("proof", "mod-shelling")
    assert proof.exit_code == EXIT_OK, proof.output
    path = tmp_path / "proof.json"
    path.write_text(proof.stdout)
    # Check the proof made from the altered row carries the altered content, which the offline
    # check recomputes and rejects.
    checked = sealed.cli("verify-proof", str(path), "--root", sealed.root)
    assert checked.exit_code == EXIT_INTEGRITY
    assert checked.stderr == "error: the event's content does not match its hash\n"


def test_a_changed_summary_with_its_hash_recomputed_breaks_the_next_link_and_the_seal(
    sealed: SealedLedger,
) -> None:
    with backdoor(sealed) as door:
        row = next(r for r in door.rows() if r.id == 5)
        state = json.loads(row.state)
        state["summary"] = "Nobody shelled anyone."
        state["hash"] = rehashed(row, state)
        door.set_state(5, state)
    # Check the altered event itself now looks whole; the next one's link and the seal do not.
    assert sealed.findings() == [
        finding_at("mod-retaliation-warning", BROKEN_CHAIN),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_a_consistent_rewrite_of_history_is_caught_only_by_a_root_kept_elsewhere(
    sealed: SealedLedger,
) -> None:
    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
        rewrite_consistently(door)
    # Check: every hash, link and the re-forged seal agree, so verify alone cannot tell ...
    assert sealed.verify()[0] == EXIT_OK
    # ... but the root printed by the real seal names different events.
    with backdoor(sealed, drop_triggers=False) as door:
        forged_root = door.state(SEAL_POSITION)["root"]
    assert forged_root != sealed.root
    assert sealed.findings("--root", sealed.root, "--size", "12") == [
        finding(
            None,
            None,
            None,
            f"the root over the first 12 events is {forged_root}, not the given root",
        ),
    ]


def test_a_consistent_rewrite_of_a_signed_ledger_fails_the_signature_check(
    signed: SealedLedger,
) -> None:
    with backdoor(signed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
        rewrite_consistently(door)
    assert signed.verify()[0] == EXIT_OK
    # Check every rehashed event (mod-shelling and all after it in its incident) and the seal
    # lack a signature; the untouched events keep theirs.
    assert signed.findings_with_key() == [
        finding(p, i, v, "not signed") for p, i, v in LAYOUT.values() if p >= 5
    ] + [seal_finding("seal 1 is not signed by the given public key")]


# ---------------------------------------------------------------------------------------------
# (3) - (5) Deleted events


def test_an_event_deleted_from_the_middle_of_a_chain_leaves_a_gap_and_a_broken_link(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        door.delete(6)
    # Check the next event of the chain shows the gap and the broken link; the seal the count.
    assert ledger.findings() == [
        finding_at("mod-special-forces-deployed", "version 4 follows version 2 (gap or reorder)"),
        finding_at("mod-special-forces-deployed", BROKEN_CHAIN),
        seal_finding(
            "seal 1 covers 12 events but the log holds 11 before it (events deleted or added)"
        ),
    ]


@pytest.mark.parametrize("report", ["shelling-context-airstrike", "mod-airstrike-denial"])
def test_the_last_event_of_an_incident_deleted_before_the_seal_is_caught_by_the_seal(
    sealed: SealedLedger, report: str
) -> None:
    # Check whether the incident's last event is last in the log (12) or not (3): no chain
    # notices a missing tail, the seal's count does.
    with backdoor(sealed) as door:
        door.delete(LAYOUT[report][0])
    code, result = sealed.verify()
    assert code == EXIT_INTEGRITY
    assert (result["events"], result["incidents"], result["findings"]) == (
        11,
        2,
        [
            seal_finding(
                "seal 1 covers 12 events but the log holds 11 before it (events deleted or added)"
            ),
        ],
    )


def test_a_whole_incident_deleted_is_caught_by_the_seal(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.delete(*(r.id for r in door.rows() if r.originator_id == AIRSTRIKE))
    # Check: no chain is left to break, so only the seal's count notices.
    code, result = sealed.verify()
    assert code == EXIT_INTEGRITY
    assert (result["events"], result["incidents"], result["findings"]) == (
        9,
        1,
        [
            seal_finding(
                "seal 1 covers 12 events but the log holds 9 before it (events deleted or added)"
            ),
        ],
    )


def test_a_whole_incident_deleted_and_the_seal_reforged_needs_the_kept_root_or_the_key(
    signed: SealedLedger,
) -> None:
    with backdoor(signed) as door:
        door.delete(*(r.id for r in door.rows() if r.originator_id == AIRSTRIKE))
        rewrite_consistently(door)
    # Check: the log is consistent with itself again ...
    assert signed.verify()[0] == EXIT_OK
    # ... but not with the root and size kept from the real seal ...
    assert signed.findings("--root", signed.root, "--size", "12") == [
        finding(None, None, None, "the log holds 9 events, fewer than --size 12"),
    ]
    # ... nor with the key: the shelling incident's events keep their hashes and signatures,
    # but the re-forged seal cannot be signed.
    assert signed.findings_with_key() == [
        seal_finding("seal 1 is not signed by the given public key"),
    ]


# ---------------------------------------------------------------------------------------------
# (6) Swapped events


def test_two_events_with_their_state_blobs_swapped_break_the_chain_and_the_seal(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        warning, claim = door.raw_state(6), door.raw_state(7)
        door.set_raw_state(6, claim)
        door.set_raw_state(7, warning)
    # Check both swapped rows are altered (their versions are hashed) and unlinked, the event
    # after them is unlinked, and the seal's tree (leaves in log order) no longer matches.
    assert ledger.findings() == [
        finding_at("mod-retaliation-warning", BROKEN_CHAIN),
        finding_at("mod-retaliation-warning", ALTERED),
        finding_at("mod-special-forces-deployed", BROKEN_CHAIN),
        finding_at("mod-special-forces-deployed", ALTERED),
        finding_at("sdf-shelling-denial", BROKEN_CHAIN),
        seal_finding(SEAL_ROOT_MISMATCH),
        # The report index files each report where it was: each row now holds the other's.
        finding(6, SHELLING, 3, index_says("type", "claim", FORCES, "warning")),
        finding(6, SHELLING, 3, index_says("version", 4, FORCES, 3)),
        finding(7, SHELLING, 4, index_says("type", "warning", WARNING, "claim")),
        finding(7, SHELLING, 4, index_says("version", 3, WARNING, 4)),
    ]


def test_two_events_with_their_versions_swapped_are_out_of_order_and_altered(
    sealed: SealedLedger,
) -> None:
    with backdoor(sealed) as door:
        # Through a free version: (incident, version) is unique.
        door.execute("UPDATE ledger_events SET originator_version = 100 WHERE notification_id = 6")
        door.execute("UPDATE ledger_events SET originator_version = 3 WHERE notification_id = 7")
        door.execute("UPDATE ledger_events SET originator_version = 4 WHERE notification_id = 6")
    # Check each finding names the version the row now claims; the hashes (the seal's leaves)
    # did not move, so the seal still matches.
    assert sealed.findings() == [
        finding(6, SHELLING, 4, "version 4 follows version 2 (gap or reorder)"),
        finding(6, SHELLING, 4, ALTERED),
        finding(7, SHELLING, 3, "version 3 follows version 4 (gap or reorder)"),
        finding(7, SHELLING, 3, ALTERED),
        finding(8, SHELLING, 5, "version 5 follows version 3 (gap or reorder)"),
        finding(6, SHELLING, 4, index_says("version", 3, WARNING, 4)),
        finding(7, SHELLING, 3, index_says("version", 4, FORCES, 3)),
    ]
