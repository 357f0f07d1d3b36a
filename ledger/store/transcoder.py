"""The event store's transcoder: the library's JSON format, written and read with orjson.

Stored state is exactly what eventsourcing's `JSONTranscoder` writes (compact JSON, non-ASCII
kept as UTF-8, custom types as `{"_type_": name, "_data_": value}`), so rows written by either
read back with the other. Only the speed differs: the library encodes and decodes with the
standard `json` module and a Python hook on every object, which is most of the cost of writing
and of replaying the log. tests/unit/test_transcoder.py checks both directions against it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

# How the library's JSON marks a custom-typed value; our events have one, the timestamp.
TYPE_MARK = b'"_type_":'


class OrjsonTranscoder(JSONTranscoder):
    """`JSONTranscoder`'s format, through orjson."""

    # The last timestamp encoded and its encoded form: every event of one append carries the
    # same moment, so it is encoded once per append. One tuple, replaced whole (thread-safe).
    _last_stamp: tuple[datetime | None, dict[str, Any]] = (None, {})

    def encode(self, obj: Any) -> bytes:
        # Our events' one custom-typed value is the top-level `timestamp`: put it in the
        # library's form here, so orjson never calls back into Python for it (that callback
        # was half the cost of encoding an event). Anything else still goes through the hook.
        if type(obj) is dict and type(stamp := obj.get("timestamp")) is datetime:
            last, wrapped = self._last_stamp
            if last is not stamp:
                transcoding = self.types.get(datetime)
                if transcoding is None:
                    wrapped = {}
                else:
                    wrapped = {"_type_": transcoding.name, "_data_": transcoding.encode(stamp)}
                self._last_stamp = (stamp, wrapped)
            if wrapped:
                obj = {**obj, "timestamp": wrapped}
        try:
            return orjson.dumps(
                obj, default=self._encode_obj, option=orjson.OPT_PASSTHROUGH_DATETIME
            )
        except TypeError:
            # Something orjson cannot hold (an integer beyond 64 bits, a dict key that is not a
            # string...): the library's encoder decides, exactly as it would have.
            return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        # Our events carry one custom-typed value, the top-level `timestamp`: undo that one here
        # instead of running a Python hook on every object. Anything else (no such key, or more
        # than one) goes through the library's decoder, so the result is always the same.
        if data.count(TYPE_MARK) == 1:
            state = orjson.loads(data)
            if isinstance(state, dict):
                for key, value in state.items():
                    if type(value) is dict and len(value) == 2 and "_type_" in value:
                        state[key] = self._decode_obj(value)
                        return state
        return super().decode(data)
