"""`ledger import FILE` and `ledger append` (JSON Lines on stdin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.context import guarded, usage_error
from cli.writing import append_lines, remove_quietly, spool_stdin


@guarded
def import_command(
    file: Annotated[str, typer.Argument(help="A JSON Lines file, or '-' for standard input.")],
    no_project: Annotated[
        bool, typer.Option("--no-project", help="Skip updating the projections (bulk work).")
    ] = False,
) -> None:
    """Import reports from a JSON Lines file: all lines or none.

    Every line is validated before anything is written; any bad line names its line number and
    field and nothing is written. Re-importing the same file adds nothing.

    Example:

        ledger import examples/deir-ez-zor-2017.jsonl
    """
    if file == "-":
        _append_stdin(no_project)
        return
    path = Path(file)
    if not path.is_file():
        raise usage_error(f"no such file: {file}")
    append_lines(path=path, project=not no_project)


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


def _append_stdin(no_project: bool) -> None:
    spooled = spool_stdin()
    try:
        append_lines(path=spooled, project=not no_project)
    finally:
        remove_quietly(spooled)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("append")(append_command)
