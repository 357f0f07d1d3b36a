"""Tables for people at a terminal: fitted to its width, one line per row, never a word cut.

The widths are chosen here rather than by rich: a column of ids, dates, statuses or numbers is
either shown whole or (a hash only) cut with an ellipsis, never folded over several lines
(`2017-0 / 9-16`), and when even their narrowest widths do not fit, the least useful columns
are left out and named under the table. Fixing every width also spares rich measuring each
cell: a report of 4,500 claims renders in a third of the time rich's own fitting took.
Prose (summaries, titles' long forms) is shown as a wrapped list below its table instead
(`notes`), so it never becomes a column six characters wide.

rich is imported late, inside the functions that draw: the commands that import this module for
a table import rich only when they print one to a person (not `export`, not CSV or JSON).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cli import terminal

# How a column may be drawn. Ids, dates, statuses and numbers are shown whole or not at all (a
# hash may be cut with an ellipsis); text shrinks first.
ID, DATE, STATUS, LABEL, NUMBER, TEXT = "id", "date", "status", "label", "number", "text"

_ID_COLUMNS = frozenset(
    {
        "report",
        "incident",
        "claim",
        "denial",
        "other",
        "actor",
        "denial_incident",
        "hash",
        "id",  # an actor's, in `ledger actors`
        "part_of",
    }
)
_STATUS_COLUMNS = frozenset({"status", "status_after", "verdict"})
# Words from a short list (a type, a stance, a role): shown whole, like statuses.
_LABEL_COLUMNS = frozenset(
    {"type", "stance", "scope", "role", "kind", "quote_mode", "relation", "field", "problem"}
)
_DATE_COLUMNS = frozenset({"occurred_from", "occurred_to", "stated_from"})

# The order columns are given up in when the terminal is too narrow (first listed, first gone);
# every other column goes after these, text before dates before ids and statuses, rightmost
# first. A reader scanning claims wants which report, its status and who said it.
_GIVE_UP_FIRST = (
    "credibility",
    "reliability",
    "recorded_by",
    "hash",
    "version",
    "other_corroborations",
    "discrepancies",
    # Version 2's finer counts and links: the plain counts (denials) say more at a glance.
    "acknowledgements",
    "internal_denials",
    "superseded_by",
    "outcome",
    "magnitude",
    "side",
    "first_stated_at",
    "corroborations",
    "published_at",
    "quote_mode",
    "kind",
    "recorded_at",
    "type",
    "denials",
    # Where it is not the first column, the incident is context (the report's id is the key),
    # and whole it takes a third of 80 columns.
    "incident",
)
_KIND_RANK = {TEXT: 0, LABEL: 1, NUMBER: 2, DATE: 3, ID: 4, STATUS: 5}

# Narrowest a text column, or a hash, is cut to before columns are given up instead. Other ids
# are never cut: two incidents' ids often share their first dozen characters
# (deir-ez-zor-shelling-…, deir-ez-zor-airstrike-…), and a cut id is then no id at all.
_MIN_TEXT = 10
_MIN_HASH = 12

# Colours of the statuses of an assertion or an incident (plain text without a colour terminal).
STATUS_STYLES = {
    "disputed": "bold red",
    "refuted": "red",
    "unverified": "yellow",
    "corroborated": "green",
    "confirmed": "bold green",
    "unverifiable": "magenta",
    "retracted": "dim",
    "open": "cyan",
}


@dataclass
class _Column:
    name: str
    kind: str
    natural: int  # widest cell or header
    least: int  # narrowest it may be drawn
    rank: tuple[int, int]  # lower is given up first
    width: int = 0


def print_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    title: str = "",
    *,
    notes: str | None = None,
) -> None:
    """Rows as a table fitted to the terminal (every column, whole, with `--wide`); the
    column `notes` (prose, such as a summary) listed below the table, keyed by its first
    column, instead of inside it."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    screen = terminal.screen()
    wide = screen.wide
    shown = [c for c in columns if c != notes or wide]
    cells = [[_text(row.get(c)) for c in shown] for row in rows]
    fitted = _fit(shown, cells, rows, None if wide else screen.width)
    table = Table(
        title=title or None,
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,  # two spaces between columns, none at the edges
        expand=False,
    )
    for column in fitted:
        table.add_column(
            column.name,
            width=column.width,
            no_wrap=True,
            overflow="ellipsis",
            justify="right" if column.kind == NUMBER else "left",
        )
    indexes = [shown.index(column.name) for column in fitted]
    styled = [i for i, column in zip(indexes, fitted, strict=True) if column.kind == STATUS]
    for line in cells:
        values: list[Any] = [line[i] for i in indexes]
        for i in styled:
            position = indexes.index(i)
            values[position] = Text(line[i], style=STATUS_STYLES.get(line[i], ""))
        table.add_row(*values)
    hidden = [c for c in shown if c not in {column.name for column in fitted}]
    if hidden:
        table.caption = f"not shown: {', '.join(hidden)} ({screen.remedy})"
        table.caption_justify = "left"
        table.caption_style = "dim"
    screen.print(table, width=sum(c.width + 2 for c in fitted) if wide else None)
    if notes and not wide:
        _print_notes(rows, columns[0], notes)


def print_fields(pairs: Sequence[tuple[str, Any]], title: str = "") -> None:
    """Field and value, one pair a line, long values wrapped at word boundaries: a record
    (an incident's summary, say) readable at any width."""
    from rich.table import Table
    from rich.text import Text

    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(overflow="fold")
    for field, value in pairs:
        text = _text(value)
        styled = Text(text, style=STATUS_STYLES.get(text, "") if field == "status" else "")
        table.add_row(field, styled)
    screen = terminal.screen()
    if title:
        screen.print(Text(title, style="bold"))
    screen.print(table)
    screen.print("")


def _print_notes(rows: Sequence[Mapping[str, Any]], key: str, notes: str) -> None:
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(overflow="fold")
    for row in rows:
        if row.get(notes) is not None:
            table.add_row(_text(row.get(key)), _text(row.get(notes)))
    if table.row_count:
        terminal.screen().print(table)
        terminal.screen().print("")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        # As CSV writes it (cli.output.json_text), without importing cli.output, which imports
        # this module.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # One line a row: a line break inside a cell would start a row of its own.
    return str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def _kind(name: str, values: Sequence[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(type(v) in (int, float) for v in present):
        return NUMBER
    if name in _STATUS_COLUMNS:
        return STATUS
    if name in _LABEL_COLUMNS:
        return LABEL
    if name in _DATE_COLUMNS or name.endswith("_at"):
        return DATE
    if name in _ID_COLUMNS:
        return ID
    return TEXT


def _fit(
    names: Sequence[str],
    cells: Sequence[Sequence[str]],
    rows: Sequence[Mapping[str, Any]],
    width: int | None,
) -> list[_Column]:
    """The columns to draw and their widths: all at their natural width when they fit (or
    `width` is None); else text and ids cut towards their least width, and then columns given
    up, lowest rank first, until the rest fit."""
    from rich.cells import cell_len

    columns = []
    for i, name in enumerate(names):
        kind = _kind(name, [row.get(name) for row in rows])
        natural = max([cell_len(name), *(cell_len(line[i]) for line in cells)])
        least = natural
        if name == "hash":
            least = min(natural, max(_MIN_HASH, cell_len(name)))
        elif kind == TEXT:
            least = min(natural, max(_MIN_TEXT, cell_len(name)))
        given_up = _GIVE_UP_FIRST.index(name) if name in _GIVE_UP_FIRST else len(_GIVE_UP_FIRST)
        rank = (given_up, _KIND_RANK[kind] * 1000 - i)
        columns.append(_Column(name, kind, natural, least, rank, natural))
    if width is None:
        return columns
    kept = list(columns)
    # Each column costs its width and the two spaces after it, but the last.
    while len(kept) > 1 and sum(c.least + 2 for c in kept) - 2 > width:
        kept.remove(min(kept[1:], key=lambda c: c.rank))  # the first column stays: the key
    room = width - sum(c.natural + 2 for c in kept) + 2
    if room >= 0:
        return kept
    # Too wide at natural widths: text gives back first, in proportion to what each column
    # can give, then a hash (its first dozen characters still find it).
    excess = -room
    for kind in (TEXT, ID):
        excess = _shrink([c for c in kept if c.kind == kind and c.natural > c.least], excess)
    return kept


def _shrink(columns: Sequence[_Column], excess: int) -> int:
    """Narrow `columns` by up to `excess` in all, each in proportion to what it can give;
    what is left of `excess`."""
    slack = sum(c.width - c.least for c in columns)
    if slack <= 0 or excess <= 0:
        return excess
    cut = min(excess, slack)
    before = sum(c.width for c in columns)
    for c in columns:
        c.width -= (c.width - c.least) * cut // slack
    # Rounding down leaves a few columns of the cut: take them from the widest left.
    left = excess - (before - sum(c.width for c in columns))
    for c in sorted(columns, key=lambda c: c.least - c.width):
        if left <= 0:
            break
        take = min(left, c.width - c.least)
        c.width -= take
        left -= take
    return left
