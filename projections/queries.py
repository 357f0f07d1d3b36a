"""The reports `ledger report` runs: filtered selects over the projection tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Select, and_, create_engine, or_, select

from ledger.ids import actor_id
from ledger.store.config import StoreConfig
from ledger.timeutil import InvalidTime, earliest_instant
from projections import schema

STATUSES = (
    "disputed",
    "unverified",
    "corroborated",
    "unverifiable",
    "confirmed",
    "refuted",
    "retracted",
    "open",
)


def read_engine(store: StoreConfig) -> Engine:
    """Read-only where the backend allows it, so reports work on a read-only ledger file."""
    if store.backend == "sqlite":
        uri = store.sqlite_reader_uri()
        return create_engine(f"sqlite:///{uri}&uri=true")
    return create_engine(store.sqlalchemy_url)


def _instant(label: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return earliest_instant(value)
    except InvalidTime as e:
        raise ValueError(f"{label}: {e}") from None


def _status(value: str | None) -> str | None:
    if value is not None and value not in STATUSES:
        raise ValueError(f"--status must be one of {', '.join(STATUSES)}")
    return value


def run_report(
    store: StoreConfig,
    name: str,
    *,
    incident: Sequence[str] | None = None,
    status: str | None = None,
    actor: str | None = None,
    since: str | None = None,
    until: str | None = None,
    report: str | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) of one report; ValueError for a bad filter value."""
    status = _status(status)
    since_at, until_at = _instant("--since", since), _instant("--until", until)
    who = actor_id(actor) if actor else None
    builders = {
        "incidents": lambda: _incidents(incident, status, who, since_at, until_at),
        "disputed": lambda: _incidents(incident, "disputed", who, since_at, until_at, recent=True),
        "claims": lambda: _claims(incident, status, who, since_at, until_at),
        "disputes": lambda: _disputes(incident, who, since_at, until_at),
        "actors": lambda: _actors(who),
        "provenance": lambda: _provenance(incident, who, report),
    }
    if name not in builders:
        raise ValueError(f"unknown report '{name}'")
    query, table = builders[name]()
    engine = read_engine(store)
    try:
        with engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
    finally:
        engine.dispose()
    columns = [c.name for c in table.columns]
    return columns, rows


def _incidents(
    incident: Sequence[str] | None,
    status: str | None,
    who: str | None,
    since: str | None,
    until: str | None,
    *,
    recent: bool = False,
) -> tuple[Select[Any], Any]:
    table = schema.incidents
    query = select(table)
    if incident:
        query = query.where(table.c.incident.in_(incident))
    if status:
        query = query.where(table.c.status == status)
    if who:
        # Incidents where the actor said, denied, was accused of... anything (by actor id).
        timeline = schema.timeline
        involved = select(timeline.c.incident).where(timeline.c.report.in_(_named(who)))
        query = query.where(table.c.incident.in_(involved))
    timeline = schema.timeline
    if since or until:
        stated = select(timeline.c.incident).where(
            and_(
                timeline.c.stated_from.is_not(None),
                timeline.c.voided.is_(False),
                *([timeline.c.stated_from >= since] if since else []),
                *([timeline.c.stated_from <= until] if until else []),
            )
        )
        query = query.where(table.c.incident.in_(stated))
    order = [table.c.last_position.desc()] if recent else [table.c.incident]
    return query.order_by(*order), table


def _claims(
    incident: Sequence[str] | None,
    status: str | None,
    who: str | None,
    since: str | None,
    until: str | None,
) -> tuple[Select[Any], Any]:
    table = schema.claims
    query = select(table)
    if incident:
        query = query.where(table.c.incident.in_(incident))
    if status:
        query = query.where(table.c.status == status)
    if who:
        mentioned = _named(who)
        query = query.where(or_(table.c.actor == who, table.c.report.in_(mentioned)))
    query = _stated_between(query, table.c.report, since, until)
    return query.order_by(table.c.position), table


def _disputes(
    incident: Sequence[str] | None, who: str | None, since: str | None, until: str | None
) -> tuple[Select[Any], Any]:
    table = schema.disputes
    query = select(table)
    if incident:
        query = query.where(
            or_(table.c.incident.in_(incident), table.c.denial_incident.in_(incident))
        )
    if who:
        mentioned = _named(who)
        query = query.where(or_(table.c.claim.in_(mentioned), table.c.denial.in_(mentioned)))
    query = _stated_between(query, table.c.denial, since, until)
    return query.order_by(table.c.claim, table.c.denial), table


def _stated_between(
    query: Select[Any], report: Any, since: str | None, until: str | None
) -> Select[Any]:
    """Keep rows whose report (the `report` column) was stated within [since, until]."""
    if not (since or until):
        return query
    timeline = schema.timeline
    query = query.join(timeline, timeline.c.report == report)
    if since:
        query = query.where(timeline.c.stated_from >= since)
    if until:
        query = query.where(timeline.c.stated_from <= until)
    return query


def _named(who: str) -> Select[Any]:
    """Reports whose current (corrected, not voided) values name the actor."""
    roles = schema.actor_roles
    return select(roles.c.report).where(roles.c.actor == who, roles.c.role == "named")


def _actors(who: str | None) -> tuple[Select[Any], Any]:
    table = schema.actors
    query = select(table)
    if who:
        query = query.where(table.c.actor == who)
    return query.order_by(table.c.actor), table


def _provenance(
    incident: Sequence[str] | None, who: str | None, report: str | None
) -> tuple[Select[Any], Any]:
    table = schema.provenance
    query = select(table)
    if incident:
        query = query.where(table.c.incident.in_(incident))
    if report:
        query = query.where(table.c.report == report)
    if who:
        mentioned = _named(who)
        query = query.where(table.c.report.in_(mentioned))
    return query.order_by(table.c.report, table.c.hop), table
