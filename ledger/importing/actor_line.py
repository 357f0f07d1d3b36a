"""An actor line's fields without pydantic, when the line is plainly valid.

`ledger actor` appends one registry line and then re-derives the views of every incident
naming what it changes; importing pydantic and ledger.interchange's models for that one line
was a tenth of the command. `plain_actor_fields` accepts only lines that the interchange model
(`ActorLineModel`) certainly accepts, and returns exactly `report_fields(validate_report(line))`
for them; anything else (a None, a type other than str or list, a name with no visible ASCII
character, any doubt) gets None, and the caller validates through the model, which words every
refusal. tests/unit/test_actor_line.py holds the two equal.
"""

from __future__ import annotations

import re
from typing import Any

from ledger.report_fields import (
    ACTOR_FIELDS,
    ACTOR_KINDS,
    CONTROL_CHARACTERS,
    MAX_LIST,
    MAX_NAME,
    MAX_TEXT,
)

# The interchange's control characters, and lone surrogates (an argument that was not UTF-8:
# the model refuses them as no string); then one printable ASCII character but the space: a
# name with one is visible (`_visible`), a name without one takes the model's path.
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}\ud800-\udfff]")
_ASCII_VISIBLE = re.compile("[!-~]")
_COUNTRY = re.compile("[A-Z]{2}")
_KINDS = frozenset(ACTOR_KINDS)
_ORDER = tuple(field.name for field in ACTOR_FIELDS)
_KIND_OF = {field.name: field.kind for field in ACTOR_FIELDS}


def plain_actor_fields(line: dict[str, Any]) -> dict[str, Any] | None:
    """The line's fields in the model's order, as `report_fields` gives them, or None when the
    line needs the model to say whether it is valid."""
    if type(line) is not dict or line.get("type") != "actor" or "actor" not in line:
        return None
    for key, value in line.items():
        kind = _KIND_OF.get(key)
        if kind is None or not _plain(kind, value):
            return None
    return {
        key: list(line[key]) if type(line[key]) is list else line[key]
        for key in _ORDER
        if key in line
    }


def _plain(kind: str, value: Any) -> bool:
    if kind == "type":
        return value == "actor" and type(value) is str
    if kind == "names":
        return (
            type(value) is list
            and len(value) <= MAX_LIST
            and all(plain_name(item) for item in value)
        )
    if type(value) is not str:
        return False
    if kind == "name":
        return plain_name(value)
    if kind == "choice":
        return value in _KINDS
    if kind == "country":
        return _COUNTRY.fullmatch(value) is not None
    if kind == "text":
        return 1 <= len(value) <= MAX_TEXT and _CONTROL.search(value) is None
    return False  # a kind this module does not know: the model decides


def plain_name(value: Any) -> bool:
    """Whether the interchange's `Name` certainly accepts this value (False: ask the model)."""
    return (
        type(value) is str
        and 1 <= len(value) <= MAX_NAME
        and _CONTROL.search(value) is None
        and _ASCII_VISIBLE.search(value) is not None
    )
