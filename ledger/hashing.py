"""Content hashes: SHA-256 over RFC 8785 (JCS) canonical JSON.

The hash chain and the report-content fingerprints both go through `canonical_json`, so there is
one definition of "the same content" in the ledger, and anyone can recompute it from an export
with any RFC 8785 implementation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson
import rfc8785

from ledger.report_fields import MAX_SAFE_INTEGER

GENESIS_HASH = "0" * 64

# Keys that are bookkeeping of the event store or of the hash itself, never hashed.
_NOT_HASHED = frozenset(
    {"hash", "signature", "position", "timestamp", "originator_topic", "class_version"}
)


def canonical_json(value: Any, *, plain: bool = False) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value.

    `rfc8785` is the reference but pure Python (the costliest step of an import). orjson with
    sorted keys produces the very same bytes for every value without floats whose object keys
    are ASCII (JCS sorts keys by UTF-16 code units, orjson by code points: the same for ASCII;
    orjson and JCS format floats differently). tests/unit/test_hashing.py proves the byte
    equality with Hypothesis; anything else takes the reference path.

    `plain=True` says the caller knows the value is such a value without looking: a validated
    report of a type in `report_fields.PLAIN_JSON_TYPES` (its models allow no float, no free-form
    object, no integer beyond ±2^53). That saves walking the value, which cost more than the
    hash itself.
    """
    if plain or _fast_path_safe(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # e.g. an integer orjson cannot hold; let the reference decide
            pass
    return rfc8785.dumps(value)


def _fast_path_safe(value: Any) -> bool:
    low, high = -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER  # locals: as fast as the literal was
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) or item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if low <= item <= high:
                continue
            return False  # out of JCS's range: the reference raises, as it should
        if isinstance(item, dict):
            for key, nested in item.items():
                if not isinstance(key, str) or not key.isascii():
                    return False
                stack.append(nested)
        elif isinstance(item, list):
            stack.extend(item)
        else:
            return False  # floats (and anything else) take the reference path
    return True


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def event_hash(content: Mapping[str, Any], *, plain: bool = False) -> str:
    """The `hash` of an event: SHA-256 of the canonical JSON of its content.

    `content` is the event as exported: type, incident, version, every field that has a value
    (keys whose value is null are left out), recorded_at, recorded_by and prev_hash.
    """
    return sha256_hex(canonical_json(_hashed(content), plain=plain))


def hash_matches(content: Mapping[str, Any], stored: str) -> bool:
    """Whether `stored` is `event_hash(content)`: exactly that answer, cheaply when it is yes.

    It first hashes orjson's sorted bytes, without walking the value. Equal bytes mean equal
    values: orjson's output and RFC 8785's both parse back to the value they were written from
    (orjson's floats round-trip), so if orjson's bytes of `content` equal RFC 8785's bytes of
    whatever was hashed when the event was written, the two values are equal, and so are their
    RFC 8785 bytes. A match is therefore a match under the definition; anything else (floats
    written differently, non-ASCII keys ordered differently, a real alteration) is decided by
    the reference path. tests/unit/test_hashing.py checks both answers against `event_hash`.
    """
    hashed = _hashed(content)
    try:
        if sha256_hex(orjson.dumps(hashed, option=orjson.OPT_SORT_KEYS)) == stored:
            return True
    except TypeError:
        pass
    return sha256_hex(canonical_json(hashed)) == stored


def _hashed(content: Mapping[str, Any]) -> Mapping[str, Any]:
    """What of `content` is hashed: no null values, no bookkeeping keys. Most contents have
    neither (verify's always), and two C-level checks are cheaper than copying the dict."""
    if None not in content.values() and _NOT_HASHED.isdisjoint(content):
        return content
    return {k: v for k, v in content.items() if v is not None and k not in _NOT_HASHED}


def content_fingerprint(fields: Mapping[str, Any], *, plain: bool = False) -> str:
    """Fingerprint of what a report says (not who recorded it or when): for idempotent imports."""
    said = {k: v for k, v in fields.items() if v is not None and k != "recorded_by"}
    return sha256_hex(canonical_json(said, plain=plain))
