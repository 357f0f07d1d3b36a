"""ISO 8601 times as the interchange format allows them: partial dates and offset date-times."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta

# YYYY, YYYY-MM, YYYY-MM-DD, or a date-time with optional seconds (and fraction) and a
# mandatory offset or Z. A naive date-time is refused: "when" without a zone is ambiguous.
# ASCII digits only: `\d` would also accept Arabic-Indic and other Unicode digits. Matched with
# `fullmatch`: `$` also matches before a final newline, which let "2017-09-21\n" be stored.
_PARTIAL = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)


class InvalidTime(ValueError):
    """A time string that is not one of the accepted ISO 8601 forms."""


def parse_earliest(text: str) -> datetime:
    """The earliest instant a time string can mean, as an aware UTC datetime."""
    if m := _PARTIAL.fullmatch(text):
        year, month, day = m.groups()
        try:
            return datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC)
        except ValueError as e:
            raise InvalidTime(f"{text!r} is not a real date") from e
    if m := _DATETIME.fullmatch(text):
        iso = text.replace("Z", "+00:00")
        if m.group(6) is None:  # fromisoformat wants seconds when a fraction follows
            iso = iso[:16] + ":00" + iso[16:]
        try:
            return datetime.fromisoformat(iso).astimezone(UTC)
        except (ValueError, OverflowError) as e:  # OverflowError: an offset past year 1 or 9999
            raise InvalidTime(f"{text!r} is not a real date-time") from e
    raise InvalidTime(
        f"{text!r} is not ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z/±HH:MM)"
    )


def parse_latest(text: str) -> datetime:
    """The last instant a time string can mean: the end of a partial date's year, month or day.

    A cut-off "by 2017-09-21" means by the end of that day.
    """
    start = parse_earliest(text)
    m = _PARTIAL.fullmatch(text)
    if not m:
        return start
    _, month, day = m.groups()
    try:
        if day:
            following = start + timedelta(days=1)
        elif month:
            following = start.replace(
                year=start.year + (start.month == 12), month=start.month % 12 + 1
            )
        else:
            following = start.replace(year=start.year + 1)
    except (OverflowError, ValueError):  # the period ends with the calendar (9999-12-31)
        return datetime.max.replace(tzinfo=UTC)
    return following - timedelta(microseconds=1)


@functools.lru_cache(maxsize=8192)
def earliest_instant(text: str) -> str:
    """The earliest instant of a time string, as sortable UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ'."""
    return format_utc(parse_earliest(text))


@functools.lru_cache(maxsize=8192)
def latest_instant(text: str) -> str:
    """The latest instant of a time string (`parse_latest`), as sortable UTC text."""
    return format_utc(parse_latest(text))


def format_utc(moment: datetime) -> str:
    """Fixed-width UTC text, so that string order is time order (also in SQL)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat is several times faster than strftime, and pads years before 1000 to four
    # digits ('0999-...'), which keeps the text fixed-width where glibc's strftime did not.
    # One call on the aware moment, its '+00:00' cut off: dropping the zone first (replace)
    # and asking for the microseconds (timespec) cost twice as much, once per imported line.
    text = moment.isoformat()
    return text[:-6] + ("Z" if moment.microsecond else ".000000Z")


@functools.lru_cache(maxsize=4)
def recorded_stamp(moment: datetime) -> str:
    """`format_utc` of a recording moment, remembered: an append stamps every one of its events
    with the same moment, so this formats it once per append instead of once per event."""
    return format_utc(moment)


def utc_now() -> datetime:
    return datetime.now(UTC)
