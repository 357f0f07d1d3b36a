"""`ledger actor` (one `actor` line, typed) and `ledger actors` (the registry as it stands).

Each command's own dependencies are imported late, inside it: cli/lazy.py imports this module
only to run one of its commands or show its help, which then imports nothing the others need
(tests/e2e/test_startup.py keeps the budget)."""

from typing import Annotated, Optional

import typer

from cli import terminal
from cli.context import guarded, open_ledger, settings
from cli.output import Format, emit, emit_json
from cli.terminal import PagerOption, WideOption
from ledger.errors import InvalidLine

Text = Optional[str]  # noqa: UP045 - Typer needs a runtime type here


@guarded
def actor_command(
    name: Annotated[
        str, typer.Argument(help="The actor's canonical name, or an alias to update it by.")
    ],
    alias: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--alias", help="Another name of the actor; repeat.", show_default=False),
    ] = None,
    drop_alias: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--drop-alias", help="An alias to drop; repeat.", show_default=False),
    ] = None,
    part_of: Annotated[
        Text, typer.Option(help="The registered actor this one belongs to.", show_default=False)
    ] = None,
    kind: Annotated[
        Text, typer.Option(help="state, government_body, armed_forces, ...", show_default=False)
    ] = None,
    country: Annotated[
        Text, typer.Option(help="ISO 3166-1 alpha-2 code (e.g. RU).", show_default=False)
    ] = None,
    description: Annotated[Text, typer.Option(show_default=False)] = None,
    no_project: Annotated[
        bool, typer.Option("--no-project", help="Do not bring the views up to date.")
    ] = False,
) -> None:
    """Register an actor, or update one (by canonical name or alias): aliases, part_of, kind.

    Example:

        ledger actor "Russian Ministry of Defence" --alias "Russian MoD" --part-of Russia
    """
    from cli.writing import option_error, report_appended, write_options
    from ledger.importing import append_report

    line = {
        "type": "actor",
        "actor": name,
        "aliases": alias or None,
        "drop_aliases": drop_alias or None,
        "kind": kind,
        "part_of": part_of,
        "country": country,
        "description": description,
    }
    line = {k: v for k, v in line.items() if v is not None}
    try:
        result = append_report(settings().store, line, **write_options(project=not no_project))
    except InvalidLine as e:
        raise option_error(e) from None
    report_appended(result, line)


@guarded
def actors_command(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    at_position: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--at-position", help="The registry as of this log position.", show_default=False
        ),
    ] = None,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """List the actor registry: canonical name, id, kind, part_of, side, country, aliases.

    Example:

        ledger actors --format csv
    """
    from ledger.replay import ACTOR_COLUMNS, actor_rows

    rows = actor_rows(open_ledger(), at_position)
    if fmt is Format.json:
        emit_json(rows)
        return
    if fmt is Format.table:
        terminal.use(wide=wide, pager=pager)
        rows = [{**r, "aliases": ", ".join(r["aliases"])} for r in rows]
    emit(rows, ACTOR_COLUMNS, fmt, title="actors")


def register(app: typer.Typer) -> None:
    app.command("actor")(actor_command)
    app.command("actors")(actors_command)
