"""Export report records as a W3C PROV document (PROV-JSON or PROV-N).

The mapping (DOMAIN.md, "Provenance"; STANDARDS.md section 3):

- every ledger event is a bundle `event:<incident>/<version>`, declared in the document as an
  entity of type `prov:Bundle`, attributed to `recorder:<recorded_by>` and generated at
  `recorded_at`: the provenance of the *record*, kept apart from that of the *statement*;
- inside the bundle, the event's own entity: `report:<id>` (`incident:<slug>` for an incident
  line), typed `ledger:Claim`, `ledger:Denial`, ... and attributed to its `by` agent;
- the speaker `actedOnBehalfOf` the organisation (`on_behalf_of`, else `by`);
- each source hop's text is an entity `hop:<report>/<n>` (n = its index in `sources`), attributed
  to the outlet, that `wasQuotedFrom` the previous hop and `hadPrimarySource` the statement;
- every `refers_to` is a `wasDerivedFrom` typed with the referring report's type
  (`ledger:Denial`, `ledger:Corroboration`, `ledger:Retraction`, ...);
- a retraction by the target's own author (the one the status rules count) also invalidates
  the target: `wasInvalidatedBy(report:<target>, activity:<retraction>)`, the retracting
  activity associated with its author and generating the retraction;
- a hop with `via` (format version 2: the index of the earlier hop it took the text from)
  `wasQuotedFrom` that hop instead of the one before it;
- an `actor` registry line's `part_of` is `actedOnBehalfOf` between the two agents, at
  document level (the registry is not any one event's).

Agents are `actor:<actor_id(name)>`, so two spellings that normalise alike are one agent, as in
the SQL views. Only provenance is exported; the JSON Lines export carries every field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prov.constants import PROV, PROV_LABEL, PROV_TYPE, XSD, XSD_DATE
from prov.identifier import Identifier, Namespace, QualifiedName
from prov.model import Literal, ProvBundle, ProvDocument

from ledger.ids import actor_id
from ledger.timeutil import InvalidTime, parse_earliest

DEFAULT_NAMESPACE = "https://incident-ledger.example/"
FORMATS = ("prov-json", "prov-n")

# A partial date keeps its precision as the matching XSD type, instead of being widened to an
# instant it never claimed ("2017-09" is not "2017-09-01T00:00Z").
_PARTIAL_DATE_TYPES = {4: XSD["gYear"], 7: XSD["gYearMonth"], 10: XSD_DATE}
# The field that gives each kind of report its one line of text, first present wins.
_LABEL_FIELDS = ("summary", "title", "reason", "note", "rationale")
_SUB_NAMESPACES = ("report", "incident", "hop", "actor", "event", "recorder", "activity")

TimeValue = datetime | Literal | str


@dataclass(frozen=True)
class _Namespaces:
    """`ledger:` is the given namespace; the others are sub-namespaces of it."""

    ledger: Namespace
    report: Namespace
    incident: Namespace
    hop: Namespace
    actor: Namespace
    event: Namespace
    recorder: Namespace
    activity: Namespace

    @classmethod
    def declare(cls, document: ProvDocument, base: str) -> _Namespaces:
        # A sub-namespace is the base plus "<prefix>/", so the base must end in a separator.
        if not base.endswith(("/", "#")):
            base += "/"
        subs = {
            prefix: document.add_namespace(prefix, f"{base}{prefix}/") for prefix in _SUB_NAMESPACES
        }
        return cls(ledger=document.add_namespace("ledger", base), **subs)

    def type_of(self, report_type: str) -> QualifiedName:
        """`claim` -> `ledger:Claim`: the entity's type, and the type of its derivations."""
        return self.ledger[report_type.capitalize()]


@dataclass
class _Agents:
    """The agents one bundle mentions, declared once each when the bundle is complete.

    Collected first because one actor can appear in several roles (the SDF as `by` and as its
    own statement's outlet): the first specific type seen wins over "unknown".
    """

    ns: _Namespaces
    found: dict[QualifiedName, tuple[str, QualifiedName | None]] = field(default_factory=dict)

    def ref(self, name: str, kind: QualifiedName | None = None) -> QualifiedName:
        agent = self.ns.actor[actor_id(name)]
        label, known = self.found.get(agent, (name, None))
        self.found[agent] = (label, known or kind)
        return agent

    def declare(self, bundle: ProvBundle) -> None:
        for agent, (label, kind) in self.found.items():
            attributes: dict[QualifiedName, Any] = {PROV_LABEL: label}
            if kind is not None:
                attributes[PROV_TYPE] = kind
            bundle.agent(agent, attributes)


def build_document(
    records: Sequence[Mapping[str, Any]], *, namespace: str = DEFAULT_NAMESPACE
) -> ProvDocument:
    """A PROV document of report records as `ledger.records.to_record` produces them.

    Records are exported in log-position order, one bundle per event; each record needs
    `position`, `version`, `recorded_at` and `recorded_by` besides its report fields.
    """
    document = ProvDocument()
    ns = _Namespaces.declare(document, namespace)
    recorders: set[QualifiedName] = set()
    # Who made each report: a retraction invalidates only what its own author said.
    authors = {
        str(r["report"]): actor_id(by)
        for r in records
        if (by := _name(r.get("by"))) and "report" in r
    }
    for record in sorted(records, key=lambda r: int(r["position"])):
        if record.get("type") == "actor":
            _add_actor(document, ns, record)
            continue
        bundle = _add_event(document, ns, record, recorders)
        _add_report(bundle, ns, record, authors)
    return document


def _add_actor(document: ProvDocument, ns: _Namespaces, record: Mapping[str, Any]) -> None:
    """A registry line: the agent, and its `part_of` as delegation (read defensively: the
    registry's lines are format version 2's)."""
    name = _name(record.get("actor"))
    if name is None:
        return
    kind = PROV["Person"] if record.get("kind") == "person" else PROV["Organization"]
    agent = ns.actor[actor_id(name)]
    document.agent(agent, {PROV_LABEL: name, PROV_TYPE: kind})
    if (parent := _name(record.get("part_of"))) and actor_id(parent) != actor_id(name):
        document.actedOnBehalfOf(agent, ns.actor[actor_id(parent)])


def serialize(document: ProvDocument, fmt: str) -> str:
    """The document as PROV-JSON (`prov-json`) or PROV-N (`prov-n`) text."""
    if fmt == "prov-json":
        # Indented and unescaped: the export is read by people as well as by tools.
        text = document.serialize(format="json", indent=2, ensure_ascii=False)
        assert text is not None  # no destination given, so prov returns the text
        return text
    if fmt == "prov-n":
        return document.get_provn()
    raise ValueError(f"unknown PROV format {fmt!r}; expected one of {', '.join(FORMATS)}")


# -- the record of the record: one bundle per ledger event ------------------------------------


def _add_event(
    document: ProvDocument,
    ns: _Namespaces,
    record: Mapping[str, Any],
    recorders: set[QualifiedName],
) -> ProvBundle:
    """Declare the event's bundle as an entity the recorder is responsible for; return it."""
    event = ns.event[f"{record['incident']}/{record['version']}"]
    recorder = _recorder(document, ns, str(record["recorded_by"]), recorders)
    recorded_at = _time_value(record["recorded_at"])
    document.entity(
        event,
        {
            PROV_TYPE: PROV["Bundle"],
            ns.ledger["position"]: int(record["position"]),
            ns.ledger["recordedAt"]: recorded_at,
        },
    )
    document.wasAttributedTo(event, recorder)
    _generated_at(document, event, recorded_at)
    return document.bundle(event)


def _recorder(
    document: ProvDocument, ns: _Namespaces, name: str, declared: set[QualifiedName]
) -> QualifiedName:
    # Recorders live at document level, outside every bundle: they vouch for the records, not
    # for what was said, and one recorder usually appends many events.
    agent = ns.recorder[actor_id(name)]
    if agent not in declared:
        document.agent(agent, {PROV_TYPE: ns.ledger["Recorder"], PROV_LABEL: name})
        declared.add(agent)
    return agent


# -- what the event records: the statement, who made it, how it travelled ---------------------


def _add_report(
    bundle: ProvBundle, ns: _Namespaces, record: Mapping[str, Any], authors: Mapping[str, str]
) -> None:
    agents = _Agents(ns)
    entity = _add_entity(bundle, ns, record)
    if by := _name(record.get("by")):
        bundle.wasAttributedTo(entity, agents.ref(by))
    _add_speaker(bundle, agents, entity, record)
    _add_hops(bundle, ns, agents, entity, record)
    _add_references(bundle, ns, entity, record)
    if record["type"] == "retraction" and by:
        _add_invalidations(bundle, ns, agents, entity, record, authors)
    agents.declare(bundle)


def _add_invalidations(
    bundle: ProvBundle,
    ns: _Namespaces,
    agents: _Agents,
    retraction: QualifiedName,
    record: Mapping[str, Any],
    authors: Mapping[str, str],
) -> None:
    """The retracting, an activity of the retraction's author, invalidates what that author
    said (a retraction by anyone else invalidates nothing, as in the status rules; a target
    outside the export cannot be checked, so it is left alone)."""
    retractor = actor_id(str(record["by"]))
    own = [t for t in dict.fromkeys(_refs(record)) if authors.get(t) == retractor]
    if not own:
        return
    stated = _time_value(record["stated_at"]) if record.get("stated_at") else None
    instant = stated if isinstance(stated, datetime) else None
    activity = ns.activity[str(record["report"])]
    bundle.activity(
        activity, endTime=instant, other_attributes={PROV_TYPE: ns.ledger["Retracting"]}
    )
    bundle.wasAssociatedWith(activity, agents.ref(str(record["by"])))
    bundle.wasGeneratedBy(retraction, activity, time=instant)
    for target in own:
        bundle.wasInvalidatedBy(ns.report[target], activity, time=instant)


def _add_entity(bundle: ProvBundle, ns: _Namespaces, record: Mapping[str, Any]) -> QualifiedName:
    report_type = str(record["type"])
    incident = ns.incident[str(record["incident"])]
    # An incident line's report id is its slug; it gets its own namespace so a report that
    # happens to share a slug with an incident is never the same entity.
    entity = incident if report_type == "incident" else ns.report[str(record["report"])]
    attributes: dict[QualifiedName, Any] = {PROV_TYPE: ns.type_of(report_type)}
    if entity != incident:
        attributes[ns.ledger["incident"]] = incident
    if label := next((record[k] for k in _LABEL_FIELDS if record.get(k)), None):
        attributes[PROV_LABEL] = str(label)
    if quote := record.get("quote"):
        attributes[ns.ledger["quote"]] = str(quote)
    stated_at = _time_value(record["stated_at"]) if record.get("stated_at") else None
    if stated_at is not None:
        attributes[ns.ledger["statedAt"]] = stated_at
    if other := record.get("other"):  # a link to another incident
        attributes[ns.ledger["other"]] = ns.incident[str(other)]
        attributes[ns.ledger["relation"]] = str(record.get("relation"))
    bundle.entity(entity, attributes)
    if stated_at is not None:
        _generated_at(bundle, entity, stated_at)
    return entity


def _add_speaker(
    bundle: ProvBundle, agents: _Agents, entity: QualifiedName, record: Mapping[str, Any]
) -> None:
    """The person who spoke, acting on behalf of the organisation that made the statement."""
    speaker = _name(record.get("speaker"))
    if speaker is None:
        return
    delegate = agents.ref(speaker, PROV["Person"])
    # The words are the speaker's as well as the organisation's: without this attribution the
    # speaker would be linked to the organisation but not to anything said.
    bundle.wasAttributedTo(entity, delegate)
    principal = _name(record.get("on_behalf_of")) or _name(record.get("by"))
    if principal is None:
        return
    responsible = agents.ref(principal, PROV["Organization"])
    if responsible != delegate:  # nobody delegates to themselves (as in fold's provenance rows)
        bundle.actedOnBehalfOf(delegate, responsible)


def _add_hops(
    bundle: ProvBundle,
    ns: _Namespaces,
    agents: _Agents,
    statement: QualifiedName,
    record: Mapping[str, Any],
) -> None:
    """Each outlet's text quotes the hop it names by `via`, else the hop before it (the first
    quotes the statement); all of them go back to the statement."""
    previous = statement
    sources = record.get("sources") or ()
    declared: dict[int, QualifiedName] = {}
    for n, source in enumerate(sources):
        if not isinstance(source, Mapping):
            continue
        hop = ns.hop[f"{record['report']}/{n}"]
        via = source.get("via")
        # Only an earlier hop can be a source; anything else falls back to the hop before.
        if isinstance(via, int) and not isinstance(via, bool) and via in declared:
            previous = declared[via]
        declared[n] = hop
        published_at = _add_hop_entity(bundle, ns, hop, source)
        if outlet := _name(source.get("outlet")):
            bundle.wasAttributedTo(hop, agents.ref(outlet, PROV["Organization"]))
        # Keyword arguments: the third positional argument is the activity, not an agent.
        bundle.wasQuotedFrom(generatedEntity=hop, usedEntity=previous)
        bundle.hadPrimarySource(generatedEntity=hop, usedEntity=statement)
        if published_at is not None:
            _generated_at(bundle, hop, published_at)
        previous = hop


def _add_hop_entity(
    bundle: ProvBundle, ns: _Namespaces, hop: QualifiedName, source: Mapping[str, Any]
) -> TimeValue | None:
    """Declare one hop's text with its kind, URL, publication time and quote mode."""
    attributes: dict[QualifiedName, Any] = {PROV_TYPE: ns.ledger["SourceText"]}
    if kind := source.get("kind"):
        attributes[ns.ledger["kind"]] = str(kind)
    if url := source.get("url"):
        attributes[ns.ledger["url"]] = Identifier(str(url))  # an xsd:anyURI, not a string
    published_at = _time_value(source["published_at"]) if source.get("published_at") else None
    if published_at is not None:
        attributes[ns.ledger["publishedAt"]] = published_at
    if quote_mode := source.get("quote_mode"):
        attributes[ns.ledger["quoteMode"]] = str(quote_mode)
    bundle.entity(hop, attributes)
    return published_at


def _add_references(
    bundle: ProvBundle, ns: _Namespaces, entity: QualifiedName, record: Mapping[str, Any]
) -> None:
    """Every report this one refers to, as a derivation typed with what this report is.

    One rule for all kinds (denial, corroboration, retraction, correction, ...) rather than
    wasRevisionOf: a correction is not a new version of what it corrects. The ledger keeps the
    original; the referring report is a new statement made about it, which is what a
    derivation says. (An author's own retraction is, besides, an invalidation:
    `_add_invalidations`.)
    """
    derivation_type = ns.type_of(str(record["type"]))
    for target in dict.fromkeys(_refs(record)):  # a repeated id is one derivation
        bundle.wasDerivedFrom(
            generatedEntity=entity,
            usedEntity=ns.report[str(target)],
            other_attributes={PROV_TYPE: derivation_type},
        )


def _refs(record: Mapping[str, Any]) -> list[str]:
    refers_to = record.get("refers_to") or []
    # The interchange format accepts a single id.
    return [refers_to] if isinstance(refers_to, str) else [str(r) for r in refers_to]


# -- values ----------------------------------------------------------------------------------


def _generated_at(bundle: ProvBundle, entity: QualifiedName, value: TimeValue) -> None:
    # PROV's generation time (prov:generatedAtTime in PROV-O) must be an exact instant; a partial
    # date stays only in the attribute, at the precision it was given.
    if isinstance(value, datetime):
        bundle.wasGeneratedBy(entity, time=value)


def _time_value(value: Any) -> TimeValue:
    """A ledger time as the most precise XSD value it supports (offset kept as given)."""
    if isinstance(value, datetime):
        return value
    text = str(value)
    try:
        parse_earliest(text)
    except InvalidTime:
        return text  # not ours to repair: keep what was recorded, as plain text
    if "T" in text:
        return datetime.fromisoformat(text)  # accepts "Z" and a missing seconds field
    return Literal(text, _PARTIAL_DATE_TYPES[len(text)])


def _name(value: Any) -> str | None:
    """An actor name, or None for a missing or blank one (which names no agent)."""
    return value if isinstance(value, str) and value.strip() else None
