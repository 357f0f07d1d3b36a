"""`ledger import FILE` and `ledger append` (JSON Lines on stdin).

Each command's own dependencies are imported late, inside it: cli/lazy.py imports this module
only to run one of its commands or show its help, which then imports nothing the others need
(tests/e2e/test_startup.py keeps the budget)."""

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.context import fail, guarded, say, settings, usage_error
from cli.writing import import_options, report_imported
from ledger.errors import EXIT_BAD_INPUT


@guarded
def import_command(
    file: Annotated[str, typer.Argument(help="A JSON Lines file, or '-' for standard input.")],
    no_project: Annotated[
        bool, typer.Option("--no-project", help="Skip updating the projections (bulk work).")
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing: list every bad line (the first 100, then a count) with its "
            "field, checked against the ledger when there is one; exit 2 if any.",
        ),
    ] = False,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="jsonl, or claimreview (schema.org JSON-LD)."),
    ] = "jsonl",
    incident: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--incident", "-i", help="The incident ClaimReviews go to (claimreview)."),
    ] = None,
) -> None:
    """Import reports from a JSON Lines file: all lines or none.

    Every line is validated before anything is written; any bad line names its line number and
    field and nothing is written. Re-importing the same file adds nothing.

    `--format claimreview --incident SLUG` reads fact-checkers' ClaimReview JSON-LD (an object,
    an array or a `@graph`): each review becomes a claim and a verdict on it
    (docs/interchange.md); a bad review is named by its index.

    Example:

        ledger import --check reports.jsonl && ledger import reports.jsonl
    """
    if fmt not in ("jsonl", "claimreview"):
        raise usage_error("--format must be jsonl or claimreview")
    if (fmt == "claimreview") != (incident is not None):
        raise usage_error("--incident goes with --format claimreview, and it needs one")
    if fmt == "claimreview":
        _import_claimreview(file, str(incident), no_project)
        return
    if file == "-":
        if check:
            with tempfile.TemporaryDirectory(prefix="ledger-check-") as folder:
                spooled = Path(folder) / "stdin.jsonl"
                with spooled.open("wb") as out:
                    shutil.copyfileobj(sys.stdin.buffer, out)
                check_file(spooled)
            return
        _append_stdin(no_project)
        return
    path = Path(file)
    _check_readable(path)
    if check:
        check_file(path)
        return
    from ledger.importing import import_file

    result = import_file(settings().store, path, **import_options(project=not no_project))
    report_imported(result)


@guarded
def append_command(
    no_project: Annotated[
        bool, typer.Option("--no-project", help="Skip updating the projections (bulk work).")
    ] = False,
) -> None:
    """Append reports given as JSON Lines on standard input (all or none, like import).

    Example:

        echo '{"type":"claim","incident":"x","by":"A","summary":"..."}' | ledger append
    """
    _append_stdin(no_project)


def _check_readable(path: Path) -> None:
    """A usage error naming what `path` is, when it is not a file to read."""
    if path.is_dir():
        raise usage_error(f"{str(path)!r} is a folder, not a file")
    if not path.is_file():
        raise usage_error(f"no such file: {path}")


def _import_claimreview(file: str, incident: str, no_project: bool) -> None:
    path = Path(file)
    _check_readable(path)
    from ledger.importing.claimreview import import_claimreview

    options = import_options(project=not no_project)
    report_imported(import_claimreview(settings().store, path, incident, **options))


def _append_stdin(no_project: bool) -> None:
    from ledger.importing import import_stream

    options = import_options(project=not no_project)
    report_imported(import_stream(settings().store, sys.stdin.buffer, **options))


def check_file(path: Path) -> None:
    """`import --check`: the problems on stderr, one a line, then exit 2; or a summary."""
    from ledger.import_check import check_import_file

    current = settings()
    result = check_import_file(
        current.store, path, lambda: current.recorder_name, lock_timeout=current.lock_timeout
    )
    against = "a new ledger" if result.new_ledger else current.store.display
    for line in result.listing():
        typer.echo(line, err=True)
    if result.failed:
        raise fail(
            f"{result.failed} of {result.lines} line(s) are bad; nothing written", EXIT_BAD_INPUT
        )
    say(
        f"checked {result.lines} line(s) against {against}: {result.new} new, "
        f"{result.valid - result.new} already there; nothing written"
    )


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("append")(append_command)
