"""`ledger show` and `ledger history`: state and events replayed from the log, at any cut.

Each command's own dependencies are imported late, inside it: cli/lazy.py imports this module
only to run one of its commands or show its help, which then imports nothing the others need;
`show --help` imports no replay (tests/e2e/test_startup.py keeps the budget)."""

from typing import Annotated, Any, Optional

import typer

from cli import terminal
from cli.context import guarded, open_ledger, usage_error
from cli.cuts import make_cut
from cli.output import Format, RecordFormat, emit, emit_json, print_table
from cli.tables import print_fields
from cli.terminal import PagerOption, WideOption

IncidentArg = Annotated[str, typer.Argument(help="The incident's slug.", show_default=False)]
ReportedBy = Annotated[
    Optional[str],  # noqa: UP045 - Typer needs a runtime type here
    typer.Option(
        "--reported-by",
        help="Only what had been stated by then (ISO date or time).",
        show_default=False,
    ),
]
AsOf = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--as-of", help="What the ledger held then (recorded time, ISO).", show_default=False
    ),
]
AtPosition = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--at-position", help="Only events up to this log position.", show_default=False),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
RecordFormatOption = Annotated[
    RecordFormat, typer.Option("--format", "-f", help="Output format (a record: no CSV).")
]

HISTORY_COLUMNS = (
    "position",
    "version",
    "type",
    "report",
    "by",
    "stated_at",
    "recorded_at",
    "recorded_by",
    "hash",
)
CLAIM_COLUMNS = (
    "report",
    "type",
    "by",
    "side",
    "summary",
    "stated_at",
    "status",
    "denials",
    "internal_denials",
    "acknowledgements",
    "corroborations",
    "discrepancies",
    "reliability",
    "credibility",
    "superseded_by",
    "outcome",
    "magnitude",
)
EVIDENCE_COLUMNS = ("report", "kind", "url", "sha256", "supports", "contradicts", "title")


def magnitude_text(magnitude: dict[str, Any] | None) -> str | None:
    """A magnitude for a table cell: `killed 6; injured 100-300 (best 150); civilians`."""
    if not magnitude:
        return None
    parts = []
    for count, value in magnitude.items():
        if count == "civilians":
            continue
        low, best, high = value["low"], value["best"], value["high"]
        if low == best == high:
            parts.append(f"{count} {best}")
        else:
            span = f"{'?' if low is None else low}-{'?' if high is None else high}"
            parts.append(f"{count} {span}" + (f" (best {best})" if best is not None else ""))
    if magnitude.get("civilians"):
        parts.append("civilians")
    return "; ".join(parts)


@guarded
def show_command(
    incident: IncidentArg,
    fmt: RecordFormatOption = RecordFormat.table,
    reported_by: ReportedBy = None,
    as_of: AsOf = None,
    at_position: AtPosition = None,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Show an incident's current state, replayed from the log, with each assertion's status.

    Example:

        ledger show deir-ez-zor-shelling-2017-09 --reported-by 2017-09-20
    """
    from ledger.replay import show

    cut = make_cut(reported_by, as_of, at_position)
    view = show(open_ledger(), incident, cut)
    summary, claims, disputes, links = view.incident, view.assertions, view.disputes, view.links
    if fmt is RecordFormat.json:
        emit_json(view.as_dict())
        return
    terminal.use(wide=wide, pager=pager)
    # A record as field and value, long text wrapped; the summaries under their table.
    print_fields(
        [(k, v) for k, v in summary.items() if v is not None], title=f"incident {incident}"
    )
    claims = [{**row, "magnitude": magnitude_text(row.get("magnitude"))} for row in claims]
    print_table(claims, CLAIM_COLUMNS, title="assertions", notes="summary")
    if disputes:
        print_table(
            disputes,
            ("claim", "denial", "denier", "internal", "denial_stated_at", "retracted"),
            title="disputes",
        )
    if links:
        print_table(links, ("other", "relation", "note"), title="links", notes="note")
    if view.evidence:
        evidence = [
            {**e, **{k: ", ".join(e[k] or ()) for k in ("supports", "contradicts")}}
            for e in view.evidence
        ]
        print_table(evidence, EVIDENCE_COLUMNS, title="evidence", notes="title")


ACTOR_HISTORY_COLUMNS = (
    "position",
    "version",
    "actor",
    "aliases",
    "drop_aliases",
    "part_of",
    "kind",
    "country",
    "recorded_at",
    "recorded_by",
    "hash",
)


@guarded
def history_command(
    incident: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(help="The incident's slug (or actor:<id>).", show_default=False),
    ] = None,
    actor: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--actor",
            help="The history of this registered actor (any of its names) instead.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = Format.table,
    reported_by: ReportedBy = None,
    as_of: AsOf = None,
    at_position: AtPosition = None,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Every event of an incident in order, with position, version, clocks, recorder and hash;
    with --actor, every registry line of an actor (its aliases, part_of, kind over time).

    Example:

        ledger history deir-ez-zor-shelling-2017-09 --format json

        ledger history --actor SDF
    """
    from ledger.replay import actor_history, history

    if (incident is None) == (actor is None):
        raise usage_error("name an incident or give --actor NAME (not both)")
    cut = make_cut(reported_by, as_of, at_position)
    columns: tuple[str, ...] = HISTORY_COLUMNS
    if actor is not None:
        incident, rows = actor_history(open_ledger(), actor, cut)
        columns = ACTOR_HISTORY_COLUMNS
    else:
        assert incident is not None
        rows = history(open_ledger(), incident, cut)
        if incident.startswith("actor:"):
            columns = ACTOR_HISTORY_COLUMNS
    if fmt is Format.json:
        emit_json(rows)
        return
    if fmt is Format.table:
        terminal.use(wide=wide, pager=pager)
        for row in rows:
            row["hash"] = row["hash"][:12]
            for key in ("aliases", "drop_aliases"):
                if isinstance(row.get(key), list):
                    row[key] = ", ".join(row[key])
    emit(rows, columns, fmt, title=f"history of {incident}")


def register(app: typer.Typer) -> None:
    app.command("show")(show_command)
    app.command("history")(history_command)
