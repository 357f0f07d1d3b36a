"""The orjson fast path of canonical_json is byte-equal to RFC 8785 on every value it takes."""

from __future__ import annotations

import math

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.hashing import _fast_path_safe, canonical_json, event_hash

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
