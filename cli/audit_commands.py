"""`ledger audit`, `ledger diff` and `ledger export`: replaying history for people and tools.

Each command's own dependencies are imported late, inside it: cli/lazy.py imports this module
only to run one of its commands or show its help, which then imports nothing the others need
(tests/e2e/test_startup.py keeps the budget)."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli import terminal
from cli.context import guarded, open_ledger, say, settings, usage_error
from cli.cuts import make_cut, parse_cut
from cli.evidence_commands import EvidenceDirOption
from cli.output import RecordFormat, emit_json, print_table
from cli.read_commands import AsOf, AtPosition, RecordFormatOption, ReportedBy, magnitude_text
from cli.terminal import PagerOption, WideOption

STEP_COLUMNS = (
    "position",
    "report",
    "type",
    "by",
    "stated_at",
    "recorded_at",
    "recorded_by",
    "status_after",
)
PROVENANCE_COLUMNS = ("hop", "agent", "role", "kind", "quote_mode", "published_at", "url")


@guarded
def audit_command(
    report: Annotated[str, typer.Argument(help="The report (usually a claim) to audit.")],
    fmt: RecordFormatOption = RecordFormat.table,
    reported_by: ReportedBy = None,
    as_of: AsOf = None,
    at_position: AtPosition = None,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """The life of a report, replayed from the log: every event that touched it, the status after
    each, its provenance chain, and whether its incident's hash chain verifies.

    Example:

        ledger audit mod-shelling --reported-by 2017-09-20
    """
    from ledger.audit import audit

    cut = make_cut(reported_by, as_of, at_position)
    result = audit(open_ledger(), report, cut=cut)
    if fmt is RecordFormat.json:
        emit_json(result.as_dict())
        return
    screen = terminal.use(wide=wide, pager=pager)
    print_table(
        result.steps, STEP_COLUMNS, title=f"{result.type} {result.report} in {result.incident}"
    )
    if result.provenance:
        print_table(result.provenance, PROVENANCE_COLUMNS, title="provenance")
    chain = result.chain
    verdict = "verified" if result.verified else f"BROKEN ({len(chain.findings)} problem(s))"
    if result.derived is not None:
        # The picture beside the headline (counts that are zero left out), then the verdicts.
        picture = {**result.derived, "magnitude": magnitude_text(result.derived["magnitude"])}
        shown = [f"{k}: {v}" for k, v in picture.items() if v not in (None, 0)]
        screen.echo("; ".join(shown))
    screen.echo(f"status: {result.status or '-'}")
    screen.echo(f"hash chain of {result.incident}: {verdict}, {chain.events} event(s)")


@guarded
def diff_command(
    incident: Annotated[str, typer.Argument(help="The incident's slug.")],
    from_: Annotated[
        str,
        typer.Option(
            "--from", help="Earlier cut: #N (position), @TIME (recorded) or DATE (stated)."
        ),
    ],
    to: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs a runtime type here
        typer.Option("--to", help="Later cut, same forms [default: now].", show_default=False),
    ] = None,
    fmt: RecordFormatOption = RecordFormat.table,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """What changed in an incident between two cuts: statuses, counts and new reports.

    Example:

        ledger diff deir-ez-zor-shelling-2017-09 --from 2017-09-20 --to '#12'
    """
    from ledger.replay import diff

    ledger = open_ledger()
    before = parse_cut(from_, "--from")
    changes = diff(ledger, incident, before, parse_cut(to, "--to") if to else None)
    if fmt is RecordFormat.json:
        emit_json(changes)
        return
    terminal.use(wide=wide, pager=pager)
    print_table(changes["incident"], ("field", "before", "after"), title=f"{incident}")
    print_table(changes["assertions"], ("report", "field", "before", "after"), title="assertions")
    print_table(
        changes["new_reports"],
        ("position", "report", "type", "by", "stated_at"),
        title="new reports",
    )


@guarded
def export_command(
    incident: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--incident", "-i", help="Only this incident (repeatable).", show_default=False
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="jsonl (re-importable), events (with hashes), prov-json, prov-n, acled (CSV), "
            "claimreview (JSON-LD).",
        ),
    ] = "jsonl",
    with_evidence: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--with-evidence",
            help="Also copy the stored files the exported evidence names into this folder "
            "(as sha256/ab/abcdef..., each checked against its hash).",
            show_default=False,
        ),
    ] = None,
    evidence_dir: EvidenceDirOption = None,
) -> None:
    """Export the log as JSON Lines: re-importable reports, or full events with their hashes.

    `--format jsonl` writes interchange lines (what was said, and by whom it was recorded), which
    `ledger import` accepts; `--format events` adds version, recorded_at, prev_hash and hash, so
    anyone can re-check the hash chain with any RFC 8785 implementation. `--format prov-json` and
    `prov-n` write a W3C PROV document: speakers acting on behalf of organisations, outlets'
    texts quoted from the statement, denials and corroborations as derivations, each ledger event
    a bundle attributed to its recorder. `--format acled` writes one CSV row per incident in
    ACLED's columns; `--format claimreview` a schema.org ClaimReview (JSON-LD) per assertion
    with a verdict (docs/interchange.md).

    Example:

        ledger export --incident deir-ez-zor-shelling-2017-09 > shelling.jsonl
    """
    from projections.exports import check_format, export

    check_format(fmt)  # before the ledger is opened: a typo is named first
    pieces = export(open_ledger(), incident, fmt)
    if with_evidence is not None:
        # Before the export is written: a refused folder or an altered file leaves stdout empty.
        _copy_evidence(with_evidence, incident or [], evidence_dir)
    for piece in pieces:
        sys.stdout.write(piece)


def _copy_evidence(folder: Path, incidents: list[str], store_folder: Path | None) -> None:
    from ledger.evidence import evidence_store, export_files, named_files

    store = evidence_store(settings().store, store_folder)
    target = folder.resolve()
    root = store.root.resolve()
    if target.is_relative_to(root) or settings().store.owns(target):
        raise usage_error(
            f"--with-evidence: {str(folder)!r} is inside the evidence store or the ledger's own"
        )
    if target.exists() and not target.is_dir():
        raise usage_error(f"--with-evidence: {str(folder)!r} is not a folder")
    files = named_files(open_ledger(), incidents)
    try:
        target.mkdir(parents=True, exist_ok=True)
        copied, missing = export_files(store, files, target)
    except OSError as e:
        raise usage_error(f"--with-evidence: cannot write {str(folder)!r}: {e.strerror}") from None
    say(f"copied {copied} evidence file(s) to {folder}")
    if missing:
        say(f"note: {missing} evidence file(s) the export names are not in the store")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)
    app.command("diff")(diff_command)
    app.command("export")(export_command)
