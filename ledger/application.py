"""The application: commands that append reports, and queries that replay them from the log."""

from __future__ import annotations

import getpass
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    MapperDeserialisationError,
    Notification,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic

from ledger import stops
from ledger.actors import ActorEvent, LoggedRegistry
from ledger.batch import BatchDirectory, FingerprintedLine, Mentions, ValidatedLine
from ledger.domain import (
    ACTOR_TOPICS,
    EVENT_BY_TYPE,
    OWN_FIELDS,
    Incident,
    IncidentEvent,
    ReportEntry,
    Signer,
)
from ledger.errors import (
    STATE_AS_TEXT,
    DomainRuleViolation,
    IncidentNotFound,
    NamespaceClash,
    StoreUnavailable,
    UndecodableEvent,
)
from ledger.infra.collector import collector_paused
from ledger.records import to_record
from ledger.registry import Registry, RegistryHistory
from ledger.store.config import StoreConfig
from ledger.store.recorders import ConflictingWrite, EventRow, IndexRow, LedgerRecorder
from ledger.store.transcoder import TYPE_MARK, OrjsonTranscoder
from ledger.timeutil import utc_now

FLUSH_EVERY = 2_000  # events per executemany inside an import's single transaction
MAX_CONFLICT_RETRIES = 20


def default_recorder() -> str:
    """Who is appending: LEDGER_USER, else the OS login."""
    try:
        return os.environ.get("LEDGER_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class AppendResult:
    added: int = 0
    unchanged: int = 0
    incidents: set[str] = field(default_factory=set)
    reports: list[str] = field(default_factory=list)
    actors: set[str] = field(default_factory=set)  # ids of the actors registered or updated
    last_position: int | None = None


class IncidentLedger(Application[str]):
    """The incident ledger: one aggregate per incident, one append-only log for all of them."""

    name = "IncidentLedger"

    @property
    def ledger_recorder(self) -> LedgerRecorder:
        """The recorder, typed with the ledger's own queries (`LedgerRecorder`), which the
        library's `ApplicationRecorder` type does not name."""
        return cast("LedgerRecorder", self.recorder)

    def __init__(
        self,
        config: StoreConfig,
        *,
        lock_timeout: float = 30.0,
        signer: Signer | None = None,
        read_only: bool = False,
    ) -> None:
        self.config = config
        self.signer = signer
        self.lock_timeout = lock_timeout
        # Each event class's topic and class version, for event_rows.
        self._row_shapes: dict[type, tuple[str, int]] = {}
        env: dict[str, str] = {
            "ORIGINATOR_ID_TYPE": "text",
            "CREATE_TABLE": "no",  # Alembic owns the schema
        }
        if config.backend == "sqlite":
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": (
                    config.sqlite_reader_uri() if read_only else config.sqlite_writer_uri()
                ),
                "SQLITE_LOCK_TIMEOUT": str(max(1, round(lock_timeout))),
                "APPLICATION_RECORDER_TOPIC": "ledger.store.recorders:LedgerSQLiteRecorder",
            }
        else:
            env |= {
                "PERSISTENCE_MODULE": "ledger.store.postgres_recorder:LedgerPostgresFactory",
                "POSTGRES_DBNAME": config.dbname,
                "POSTGRES_HOST": config.host,
                "POSTGRES_PORT": str(config.port),
                "POSTGRES_USER": config.user,
                "POSTGRES_PASSWORD": config.password,
                "POSTGRES_CONNECT_TIMEOUT": "5",
                "POSTGRES_LOCK_TIMEOUT": str(max(1, round(lock_timeout))),
                # One connection (the library opens five, and up to ten more on demand): a
                # write session reads through its own (see ledger.store.postgres_recorder).
                "POSTGRES_POOL_SIZE": "1",
                "POSTGRES_MAX_OVERFLOW": "0",
                "APPLICATION_RECORDER_TOPIC": (
                    "ledger.store.postgres_recorder:LedgerPostgresRecorder"
                ),
            }
        super().__init__(env=env)

    def construct_transcoder(self) -> Transcoder:
        # The library's JSON format, encoded and decoded with orjson (see the module).
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    # -- commands ------------------------------------------------------------------------------

    def append(
        self,
        lines: Callable[[], Iterable[ValidatedLine | FingerprintedLine | Mentions]],
        *,
        recorded_by: str,
        on_progress: Callable[[int], None] | None = None,
        mentions: Mentions | None = None,
    ) -> AppendResult:
        """Append validated reports as one atomic unit; all or nothing.

        `lines` is called again on each attempt: if another writer got there first, the batch is
        re-run from the start against the reloaded incidents, re-checking every domain rule.
        `mentions` (the ids the lines name) saves a pass over them when the caller has it; a
        stream may also announce them itself, chunk by chunk, as `Mentions` items.
        """
        if mentions is None:
            mentions = Mentions.of(lines())
        for attempt in range(MAX_CONFLICT_RETRIES):
            try:
                with collector_paused():
                    return self._append_once(lines, recorded_by, on_progress, mentions)
            except ConflictingWrite:
                time.sleep(min(0.5, 0.01 * 2**attempt))
        raise StoreUnavailable("gave up after repeated write conflicts with other writers")

    def _append_once(
        self,
        lines: Callable[[], Iterable[ValidatedLine | FingerprintedLine | Mentions]],
        recorded_by: str,
        on_progress: Callable[[int], None] | None,
        mentions: Mentions,
    ) -> AppendResult:
        # The lines stream (memory does not grow with the file); the ids they name were gathered
        # beforehand, so the directory reads what exists in a few queries.
        directory = BatchDirectory(self.find_reports, self.ledger_recorder.existing_incidents)
        result = AppendResult()
        incidents: dict[str, Incident] = {}
        pending: list[IncidentEvent] = []
        event: IncidentEvent | None
        # Read on the first actor line, under the write lock: an alias clash spans aggregates.
        registry: LoggedRegistry | None = None
        done = 0
        with self.ledger_recorder.write_session() as session:
            # Read once the write lock is held: no other writer can commit until this one
            # does, so what the directory finds is what the log holds. A report id clash would
            # also be caught by `ledger_reports`' key, but nothing keys incident slugs and
            # report ids together: only the lock keeps their one namespace between writers.
            directory.prefetch(mentions)
            # One moment for every event of the append, taken once the write lock is held: it
            # is one transaction, which the ledger holds all at once, so a cut at any recorded
            # time shows all of an import or none of it (and the moment is formatted once).
            recorded_at = utc_now()
            for item in lines():
                if isinstance(item, Mentions):
                    directory.prefetch(item)
                    continue
                if len(item) == 4:
                    line_no, report_type, fields, fingerprint = item
                else:
                    (line_no, report_type, fields), fingerprint = item, None
                done += 1
                try:
                    if report_type == "actor":
                        if registry is None:
                            registry = LoggedRegistry.from_events(self._actor_events())
                        event = registry.apply(
                            fields,
                            recorded_at=recorded_at,
                            recorded_by=fields.get("recorded_by") or recorded_by,
                            signer=self.signer,
                        )
                    else:
                        if fields.get("supersedes") and registry is None:
                            # The same-side rule needs who is who, as this append holds it.
                            registry = LoggedRegistry.from_events(self._actor_events())
                        event = self._apply_line(
                            report_type,
                            fields,
                            incidents,
                            directory,
                            recorded_at,
                            fields.get("recorded_by") or recorded_by,
                            fingerprint,
                            registry=None if registry is None else registry.history.now,
                        )
                except DomainRuleViolation as e:
                    if line_no is not None:
                        e.args = (f"line {line_no}: {e.args[0]}",)
                    raise
                if event is None:
                    result.unchanged += 1
                else:
                    result.added += 1
                    if isinstance(event, ActorEvent):
                        result.actors.add(event.originator_id)
                    else:
                        result.incidents.add(event.originator_id)
                        result.reports.append(event.report)
                    pending.append(event)
                    if len(pending) >= FLUSH_EVERY:
                        self._flush(session, pending, incidents)
                if on_progress is not None and done % 1000 == 0:
                    on_progress(done)
            self._flush(session, pending, incidents)
        stops.step("append.committed")
        return result

    def _apply_line(
        self,
        report_type: str,
        fields: dict[str, Any],
        incidents: dict[str, Incident],
        directory: BatchDirectory,
        recorded_at: datetime,
        recorded_by: str,
        fingerprint: str | None = None,
        *,
        registry: Registry | None = None,
    ) -> IncidentEvent | None:
        slug = fields["incident"]
        incident = incidents.get(slug)
        # The directory already knows which incidents exist: no query for a new one.
        if incident is None and directory.incident_exists(slug):
            incident = self._load(slug)
            if incident is not None:
                incidents[slug] = incident
        if report_type == "incident":
            if incident is not None:
                incident.check_reopening(fields)
                return None
            if (holder := directory.find(slug)) is not None:
                raise NamespaceClash.incident_is_report(slug, holder.incident)
            incident = Incident.open(
                fields, recorded_at=recorded_at, recorded_by=recorded_by, signer=self.signer
            )
            incidents[slug] = incident
            directory.opened(slug)
            event = incident.pending_events[-1]
            assert isinstance(event, IncidentEvent)
            return event
        if incident is None:
            raise IncidentNotFound(slug, writing=True)
        filed = incident.file(
            report_type,
            fields,
            directory=directory,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
            signer=self.signer,
            fingerprint=fingerprint,
            registry=registry,
        )
        if filed is not None:
            directory.filed(filed, incident.pending_fingerprints[filed.report])
        return filed

    def _load(self, slug: str) -> Incident | None:
        try:
            incident: Incident = self.repository.get(slug)
        except AggregateNotFoundError:
            return None
        assert isinstance(incident, Incident)
        stops.step("append.loaded")
        return incident

    def _flush(
        self, session: Any, pending: list[IncidentEvent], incidents: dict[str, Incident]
    ) -> None:
        if not pending:
            return
        fingerprints: dict[str, str] = {}
        for incident in incidents.values():
            incident.collect_events()  # the events are in `pending`, in the order they happened
            fingerprints.update(incident.pending_fingerprints)
            incident.pending_fingerprints.clear()
            # These aggregates live only for this append, which needs their version, last hash
            # and opening fingerprint, never their report list (the batch directory answers for
            # reports). Dropping it keeps a million-line import's memory flat per incident.
            incident.reports.clear()
        index: list[IndexRow] = [
            (
                e.report,
                e.originator_id,
                e.report_type,
                getattr(e, "by", None),
                fingerprints[e.report],
                e.originator_version,
            )
            for e in pending
            if e.report_type not in ("incident", "actor")  # neither has a report id
        ]
        # `supersedes` edges too: a superseding statement changes its target's status, so an
        # audit or a replay looking for what bears on a report must find it.
        references = [
            (e.report, target, e.originator_id)
            for e in pending
            for target in dict.fromkeys(
                [*(getattr(e, "refers_to", None) or ()), *(getattr(e, "supersedes", None) or ())]
            )
        ]
        session.insert(self.event_rows(pending), index, references)
        pending.clear()
        stops.step("append.flushed")

    def event_rows(self, events: Sequence[DomainEventProtocol[str]]) -> list[EventRow]:
        """The log rows of `events`: what the library's `Mapper.to_stored_event` gives, without
        its StoredEvent objects (a frozen dataclass, built and then read back into a tuple
        for the insert) and with each class's topic looked up once. tests/unit/test_event_rows.py
        holds the two equal."""
        mapper = self.mapper
        if mapper.compressor or mapper.cipher:  # never set by this ledger: the library's way
            return [
                (str(s.originator_id), s.originator_version, s.topic, s.state)
                for s in map(mapper.to_stored_event, events)
            ]
        encode = mapper.transcoder.encode
        shapes = self._row_shapes
        rows: list[EventRow] = []
        for event in events:
            cls = type(event)
            shape = shapes.get(cls)
            if shape is None:
                shape = shapes[cls] = (get_topic(cls), getattr(cls, "class_version", 1))
            state = dict(vars(event))
            originator_id = state.pop("originator_id")
            originator_version = state.pop("originator_version")
            if shape[1] > 1:
                state["class_version"] = shape[1]
            rows.append((originator_id, originator_version, shape[0], encode(state)))
        return rows

    # -- queries -------------------------------------------------------------------------------

    def _actor_events(self) -> Iterator[tuple[int, ActorEvent]]:
        """Every actor event with its position, in log order (a few hundred, so read whole)."""
        position: int | None = None
        while True:
            batch = self.recorder.select_notifications(
                start=position, limit=5_000, topics=ACTOR_TOPICS, inclusive_of_start=False
            )
            for n in batch:
                event = self.decode(n)
                assert isinstance(event, ActorEvent)
                yield n.id, event
            if len(batch) < 5_000:
                return
            position = batch[-1].id

    def registry_history(self) -> RegistryHistory:
        """The actor registry's lines with their log positions: `.now`, `.at(position)`."""
        return LoggedRegistry.from_events(self._actor_events()).history

    def registry(self) -> Registry:
        """The actor registry as the ledger holds it now."""
        return self.registry_history().now

    def registry_at(self, position: int) -> Registry:
        """The actor registry after every event at or before `position` (a cut's)."""
        return self.registry_history().at(position)

    def actor_records(self) -> list[dict[str, Any]]:
        """Every actor event as a plain record (`type` "actor", `incident` its aggregate id
        `actor:<id>`, `position`, the line's fields), in log order."""
        return [to_record(position, event) for position, event in self._actor_events()]

    def get_incident(self, slug: str, *, version: int | None = None) -> Incident:
        try:
            incident: Incident = self.repository.get(slug, version=version)
        except AggregateNotFoundError:
            raise IncidentNotFound(slug) from None
        assert isinstance(incident, Incident)
        return incident

    def positioned_events(
        self, slug: str, *, lte_position: int | None = None
    ) -> list[tuple[int, IncidentEvent]]:
        """Every event of an incident with its log position, in version order."""
        notifications = self.ledger_recorder.select_positioned(slug, lte_position=lte_position)
        if not notifications and lte_position is None:
            raise IncidentNotFound(slug)
        return [(n.id, self.decode(n)) for n in notifications]

    def decode(
        self, notification: Notification | StoredEvent, position: int | None = None
    ) -> IncidentEvent:
        try:
            if isinstance(notification.state, str):
                raise ValueError(STATE_AS_TEXT)
            event = self.mapper.to_domain_event(notification)
        except (MapperDeserialisationError, ValueError) as e:
            # A damaged row (not UTF-8, not JSON): the log itself failed, one line naming it.
            at = position if position is not None else getattr(notification, "id", None)
            raise UndecodableEvent(
                at,
                str(notification.originator_id),
                notification.originator_version,
                _first_cause(e),
            ) from None
        assert isinstance(event, IncidentEvent)
        return event

    def record_of(self, position: int, stored: Notification | StoredEvent) -> dict[str, Any]:
        """`to_record(position, self.decode(stored))`, without building the event object where
        nothing but JSON stands between the stored state and the record: a rebuild spent a
        third of its decoding on the library's mapper and the event class. Anything else (a
        cipher or compressor, an old class version to upcast, a custom-typed value besides the
        timestamp) takes the mapper's way, so the record is always the same (tested)."""
        shape = _RECORD_SHAPES.get(stored.topic)
        if (
            shape is not None
            and type(stored.state) is bytes  # text: rewritten outside the ledger (decode says)
            and self.mapper.cipher is None
            and self.mapper.compressor is None
            and stored.state.count(TYPE_MARK) == 1
        ):
            try:
                state = orjson.loads(stored.state)
            except orjson.JSONDecodeError:
                return to_record(position, self.decode(stored, position))  # it names the row
            report_type, class_version, own = shape
            if type(state) is dict and state.get("class_version", 1) == class_version:
                record: dict[str, Any] = {
                    "type": report_type,
                    "incident": stored.originator_id,
                    "report": state["report"],
                    "position": position,
                    "version": stored.originator_version,
                    "recorded_at": state["recorded_at"],
                    "recorded_by": state["recorded_by"],
                }
                for name in own:
                    value = state.get(name)
                    if value is not None:
                        record[name] = value
                return record
        return to_record(position, self.decode(stored, position))

    def find_reports(self, reports: Sequence[str]) -> dict[str, ReportEntry]:
        rows = self.ledger_recorder.find_reports(list(reports))
        return {r[0]: ReportEntry(r[0], r[1], r[2], r[4], r[3], r[5]) for r in rows}

    def iter_notifications(
        self, *, after: int | None = 0, batch: int = 1_000, stop: int | None = None
    ) -> Iterator[Sequence[Notification]]:
        """The log in position order, in batches, without loading it all (`after` None: all)."""
        position = after
        while True:
            notifications = self.recorder.select_notifications(
                start=position, limit=batch, stop=stop, inclusive_of_start=False
            )
            if not notifications:
                return
            yield notifications
            position = notifications[-1].id

    def iter_stored(
        self, *, after: int = 0, batch: int = 1_000
    ) -> Iterator[list[tuple[int, str, int, str, bytes]]]:
        """The log in position order, in batches of plain (position, originator_id,
        originator_version, topic, state) tuples: what a rebuild hands its worker on PostgreSQL
        (pickling tuples costs a fraction of Notifications'; on SQLite the worker reads the log
        itself)."""
        for notifications in self.iter_notifications(after=after, batch=batch):
            yield [
                (n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
                for n in notifications
            ]

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0


class LazyDecoder:
    """Log rows into events by the application's own mapper (upcasting old versions), for a
    reader that holds rows and no ledger (the HTML report). The ledger is opened on the first
    row: on SQLite it opens no connection for that; on PostgreSQL it holds a small pool, closed
    by `close`."""

    def __init__(self, store: StoreConfig, lock_timeout: float = 30.0) -> None:
        self.store, self.lock_timeout = store, lock_timeout
        self.ledger: IncidentLedger | None = None

    def __call__(self, notification: Any) -> Any:
        if self.ledger is None:
            self.ledger = IncidentLedger(self.store, lock_timeout=self.lock_timeout)
        return self.ledger.decode(notification)

    def close(self) -> None:
        if self.ledger is not None:
            self.ledger.close()


def _first_cause(error: BaseException) -> str:
    """The innermost error's message: the library wraps the decoder's in a long sentence."""
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error).splitlines()[0] if str(error) else type(error).__name__


# Per event topic: its report type, class version and own fields (what `to_record` reads).
_RECORD_SHAPES: dict[str, tuple[str, int, tuple[str, ...]]] = {
    cls.TOPIC: (report_type, getattr(cls, "class_version", 1), OWN_FIELDS[report_type])  # type: ignore[attr-defined]
    for report_type, cls in EVENT_BY_TYPE.items()
}
