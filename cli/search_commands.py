"""`ledger search TEXT`: the reports whose text matches, best first (projections.search).

What the command needs is imported late, inside it: `ledger search --help` imports this module
and none of that."""

from typing import Annotated, Optional

import typer

from cli import terminal
from cli.context import guarded, say, settings
from cli.output import Format, emit
from cli.terminal import PagerOption, WideOption
from cli.views_commands import (
    ActorFilter,
    EscapeOption,
    FormatOption,
    IncidentFilter,
    Since,
    Until,
)

TypeFilter = Annotated[
    Optional[list[str]],  # noqa: UP045 - Typer needs a runtime type here
    typer.Option(
        "--type", "-t", help="Only reports of this type (repeatable).", show_default=False
    ),
]


@guarded
def search_command(
    text: Annotated[
        str,
        typer.Argument(
            help='What to find: words (all must match), "a phrase", a OR b, -word to exclude.',
            show_default=False,
        ),
    ],
    incident: IncidentFilter = None,
    report_type: TypeFilter = None,
    actor: ActorFilter = None,
    since: Since = None,
    until: Until = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many reports.")] = 50,
    fmt: FormatOption = Format.table,
    escape_formulas: EscapeOption = True,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Find reports by their text: titles, summaries, quotes, reasons and names, best match
    first (voided reports left out). Searches the projection tables, as reports do.

    Example:

        ledger search 'chlorine -drill' --since 2017-01-01 --format json
    """
    from projections import search
    from projections.staleness import lag

    behind = lag(settings().store)
    if behind:
        say(f"warning: the projections are {behind} event(s) behind the log; run 'ledger project'")
    rows = search.search(
        settings().store,
        text,
        incident=incident,
        types=report_type,
        actor=actor,
        since=since,
        until=until,
        limit=limit,
        on_unknown=say,
        on_capped=say,
    )
    if fmt is Format.table:
        terminal.use(wide=wide, pager=pager)
        # Three significant digits, not two decimals: bm25's scores in a small ledger are
        # tiny (FTS5 floors a common word's weight at 1e-6), and would all print as 0.0.
        rows = [{**row, "score": float(f"{row['score']:.3g}")} for row in rows]
        emit(rows, search.TABLE_COLUMNS, fmt, escape_formulas=escape_formulas)
    else:
        emit(rows, search.COLUMNS, fmt, escape_formulas=escape_formulas)


def register(app: typer.Typer) -> None:
    app.command("search")(search_command)
