"""Tamper evidence: signatures, against a forged event after the last seal (made-up, borrowed
or malformed signatures, another key, an unsigned ledger).

Each test seals the worked example, then plays an attacker who can open the database itself:
drops the append-only triggers and edits `ledger_events` with plain SQL. `ledger verify` must
exit 3 and its JSON findings must say where (position, incident, version) and what is wrong.
Every scenario runs on SQLite (a copy of one sealed ledger, so it is fast); a representative
subset runs on PostgreSQL too. The ledger under attack is in sealed_ledger.py, its fixtures in
conftest.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from ledger.errors import EXIT_INTEGRITY, EXIT_OK
from tests.integration.sealed_ledger import (
    LAYOUT,
    SEAL_ROOT_MISMATCH,
    SHELLING,
    SUMMARY,
    Keys,
    SealedLedger,
    backdoor,
    finding,
    finding_at,
    forge_claim,
    make_keys,
    rehashed,
    seal_finding,
)

# ---------------------------------------------------------------------------------------------
# (7) Signatures: a forged event after the last seal


def test_a_signed_ledger_verifies_every_signature_with_the_public_key(
    signed_on_each_backend: SealedLedger,
) -> None:
    ledger = signed_on_each_backend
    assert ledger.keys is not None
    # Check 13 signatures: 12 events and the seal.
    result = ledger.cli("verify", "--public-key", str(ledger.keys.public))
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == f"verified: {SUMMARY}, 13 signature(s)\n"


def test_a_forged_unsigned_event_after_the_seal_passes_without_the_key_and_fails_with_it(
    signed_on_each_backend: SealedLedger,
) -> None:
    ledger = signed_on_each_backend
    with backdoor(ledger) as door:
        position = forge_claim(door, SHELLING)
    # Check the forgery reads as a real event ...
    history = ledger.cli("history", SHELLING, "--format", "json")
    assert history.exit_code == EXIT_OK, history.output
    assert json.loads(history.stdout)[-1]["report"] == "forged-claim"
    # ... that hash, chain and seal checks accept: it is past the last seal ...
    result = ledger.cli("verify")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == "verified: 13 event(s) in 2 incident(s), 1 seal(s)\n"
    # ... and that the public key rejects, naming it alone.
    code, report = ledger.verify_with_key()
    assert code == EXIT_INTEGRITY
    assert (report["signatures"], report["findings"]) == (
        13,
        [finding(position, SHELLING, 10, "not signed")],
    )
    assert ledger.keys is not None
    table = ledger.cli("verify", "--public-key", str(ledger.keys.public))
    assert table.exit_code == EXIT_INTEGRITY
    assert table.stderr == (
        "error: 1 integrity problem(s) in 13 event(s) in 2 incident(s), 1 seal(s), "
        "13 signature(s)\n"
    )


def test_a_forged_event_with_a_made_up_or_borrowed_signature_fails_with_the_key(
    signed: SealedLedger,
) -> None:
    with backdoor(signed) as door:
        borrowed = door.state(12)["signature"]
        made_up = forge_claim(door, SHELLING, signature="ab" * 64)
        borrowing = forge_claim(door, SHELLING, signature=borrowed)
    # Check: a signature signs one hash, so neither a made-up nor a borrowed one verifies.
    assert signed.findings_with_key() == [
        finding(made_up, SHELLING, 10, "signature does not verify with the given public key"),
        finding(borrowing, SHELLING, 11, "signature does not verify with the given public key"),
    ]


def test_a_signature_that_is_not_hex_is_a_failed_signature(signed: SealedLedger) -> None:
    with backdoor(signed) as door:
        position = forge_claim(door, SHELLING, signature="not hex")
    # Check a malformed signature is a failed check, not a crash.
    assert signed.findings_with_key() == [
        finding(position, SHELLING, 10, "signature does not verify with the given public key"),
    ]


def test_a_signature_that_is_a_json_number_is_a_failed_signature(signed: SealedLedger) -> None:
    with backdoor(signed) as door:
        position = forge_claim(door, SHELLING, signature=12345)
    # Check a signature of the wrong JSON type is a failed check, not a crash.
    code, report = signed.verify_with_key()
    assert code == EXIT_INTEGRITY
    assert report["findings"] == [
        finding(position, SHELLING, 10, "signature does not verify with the given public key"),
    ]


def test_an_altered_signed_event_keeps_a_signature_that_no_longer_verifies(
    signed: SealedLedger,
) -> None:
    with backdoor(signed) as door:
        row = next(r for r in door.rows() if r.id == 12)
        state = json.loads(row.state)
        state["note"] = "No earlier accusation."
        state["hash"] = rehashed(row, state)
        door.set_state(12, state)
    # Check: the last event of the incident carries its hash forward nowhere, so only the seal
    # and the signature notice.
    assert signed.findings_with_key() == [
        finding_at(
            "shelling-context-airstrike", "signature does not verify with the given public key"
        ),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_another_key_rejects_every_event_and_the_seal(signed: SealedLedger, tmp_path: Path) -> None:
    other = make_keys(tmp_path / "other")
    # Check every event and the seal are reported under a key that did not sign them.
    code, report = signed.verify("--public-key", str(other.public))
    assert code == EXIT_INTEGRITY
    assert report["findings"] == [
        finding(p, i, v, "signature does not verify with the given public key")
        for p, i, v in LAYOUT.values()
    ] + [seal_finding("seal 1 is not signed by the given public key")]


def test_an_unsigned_ledger_fails_a_signature_check(sealed: SealedLedger, keys: Keys) -> None:
    # Check: asking for signatures of an unsigned ledger reports every event and the seal.
    code, report = sealed.verify("--public-key", str(keys.public))
    assert code == EXIT_INTEGRITY
    assert report["findings"] == [finding(p, i, v, "not signed") for p, i, v in LAYOUT.values()] + [
        seal_finding("seal 1 is not signed by the given public key")
    ]


def test_keygen_into_a_missing_directory_fails_with_one_line_not_a_traceback(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-directory"
    # Check the failure is one line on stderr and an exit code, like every other user error.
    result = CliRunner().invoke(
        app, ["keygen", str(missing / "ledger.key"), str(missing / "ledger.pub")]
    )
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.startswith("error: ")
