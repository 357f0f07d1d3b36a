"""`ledger changes`: what changed ledger-wide between two cuts (projections.changes).

What the command needs is imported late, inside it: `ledger changes --help` imports this module
and none of that."""

from typing import Annotated, Optional

import typer

from cli import terminal
from cli.context import guarded, say, settings
from cli.cuts import parse_cut
from cli.output import Format, emit
from cli.terminal import PagerOption, WideOption
from cli.views_commands import EscapeOption, FormatOption


@guarded
def changes_command(
    since: Annotated[
        str,
        typer.Option(
            "--since",
            help="The earlier cut: #N (log position), @TIME (recorded) or DATE (stated).",
            show_default=False,
        ),
    ],
    until: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs a runtime type here
        typer.Option(
            "--until", help="The later cut, same forms [default: now].", show_default=False
        ),
    ] = None,
    fmt: FormatOption = Format.table,
    escape_formulas: EscapeOption = True,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Everything new in the ledger between two cuts: new incidents and reports (a verdict's
    status in `to`), then every incident and assertion status that changed, from -> to.

    Example:

        ledger changes --since @2026-11-24 --format csv
    """
    from projections import changes
    from projections.staleness import lag

    behind = lag(settings().store)
    if behind:
        say(f"warning: the projections are {behind} event(s) behind the log; run 'ledger project'")
    rows = changes.changes(
        settings().store,
        parse_cut(since, "--since"),
        parse_cut(until, "--until") if until else None,
    )
    columns = changes.TABLE_COLUMNS if fmt is Format.table else changes.COLUMNS
    terminal.use(wide=wide, pager=pager)
    emit(rows, columns, fmt, escape_formulas=escape_formulas)


def register(app: typer.Typer) -> None:
    app.command("changes")(changes_command)
