"""`ledger report ...`: the projection tables, filtered, as a table, CSV, JSON or JSON Lines.

The readers of the views are imported late, inside `show_report`: every `ledger report ... --help`
(and `search --help`, which takes its options from here) imports this module, and need not
import them."""

from enum import StrEnum
from typing import Annotated, Any, Optional

import typer

from cli import terminal
from cli.context import guarded, say, settings, usage_error
from cli.output import Format, emit, emit_csv_lines, emit_csv_rows
from cli.terminal import PagerOption, WideOption
from ledger.statuses import INCIDENT_STATUSES
from projections.columns import LIST_COLUMNS, READABLE_COLUMNS, REPORT_TABLES

# Holds the reports; the `ledger report` group itself is cli.commands.REPORT_APP, which builds
# only the report that runs.
report_app = typer.Typer()


# What --status accepts, as an Enum (Typer lists its values in --help and refuses any other):
# built from ledger.statuses, which imports nothing, not from projections.queries, which
# imports the fold.
Status = StrEnum("Status", [(s, s) for s in INCIDENT_STATUSES])  # type: ignore[misc]


IncidentFilter = Annotated[
    Optional[list[str]],  # noqa: UP045 - Typer needs a runtime type here
    typer.Option("--incident", "-i", help="Only this incident (repeatable).", show_default=False),
]
StatusFilter = Annotated[
    Optional[Status],  # noqa: UP045
    typer.Option("--status", "-s", help="Only this status.", show_default=False),
]
ActorFilter = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--actor",
        "-a",
        help="Only reports by or about this actor (any of its registered names, or its id).",
        show_default=False,
    ),
]
SideFilter = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--side",
        help="Only reports by or about this actor or any actor part of it (via part_of).",
        show_default=False,
    ),
]
Since = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--since", help="Stated at or after this time (ISO 8601).", show_default=False),
]
Until = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--until", help="Stated at or before this time (ISO 8601).", show_default=False),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
EscapeOption = Annotated[
    bool,
    typer.Option(
        "--escape-formulas/--no-escape-formulas",
        help=(
            "CSV: prefix an apostrophe to text starting with = + - @ TAB or CR (not to numbers), "
            "so that a spreadsheet shows it rather than running it as a formula."
        ),
    ),
]
LimitOption = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--limit", "-n", min=0, help="At most N rows.", show_default=False),
]


def _columns_of(report: str) -> str:
    return ", ".join(READABLE_COLUMNS[REPORT_TABLES[report]])


def columns_option(report: str) -> Any:
    """--columns, its help listing the report's columns."""
    return typer.Option(
        "--columns",
        "-c",
        help=f"Comma-separated columns to show, in this order, of: {_columns_of(report)}.",
        show_default=False,
    )


def sort_option(report: str) -> Any:
    """--sort, its help listing the report's columns."""
    return typer.Option(
        "--sort",
        help=(
            "Sort by COLUMN, or COLUMN:desc (repeatable; empty values last), of: "
            f"{_columns_of(report)}."
        ),
        metavar="COLUMN[:desc]",
        show_default=False,
    )


# A terminal table shows the columns a reader scans; CSV and JSON carry every column.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": (
        "incident",
        "status",
        "assertions",
        "disputed",
        "reports",
        "first_stated_at",
        "last_stated_at",
        "title",
    ),
    "disputed": (
        "incident",
        "status",
        "assertions",
        "disputed",
        "reports",
        "last_stated_at",
        "title",
    ),
    "claims": (
        "report",
        "incident",
        "type",
        "by",
        "stated_at",
        "status",
        "denials",
        "corroborations",
        "discrepancies",
        "reliability",
        "credibility",
    ),
    "disputes": ("claim", "denial", "claimant", "denier", "denial_stated_at", "retracted"),
    "provenance": ("report", "hop", "agent", "role", "kind", "quote_mode", "published_at"),
    # Who belongs to whom first (the registry's facts), then what each said and was accused of.
    "actors": (
        "actor",
        "name",
        "kind",
        "side",
        "claims_made",
        "warnings_issued",
        "denials_issued",
        "accused_in",
    ),
}


def show_report(
    name: str,
    *,
    fmt: Format = Format.table,
    title: str = "",
    columns: str | None = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    escape_formulas: bool = True,
    **filters: Any,
) -> None:
    """Run one report against the projection tables and print it."""
    from projections.csv_lines import report_csv_lines
    from projections.queries import as_dicts, report_columns, report_rows, resolved_filters
    from projections.staleness import staleness

    behind = staleness(settings().store)
    if behind and behind.events:
        say(behind.warning())
    # Resolved once here, so the hint for an unknown name comes before any other complaint.
    filters = resolved_filters(settings().store, filters, say)
    available = report_columns(name)
    chosen = _choose_columns(name, available, fmt, columns)
    filters["sort"] = _sort_keys(name, available, sort or [])
    as_csv = fmt is Format.csv
    # A bad filter is projections' InvalidFilter (exit 2), raised before any line is written.
    # On SQLite the database writes a CSV report's lines itself (projections.csv_lines).
    lines = (
        report_csv_lines(
            settings().store,
            name,
            chosen,
            escape_formulas=escape_formulas,
            limit=limit,
            lock_timeout=settings().lock_timeout,
            **filters,
        )
        if as_csv
        else None
    )
    if lines is not None:
        emit_csv_lines(chosen, lines)
        return
    # Elsewhere a CSV report takes only its columns from the database, booleans already
    # as text: the csv module then writes the driver's rows without Python touching each.
    _, found, booleans = report_rows(
        settings().store,
        name,
        columns=chosen,
        booleans_as_text=as_csv,
        limit=limit,
        lock_timeout=settings().lock_timeout,
        **filters,
    )
    if as_csv:
        emit_csv_rows(chosen, found, escape_formulas=escape_formulas)
        return
    lists = LIST_COLUMNS.get(REPORT_TABLES[name], frozenset())
    emit(as_dicts(chosen, found, booleans, lists), chosen, fmt, title=title)


def _sort_keys(name: str, available: list[str], wanted: list[str]) -> list[tuple[str, bool]]:
    """--sort values as (column, descending), each column one of the report's."""
    keys = []
    for value in wanted:
        column, _, direction = value.strip().partition(":")
        if column not in available:
            raise usage_error(
                f"--sort: no column {column!r} in {name} (it has {', '.join(available)})"
            )
        if direction not in ("", "asc", "desc"):
            raise usage_error(f"--sort: {value!r} is not COLUMN, COLUMN:asc or COLUMN:desc")
        keys.append((column, direction == "desc"))
    return keys


def _choose_columns(name: str, available: list[str], fmt: Format, wanted: str | None) -> list[str]:
    if wanted is not None:
        chosen = [c.strip() for c in wanted.split(",") if c.strip()]
        if not chosen:
            raise usage_error(f"--columns: name at least one column of {name}")
        unknown = [c for c in chosen if c not in available]
        if unknown:
            raise usage_error(
                f"--columns: no column {unknown[0]!r} in {name} (it has {', '.join(available)})"
            )
        return chosen
    if fmt is Format.table:
        return list(TABLE_COLUMNS.get(name, available))
    return available


@report_app.command("incidents")
@guarded
def incidents_report(
    incident: IncidentFilter = None,
    status: StatusFilter = None,
    actor: ActorFilter = None,
    side: SideFilter = None,
    since: Since = None,
    until: Until = None,
    fmt: FormatOption = Format.table,
    columns: Annotated[Optional[str], columns_option("incidents")] = None,  # noqa: UP045
    sort: Annotated[Optional[list[str]], sort_option("incidents")] = None,  # noqa: UP045
    limit: LimitOption = None,
    escape_formulas: EscapeOption = True,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Every incident with its status and counts.

    Example:

        ledger report incidents --status disputed --format csv
    """
    terminal.use(wide=wide, pager=pager, columns=True)
    show_report(
        "incidents",
        fmt=fmt,
        columns=columns,
        sort=sort,
        limit=limit,
        escape_formulas=escape_formulas,
        incident=incident,
        status=status.value if status else None,
        actor=actor,
        side=side,
        since=since,
        until=until,
    )


@report_app.command("disputed")
@guarded
def disputed_report(
    incident: IncidentFilter = None,
    actor: ActorFilter = None,
    side: SideFilter = None,
    since: Since = None,
    until: Until = None,
    fmt: FormatOption = Format.table,
    columns: Annotated[Optional[str], columns_option("disputed")] = None,  # noqa: UP045
    sort: Annotated[Optional[list[str]], sort_option("disputed")] = None,  # noqa: UP045
    limit: LimitOption = None,
    escape_formulas: EscapeOption = True,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Incidents whose status is disputed, most recently active first.

    Example:

        ledger report disputed --format json
    """
    terminal.use(wide=wide, pager=pager, columns=True)
    show_report(
        "disputed",
        fmt=fmt,
        columns=columns,
        sort=sort,
        limit=limit,
        escape_formulas=escape_formulas,
        incident=incident,
        actor=actor,
        side=side,
        since=since,
        until=until,
    )


@report_app.command("claims")
@guarded
def claims_report(
    incident: IncidentFilter = None,
    status: StatusFilter = None,
    actor: ActorFilter = None,
    side: SideFilter = None,
    since: Since = None,
    until: Until = None,
    fmt: FormatOption = Format.table,
    columns: Annotated[Optional[str], columns_option("claims")] = None,  # noqa: UP045
    sort: Annotated[Optional[list[str]], sort_option("claims")] = None,  # noqa: UP045
    limit: LimitOption = None,
    escape_formulas: EscapeOption = True,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Claims, warnings and denials with their derived status and counts.

    Example:

        ledger report claims --status disputed --actor "Russian Ministry of Defence"
    """
    terminal.use(wide=wide, pager=pager, columns=True)
    show_report(
        "claims",
        fmt=fmt,
        columns=columns,
        sort=sort,
        limit=limit,
        escape_formulas=escape_formulas,
        incident=incident,
        status=status.value if status else None,
        actor=actor,
        side=side,
        since=since,
        until=until,
    )


@report_app.command("disputes")
@guarded
def disputes_report(
    incident: IncidentFilter = None,
    actor: ActorFilter = None,
    side: SideFilter = None,
    since: Since = None,
    until: Until = None,
    fmt: FormatOption = Format.table,
    columns: Annotated[Optional[str], columns_option("disputes")] = None,  # noqa: UP045
    sort: Annotated[Optional[list[str]], sort_option("disputes")] = None,  # noqa: UP045
    limit: LimitOption = None,
    escape_formulas: EscapeOption = True,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Each (assertion, denial) pair.

    Example:

        ledger report disputes --actor "Syrian Democratic Forces"
    """
    terminal.use(wide=wide, pager=pager, columns=True)
    show_report(
        "disputes",
        fmt=fmt,
        columns=columns,
        sort=sort,
        limit=limit,
        escape_formulas=escape_formulas,
        incident=incident,
        actor=actor,
        side=side,
        since=since,
        until=until,
    )


@report_app.command("actors")
@guarded
def actors_report(
    actor: ActorFilter = None,
    side: SideFilter = None,
    fmt: FormatOption = Format.table,
    columns: Annotated[Optional[str], columns_option("actors")] = None,  # noqa: UP045
    sort: Annotated[Optional[list[str]], sort_option("actors")] = None,  # noqa: UP045
    limit: LimitOption = None,
    escape_formulas: EscapeOption = True,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Actors and what they claimed, warned, denied, corroborated, retracted or were accused of.

    Example:

        ledger report actors --format json
    """
    terminal.use(wide=wide, pager=pager, columns=True)
    show_report(
        "actors",
        fmt=fmt,
        columns=columns,
        sort=sort,
        limit=limit,
        escape_formulas=escape_formulas,
        actor=actor,
        side=side,
    )


@report_app.command("provenance")
@guarded
def provenance_report(
    incident: IncidentFilter = None,
    actor: ActorFilter = None,
    side: SideFilter = None,
    report: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--report", "-r", help="Only this report's chain.", show_default=False),
    ] = None,
    fmt: FormatOption = Format.table,
    columns: Annotated[Optional[str], columns_option("provenance")] = None,  # noqa: UP045
    sort: Annotated[Optional[list[str]], sort_option("provenance")] = None,  # noqa: UP045
    limit: LimitOption = None,
    escape_formulas: EscapeOption = True,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """Source chains hop by hop: speaker, on behalf of, channel, relays, outlet.

    Example:

        ledger report provenance --report mod-shelling
    """
    terminal.use(wide=wide, pager=pager, columns=True)
    show_report(
        "provenance",
        fmt=fmt,
        columns=columns,
        sort=sort,
        limit=limit,
        escape_formulas=escape_formulas,
        incident=incident,
        actor=actor,
        side=side,
        report=report,
    )
