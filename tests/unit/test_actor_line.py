"""`plain_actor_fields` and `plain_name` (the pydantic-free path of `ledger actor` and of the
recorder's name) never accept what the interchange model refuses, and give exactly its fields.

Every corpus actor line, hand-picked edge cases and Hypothesis lines (names of every length and
character class, lone surrogates, Nones, wrong types, unknown keys) go through both: where the
plain path answers, the model accepts the line with the same fields, in the same order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from ledger.importing.actor_line import plain_actor_fields, plain_name
from ledger.interchange import InvalidLine, Name, report_fields, validate_report
from ledger.report_fields import ACTOR_FIELDS, ACTOR_KINDS

ROOT = Path(__file__).resolve().parents[2]


def model_fields(line: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return report_fields(validate_report(line))
    except InvalidLine:
        return None


def check(line: dict[str, Any]) -> dict[str, Any] | None:
    plain = plain_actor_fields(line)
    if plain is not None:
        expected = model_fields(line)
        assert expected is not None, line
        assert list(plain.items()) == list(expected.items())
    return plain


def corpus_actor_lines() -> list[dict[str, Any]]:
    files = sorted((ROOT / "tests" / "hostile").glob("*.jsonl")) + sorted(
        (ROOT / "examples").glob("*.jsonl")
    )
    found = []
    for path in files:
        for raw in path.read_bytes().splitlines():
            try:
                value = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if isinstance(value, dict) and value.get("type") == "actor":
                found.append(value)
    return found


@pytest.mark.parametrize("line", corpus_actor_lines(), ids=lambda line: str(line)[:40])
def test_corpus_actor_lines(line: dict[str, Any]) -> None:
    check(line)


def test_the_commands_lines_take_the_plain_path() -> None:
    line = {
        "type": "actor",
        "actor": "Bench Target Command",
        "aliases": ["BTC Press Office", "BTC"],
        "drop_aliases": ["Old Name"],
        "kind": "armed_forces",
        "part_of": "State 49",
        "country": "RU",
        "description": "A body.\nTwo lines.",
    }
    assert check(line) is not None
    assert check({"type": "actor", "actor": "Минобороны России (MoD)"}) is not None


@pytest.mark.parametrize(
    "line",
    [
        {"type": "actor"},
        {"type": "actor", "actor": ""},
        {"type": "actor", "actor": " "},
        {"type": "actor", "actor": "x" * 201},
        {"type": "actor", "actor": "a\x00b"},
        {"type": "actor", "actor": "a\udc80b"},
        {"type": "actor", "actor": "Минобороны"},  # no ASCII: the model decides
        {"type": "actor", "actor": "A", "aliases": "B"},
        {"type": "actor", "actor": "A", "aliases": ["B"] * 101},
        {"type": "actor", "actor": "A", "aliases": [""]},
        {"type": "actor", "actor": "A", "aliases": None},
        {"type": "actor", "actor": "A", "kind": "army"},
        {"type": "actor", "actor": "A", "country": "ru"},
        {"type": "actor", "actor": "A", "country": "RU\n"},
        {"type": "actor", "actor": "A", "description": ""},
        {"type": "actor", "actor": "A", "incident": "inc"},
        {"type": "actor", "actor": "A", "other": 1},
        {"type": "actor", "actor": 1},
        {"type": "claim", "actor": "A"},
    ],
)
def test_doubtful_lines_go_to_the_model(line: dict[str, Any]) -> None:
    assert plain_actor_fields(line) is None


_TEXT = st.one_of(
    st.text(max_size=5),
    st.text(min_size=190, max_size=210),
    st.text(alphabet=st.characters(codec=None), max_size=12),
    st.sampled_from(["A", " A ", "\u00a0", "\u200b", "x\ty", "RU", "state", "a\x85b"]),
)
_VALUE = st.one_of(
    _TEXT,
    st.lists(_TEXT, max_size=4),
    st.none(),
    st.integers(),
    st.sampled_from(ACTOR_KINDS),
)
_KEYS = st.sampled_from([f.name for f in ACTOR_FIELDS if f.name != "type"] + ["incident", "x"])


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(actor=_TEXT, rest=st.dictionaries(_KEYS, _VALUE, max_size=4))
def test_whatever_the_plain_path_accepts_the_model_accepts_alike(
    actor: str, rest: dict[str, Any]
) -> None:
    check({"type": "actor", "actor": actor, **rest})


@settings(max_examples=600)
@given(name=st.one_of(_TEXT, st.integers(), st.none()))
def test_a_plain_name_is_a_valid_name(name: Any) -> None:
    if plain_name(name):
        try:
            TypeAdapter(Name).validate_python(name)
        except ValidationError as e:  # pragma: no cover - the failure's message
            raise AssertionError(f"{name!r}: {e}") from None
