"""`ledger attach` (store a file and append its evidence report) and `ledger evidence` (give a
stored file back, or list the evidence): the evidence store (ledger/evidence.py).

Each command's own dependencies are imported late, inside it: cli/lazy.py imports this module
only to run one of its commands or show its help, which then imports nothing the others need
(tests/e2e/test_startup.py keeps the budget)."""

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cli import terminal
from cli.context import guarded, open_ledger, say, settings, usage_error
from cli.output import Format, emit
from cli.output_files import ForceOption, check_output
from cli.report_commands import _choices
from cli.terminal import PagerOption, WideOption
from ledger.errors import InvalidLine
from ledger.report_fields import EVIDENCE_KINDS

EvidenceDirOption = Annotated[
    Optional[Path],  # noqa: UP045 - Typer needs a runtime type here
    typer.Option(
        "--evidence-dir",
        envvar="LEDGER_EVIDENCE_DIR",
        help="The evidence store [default: beside a SQLite ledger, LEDGER.evidence/; a "
        "PostgreSQL ledger needs one].",
        show_default=False,
    ),
]
_Kind = _choices("kind", EVIDENCE_KINDS)


@guarded
def attach_command(
    incident: Annotated[str, typer.Argument(help="The incident's slug.", show_default=False)],
    file: Annotated[Path, typer.Argument(help="The file to store.", show_default=False)],
    supports: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--supports", help="Id of a report it supports; repeat.", show_default=False),
    ] = None,
    contradicts: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--contradicts", help="Id of a report it contradicts; repeat.", show_default=False
        ),
    ] = None,
    kind: Annotated[
        Optional[_Kind],  # type: ignore[valid-type]  # noqa: UP045
        typer.Option(
            "--kind", help="What it is [default: from its media type].", show_default=False
        ),
    ] = None,
    url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--url", help="Where the material was found.", show_default=False),
    ] = None,
    captured_at: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--captured-at", help="When it was captured.", show_default=False),
    ] = None,
    captured_by: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--captured-by", help="Who captured it.", show_default=False),
    ] = None,
    title: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--title", help="A title for it.", show_default=False),
    ] = None,
    media_type: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--media-type", help="MIME type [default: guessed from its name].", show_default=False
        ),
    ] = None,
    report: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--report", help="The report's id [default: from its content].", show_default=False
        ),
    ] = None,
    note: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--note", help="A note on it.", show_default=False),
    ] = None,
    evidence_dir: EvidenceDirOption = None,
    no_project: Annotated[
        bool, typer.Option("--no-project", help="Skip bringing the projections up to date.")
    ] = False,
) -> None:
    """Store a file in the evidence store (content-addressed, write-once) and record its
    `evidence` report with its sha256, bytes and media type. The same file with the same
    details again adds nothing; a refused report stores nothing.

    Example:

        ledger attach deir-ez-zor-shelling-2017-09 strike.mp4 --supports mod-shelling
    """
    from cli.writing import option_error, write_options
    from ledger.evidence import attach, evidence_store
    from ledger.importing import append_report

    store = evidence_store(settings().store, evidence_dir)
    given: dict[str, Any] = {
        "report": report,
        "kind": getattr(kind, "value", None),  # an Enum member of EVIDENCE_KINDS
        "url": url,
        "captured_at": captured_at,
        "captured_by": captured_by,
        "title": title,
        "media_type": media_type,
        "note": note,
        "supports": supports or None,
        "contradicts": contradicts or None,
    }
    fields = {k: v for k, v in given.items() if v is not None}
    options = write_options(project=not no_project)
    try:
        attached = attach(
            settings().store,
            store,
            incident,
            file,
            fields,
            lambda line: append_report(settings().store, line, **options),
        )
    except InvalidLine as e:
        raise option_error(e) from None
    if attached.report is None:
        say(f"already recorded: nothing added (sha256 {attached.sha256})")
    else:
        typer.echo(attached.report)
        say(
            f"recorded evidence '{attached.report}' in {incident}: {attached.bytes} byte(s), "
            f"{attached.media_type}, sha256 {attached.sha256}"
        )
    if attached.stored:
        say(f"stored {store.path_of(attached.sha256)}")
    if attached.projection_warning:
        say(attached.projection_warning)


@guarded
def evidence_command(
    report: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(help="An evidence report's id.", show_default=False),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output",
            "-o",
            help="Where to write the file (-: standard output).",
            show_default=False,
        ),
    ] = None,
    force: ForceOption = False,
    listing: Annotated[
        bool, typer.Option("--list", help="List every evidence item and whether it is stored.")
    ] = False,
    incident: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--incident", "-i", help="With --list: only this incident (repeatable)."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format (--list).")] = (
        Format.table
    ),
    evidence_dir: EvidenceDirOption = None,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Give a stored evidence file back, checking its hash on the way (exit 3 if it was
    altered); or list the evidence with --list.

    Example:

        ledger evidence evidence-1a2b3c4d5e6f7a8b -o strike.mp4
    """
    if listing:
        if report is not None or output is not None:
            raise usage_error("--list takes no REPORT and no --output")
        terminal.use(wide=wide, pager=pager)
        _list(incident or [], fmt, evidence_dir)
        return
    if report is None or output is None:
        raise usage_error("give REPORT and --output FILE (or --list)")
    _give_back(report, output, force, evidence_dir)


def _give_back(report: str, output: Path, force: bool, folder: Path | None) -> None:
    from ledger.evidence import evidence_store, give_back

    store = evidence_store(settings().store, folder)
    if str(output) == "-":  # standard output, as `-` is for every other command
        sha256 = give_back(open_ledger(), store, report, sys.stdout.buffer)
        say(f"wrote {report} to standard output ({sha256})")
        return
    check_output(output, force=force, label="--output")
    if output.resolve().is_relative_to(store.root.resolve()):
        raise usage_error(f"--output: {str(output)!r} is inside the evidence store")
    sha256 = give_back(open_ledger(), store, report, output)
    say(f"wrote {output} ({sha256})")


def _list(incidents: list[str], fmt: Format, folder: Path | None) -> None:
    from ledger.evidence import EVIDENCE_LIST_COLUMNS, evidence_listing

    rows = evidence_listing(open_ledger(), settings().store, folder, incidents)
    emit(rows, EVIDENCE_LIST_COLUMNS, fmt, "evidence")


def register(app: typer.Typer) -> None:
    app.command("attach")(attach_command)
    app.command("evidence")(evidence_command)
