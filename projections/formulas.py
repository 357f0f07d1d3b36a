"""CSV cells a spreadsheet would run as formulas, made plain text: one rule, in Python and in
SQLite's SQL (`projections.csv_lines` writes a report's lines in the database).

A text cell that starts with `=`, `+`, `-`, `@`, TAB or CR gets a leading apostrophe, as OWASP
advises ("CSV Injection"): spreadsheets then show it as text, and never evaluate it. Numbers stay
numbers: number columns are never touched, and neither is a text cell that is a plain decimal
number with a sign (`-3`, `+3.5`, `-.5`: ASCII digits and at most one point), which a
spreadsheet reads as that number and cannot run. Anything more (`-3+A1`, `-1e5`, `-3 `) is
escaped.
"""

from __future__ import annotations

import re

FORMULA_STARTS = frozenset("=+-@\t\r")
# A sign, then ASCII digits with at most one decimal point and at least one digit.
_SIGNED_NUMBER = re.compile(r"[+-](?:[0-9]+\.?[0-9]*|\.[0-9]+)\Z", re.ASCII)


def neutralised(text: str) -> str:
    """`text` as a spreadsheet may hold it without running it (see the module's docstring)."""
    if text[:1] in FORMULA_STARTS and not _SIGNED_NUMBER.match(text):
        return "'" + text
    return text


def neutralised_sql(ref: str) -> str:
    """SQLite's SQL for `neutralised(ref)`, NULL staying NULL; `ref` is evaluated as often as
    needed, so pass a column, not a costly expression."""
    first = f"unicode({ref})"
    rest = f"substr({ref}, 2)"
    # The same test as _SIGNED_NUMBER: only digits and points, at least one digit, one point
    # at most. GLOB's [0-9] is ASCII only, like the pattern's.
    signed_number = (
        f"({first} IN (43, 45) AND {rest} NOT GLOB '*[^0-9.]*' AND {rest} GLOB '*[0-9]*' "
        f"AND length({rest}) - length(replace({rest}, '.', '')) <= 1)"
    )
    starts = ", ".join(str(ord(c)) for c in sorted(FORMULA_STARTS))
    return (
        f"CASE WHEN {first} IN ({starts}) AND NOT {signed_number} THEN '''' || {ref} ELSE {ref} END"
    )
