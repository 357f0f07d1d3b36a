"""The domain model: one event-sourced `Incident` aggregate per disputed incident.

Every report type is its own immutable event class with a stable, explicit topic
(`incident-ledger:Incident.ClaimMade`), so moving this module never breaks replay. Each event
carries the previous event's hash and its own, forming a hash chain per incident.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol

from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import register_topic

from ledger.errors import (
    DomainRuleViolation,
    IncidentAlreadyOpen,
    InvalidChange,
    InvalidReference,
    NamespaceClash,
    ReportIdClash,
    ReportNotFound,
)
from ledger.hashing import GENESIS_HASH, content_fingerprint, event_hash
from ledger.registry import Registry
from ledger.report_fields import (
    ACTOR_FIELDS,
    ASSERTION_TYPES,
    BEARING_KEYS,
    DECLARED,
    MAGNITUDE_PARTS,
    PLAIN_JSON_TYPES,
    REPORT_TYPES,
    STATEMENT_TYPES,
    UNCORRECTABLE,
    VALUE_TYPES,
)
from ledger.timeutil import recorded_stamp

if TYPE_CHECKING:
    from pydantic import TypeAdapter

TOPIC_PREFIX = "incident-ledger:Incident"

# What each kind of reference may point at (None: any report). Denials, corroborations and
# verdicts answer assertions: since version 2, denials included (ASSERTION_TYPES).
REFERENCE_TARGETS: dict[str, frozenset[str] | None] = {
    "denial": ASSERTION_TYPES,
    "corroboration": ASSERTION_TYPES,
    "verdict": ASSERTION_TYPES,
    "discrepancy": None,
    "assessment": None,
    "retraction": STATEMENT_TYPES,
    "outcome": frozenset({"warning"}),
    "correction": frozenset(REPORT_TYPES) - {"correction", "incident"},
}


# ---------------------------------------------------------------------------------------------
# Events


@dataclass(frozen=True, kw_only=True)
class IncidentEvent(CanMutateAggregate[str]):
    """Base of every incident event: identity, the two ledger clocks' bookkeeping, the chain."""

    report_type: ClassVar[str]
    originator_id: str
    originator_version: int
    timestamp: datetime
    report: str
    recorded_at: str
    recorded_by: str
    prev_hash: str
    hash: str
    # Ed25519 signature (hex) of the 32 hash bytes, when the ledger has a signing key. It signs
    # the hash, so it is not part of what is hashed.
    signature: str | None = None

    def fields(self) -> dict[str, Any]:
        """The report's own fields (as in the interchange format), without None values."""
        values = self.__dict__
        return {
            name: values[name]
            for name in OWN_FIELDS[self.report_type]
            if values.get(name) is not None
        }

    def content(self) -> dict[str, Any]:
        """The event as exported and hashed: see docs/format.md, "Event hashes"."""
        return event_content(
            self.report_type,
            self.originator_id,
            self.report,
            self.fields(),
            version=self.originator_version,
            recorded_at=self.recorded_at,
            recorded_by=self.recorded_by,
            prev_hash=self.prev_hash,
        )

    def apply(self, aggregate: Any) -> None:
        assert isinstance(aggregate, Incident)
        aggregate.reports[self.report] = FiledReport(
            self.report, self.report_type, shared(getattr(self, "by", None))
        )
        aggregate.last_hash = self.hash


# Each report type's own fields, as declared (ledger/report_fields.py): what an event of that
# type carries besides its identity and the ledger's bookkeeping.
_IDENTITY = ("type", "incident", "report", "recorded_by")
OWN_FIELDS: dict[str, tuple[str, ...]] = {
    report_type: tuple(f.name for f in fields if f.name not in _IDENTITY)
    for report_type, fields in DECLARED.items()
}
# An actor line's fields (ledger.actors' events carry them as the line gave them).
OWN_FIELDS["actor"] = tuple(f.name for f in ACTOR_FIELDS if f.name not in _IDENTITY)


def event_content(
    report_type: str,
    incident: str,
    report: str,
    fields: Mapping[str, Any],
    *,
    version: int,
    recorded_at: str,
    recorded_by: str,
    prev_hash: str,
) -> dict[str, Any]:
    if report_type == "actor":
        # An actor's aggregate is no incident and its line has no report id: the hash covers
        # the aggregate id (`actor:<id>`) under its own key (docs/format.md, "Event hashes").
        content: dict[str, Any] = {"type": report_type, "aggregate": incident}
    else:
        content = {"type": report_type, "incident": incident}
        if report_type != "incident":
            content["report"] = report
    content.update(fields)
    content.update(
        version=version, recorded_at=recorded_at, recorded_by=recorded_by, prev_hash=prev_hash
    )
    return content


def _report_event(name: str, report_type: str, base: type = IncidentEvent, **namespace: Any) -> Any:
    """The event class `Incident.<name>`: its fields are the report type's declared own fields
    (each optional, typed by its kind), its topic is explicit and stable."""
    declared = {f.name: f for f in DECLARED[report_type]}
    own = [
        (field_name, VALUE_TYPES[declared[field_name].kind] | None, dataclasses.field(default=None))
        for field_name in OWN_FIELDS[report_type]
    ]
    cls = dataclasses.make_dataclass(
        name,
        own,
        bases=(base,),
        frozen=True,
        kw_only=True,
        namespace={
            "report_type": report_type,
            "TOPIC": f"{TOPIC_PREFIX}.{name}",
            "__module__": __name__,
            # Attached to Incident below, so the name is where the class is found.
            "__qualname__": f"Incident.{name}",
            "__doc__": f"A filed {report_type} report: {', '.join(OWN_FIELDS[report_type])}.",
            **namespace,
        },
    )
    register_topic(cls.TOPIC, cls)  # type: ignore[attr-defined]
    return cls


@dataclass(frozen=True, kw_only=True)
class _Created(CanInitAggregate[str], IncidentEvent):
    originator_topic: str

    def apply(self, aggregate: Any) -> None:
        super().apply(aggregate)
        aggregate.opened_fingerprint = content_fingerprint(self.fields())


def _claim_made_upcast_v1_v2(state: dict[str, Any]) -> None:
    # Version 2 added `cameo` and `magnitude` (the CAMEO and ACLED mappings). Absent values
    # are None, which the hash leaves out, so v1 events still verify after upcasting.
    state.setdefault("cameo", None)
    state.setdefault("magnitude", None)


Opened = _report_event("Opened", "incident", base=_Created)
ClaimMade = _report_event(
    "ClaimMade",
    "claim",
    class_version=2,
    upcast_v1_v2=staticmethod(_claim_made_upcast_v1_v2),
)
WarningIssued = _report_event("WarningIssued", "warning")
DenialIssued = _report_event("DenialIssued", "denial")
Corroborated = _report_event("Corroborated", "corroboration")
DiscrepancyNoted = _report_event("DiscrepancyNoted", "discrepancy")
Assessed = _report_event("Assessed", "assessment")
VerdictGiven = _report_event("VerdictGiven", "verdict")
Retracted = _report_event("Retracted", "retraction")
Corrected = _report_event("Corrected", "correction")
Linked = _report_event("Linked", "link")
# Version 2: new types, new topics (the existing topics never change).
OutcomeReported = _report_event("OutcomeReported", "outcome")
EvidenceCited = _report_event("EvidenceCited", "evidence")

EVENT_BY_TYPE: dict[str, type[IncidentEvent]] = {
    "incident": Opened,
    "claim": ClaimMade,
    "warning": WarningIssued,
    "denial": DenialIssued,
    "corroboration": Corroborated,
    "discrepancy": DiscrepancyNoted,
    "assessment": Assessed,
    "verdict": VerdictGiven,
    "retraction": Retracted,
    "correction": Corrected,
    "link": Linked,
    "outcome": OutcomeReported,
    "evidence": EvidenceCited,
}
TYPE_BY_TOPIC: dict[str, str] = {cls.TOPIC: t for t, cls in EVENT_BY_TYPE.items()}  # type: ignore[attr-defined]
# The actor registry's events (ledger.actors): stable topics, an actor line each.
ACTOR_PREFIX = "actor:"  # an actor's aggregate id; a colon never occurs in a slug
ACTOR_REGISTERED = "incident-ledger:Actor.Registered"
ACTOR_UPDATED = "incident-ledger:Actor.Updated"
ACTOR_TOPICS = (ACTOR_REGISTERED, ACTOR_UPDATED)
TYPE_BY_TOPIC.update(dict.fromkeys(ACTOR_TOPICS, "actor"))


# ---------------------------------------------------------------------------------------------
# What the domain needs to know about reports elsewhere in the ledger


# Slotted: an import keeps one of each per report it appends (a million for a big file), and a
# slotted instance is a quarter of the size of one with a __dict__.
@dataclass(frozen=True, slots=True)
class FiledReport:
    report: str
    type: str
    by: str | None


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """A report as the ledger-wide directory knows it."""

    report: str
    incident: str
    type: str
    fingerprint: str
    by: str | None = None
    version: int | None = None


def shared(text: str | None) -> str | None:
    """One string object for every report naming the same actor or incident (sys.intern): a
    big import keeps a million small records that would otherwise each hold their own copy."""
    return sys.intern(text) if type(text) is str else text


# Signs an event hash (hex) and returns the signature (hex); see ledger/signing.py.
Signer = Callable[[str], str]


class ReportDirectory(Protocol):
    """Ledger-wide lookups the rules need: report ids are unique across all incidents."""

    def find(self, report: str) -> ReportEntry | None: ...

    def incident_exists(self, incident: str) -> bool: ...


# ---------------------------------------------------------------------------------------------
# The aggregate


class Incident(BaseAggregate[str]):
    """A disputed happening, and every report about it, in the order the ledger recorded them."""

    TOPIC = TOPIC_PREFIX

    def __init__(self) -> None:
        self.reports: dict[str, FiledReport] = {}
        self.last_hash = GENESIS_HASH
        self.opened_fingerprint = ""

    @property
    def slug(self) -> str:
        return self.id

    @classmethod
    def open(
        cls,
        fields: Mapping[str, Any],
        *,
        recorded_at: datetime,
        recorded_by: str,
        signer: Signer | None = None,
    ) -> Incident:
        """Open an incident from a validated `incident` line's fields."""
        slug = fields["incident"]
        own = _own_fields(fields)
        stamp = recorded_stamp(recorded_at)
        content = event_content(
            "incident",
            slug,
            slug,
            own,
            version=1,
            recorded_at=stamp,
            recorded_by=recorded_by,
            prev_hash=GENESIS_HASH,
        )
        digest = event_hash(content)
        return cls._create(
            Opened,
            id=slug,
            timestamp=recorded_at,
            report=slug,
            recorded_at=stamp,
            recorded_by=recorded_by,
            prev_hash=GENESIS_HASH,
            hash=digest,
            signature=signer(digest) if signer else None,
            **own,
        )

    def check_reopening(self, fields: Mapping[str, Any]) -> None:
        """Opening an open incident again is a no-op if nothing differs, else refused."""
        if content_fingerprint(_own_fields(fields)) != self.opened_fingerprint:
            raise IncidentAlreadyOpen(self.id)

    def file(
        self,
        report_type: str,
        fields: Mapping[str, Any],
        *,
        directory: ReportDirectory,
        recorded_at: datetime,
        recorded_by: str,
        signer: Signer | None = None,
        fingerprint: str | None = None,
        registry: Registry | None = None,
    ) -> IncidentEvent | None:
        """File one report on this incident; None when the very same report is already filed.
        `fingerprint` is the report's `report_fingerprint`, when the caller computed it already
        (an import's validating process does, beside this one). `registry` is the actor
        registry as the append holds it: only a `supersedes` needs it (None: no registered
        actors, every name an actor of its own)."""
        plain = report_type in PLAIN_JSON_TYPES
        own = _own_fields(fields)
        fingerprint = fingerprint or report_fingerprint(report_type, fields)
        report = fields.get("report") or _report_id(report_type, fingerprint)
        existing = directory.find(report)
        if existing is not None:
            if existing.fingerprint == fingerprint and existing.incident == self.id:
                return None  # idempotent: importing the same file twice adds nothing
            raise ReportIdClash(report, existing.incident)
        if directory.incident_exists(report):
            raise NamespaceClash.report_is_incident(report)
        self._check_references(report_type, fields, directory, registry)
        version = self.version + 1
        stamp = recorded_stamp(recorded_at)
        content = event_content(
            report_type,
            self.id,
            report,
            own,
            version=version,
            recorded_at=stamp,
            recorded_by=recorded_by,
            prev_hash=self.last_hash,
        )
        event_class = EVENT_BY_TYPE[report_type]
        digest = event_hash(content, plain=plain)
        # What `trigger_event` does, without its generic keyword handling and the frozen
        # dataclass's one `object.__setattr__` per field (a fifth of an import's append work):
        # the event is built as the library's mapper builds one it reads back.
        event = new_event(
            event_class,
            {
                "originator_id": self.id,
                "originator_version": version,
                "timestamp": recorded_at,
                "report": report,
                "recorded_at": stamp,
                "recorded_by": recorded_by,
                "prev_hash": self.last_hash,
                "hash": digest,
                "signature": signer(digest) if signer else None,
                **own,
            },
        )
        event.mutate(self)
        self._pending_events.append(event)
        # Kept beside the pending events (not in the aggregate's state) so the application can
        # index the report without fingerprinting its content a second time.
        self.pending_fingerprints[report] = fingerprint
        return event

    @property
    def pending_fingerprints(self) -> dict[str, str]:
        if "_pending_fingerprints" not in self.__dict__:
            self.__dict__["_pending_fingerprints"] = {}
        return self.__dict__["_pending_fingerprints"]  # type: ignore[no-any-return]

    def _check_references(
        self,
        report_type: str,
        fields: Mapping[str, Any],
        directory: ReportDirectory,
        registry: Registry | None = None,
    ) -> None:
        if report_type == "link":
            _check_link(self.id, fields["other"], directory, "other")
            return
        other = fields.get("other")  # an outcome's: where the warning was carried out
        if other and other != self.id and not directory.incident_exists(other):
            raise DomainRuleViolation(f"other names incident '{other}', which does not exist")
        for key in BEARING_KEYS:  # evidence: what the material bears on
            for target_id in fields.get(key) or ():
                if directory.find(target_id) is None:
                    raise ReportNotFound(target_id, key)
        for target_id in fields.get("supersedes") or ():  # earlier statements it replaces
            target = directory.find(target_id)
            if target is None:
                raise ReportNotFound(target_id, "supersedes")
            if target.type not in STATEMENT_TYPES:
                raise InvalidReference(
                    f"supersedes names '{target_id}', {_a(target.type)}: only a statement can"
                    " be superseded"
                )
            _check_same_side(fields.get("by"), target_id, target, registry or Registry())
        allowed = REFERENCE_TARGETS.get(report_type, ())
        for target_id in fields.get("refers_to", ()):
            target = directory.find(target_id)
            if target is None:
                raise ReportNotFound(target_id)
            if allowed is not None and target.type not in allowed:
                kinds = ", ".join(sorted(allowed))
                raise InvalidReference(
                    f"{_a(report_type)} cannot refer to '{target_id}', {_a(target.type)}"
                    f" (it must refer to a {kinds})"
                )
            if report_type == "correction" and fields.get("changes"):
                check_changes(target.type, fields["changes"])
                # The new values obey the rules of the original line, the ledger-wide ones too.
                if target.type == "link" and "other" in fields["changes"]:
                    _check_link(target.incident, fields["changes"]["other"], directory)


# Each event class where its name says it is (`Incident.ClaimMade`), for readers: replay finds
# them by their explicit topics.
for _event_class in EVENT_BY_TYPE.values():
    setattr(Incident, _event_class.__name__, _event_class)


def _check_same_side(
    by: str | None, target_id: str, target: ReportEntry, registry: Registry
) -> None:
    """A statement may supersede only statements by its own side (DOMAIN.md: a ministry
    revising its own toll), sides as the registry holds them at this append."""
    if by is None or target.by is None:
        # No author, no side: nobody could tell whose revision it is, so it is refused.
        who = "this statement" if by is None else f"'{target_id}'"
        raise InvalidReference(
            f"supersedes names '{target_id}', but {who} has no 'by': only a statement by the"
            " same side can be superseded"
        )
    author, target_author = registry.resolve(by), registry.resolve(target.by)
    if not registry.same_side(author, target_author):
        raise InvalidReference(
            f"supersedes names '{target_id}', by '{target.by}', on another side than '{by}':"
            " a statement may supersede only one by its own side"
        )


def _check_link(incident: str, other: str, directory: ReportDirectory, field: str = "") -> None:
    """A link names another incident that exists; `field` is where the slug was given."""
    where = field or "changes.other"
    if other == incident:
        prefix = "" if field else f"{where}: "
        raise InvalidReference(f"{prefix}an incident cannot link to itself ('{other}')")
    if not directory.incident_exists(other):
        raise DomainRuleViolation(f"{where} names incident '{other}', which does not exist")


def new_event(event_class: type[IncidentEvent], values: Mapping[str, Any]) -> IncidentEvent:
    """The event `event_class(**values)` would construct, the same attributes in the same
    order (so it stores the same bytes), built directly;
    tests/unit/test_domain_event_shapes.py checks every event class against its constructor."""
    defaults = _EVENT_DEFAULTS.get(event_class)
    if defaults is None:
        defaults = _EVENT_DEFAULTS[event_class] = {
            f.name: f.default for f in dataclasses.fields(event_class)
        }
    state = dict(defaults)  # every field in the class's order; given values keep that order
    state.update(values)
    if len(state) != len(defaults) or dataclasses.MISSING in state.values():
        return event_class(**values)  # an unknown or a missing field: the constructor says so
    event = object.__new__(event_class)
    object.__setattr__(event, "__dict__", state)
    return event


_EVENT_DEFAULTS: dict[type, dict[str, Any]] = {}


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _own_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a report says itself: not its identity or recorder, and no None values."""
    # A copy and four removals run in C; validated lines hold no None values, so the filter
    # in Python runs only when one does.
    own = dict(fields)
    for key in _IDENTITY:
        own.pop(key, None)
    if None in own.values():
        own = {k: v for k, v in own.items() if v is not None}
    return own


def report_fingerprint(report_type: str, fields: Mapping[str, Any]) -> str:
    """What identifies a report's content: its type, incident and fields, not its recorder."""
    said = {"type": report_type, "incident": fields["incident"], **_own_fields(fields)}
    return content_fingerprint(said, plain=report_type in PLAIN_JSON_TYPES)


def derive_report_id(report_type: str, fields: Mapping[str, Any]) -> str:
    """A stable id for a report given without one: the same line always gets the same id."""
    return _report_id(report_type, report_fingerprint(report_type, fields))


def _report_id(report_type: str, fingerprint: str) -> str:
    return f"{report_type}-{fingerprint[:16]}"


_FIELD_ADAPTERS: dict[tuple[str, str], TypeAdapter[Any]] = {}


def check_changes(target_type: str, changes: Mapping[str, Any]) -> None:
    """A correction's changes must name fields the target's type has, with valid values."""
    # Here, not at the top: only a correction needs the models (and pydantic).
    from pydantic import ConfigDict, TypeAdapter, ValidationError

    from ledger.interchange import MODEL_BY_TYPE

    model = MODEL_BY_TYPE[target_type]
    for name, value in changes.items():
        if name in UNCORRECTABLE or name not in model.model_fields:
            where = (
                f" ({name} is part of 'magnitude': change the whole magnitude)"
                if name in MAGNITUDE_PARTS and "magnitude" in model.model_fields
                else ""
            )
            raise InvalidReference(
                f"a correction cannot change '{name}' of {_a(target_type)}{where}"
            )
        key = (target_type, name)
        if key not in _FIELD_ADAPTERS:
            info = model.model_fields[name]
            # The field's own constraints (lengths, ranges, patterns, validators) live in its
            # metadata, which the bare annotation drops.
            annotated = (
                Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
            )
            _FIELD_ADAPTERS[key] = TypeAdapter(annotated, config=ConfigDict(strict=True))  # type: ignore[arg-type]
        if value is None and not model.model_fields[name].is_required():
            continue
        try:
            _FIELD_ADAPTERS[key].validate_python(value)
        except ValidationError as e:
            message = e.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            raise InvalidChange(
                f"changes.{name} is not valid for {_a(target_type)}: {message}"
            ) from None
