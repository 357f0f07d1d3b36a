"""Cuts as the options give them (`--reported-by`, `--as-of`, `--at-position`, `--since`...).

A module of its own, so that `ledger changes` imports neither the audit nor the read commands.
"""

from typing import Any

from cli.context import usage_error


def make_cut(reported_by: str | None, as_of: str | None, at_position: int | None) -> Any:
    # here, not at the top: the commands' --help imports this module, and needs no records
    from ledger.records import Cut
    from ledger.timeutil import InvalidTime, parse_latest

    if at_position is not None and at_position < 0:  # positions start at 1; 0: before any
        raise usage_error(f"--at-position: {at_position} is not a log position (0 or more)")
    try:
        # "By 2017-09-21" means by the end of that day (of that month, or year).
        return Cut(
            reported_by=parse_latest(reported_by) if reported_by else None,
            as_of=parse_latest(as_of) if as_of else None,
            at_position=at_position,
        )
    except InvalidTime as e:
        raise usage_error(f"cut-off: {e}") from None


def parse_cut(value: str, option: str) -> Any:
    """'#N' is a log position, '@TIME' what the ledger held then, 'DATE' what had been stated.

    A position needs its '#': a bare 2017 is a year, not position 2017.
    """
    if value.startswith("#"):
        if not value[1:].isdigit():
            raise usage_error(f"{option}: '{value}' is not '#' followed by a log position")
        return make_cut(None, None, int(value[1:]))
    if value.startswith("@"):
        return make_cut(None, value[1:], None)
    if not value:
        raise usage_error(f"{option} is empty")
    return make_cut(value, None, None)
