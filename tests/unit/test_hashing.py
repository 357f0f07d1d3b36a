"""The orjson fast path of canonical_json is byte-equal to RFC 8785 on every value it takes."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.hashing import _fast_path_safe, canonical_json, event_hash
from tests.unit.test_read_line import mutated_lines

SAFE_INT = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
# Any text Python can encode as UTF-8 (no lone surrogates): controls, RTL marks, emoji, U+2028.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
KEYS = st.one_of(st.text(st.characters(max_codepoint=127), max_size=12), TEXT)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)

json_values = st.recursive(
    st.none() | st.booleans() | SAFE_INT | TEXT | FLOATS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=400)
@given(json_values)
def test_canonical_json_equals_rfc8785_on_any_json_value(value: object) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=150)
@given(st.dictionaries(st.text(st.characters(max_codepoint=127), max_size=12), json_values))
def test_values_without_floats_and_with_ascii_keys_take_the_fast_path(value: dict) -> None:  # type: ignore[type-arg]
    def has_float(v: object) -> bool:
        if isinstance(v, float):
            return True
        if isinstance(v, dict):
            return any(has_float(x) or not k.isascii() for k, x in v.items())
        if isinstance(v, list):
            return any(has_float(x) for x in v)
        return False

    # Check the fast path is taken exactly where it is proven safe (not silently never).
    assert _fast_path_safe(value) == (not has_float(value))


def test_floats_and_non_ascii_keys_use_the_reference() -> None:
    assert not _fast_path_safe({"lat": 35.3})
    assert not _fast_path_safe({"é": 1})
    assert _fast_path_safe({"a": [1, "é", None, True]})
    assert canonical_json({"lat": 1.0, "b": 1e21}) == b'{"b":1e+21,"lat":1}'


def test_event_hash_leaves_out_nulls_and_bookkeeping() -> None:
    content = {"type": "claim", "summary": "s", "quote": None, "hash": "x", "position": 3}
    assert event_hash(content) == event_hash({"type": "claim", "summary": "s"})
    assert not math.isnan(len(event_hash(content)))


# ---------------------------------------------------------------------------------------------
# The type-level fast path (`plain=True`): which report types may take it, and that it is exact.


def _schema_nodes(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every sub-schema of a pydantic JSON schema, $defs included."""
    stack: list[dict[str, Any]] = [schema]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("properties", {}).values())
        stack.extend(node.get("$defs", {}).values())
        stack.extend(node.get("anyOf", []) + node.get("oneOf", []) + node.get("prefixItems", []))
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                stack.append(node[key])


def _not_plain_because(report_type: str) -> list[str]:
    """What in a type's model could make its canonical JSON differ from orjson's sorted output."""
    from ledger.interchange import MODEL_BY_TYPE

    reasons = []
    for node in _schema_nodes(MODEL_BY_TYPE[report_type].model_json_schema()):
        kind = node.get("type")
        if kind == "number":
            reasons.append("a float field")
        if kind == "object" and node.get("additionalProperties") is not False:
            reasons.append("a free-form object")
        if kind == "integer" and not (
            node.get("minimum", -(2**64)) >= -(2**53) and node.get("maximum", 2**64) <= 2**53
        ):
            reasons.append("an unbounded integer")
        if kind is None and not {"$ref", "anyOf", "oneOf", "const", "enum"} & set(node):
            reasons.append("a value of any type")
    return reasons


def test_plain_json_types_are_exactly_the_types_whose_models_allow_only_plain_values() -> None:
    from ledger.report_fields import PLAIN_JSON_TYPES, REPORT_TYPES

    derived = {t for t in REPORT_TYPES if not _not_plain_because(t)}
    assert derived == PLAIN_JSON_TYPES
    assert "a float field" in _not_plain_because("incident")
    assert "a free-form object" in _not_plain_because("correction")


@settings(max_examples=600, deadline=None)
@given(raw=mutated_lines())
def test_the_plain_path_is_rfc8785_on_every_valid_line_of_a_plain_type(raw: bytes) -> None:
    from ledger.domain import report_fingerprint
    from ledger.interchange import InvalidLine, read_line
    from ledger.report_fields import PLAIN_JSON_TYPES

    try:
        fields = read_line(raw)
    except InvalidLine:
        return
    if fields["type"] not in PLAIN_JSON_TYPES:
        return
    content = {**fields, "version": 7, "recorded_at": "2026-11-24T00:00:00.000000Z"}
    assert canonical_json(content, plain=True) == rfc8785.dumps(content)
    assert (
        report_fingerprint(fields["type"], fields)
        == hashlib.sha256(
            rfc8785.dumps({k: v for k, v in fields.items() if k not in ("report", "recorded_by")})
        ).hexdigest()
    )


# ---------------------------------------------------------------------------------------------
# hash_matches: verify's shortcut gives exactly event_hash's answer.


def _variants(value: Any) -> st.SearchStrategy[Any]:
    """Values close to `value`: the same with one leaf swapped for a float, an int, a non-ASCII
    key or text, so that the orjson bytes and the RFC 8785 bytes of the two often differ."""
    swaps = st.sampled_from([1, 1.0, 1e21, 0.1, -0.0, 2**53 - 1, "1", "é", True, None])
    if isinstance(value, dict) and value:
        return st.sampled_from(sorted(value)).flatmap(
            lambda key: st.one_of(
                swaps.map(lambda new: {**value, key: new}),
                st.just({**{k: v for k, v in value.items() if k != key}, "é" + key: value[key]}),
            )
        )
    return swaps


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(KEYS, json_values, min_size=1, max_size=6).flatmap(
        lambda v: st.tuples(st.just(v), _variants(v))
    )
)
def test_hash_matches_answers_exactly_as_event_hash(pair: tuple[dict, Any]) -> None:  # type: ignore[type-arg]
    from ledger.hashing import hash_matches

    written, now = pair
    assert hash_matches(written, event_hash(written))
    if isinstance(now, dict):
        assert hash_matches(now, event_hash(written)) == (event_hash(now) == event_hash(written))


def test_hash_matches_accepts_what_rfc8785_writes_alike_and_refuses_an_alteration() -> None:
    from ledger.hashing import hash_matches

    # RFC 8785 writes the float 1.0 as "1", like the integer: the same hash, though orjson's
    # bytes differ ("1.0"); the reference path must decide it.
    assert event_hash({"n": 1}) == event_hash({"n": 1.0})
    assert hash_matches({"n": 1.0}, event_hash({"n": 1}))
    # Key order differs between UTF-16 (JCS) and code points (orjson) past the BMP.
    keys = {"\U0001f600": 1, "\uff61": 2}
    assert hash_matches(keys, event_hash(keys))
    assert not hash_matches({"n": 2}, event_hash({"n": 1}))
    # Beyond ±2^53 there is no RFC 8785 form at all: the same error as event_hash gives.
    with pytest.raises(ValueError):
        hash_matches({"n": 2**64}, event_hash({"n": 1}))
