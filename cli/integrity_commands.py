"""`ledger seal`, `verify`, `proof`, `verify-proof` and `keygen`: tamper evidence.

Each command's own dependencies are imported late, inside it: cli/lazy.py imports this module
only to run one of its commands or show its help, which then imports nothing the others need
(tests/e2e/test_startup.py keeps the budget)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from cli import terminal
from cli.context import fail, guarded, open_ledger, say, settings, usage_error
from cli.evidence_commands import EvidenceDirOption
from cli.output import RecordFormat, emit_json
from cli.output_files import ForceOption, check_output, write_outputs
from ledger.errors import EXIT_INTEGRITY

if TYPE_CHECKING:
    from ledger.integrity import Finding
    from ledger.verification import EvidenceCheck
    from projections.verification import LedgerVerification


@guarded
def seal_command(
    fmt: Annotated[
        RecordFormat, typer.Option("--format", "-f", help="Output format.")
    ] = RecordFormat.table,
) -> None:
    """Seal the log: record a Merkle root over every event so far, and print it to keep.

    Keep the printed root and size somewhere else (a notebook, an email, a timestamping service):
    `ledger verify --root HEX --size N` later proves the log still holds exactly those events.

    Example:

        ledger seal
    """
    from ledger.seals import seal

    ledger = open_ledger(write=True, create=False)  # a seal over nothing is a mistyped --db
    info = seal(ledger, sealed_by=settings().recorder_name)
    if fmt is RecordFormat.json:
        emit_json(info.__dict__)
    else:
        typer.echo(f"root {info.root}")
        typer.echo(f"size {info.size}")
        say(f"seal {info.version} covers {info.size} event(s) up to position {info.position}")


@guarded
def verify_command(
    root: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs a runtime type here
        typer.Option(
            "--root",
            help="A root kept elsewhere (hex), to check the log against.",
            show_default=False,
        ),
    ] = None,
    size: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--size", help="The number of events that root covers.", show_default=False),
    ] = None,
    public_key: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--public-key",
            help="Require every event and seal signed by this key.",
            show_default=False,
        ),
    ] = None,
    views: Annotated[
        bool,
        typer.Option(
            "--views",
            help="Also recompute the views from the log (a rebuild into a scratch copy) and "
            "list every stored row that differs.",
        ),
    ] = False,
    require_evidence: Annotated[
        bool,
        typer.Option(
            "--require-evidence",
            help="A stored file an evidence report names that is missing is a problem too "
            "(else it is listed as a note).",
        ),
    ] = False,
    evidence_dir: EvidenceDirOption = None,
    fmt: Annotated[
        RecordFormat, typer.Option("--format", "-f", help="Output format.")
    ] = RecordFormat.table,
) -> None:
    """Re-hash every event, check every chain link, version and seal, and the report index,
    and re-hash every stored file an evidence report names; exit 3 on any problem.

    Example:

        ledger verify --root 5dc9da79...4328 --size 12 --public-key ledger.pub --views
    """
    from ledger.signing import load_signature_check
    from projections.verification import verify_ledger

    if (root is None) != (size is None):
        raise usage_error("--root and --size go together")
    if root is not None and not _is_hex32(root):
        raise usage_error("--root must be 64 hexadecimal characters")
    check = load_signature_check(public_key) if public_key else None
    expected = (root, size) if root is not None and size is not None else None
    store = settings().store
    verified = verify_ledger(
        open_ledger(),
        store,
        signature_check=check,
        expected_root=expected,
        views=views,
        evidence_dir=evidence_dir,
        require_evidence=require_evidence,
    )
    result, evidence = verified.log, verified.evidence
    if evidence.unchecked:
        say(f"note: {evidence.files} evidence file(s) not checked: give --evidence-dir")
    for note in evidence.notes:
        say(f"note: {note}")
    summary = _summary(verified)
    if fmt is RecordFormat.json:
        emit_json(
            {
                "ok": result.ok,
                "events": result.events,
                "incidents": result.incidents,
                # Named only when there are some, so a version-1 ledger's output is as it was.
                **({"actors": result.actors} if result.actors else {}),
                "seals": result.seals,
                "signatures": result.signatures,
                # Named only when the log names evidence files: older output stays as it was.
                **_evidence_json(evidence),
                "findings": [f.as_dict() for f in result.findings],
            }
        )
    elif result.ok:
        typer.echo(f"verified: {summary}")
    else:
        # One finding a line, its problem whole and wrapped at the terminal's width: the
        # problem is the answer, prose that a fitted table column would cut or leave out.
        screen = terminal.use(pager=False)  # the exit code is the answer: nothing waits
        screen.echo("integrity problems:")
        for finding in result.findings:
            screen.echo(f"- {_where(finding)}: {finding.problem}")
    if not result.ok:
        raise fail(f"{len(result.findings)} integrity problem(s) in {summary}", EXIT_INTEGRITY)


def _where(finding: "Finding") -> str:
    """Where a finding lies, in words: its event's position, incident and version, as far as
    they are known, or the log as a whole (a root that does not match, say)."""
    parts = [
        f"{name} {value}"
        for name, value in (
            ("position", finding.position),
            ("incident", finding.incident),
            ("version", finding.version),
        )
        if value is not None
    ]
    return ", ".join(parts) or "the log"


def _summary(verified: "LedgerVerification") -> str:
    """What was checked, in one line: the log's counts, then the views', then the evidence's."""
    result, evidence = verified.log, verified.evidence
    summary = (
        f"{result.events} event(s) in {result.incidents} incident(s)"
        + (f" and {result.actors} actor(s)" if result.actors else "")
        + f", {result.seals} seal(s)"
        + (f", {result.signatures} signature(s)" if verified.signatures_checked else "")
    )
    if verified.views is not None:
        summary += (
            f", {verified.views.rows} view row(s) at position {verified.views.position}"
            if verified.views.recomputed
            else ", views not recomputed"
        )
    if not evidence.files:
        return summary
    if evidence.unchecked:
        return summary + f", {evidence.files} evidence file(s) not checked (no --evidence-dir)"
    return (
        summary
        + f", {evidence.files} evidence file(s)"
        + (f" ({len(evidence.missing)} not stored)" if evidence.missing else "")
    )


def _evidence_json(evidence: "EvidenceCheck") -> dict[str, Any]:
    if not evidence.files:
        return {}
    return {
        "evidence_files": evidence.files,
        "evidence_checked": not evidence.unchecked,
        "missing_evidence": evidence.missing,
    }


def _is_hex32(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) == 32
    except ValueError:
        return False


@guarded
def proof_command(
    report: Annotated[str, typer.Argument(help="A report id (or incident slug).")],
) -> None:
    """Print an inclusion proof of a report's event in the latest seal (JSON, for verify-proof).

    Example:

        ledger proof mod-shelling > mod-shelling.proof.json
    """
    from ledger.proofs import inclusion_proof

    emit_json(inclusion_proof(open_ledger(), report))


@guarded
def verify_proof_command(
    file: Annotated[str, typer.Argument(help="A proof from 'ledger proof', or '-' for stdin.")],
    root: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--root", help="The root you kept (hex); the proof must lead to it.", show_default=False
        ),
    ] = None,
) -> None:
    """Check an inclusion proof without the database: the event, its hash, and the path to the root.

    Example:

        ledger verify-proof mod-shelling.proof.json --root 5dc9da79...4328
    """
    from ledger.proofs import MalformedProof, check_proof

    if root is not None and not _is_hex32(root):  # as `verify --root` checks it
        raise usage_error("--root must be 64 hexadecimal characters")
    text = sys.stdin.read() if file == "-" else _read(file)
    try:
        checked = check_proof(text, root)
    except MalformedProof as e:
        raise usage_error(f"{file} is not a proof from 'ledger proof' ({e.reason})") from None
    if not checked.ok:
        raise fail("; ".join(checked.problems), EXIT_INTEGRITY)
    typer.echo(
        f"valid: event {checked.report} is leaf {checked.index} of {checked.size} "
        f"under root {checked.root}"
    )
    if root is None:
        say("note: compare that root with one you kept elsewhere (or pass --root)")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise usage_error(f"cannot read {path}: {e.strerror}") from None


@guarded
def keygen_command(
    private: Annotated[Path, typer.Argument(help="Where to write the private key (PEM).")] = Path(
        "ledger.key"
    ),
    public: Annotated[Path, typer.Argument(help="Where to write the public key (PEM).")] = Path(
        "ledger.pub"
    ),
    force: ForceOption = False,
) -> None:
    """Write an Ed25519 key pair; set LEDGER_SIGNING_KEY to the private one to sign every event.

    Example:

        ledger keygen ledger.key ledger.pub && export LEDGER_SIGNING_KEY=ledger.key
    """
    from ledger.signing import new_keypair

    if private.resolve() == public.resolve():
        raise usage_error("PRIVATE and PUBLIC must be two different files")
    check_output(private, force=force, label="PRIVATE")
    check_output(public, force=force, label="PUBLIC")
    private_pem, public_pem = new_keypair()
    write_outputs([(private, private_pem, True), (public, public_pem, False)])
    say(f"wrote {private} (keep it secret) and {public}")


def register(app: typer.Typer) -> None:
    app.command("seal")(seal_command)
    app.command("verify")(verify_command)
    app.command("proof")(proof_command)
    app.command("verify-proof")(verify_proof_command)
    app.command("keygen")(keygen_command)
