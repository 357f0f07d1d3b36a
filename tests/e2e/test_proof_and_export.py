"""`ledger proof`/`verify-proof` and `export`.

Driven through the real Typer app. Most tests run on a copy of one SQLite ledger holding the
worked example's incidents without its registry (so positions are known: the airstrike incident
at 1-3, the shelling incident at 4-12); a representative subset runs on both backends through
`run_cli`, with the whole example.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from typer.testing import Result

from ledger.errors import EXIT_BAD_INPUT, EXIT_INTEGRITY, EXIT_OK, EXIT_REFUSED
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.signing import load_signature_check
from tests.conftest import EXAMPLE, EXAMPLE_ACTORS, EXAMPLE_EVENTS, EXAMPLE_IMPORTED
from tests.e2e.audit_cli import AIRSTRIKE, SHELLING, UNKNOWN_REPORT, Cli, invoke, json_of

# ---------------------------------------------------------------------------------------------
# proof and verify-proof


def seal(cli: Cli) -> str:
    """Seal the ledger; returns the root `ledger seal` printed."""
    result = cli("seal")
    assert result.exit_code == EXIT_OK, result.output
    printed = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    return printed["root"]


def proof_of(cli: Cli, report: str) -> dict[str, Any]:
    return dict(json_of(cli, "proof", report))


def check_proof(cli: Cli, proof: dict[str, Any], tmp_path: Path, *args: str) -> Result:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    return cli("verify-proof", str(path), *args)


def test_a_proof_of_the_shelling_claim_verifies_offline_against_the_sealed_root(
    imported: Cli, tmp_path: Path
) -> None:
    root = seal(imported)
    proof = proof_of(imported, "mod-shelling")
    # Check the proof's parts: the event as history shows it, its place in the sealed tree.
    history = json_of(imported, "history", SHELLING, "--format", "json")
    claim = next(row for row in history if row.get("report") == "mod-shelling")
    assert (proof["report"], proof["incident"], proof["version"], proof["position"]) == (
        "mod-shelling",
        SHELLING,
        2,
        claim["position"],
    )
    # The example's actor lines are leaves too, before the incidents' events.
    leaf = EXAMPLE_ACTORS + 4
    assert (proof["leaf_index"], proof["tree_size"], proof["root"], proof["seal"]) == (
        leaf,
        EXAMPLE_EVENTS,
        root,
        1,
    )
    assert proof["event"] == {k: v for k, v in claim.items() if k not in ("position", "hash")}
    assert proof["hash"] == claim["hash"] == event_hash(proof["event"])
    assert len(proof["proof"]) == 4  # the path up a 16-leaf tree
    checked = check_proof(imported, proof, tmp_path, "--root", root)
    assert checked.exit_code == EXIT_OK, checked.output
    assert checked.stdout == (
        f"valid: event mod-shelling is leaf {leaf} of {EXAMPLE_EVENTS} under root {root}\n"
    )


def test_verify_proof_without_a_root_reminds_to_compare_it(example: Cli, tmp_path: Path) -> None:
    seal(example)
    proof = json.dumps(proof_of(example, "mod-shelling"))
    # Check the proof also reads from stdin.
    checked = example("verify-proof", "-", input=proof)
    assert checked.exit_code == EXIT_OK, checked.output
    assert checked.stderr == (
        "note: compare that root with one you kept elsewhere (or pass --root)\n"
    )


def flip_hex(text: str) -> str:
    return ("1" if text[0] == "0" else "0") + text[1:]


def altered_path(proof: dict[str, Any]) -> None:
    proof["proof"][1] = flip_hex(proof["proof"][1])


def wrong_leaf_index(proof: dict[str, Any]) -> None:
    proof["leaf_index"] = 5


def altered_event(proof: dict[str, Any]) -> None:
    proof["event"]["summary"] = "Nobody shelled anyone."


def altered_event_and_hash(proof: dict[str, Any]) -> None:
    altered_event(proof)
    proof["hash"] = event_hash(proof["event"])


NO_PATH = "error: the path does not lead from the event to the root\n"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (altered_path, NO_PATH),
        (wrong_leaf_index, NO_PATH),
        (altered_event, "error: the event's content does not match its hash\n"),
        (altered_event_and_hash, NO_PATH),
    ],
)
def test_a_tampered_proof_exits_3_saying_what_does_not_hold(
    example: Cli, tmp_path: Path, tamper: Callable[[dict[str, Any]], None], message: str
) -> None:
    # Check each kind of tampering is named by what no longer holds.
    root = seal(example)
    proof = proof_of(example, "mod-shelling")
    tamper(proof)
    checked = check_proof(example, proof, tmp_path, "--root", root)
    assert checked.exit_code == EXIT_INTEGRITY
    assert checked.stderr == message


def test_a_proof_checked_against_another_root_exits_3(example: Cli, tmp_path: Path) -> None:
    # Check a proof that leads to its own root is still refused if that is not the kept root.
    root = seal(example)
    checked = check_proof(
        example, proof_of(example, "mod-shelling"), tmp_path, "--root", flip_hex(root)
    )
    assert checked.exit_code == EXIT_INTEGRITY
    assert checked.stderr == "error: the proof's root is not the root you gave\n"


def test_a_proof_of_an_incident_slug_proves_the_event_that_opened_it(example: Cli) -> None:
    # Check the slug names the incident's first event (version 1, position 4, leaf 3).
    seal(example)
    proof = proof_of(example, SHELLING)
    assert (proof["version"], proof["position"], proof["leaf_index"], proof["event"]["type"]) == (
        1,
        4,
        3,
        "incident",
    )


def test_proof_before_any_seal_exits_1(example: Cli) -> None:
    # Check: with no seal there is no root to prove against.
    result = example("proof", "mod-shelling")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == (
        "error: 'mod-shelling' is not covered by a seal yet: run 'ledger seal' first\n"
    )


def test_proof_of_a_report_recorded_after_the_last_seal_exits_1(example: Cli) -> None:
    # Check: the latest seal covers 12 events; the new claim is the 13th.
    seal(example)
    added = example(
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
    result = example("proof", "later")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == "error: 'later' is not covered by a seal yet: run 'ledger seal' first\n"


def test_proof_of_an_unknown_report_exits_1(example: Cli) -> None:
    # Check an id that is nowhere in the ledger is refused by name.
    seal(example)
    result = example("proof", "no-such-report")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == UNKNOWN_REPORT


def test_verify_proof_never_vouches_for_a_report_the_proof_does_not_prove(
    example: Cli, tmp_path: Path
) -> None:
    # Check the output never names a report the proven event is not.
    root = seal(example)
    proof = proof_of(example, "mod-shelling")
    proof["report"] = "sdf-shelling-denial"
    checked = check_proof(example, proof, tmp_path, "--root", root)
    assert "sdf-shelling-denial" not in checked.stdout


@pytest.mark.parametrize(
    "event", [["not", "an", "object"], {"type": "claim", "magnitude": 2**60}], ids=["list", "big"]
)
def test_verify_proof_refuses_an_unhashable_event_without_a_traceback(
    example: Cli, tmp_path: Path, event: Any
) -> None:
    # Check a malformed proof is refused with an exit code, not a traceback.
    root = seal(example)
    proof = proof_of(example, "mod-shelling")
    proof["event"] = event
    checked = check_proof(example, proof, tmp_path, "--root", root)
    assert isinstance(checked.exception, SystemExit), repr(checked.exception)
    assert checked.exit_code in (EXIT_BAD_INPUT, EXIT_INTEGRITY)


# ---------------------------------------------------------------------------------------------
# export


def without_recorded_at(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "recorded_at"} for row in rows]


def test_an_exported_ledger_reimported_elsewhere_derives_the_same_claims(
    imported: Cli, tmp_path: Path
) -> None:
    exported = imported("export", "--format", "jsonl")
    assert exported.exit_code == EXIT_OK, exported.output
    assert len(exported.stdout.splitlines()) == EXAMPLE_EVENTS
    path = tmp_path / "export.jsonl"
    path.write_text(exported.stdout)
    elsewhere = str(tmp_path / "elsewhere.db")
    reimported = invoke(elsewhere, "import", str(path))
    assert reimported.exit_code == EXIT_OK, reimported.output
    assert reimported.stderr == EXAMPLE_IMPORTED + "\n"
    # Check every derived column agrees but the ledger's own clock.
    original = json_of(imported, "report", "claims", "--format", "json")
    copy = json_of(lambda *a: invoke(elsewhere, *a), "report", "claims", "--format", "json")
    assert len(original) == 6  # 4 claims and warnings, and 2 denials (assertions in v2)
    assert without_recorded_at(copy) == without_recorded_at(original)
    assert [c["recorded_at"] for c in copy] != [c["recorded_at"] for c in original]


def test_exported_events_rehash_and_chain_as_the_readme_says(example: Cli) -> None:
    exported = example("export", "--format", "events")
    assert exported.exit_code == EXIT_OK, exported.output
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [line["position"] for line in lines] == list(range(1, 13))
    last: dict[str, tuple[int, str]] = {}
    for line in lines:
        content = {k: v for k, v in line.items() if k not in ("position", "hash", "signature")}
        # Check the hash, with the ledger's function and with RFC 8785 + SHA-256 directly.
        assert event_hash(content) == line["hash"]
        assert hashlib.sha256(rfc8785.dumps(content)).hexdigest() == line["hash"]
        # Check the link to the previous event of the same incident, and the version after it.
        version, previous = last.get(line["incident"], (0, GENESIS_HASH))
        assert (line["version"], line["prev_hash"]) == (version + 1, previous)
        last[line["incident"]] = (line["version"], line["hash"])
    assert {incident: version for incident, (version, _) in last.items()} == {
        AIRSTRIKE: 3,
        SHELLING: 9,
    }


def test_exported_events_of_a_signed_ledger_carry_signatures_the_public_key_accepts(
    tmp_path: Path,
) -> None:
    # Check each exported signature verifies against its hash with the public key.
    private, public = tmp_path / "ledger.key", tmp_path / "ledger.pub"
    db = str(tmp_path / "signed.db")
    assert invoke(db, "keygen", str(private), str(public)).exit_code == EXIT_OK
    signed_import = invoke(db, "import", str(EXAMPLE), key=private)
    assert signed_import.exit_code == EXIT_OK, signed_import.output
    exported = invoke(db, "export", "--format", "events", "--incident", SHELLING)
    assert exported.exit_code == EXIT_OK, exported.output
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    check = load_signature_check(public)
    assert [line["incident"] for line in lines] == [SHELLING] * 9
    assert all(check(line["hash"], line["signature"]) for line in lines)
