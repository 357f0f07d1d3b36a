"""Who a report's `--actor NAME` or `--side NAME` means, through the actor registry.

The views key actors two ways: resolved actor ids (`claims.actor`, `actors.actor`) and name keys
as written (`actor_tallies`, so `report_actors`: an alias registered later rewrites no tally
row). A filter therefore needs both: the actors it means, and every name key that resolves to
one of them. The registry is the one the projector holds (`registry_lines`), so a report reads
names as its rows were derived: the views' "now".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from ledger.ids import actor_id
from ledger.registry import ActorLine, Registry
from projections.driver import run_sql

# How many close names the "unknown actor" hint offers.
SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class ActorScope:
    """The actors one filter means (`ids`), every name key resolving to one of them (`keys`),
    and, when the name is nobody the ledger knows, registered or named, some close names."""

    option: str  # "--actor" or "--side", for the hint
    name: str  # as the user gave it
    ids: tuple[str, ...]
    keys: tuple[str, ...]
    known: bool = True
    suggestions: tuple[str, ...] = ()

    @classmethod
    def unregistered(cls, name: str, option: str = "--actor") -> ActorScope:
        """A name read without a registry (an actor of its own, as in version 1)."""
        key = actor_id(name)
        return cls(option, name, (key,), (key,))

    def hint(self) -> str:
        """One line for stderr when the name is unknown."""
        close = ", ".join(f"'{s}'" for s in self.suggestions)
        more = f"; did you mean {close}?" if close else ""
        return f"{self.option}: no actor named '{self.name}' in the ledger{more}"


def actor_scope(connection: Any, name: str, *, side: bool = False) -> ActorScope:
    """The scope of `--actor NAME` (the actor it resolves to) or, with `side`, of `--side NAME`
    (that actor and every actor part of it, directly or not), on a read connection."""
    registry = _registry(connection)
    actor = registry.resolve(name)
    actors = {actor, *registry.descendants(actor)} if side else {actor}
    keys = {key for a in actors for key in registry.keys_of(a)}
    option = "--side" if side else "--actor"
    known = actor in registry or bool(
        run_sql(connection, "SELECT 1 FROM actors WHERE actors.actor = ?", [actor])
    )
    if known:
        return ActorScope(option, name, tuple(sorted(actors)), tuple(sorted(keys)))
    # Unknown: the caller still runs the report (an empty result is the honest answer), and
    # the hint offers the registered spellings and the names reports use that look closest.
    named = [row[0] for row in run_sql(connection, "SELECT actors.name FROM actors")]
    return ActorScope(
        option,
        name,
        tuple(sorted(actors)),
        tuple(sorted(keys)),
        known=False,
        suggestions=tuple(suggest(name, registry, named)),
    )


def suggest(name: str, registry: Registry, named: Iterable[str] = ()) -> list[str]:
    """Close spellings: the registry's first, then the names reports use (each once)."""
    found = registry.suggest(name, n=SUGGESTIONS)
    if len(found) < SUGGESTIONS:
        others = {n.casefold(): n for n in named if n not in found}
        close = difflib.get_close_matches(
            name.casefold(), list(others), n=SUGGESTIONS - len(found), cutoff=0.6
        )
        found += [others[c] for c in close]
    return found


def _registry(connection: Any) -> Registry:
    rows = run_sql(connection, "SELECT data FROM registry_lines ORDER BY position")
    return Registry.from_lines(ActorLine.from_record(orjson.loads(data)) for (data,) in rows)
