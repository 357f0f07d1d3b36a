"""Malformed lines anywhere in an import: always exit 2, one stderr line naming the line, and an
untouched database (SQLite; Hypothesis generates the malformed lines and where they go)."""

from __future__ import annotations

import json
import re
import sqlite3
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.interchange import MODEL_BY_TYPE, ActorLineModel
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.conftest import EXAMPLE, EXAMPLE_EVENTS

VALID_LINES: list[str] = EXAMPLE.read_text(encoding="utf-8").splitlines()
VALID: list[dict[str, Any]] = [json.loads(line) for line in VALID_LINES]

# Any JSON value, within the limits a line may have (nesting is bounded by the format anyway).
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

# Values of one JSON kind each, to replace a key's value with a value of another kind.
BY_KIND: dict[str, st.SearchStrategy[Any]] = {
    "str": st.text(max_size=20),
    "int": st.integers(),
    "float": st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)),
    "bool": st.booleans(),
    "list": st.lists(JSON_SCALARS, max_size=3),
    "dict": st.dictionaries(st.text(max_size=8), JSON_SCALARS, max_size=3),
}


def kind_of(value: Any) -> str:
    for kind, python_type in (
        ("bool", bool),
        ("int", int),
        ("float", float),
        ("str", str),
        ("list", list),
        ("dict", dict),
    ):
        if isinstance(value, python_type):
            return kind
    raise AssertionError(f"no JSON kind for {value!r}")


def model_of(line: dict[str, Any]) -> type[BaseModel]:
    return ActorLineModel if line["type"] == "actor" else MODEL_BY_TYPE[line["type"]]


def required_keys(line: dict[str, Any]) -> list[str]:
    model = model_of(line)
    return sorted(name for name, info in model.model_fields.items() if info.is_required())


def line_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@st.composite
def without_a_required_key(draw: st.DrawFn) -> bytes:
    """A valid line with one of its type's required keys removed."""
    line = dict(draw(st.sampled_from(VALID)))
    del line[draw(st.sampled_from(required_keys(line)))]
    return line_bytes(line)


@st.composite
def with_an_unknown_key(draw: st.DrawFn) -> bytes:
    """A valid line plus a key its type does not have."""
    line = dict(draw(st.sampled_from(VALID)))
    known = set(model_of(line).model_fields)
    key = draw(st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12))
    if key in known:
        key = key + "_x"
    line[key] = draw(JSON_VALUES)
    return line_bytes(line)


@st.composite
def with_a_retyped_value(draw: st.DrawFn) -> bytes:
    """A valid line with one key's value replaced by a value of another JSON kind."""
    line = dict(draw(st.sampled_from(VALID)))
    key = draw(st.sampled_from(sorted(line)))
    original = kind_of(line[key])
    wrong = {k for k in BY_KIND if k != original}
    if key == "refers_to":
        wrong.discard("str")  # a single id is a legitimate way to write refers_to
    if original == "float":
        wrong.discard("int")  # an integral latitude is a number all the same
    line[key] = draw(BY_KIND[draw(st.sampled_from(sorted(wrong)))])
    return line_bytes(line)


def not_a_blank_line(raw: bytes) -> bool:
    # Blank lines are skipped by design, and a newline would split the line in two.
    return bool(raw.strip()) and b"\n" not in raw


MALFORMED = st.one_of(
    st.binary(min_size=1, max_size=80).filter(not_a_blank_line),
    JSON_VALUES.map(line_bytes).filter(not_a_blank_line),
    without_a_required_key(),
    with_an_unknown_key(),
    with_a_retyped_value(),
)


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite ledger already holding the worked example, so 'unchanged' has something to keep."""
    path = tmp_path_factory.mktemp("malformed") / "ledger.db"
    upgrade(resolve(str(path)))
    result = invoke(str(path), "import", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    return str(path)


def invoke(db: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db, "--as", "tester", *args])


def database_state(db: str) -> tuple[int, int, int, int]:
    """Rows in the log tables and the highest log position."""
    connection = sqlite3.connect(db)
    try:
        return (
            connection.execute("SELECT COUNT(*) FROM ledger_events").fetchone()[0],
            connection.execute("SELECT MAX(notification_id) FROM ledger_events").fetchone()[0],
            connection.execute("SELECT COUNT(*) FROM ledger_reports").fetchone()[0],
            connection.execute("SELECT COUNT(*) FROM ledger_references").fetchone()[0],
        )
    finally:
        connection.close()


def test_the_valid_lines_alone_import_cleanly(tmp_path: Path) -> None:
    # Check the lines the malformed one is hidden among are valid: exit 0 on a fresh ledger.
    db = tmp_path / "ledger.db"
    result = invoke(str(db), "import", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert database_state(str(db))[:2] == (EXAMPLE_EVENTS, EXAMPLE_EVENTS)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    malformed=MALFORMED,
    valid_count=st.integers(min_value=0, max_value=len(VALID_LINES)),
    data=st.data(),
)
def test_a_malformed_line_anywhere_fails_the_import_naming_its_line(
    loaded_db: str,
    tmp_path_factory: pytest.TempPathFactory,
    malformed: bytes,
    valid_count: int,
    data: st.DataObject,
) -> None:
    # Check exit 2, exactly one stderr line naming the malformed line, and no change at all.
    index = data.draw(st.integers(min_value=0, max_value=valid_count), label="index")
    valid = [line.encode("utf-8") for line in VALID_LINES[:valid_count]]
    lines = [*valid[:index], malformed, *valid[index:]]
    path = tmp_path_factory.mktemp("import") / "reports.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    before = database_state(loaded_db)

    result = invoke(loaded_db, "import", str(path))

    assert result.exit_code == 2, (result.output, malformed)
    assert re.fullmatch(rf"error: line {index + 1}[,:][^\n]*\n", result.stderr), result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert database_state(loaded_db) == before
