"""The actor registry as a pure value: which names are one actor, and who belongs to whom.

`actor` lines are applied in log order (DOMAIN.md, "The actor registry"). No I/O: the
application stores each actor as its own aggregate, the projections replay the lines into a
`Registry`, and the status rules (ledger/status_rules.py) ask it for sides and ancestors.

Every name is compared by its *key*, `actor_id(name)`: the same normalisation the views use for
actor ids, so "SDF", "sdf" and "S.D.F." are one name, and a registered actor's id is the key of
its canonical name. A name that is nobody's canonical name or alias resolves to its own key,
an actor of its own, exactly as in version 1.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson

from ledger.errors import (
    ActorNameTaken,
    AliasAddedAndDropped,
    AliasAddressedAndDropped,
    AliasNotHeld,
    CanonicalNameKept,
    InvalidInput,
    PartOfCycle,
    UnknownParent,
)
from ledger.ids import actor_id

# The fields an update replaces when the line gives them (aliases and part_of have rules).
_REPLACED = ("kind", "country", "description")


@dataclass(frozen=True, slots=True)
class ActorLine:
    """One `actor` line's content, as the registry needs it (format checks happen earlier)."""

    actor: str
    aliases: tuple[str, ...] = ()
    drop_aliases: tuple[str, ...] = ()
    kind: str | None = None
    part_of: str | None = None
    country: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        # A blank name would get a hash id and silently become an actor nobody can name.
        for name in (self.actor, *self.aliases, *self.drop_aliases, self.part_of):
            if name is not None and not name.strip():
                raise InvalidInput("an actor line names an actor with a blank name")

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ActorLine:
        """The line from an interchange record or an event's fields (unknown keys ignored)."""
        return cls(
            actor=record["actor"],
            aliases=_names(record.get("aliases")),
            drop_aliases=_names(record.get("drop_aliases")),
            kind=record.get("kind"),
            part_of=record.get("part_of"),
            country=record.get("country"),
            description=record.get("description"),
        )


def _names(value: Any) -> tuple[str, ...]:
    # The format tolerates one name where a list is expected; tuple("SDF") would spell it out.
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True, slots=True)
class Actor:
    """A registered actor as the registry holds it now."""

    id: str  # actor_id(name): never changes, as the canonical name never does
    name: str  # the canonical name as first spelled
    aliases: tuple[str, ...] = ()  # as spelled, in the order they were added
    kind: str | None = None
    part_of: str | None = None  # the parent's actor id (ids outlive the aliases used to name it)
    country: str | None = None
    description: str | None = None

    @property
    def keys(self) -> frozenset[str]:
        """Every name key that resolves to this actor."""
        return frozenset((self.id, *map(actor_id, self.aliases)))


@dataclass(frozen=True, slots=True)
class RegistryChange:
    """What one applied line changed: what the projector must re-derive, and nothing more."""

    actor: str  # the id of the actor the line registered or updated
    created: bool = False
    names: frozenset[str] = frozenset()  # name keys whose resolution changed
    lineage: frozenset[str] = frozenset()  # actor ids whose ancestors (so side) changed
    details: bool = False  # the actor's own row changed (aliases, kind, country, ...)

    @property
    def changed(self) -> bool:
        """False when the line adds nothing (the same line applied twice)."""
        return self.created or self.details or bool(self.names) or bool(self.lineage)


class Registry:
    """The registry after some `actor` lines: immutable from outside (`apply` returns a new one).

    Small (a thousand actors in the benchmark), so a new value per line costs little; a replay
    builds one with `from_lines` without the copies.
    """

    __slots__ = ("_actors", "_ancestors", "_names", "_pickled")

    def __init__(self) -> None:
        self._pickled: tuple[bytes] | None = None  # __reduce__'s state, made once
        self._actors: dict[str, Actor] = {}
        self._names: dict[str, str] = {}  # alias key -> actor id (canonical keys are the ids)
        # Ancestors per actor, filled on first ask: the status rules ask for the same few
        # actors thousands of times in a rebuild.
        self._ancestors: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_lines(cls, lines: Iterable[ActorLine]) -> Registry:
        """The registry after applying `lines` in order (raises on the first refused line)."""
        registry = cls()
        for line in lines:
            registry._apply(line)
        return registry

    def apply(self, line: ActorLine) -> tuple[Registry, RegistryChange]:
        """The registry with `line` applied, and what changed; refusals raise an ActorRefused
        and leave this registry as it was."""
        new = Registry()
        new._actors = dict(self._actors)
        new._names = dict(self._names)
        change = new._apply(line)
        return (new, change) if change.changed else (self, change)

    # Queries

    def resolve(self, name: str) -> str:
        """The actor id a (non-blank) name means now."""
        key = actor_id(name)
        return self._names.get(key, key)

    def resolve_key(self, key: str) -> str:
        """`resolve` for a name already normalised with `actor_id`."""
        return self._names.get(key, key)

    def get(self, actor: str) -> Actor | None:
        """The registered actor with this id, or None (an actor of its own)."""
        return self._actors.get(actor)

    def ancestors(self, actor: str) -> tuple[str, ...]:
        """The actors `actor` is part of, nearest first; () when unregistered or at the top."""
        found = self._ancestors.get(actor)
        if found is None:
            chain: list[str] = []
            parent = self._actors[actor].part_of if actor in self._actors else None
            while parent is not None:
                chain.append(parent)
                parent = self._actors[parent].part_of
            found = self._ancestors[actor] = tuple(chain)
        return found

    def side(self, actor: str) -> str:
        """The top of the part_of chain: the actor itself when it belongs to nothing."""
        chain = self.ancestors(actor)
        return chain[-1] if chain else actor

    def same_side(self, a: str | None, b: str | None) -> bool:
        """Whether two actors are on one side (an unknown author is on nobody's)."""
        if a is None or b is None:
            return False
        return a == b or self.side(a) == self.side(b)

    def speaks_for(self, candidate: str | None, actor: str | None) -> bool:
        """Whether `candidate` is `actor` or one of its ancestors: whose retraction of
        `actor`'s statements counts."""
        if candidate is None or actor is None:
            return False
        return candidate == actor or candidate in self.ancestors(actor)

    def descendants(self, actor: str) -> frozenset[str]:
        """Every registered actor that is part of `actor`, directly or not."""
        return frozenset(a for a in self._actors if actor in self.ancestors(a))

    def keys_of(self, actor: str) -> frozenset[str]:
        """The name keys that resolve to `actor` (just its id when unregistered)."""
        registered = self._actors.get(actor)
        return registered.keys if registered is not None else frozenset((actor,))

    def affected_keys(self, change: RegistryChange) -> frozenset[str]:
        """The name keys whose meaning a change altered: an incident naming any of them must be
        re-derived (asked of the registry *after* the change)."""
        keys = set(change.names)
        for actor in change.lineage:
            keys |= self.keys_of(actor)
        return frozenset(keys)

    def actors(self) -> list[Actor]:
        """The registered actors, by id."""
        return [self._actors[a] for a in sorted(self._actors)]

    def names(self) -> dict[str, str]:
        """Every registered name key -> actor id, canonical names included (the name table)."""
        return {**{a: a for a in self._actors}, **self._names}

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Registered spellings close to `name`, for the "unknown actor" hint."""
        # Compared case-folded ("qsd" is close to "QSD"), offered as spelled.
        spellings = {s.casefold(): s for a in self._actors.values() for s in (a.name, *a.aliases)}
        close = difflib.get_close_matches(name.casefold(), list(spellings), n=n, cutoff=0.6)
        return [spellings[c] for c in close]

    def __len__(self) -> int:
        return len(self._actors)

    def __iter__(self) -> Iterator[Actor]:
        return iter(self.actors())

    def __contains__(self, actor: object) -> bool:
        return actor in self._actors

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Registry):
            return NotImplemented
        return self._actors == other._actors

    __hash__ = None  # type: ignore[assignment]  # equal by content, and not frozen inside

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # A rebuild sends the registry with every task to its worker process: as one JSON
        # blob, made once, it pickles as fast as a bytes copy (as dataclasses, pickling asked
        # `fields()` per actor per task: a third of a rebuild's extra time with a registry);
        # the ancestors cache stays behind.
        if self._pickled is None:
            actors = [
                (a.id, a.name, a.aliases, a.kind, a.part_of, a.country, a.description)
                for a in self._actors.values()
            ]
            self._pickled = (orjson.dumps([actors, self._names]),)
        return _unpickled_registry, self._pickled

    def __repr__(self) -> str:
        return f"Registry({len(self._actors)} actors)"

    # The one place that changes a registry: only on a fresh value (`apply`, `from_lines`).

    def _apply(self, line: ActorLine) -> RegistryChange:
        self._pickled = None
        key = actor_id(line.actor)
        registered = self._names.get(key, key if key in self._actors else None)
        aid = registered if registered is not None else key
        current = self._actors.get(aid) or Actor(id=aid, name=line.actor)
        held = current.keys
        adds = self._checked_adds(line, aid, current.name, held)
        drops = self._checked_drops(line, aid, current.name, held)
        parent = self._checked_parent(line, aid, current.name)

        # Everything is checked: from here on nothing raises, so a refusal changed nothing.
        aliases = tuple(a for a in current.aliases if actor_id(a) not in drops) + tuple(
            adds.values()
        )
        updated = replace(
            current,
            aliases=aliases,
            part_of=parent if line.part_of is not None else current.part_of,
            **{f: getattr(line, f) for f in _REPLACED if getattr(line, f) is not None},
        )
        lineage: frozenset[str] = frozenset()
        if updated.part_of != current.part_of:
            # A new actor has nothing under it yet (part_of must name a registered actor): not
            # asking saves a scan of every actor per line, quadratic over a registry's replay.
            lineage = frozenset({aid}) if registered is None else self.descendants(aid) | {aid}
            self._ancestors.clear()  # every cached chain through `aid` is stale
        for alias_key in adds:
            self._names[alias_key] = aid
        for alias_key in drops:
            del self._names[alias_key]
        self._actors[aid] = updated
        return RegistryChange(
            actor=aid,
            created=registered is None,
            names=frozenset(adds) | drops,
            lineage=lineage,
            details=registered is None or updated != current,
        )

    def _checked_adds(
        self, line: ActorLine, aid: str, canonical: str, held: frozenset[str]
    ) -> dict[str, str]:
        """The new aliases by key (first spelling wins); an alias held by another refuses."""
        adds: dict[str, str] = {}
        for alias in line.aliases:
            alias_key = actor_id(alias)
            if alias_key in held or alias_key in adds:
                continue  # already this actor's name: the same line twice adds nothing
            holder = self._names.get(alias_key, alias_key if alias_key in self._actors else None)
            if holder is not None:
                raise ActorNameTaken(alias, self._actors[holder].name, canonical)
            adds[alias_key] = alias
        return adds

    def _checked_drops(
        self, line: ActorLine, aid: str, canonical: str, held: frozenset[str]
    ) -> frozenset[str]:
        drops = set()
        added = {actor_id(a) for a in line.aliases}
        for alias in line.drop_aliases:
            alias_key = actor_id(alias)
            if alias_key in added:
                raise AliasAddedAndDropped(alias, canonical)
            if alias_key == aid:
                raise CanonicalNameKept(alias)
            if alias_key == actor_id(line.actor):
                raise AliasAddressedAndDropped(alias, canonical)
            holder = self._names.get(alias_key, alias_key if alias_key in self._actors else None)
            if holder is not None and holder != aid:
                raise AliasNotHeld(alias, self._actors[holder].name, canonical)
            if alias_key in held:
                drops.add(alias_key)
            # An alias nobody holds: nothing to drop (a replayed line must be harmless).
        return frozenset(drops)

    def _checked_parent(self, line: ActorLine, aid: str, canonical: str) -> str | None:
        if line.part_of is None:
            return None
        parent = self.resolve(line.part_of)
        if parent == aid or aid in self.ancestors(parent):
            chain = [parent, *self.ancestors(parent)]
            loop = chain[: chain.index(aid) + 1]
            raise PartOfCycle(canonical, [self._label(a, aid, canonical) for a in loop])
        if parent not in self._actors:
            raise UnknownParent(line.part_of, canonical)
        return parent

    def _label(self, actor: str, aid: str, canonical: str) -> str:
        if actor == aid:
            return canonical  # the actor being registered may not be in the registry yet
        return self._actors[actor].name


def _unpickled_registry(state: bytes) -> Registry:
    """The registry `Registry.__reduce__` pickled; the last one again when `state` is the same.

    A rebuild sends the same registry with each of its hundreds of fold tasks: building 1,000
    actors again per task cost the worker more than the tasks' folding with the registry did,
    and lost the ancestors each task had asked for. A registry never changes once built
    (`apply` makes a new one), so sharing it between tasks is safe."""
    global _last_unpickled
    last = _last_unpickled
    if last is not None and last[0] == state:
        return last[1]

    actors, names = orjson.loads(state)
    registry = Registry()
    registry._actors = {
        a[0]: Actor(a[0], a[1], tuple(a[2]), a[3], a[4], a[5], a[6]) for a in actors
    }
    registry._names = names
    registry._pickled = (state,)
    _last_unpickled = (state, registry)
    return registry


_last_unpickled: tuple[bytes, Registry] | None = None


class RegistryHistory:
    """Every `actor` line with its log position: the registry as the ledger held it at any
    position (`--as-of`, `--at-position`), and now (`--reported-by`, current views)."""

    __slots__ = ("_cache", "_lines", "_now", "_positions")

    def __init__(self) -> None:
        self._positions: list[int] = []
        self._lines: list[ActorLine] = []
        self._now = Registry()
        self._cache: dict[int, Registry] = {}  # by the number of lines applied

    def append(self, line: ActorLine, position: int) -> RegistryChange:
        """Apply one more line, at a position after every line before it."""
        if self._positions and position <= self._positions[-1]:
            raise ValueError(f"actor line at position {position} is not after the last one")
        self._now, change = self._now.apply(line)
        self._positions.append(position)
        self._lines.append(line)
        return change

    @property
    def now(self) -> Registry:
        return self._now

    @property
    def positions(self) -> list[int]:
        """The log position of each line applied, in order (not to be changed)."""
        return self._positions

    def count_at(self, position: int) -> int:
        """How many lines the registry at `position` holds: equal counts, the same registry."""
        return bisect.bisect_right(self._positions, position)

    def at(self, position: int) -> Registry:
        """The registry after every line at or before `position`."""
        count = bisect.bisect_right(self._positions, position)
        if count == len(self._lines):
            return self._now
        found = self._cache.get(count)
        if found is None:
            # Replaying a few hundred lines takes milliseconds; a cut asks for one position.
            found = self._cache[count] = Registry.from_lines(self._lines[:count])
        return found
