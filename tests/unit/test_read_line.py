"""`read_line` (an import's fast path) gives exactly what `report_fields(parse_line(...))` gives.

Same fields for every line the reference accepts, the same refusal (message included) for every
line it refuses: on every line of the hostile corpus and the worked example, and on Hypothesis
mutations of valid lines of every type (nulls, big and float numbers, deep nesting, surrogate
escapes, duplicate keys, unknown keys...).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.interchange import InvalidLine, parse_line, read_line, report_fields
from ledger.report_fields import REPORT_TYPES
from tests.unit.interchange_lines import MINIMAL, OPTIONAL

ROOT = Path(__file__).resolve().parents[2]


def outcome_of_reference(raw: bytes) -> tuple[str, Any]:
    try:
        return "fields", report_fields(parse_line(raw, 3))
    except InvalidLine as e:
        return "refused", str(e)


def outcome_of_fast_path(raw: bytes) -> tuple[str, Any]:
    try:
        return "fields", read_line(raw, 3)
    except InvalidLine as e:
        return "refused", str(e)


def corpus_lines() -> list[bytes]:
    files = sorted((ROOT / "tests" / "hostile").glob("*.jsonl")) + sorted(
        (ROOT / "examples").glob("*.jsonl")
    )
    lines = [raw.rstrip(b"\r\n") for f in files for raw in f.read_bytes().splitlines()]
    return [raw for raw in lines if raw.strip()]


def test_the_corpus_is_there() -> None:
    assert len(corpus_lines()) > 100


@pytest.mark.parametrize("raw", corpus_lines(), ids=lambda raw: raw[:40].decode(errors="replace"))
def test_every_corpus_line_reads_as_the_reference_reads_it(raw: bytes) -> None:
    assert outcome_of_fast_path(raw) == outcome_of_reference(raw)


def test_a_duplicate_key_is_refused_as_the_reference_refuses_it() -> None:
    raw = b'{"type": "claim", "incident": "inc", "by": "A", "by": "B", "summary": "x"}'
    kind, message = outcome_of_fast_path(raw)
    assert kind == "refused" and "duplicate key 'by'" in message
    assert outcome_of_fast_path(raw) == outcome_of_reference(raw)


def test_a_surrogate_escape_takes_the_reference_path() -> None:
    lone = b'{"type": "claim", "incident": "inc", "by": "\\ud800", "summary": "x"}'
    pair = b'{"type": "claim", "incident": "inc", "by": "\\ud83d\\ude00", "summary": "x"}'
    assert outcome_of_fast_path(lone)[0] == "refused"
    assert outcome_of_fast_path(pair) == (
        "fields",
        {**MINIMAL["claim"], "by": "\U0001f600", "summary": "x"},
    )
    for raw in (lone, pair):
        assert outcome_of_fast_path(raw) == outcome_of_reference(raw)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["2017-09-21", "2017-02-30", "inc", "Bad Slug", "\x01", "A", ""])
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)


@st.composite
def mutated_lines(draw: st.DrawFn) -> bytes:
    report_type = draw(st.sampled_from(REPORT_TYPES))
    data: dict[str, Any] = {**MINIMAL[report_type]}
    if draw(st.booleans()):
        data.update(OPTIONAL[report_type])
    keys = sorted(data)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["set", "drop", "add", "nest"]))
        key = draw(st.sampled_from(keys))
        if action == "set":
            data[key] = draw(values)
        elif action == "drop":
            data.pop(key, None)
        elif action == "add":
            data[draw(st.text(min_size=1, max_size=6))] = draw(values)
        elif isinstance(data.get(key), dict | list):
            depth = draw(st.integers(1, 20))
            nested: Any = data[key]
            for _ in range(depth):
                nested = [nested]
            data[key] = nested
    text = json.dumps(data, ensure_ascii=draw(st.booleans()), allow_nan=True)
    if draw(st.integers(0, 5)) == 0:
        # Repeat the first key of the line, with another value.
        text = re.sub(r"^\{", '{"type": "claim", ', text)
    if draw(st.integers(0, 5)) == 0:
        text = text.replace('"', '"\\ud800', 1)
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=mutated_lines())
def test_mutated_lines_read_as_the_reference_reads_them(raw: bytes) -> None:
    assert outcome_of_fast_path(raw) == outcome_of_reference(raw)
