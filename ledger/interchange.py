"""The JSON Lines interchange format, version 1: one validated model per report type.

Validation lives here, in one place, so that `ledger import`, `ledger append` and the typed
commands (`ledger claim ...`) accept and refuse exactly the same things.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    TypeAdapter,
    ValidationError,
    create_model,
    model_serializer,
    model_validator,
)

# InvalidLine lives beside the other errors, so a caller can catch it without importing pydantic.
from ledger.errors import NEEDS_CHANGES_OR_VOID, NEEDS_URL_OR_SHA256
from ledger.errors import InvalidLine as InvalidLine
from ledger.ids import SLUG_PATTERN
from ledger.report_fields import (
    ACTOR_FIELDS,
    CONTROL_CHARACTERS,
    DECLARED,
    MAGNITUDE_FLAGS,
    MAGNITUDE_PARTS,
    MAX_DEPTH,
    MAX_LINE_BYTES,
    MAX_LIST,
    MAX_NAME,
    MAX_SAFE_INTEGER,
    MAX_SUMMARY,
    MAX_TEXT,
    MAX_TITLE,
    REPORT_ID_KEYS,
    REPORT_TYPES,
    ReportField,
)
from ledger.timeutil import InvalidTime, parse_earliest

_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


def _no_control_chars(text: str) -> str:
    if found := _CONTROL.search(text):
        raise ValueError(f"contains control character U+{ord(found.group()):04X}")
    return text


# Characters that show nothing: whitespace (str.isspace covers U+00A0, U+3000, U+2028...) and
# the invisible format characters and fillers. A name made only of these names nobody, and
# the views key actors by a visible slug of the name.
_INVISIBLE = frozenset("\u00ad\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")


# Any printable ASCII character but the space is visible: most names have one, and finding it
# in C spares the per-character walk below (a tenth of an import's validation in version 2).
_ASCII_VISIBLE = re.compile("[!-~]")


def _shows_nothing(text: str) -> bool:
    return _ASCII_VISIBLE.search(text) is None and not any(
        not c.isspace() and c not in _INVISIBLE and unicodedata.category(c) not in ("Cf", "Cc")
        for c in text
    )


def _visible(text: str) -> str:
    if _shows_nothing(text):
        raise ValueError("must contain a visible character (a blank name names nobody)")
    return text


def _visible_text(text: str) -> str:
    """A title or summary: no control characters, and something to read."""
    if _shows_nothing(_no_control_chars(text)):
        raise ValueError("must contain a visible character (it is blank)")
    return text


def _visible_name(text: str) -> str:
    """`_no_control_chars`, then `_visible`: one call from the validator instead of two (a
    line names an actor three or four times)."""
    return _visible(_no_control_chars(text))


def _time(text: str) -> str:
    if problem := _time_problem(text):
        raise ValueError(problem)
    return text


@functools.lru_cache(maxsize=4096)
def _time_problem(text: str) -> str | None:
    # Cached: an import repeats the same few days and publication times on line after line,
    # and parsing them was a third of the validation's cost.
    try:
        parse_earliest(text)
    except InvalidTime as e:
        return str(e)
    return None


def json_safety_problem(value: Any, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """(where, why) a decoded JSON value cannot be stored and hashed faithfully, else None."""
    if depth > MAX_DEPTH:
        return "", "JSON is nested too deeply"
    if isinstance(value, str):
        return None if _encodable(value) else (path, "contains a lone surrogate (not UTF-8)")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if abs(value) <= MAX_SAFE_INTEGER:
            return None
        return path, f"integer is beyond ±{MAX_SAFE_INTEGER} (not exactly representable)"
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, "numbers must be finite")
    if isinstance(value, list):
        items = [(f"{path}.{i}" if path else str(i), v) for i, v in enumerate(value)]
    elif isinstance(value, dict):
        if not all(_encodable(str(k)) for k in value):
            return path, "a key contains a lone surrogate (not UTF-8)"
        items = [(f"{path}.{k}" if path else str(k), v) for k, v in value.items()]
    else:
        return path, f"unsupported value {type(value).__name__}"
    for where, item in items:
        if problem := json_safety_problem(item, where, depth + 1):
            return problem
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_safe(value: Any) -> Any:
    if problem := json_safety_problem(value):
        raise ValueError(problem[1])
    return value


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
Name = Annotated[
    str,
    Field(min_length=1, max_length=MAX_NAME),
    AfterValidator(_visible_name),
]
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE), AfterValidator(_visible_text)]
Summary = Annotated[str, Field(min_length=1, max_length=MAX_SUMMARY), AfterValidator(_visible_text)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_no_control_chars)]
Time = Annotated[str, Field(max_length=40), AfterValidator(_time)]
Names = Annotated[list[Name], Field(max_length=MAX_LIST)]
RefersTo = Annotated[
    list[Slug], Field(min_length=1, max_length=MAX_LIST), BeforeValidator(_one_or_many)
]
Cameo = Annotated[str, Field(pattern=r"^[0-9]{2,4}$")]
# A BCP 47 language tag's shape: a 2-3 letter language, then subtags of 1-8 letters or digits
# ("en", "ar-SY", "zh-Hant-TW", "sr-Latn").
Language = Annotated[str, Field(max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
Url = Annotated[str, Field(max_length=2_000, pattern=r"^https?://\S+$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
ReportIds = Annotated[list[Slug], Field(min_length=1, max_length=MAX_LIST)]
MediaType = Annotated[
    str, Field(max_length=255, pattern=r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
]


class _Strict(BaseModel):
    # defer_build: validators are built on first use, not at import, so `ledger --help` (which
    # reads the fields to build the typed commands' options) stays fast.
    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, strict=True, defer_build=True
    )


class Source(_Strict):
    """One hop of a source chain, from the original statement outward."""

    outlet: Name
    kind: (
        Literal[
            "statement",
            "briefing",
            "interview",
            "wire",
            "web",
            "print",
            "broadcast",
            "social",
            "document",
            "other",
        ]
        | None
    ) = None
    url: Url | None = None
    published_at: Time | None = None
    quote_mode: Literal["direct", "paraphrase", "translated"] | None = None
    # Version 2.
    via: Annotated[int, Field(ge=0, le=MAX_LIST - 1)] | None = None
    title: Title | None = None
    language: Language | None = None
    archived_url: Url | None = None
    sha256: Sha256 | None = None
    deleted_at: Time | None = None


def _via_earlier_hops(hops: list[Source]) -> list[Source]:
    # `via` names the hop this one took the statement from: an earlier one, so the chain is a
    # tree rooted at hop 0 (absent: the hop before; hop 0 has none).
    for index, hop in enumerate(hops):
        if hop.via is not None and hop.via >= index:
            earlier = f"0 to {index - 1}" if index else "none: hop 0 is the original"
            raise ValueError(f"hop {index}'s via must be an earlier hop's index ({earlier})")
    return hops


Sources = Annotated[list[Source], Field(max_length=MAX_LIST), AfterValidator(_via_earlier_hops)]


def _range_in_order(count: Any) -> Any:
    given = [v for v in (count.low, count.best, count.high) if v is not None]
    if not given:
        raise ValueError("a range needs at least one of low, best, high")
    if given != sorted(given):
        raise ValueError("a range must have low ≤ best ≤ high")
    return count


def _count(part: str, high: int) -> Any:
    """One count of a magnitude: an integer, or (version 2) a range {"low", "best", "high"},
    each from 0 to the count's bound. Told apart by the JSON type, so an error names the count
    (`magnitude.killed`) or the range's key (`magnitude.killed.low`)."""
    bounded = Annotated[int, Field(ge=0, le=high)]
    checks: dict[str, Any] = {"_order": model_validator(mode="after")(_range_in_order)}
    span = create_model(
        f"{part.capitalize()}Range",
        __base__=_Strict,
        __module__=__name__,
        __validators__=checks,
        low=(bounded | None, None),
        best=(bounded | None, None),
        high=(bounded | None, None),
    )
    return Annotated[
        Union[Annotated[bounded, Tag("count")], Annotated[span, Tag("range")]],  # noqa: UP007
        Discriminator(lambda v: "range" if isinstance(v, dict | BaseModel) else "count"),
    ]


# A claim's counts, each optional, from 0 to its declared bound, and whether they are civilians.
Magnitude = create_model(
    "Magnitude",
    __base__=_Strict,
    __module__=__name__,
    **{part: (_count(part, high) | None, None) for part, high in MAGNITUDE_PARTS.items()},
    **{flag: (bool | None, None) for flag in MAGNITUDE_FLAGS},
)  # type: ignore[call-overload]


VariantValue = (
    Annotated[str, Field(max_length=MAX_SUMMARY)]
    | Annotated[int, Field(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
    | bool
    | None
)


class Variant(_Strict):
    value: VariantValue
    sources: Annotated[list[Source], Field(min_length=1, max_length=MAX_LIST)]

    @model_serializer(mode="wrap")
    def _value_even_when_null(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # `report_fields` leaves out None values (an absent optional key), but a variant's
        # null `value` is a value (a source gave none): without it the stored line, and so
        # its export, would not import again.
        data: dict[str, Any] = handler(self)
        return {"value": self.value, **data}


# What each kind of field (ledger/report_fields.py `VALUE_TYPES`) must hold. A field's own
# choices and bounds are added to its kind's type by `_annotation`.
KIND_TYPES: dict[str, Any] = {
    "slug": Slug,
    "name": Name,
    "title": Title,
    "summary": Summary,
    "text": Text,
    "time": Time,
    "cameo": Cameo,
    "field": Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")],
    "integer": int,
    "number": float,
    "flag": bool,
    "true": Literal[True],
    "names": Names,
    "country": Annotated[str, Field(pattern=r"^[A-Z]{2}$")],
    "refers_to": RefersTo,
    "report_ids": ReportIds,
    "url": Url,
    "sha256": Sha256,
    "media_type": MediaType,
    "sources": Sources,
    "variants": Annotated[list[Variant], Field(min_length=2, max_length=MAX_LIST)],
    "magnitude": Magnitude,
    "changes": Annotated[
        dict[str, Any], Field(min_length=1, max_length=50), AfterValidator(_json_safe)
    ],
}


def _annotation(report_type: str, field: ReportField) -> Any:
    if field.kind == "type":
        return Literal[report_type]
    if field.kind == "choice":
        return Literal[field.choices]
    if field.bounds is not None:
        low, high = field.bounds
        return Annotated[KIND_TYPES[field.kind], Field(ge=low, le=high)]
    return KIND_TYPES[field.kind]


def _occurred_in_order(line: Any) -> Any:
    if (
        line.occurred_from
        and line.occurred_to
        and parse_earliest(line.occurred_to) < parse_earliest(line.occurred_from)
    ):
        raise ValueError("occurred_to is before occurred_from")
    return line


def _changes_or_void(line: Any) -> Any:
    if (line.changes is None) == (line.void is None):
        raise ValueError(NEEDS_CHANGES_OR_VOID)
    return line


def _located(line: Any) -> Any:
    if line.url is None and line.sha256 is None:
        raise ValueError(NEEDS_URL_OR_SHA256)
    return line


# The rules between a line's fields, checked once each field is valid.
_LINE_CHECKS: dict[str, Any] = {
    "incident": _occurred_in_order,
    "correction": _changes_or_void,
    "evidence": _located,
}


def _line_model(report_type: str, fields: tuple[ReportField, ...]) -> type[BaseModel]:
    """The validation model of one report type's lines, from its declared fields."""
    definitions: dict[str, Any] = {
        f.name: (_annotation(report_type, f), ...)
        if f.required
        else (_annotation(report_type, f) | None, None)
        for f in fields
    }
    checks: dict[str, Any] = {}
    if check := _LINE_CHECKS.get(report_type):
        checks["_check"] = model_validator(mode="after")(check)
    model: type[BaseModel] = create_model(
        f"{report_type.capitalize()}Line",
        __base__=_Strict,
        __module__=__name__,
        __validators__=checks,
        **definitions,
    )
    return model


MODEL_BY_TYPE: dict[str, type[BaseModel]] = {
    report_type: _line_model(report_type, fields) for report_type, fields in DECLARED.items()
}
# The registry's lines: not a report type (no incident; a correction cannot target one).
ActorLineModel = _line_model("actor", ACTOR_FIELDS)
LINE_TYPES = ("actor", *REPORT_TYPES)
_LINE_MODELS: dict[str, type[BaseModel]] = {"actor": ActorLineModel, **MODEL_BY_TYPE}
# One union, told apart by `type`.
ReportLine: Any = Annotated[
    Union[(ActorLineModel, *MODEL_BY_TYPE.values())],
    Field(discriminator="type"),
]


@functools.cache
def _adapter() -> TypeAdapter[Any]:
    return TypeAdapter(ReportLine)


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads_strict(text: str) -> Any:
    """json.loads, refusing duplicate keys and NaN/Infinity (as for an imported line)."""
    return json.loads(
        text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant
    )


def load_json_object(text: str | bytes, line_no: int | None = None) -> dict[str, Any]:
    """Parse one line as a JSON object, refusing duplicate keys and NaN/Infinity."""
    if len(text) > MAX_LINE_BYTES:
        raise InvalidLine(line_no, None, f"line is longer than {MAX_LINE_BYTES} bytes")
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        value = json.loads(
            text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant
        )
    except UnicodeDecodeError as e:
        raise InvalidLine(line_no, None, f"not valid UTF-8 (byte {e.start})") from None
    except RecursionError:
        raise InvalidLine(line_no, None, "JSON is nested too deeply") from None
    except json.JSONDecodeError as e:
        # The decoder counts lines within the text it was given (always 1 here): the column
        # alone, beside the file's own line number.
        raise InvalidLine(line_no, None, f"not valid JSON ({e.msg} at column {e.colno})") from None
    except ValueError as e:
        raise InvalidLine(line_no, None, f"not valid JSON ({e})") from None
    if not isinstance(value, dict):
        raise InvalidLine(line_no, None, "expected a JSON object")
    if problem := json_safety_problem(value):
        raise InvalidLine(line_no, problem[0] or None, problem[1])
    return value


_SLUG_FIELDS = {"incident", "report", "other"} | {
    f"{key}.{i}" for key in REPORT_ID_KEYS for i in range(MAX_LIST)
}


def _describe(error: ValidationError) -> tuple[str | None, str]:
    first = error.errors(include_url=False)[0]
    loc = [str(p) for p in first["loc"]]
    # The discriminator puts the type name first in the location; drop it.
    if loc and loc[0] in LINE_TYPES:
        loc = loc[1:]
    # A magnitude's count is told apart as an integer or a range: drop that tag too.
    if len(loc) > 2 and loc[0] == "magnitude" and loc[2] in ("count", "range"):
        loc = loc[:2] + loc[3:]
    field = ".".join(loc) or None
    kind = first["type"]
    if kind == "extra_forbidden":
        if field == "incident" and first["loc"][0] == "actor":
            return field, "not allowed on an actor line (actors belong to no incident)"
        return field, "unknown key"
    if kind == "missing":
        return field, "required but missing"
    if kind == "union_tag_invalid":
        return "type", f"must be one of {', '.join(LINE_TYPES)}"
    if kind == "union_tag_not_found":
        return "type", "required but missing"
    if kind == "string_pattern_mismatch" and field in _SLUG_FIELDS:
        return field, "must be a slug: lowercase letters, digits, '.', '_' or '-', at most 100"
    if kind in ("too_short", "too_long") and isinstance(first.get("input"), list):
        # Pydantic's words name its own validation ("after validation, not 1").
        context = first.get("ctx") or {}
        bound = context.get("min_length" if kind == "too_short" else "max_length")
        items = "item" if bound == 1 else "items"
        needs = "needs at least" if kind == "too_short" else "takes at most"
        return field, f"{needs} {bound} {items} (has {len(first['input'])})"
    if kind == "string_pattern_mismatch" and field == "country":
        return field, "must be an ISO 3166-1 alpha-2 code (two capital letters, e.g. RU)"
    message = first["msg"]
    message = message.removeprefix("Value error, ")
    return field, message[0].lower() + message[1:] if message else message


def validate_report(data: dict[str, Any], line_no: int | None = None) -> BaseModel:
    """Validate one decoded line; raises InvalidLine naming the line and the field."""
    # A line of a known type is validated by its own model: what the union would pick, without
    # building the other types' validators first (a typed command validates one line, and
    # building the whole union cost it twice the one model). Any refusal goes through the
    # union, which words it.
    report_type = data.get("type") if type(data) is dict else None
    if type(report_type) is str and (model := _LINE_MODELS.get(report_type)) is not None:
        try:
            return model.model_validate(data)
        except ValidationError:
            pass
    try:
        return _adapter().validate_python(data)
    except ValidationError as e:
        field, problem = _describe(e)
        raise InvalidLine(line_no, field, problem) from None


def parse_line(text: str | bytes, line_no: int | None = None) -> BaseModel:
    """Parse and validate one JSON Lines line."""
    return validate_report(load_json_object(text, line_no), line_no)


def report_fields(model: BaseModel) -> dict[str, Any]:
    """The line's content as plain JSON values, without keys that were left out."""
    return model.model_dump(mode="json", exclude_none=True)


def read_line(raw: bytes, line_no: int | None = None) -> dict[str, Any]:
    """`report_fields(parse_line(raw, line_no))`, the same result and the same refusals, faster.

    This is an import's per-line path. It skips the steps that cannot change the outcome of a
    line that is valid, and falls back to `parse_line` for everything else, so each refusal
    still comes from the one place that words it:

    - duplicate keys are found by a C-level `dict(pairs)` in the decoder's hook;
    - the whole-value safety walk only runs where the models leave values unchecked: on a
      correction's free-form `changes`, and on lines whose text escapes a surrogate. Every other
      number is bounded by its field (within ±2^53, finite) and every nesting level is a model;
    - the fields are the decoded object itself, unless a null or the incident's float
      coordinates would make `model_dump` differ (strict models do not convert values).

    tests/unit/test_read_line.py checks the equality on the hostile corpus and with Hypothesis.
    """
    if len(raw) > MAX_LINE_BYTES or _SURROGATE_ESCAPE.search(raw):
        return report_fields(parse_line(raw, line_no))
    try:
        value = _FAST_DECODER.decode(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        value = None
    if not isinstance(value, dict):
        return report_fields(parse_line(raw, line_no))
    if value.get("type") == "correction" and json_safety_problem(
        value.get("changes"), "changes", 1
    ):
        return report_fields(parse_line(raw, line_no))
    try:
        model = _adapter().validate_python(value)
    except ValidationError:
        return report_fields(parse_line(raw, line_no))
    if value["type"] == "incident" or b"null" in raw:
        return report_fields(model)
    if isinstance(refers_to := value.get("refers_to"), str):
        value["refers_to"] = [refers_to]
    return value


# A JSON escape of a UTF-16 surrogate (\uD800-\uDFFF): the only way a line can carry one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def _dict_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("duplicate key")
    return value


_FAST_DECODER = json.JSONDecoder(
    object_pairs_hook=_dict_without_duplicates, parse_constant=_reject_constant
)
