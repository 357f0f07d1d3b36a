"""The orjson transcoder writes and reads exactly the library JSONTranscoder's format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.store.transcoder import OrjsonTranscoder


def _pair() -> tuple[JSONTranscoder, OrjsonTranscoder]:
    library, ours = JSONTranscoder(), OrjsonTranscoder()
    for transcoder in (library, ours):
        transcoder.register(DatetimeAsISO())
    return library, ours


# Values the ledger stores: JSON without floats' formatting quirks left out on purpose (floats
# do appear, in lat/lon and in corrections), any text, integers within ±2^53.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)))
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",))), children, max_size=4)
    ),
    max_leaves=20,
)
timestamps = st.datetimes(
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))])
)


@settings(max_examples=300, deadline=None)
@given(
    fields=st.dictionaries(st.text(min_size=1, max_size=12), json_values, max_size=8),
    timestamp=timestamps,
)
def test_each_reads_what_the_other_writes(fields: dict[str, Any], timestamp: datetime) -> None:
    library, ours = _pair()
    state = {**{k: v for k, v in fields.items() if k != "timestamp"}, "timestamp": timestamp}
    assert ours.decode(library.encode(state)) == state
    assert library.decode(ours.encode(state)) == state
    assert ours.decode(ours.encode(state)) == state


@settings(max_examples=300, deadline=None)
@given(
    fields=st.dictionaries(
        st.text(min_size=1, max_size=12),
        st.recursive(
            scalars.filter(lambda v: not isinstance(v, float)),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(st.text(max_size=6), children, max_size=4)
            ),
            max_leaves=12,
        ),
        max_size=8,
    ),
    timestamp=timestamps,
)
def test_bytes_equal_the_librarys_for_any_float_free_state_with_a_timestamp(
    fields: dict[str, Any], timestamp: datetime
) -> None:
    # (Floats are left out: json and orjson may spell one differently, and both read back the
    # same value, which the round-trip property above checks.)
    library, ours = _pair()
    state = {**fields, "timestamp": timestamp}
    assert ours.encode(state) == library.encode(state)
    # Check the caller's state is left as it was (the timestamp still a datetime).
    assert state["timestamp"] is timestamp


def test_bytes_are_the_library_format() -> None:
    library, ours = _pair()
    state = {
        "report": "r-1",
        "summary": '«Quoted» — 东 \u202e \n\t"x"',
        "sources": [{"outlet": "TASS", "kind": "wire"}],
        "magnitude": {"killed": 3},
        "timestamp": datetime(2017, 9, 21, 15, 37, 1, 123456, tzinfo=UTC),
        "void": True,
        "other": None,
    }
    assert ours.encode(state) == library.encode(state)


def test_nested_custom_values_take_the_library_path() -> None:
    library, ours = _pair()
    when = datetime(2020, 1, 1, tzinfo=UTC)
    state = {"timestamp": when, "nested": {"at": when}, "deeper": [{"_type_": "x", "y": 1}]}
    assert ours.decode(library.encode(state)) == library.decode(library.encode(state)) == state
    only_nested = {"nested": {"at": when}}
    assert ours.decode(library.encode(only_nested)) == only_nested


def test_what_orjson_cannot_hold_falls_back_to_the_library() -> None:
    library, ours = _pair()
    state = {"big": 2**70, "timestamp": datetime(2020, 1, 1, tzinfo=UTC)}
    assert ours.encode(state) == library.encode(state)
