"""The actor registry (DOMAIN.md, "The actor registry"), checked as a pure value."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import (
    EXIT_REFUSED,
    ActorNameTaken,
    ActorRefused,
    AliasAddedAndDropped,
    AliasAddressedAndDropped,
    AliasNotHeld,
    CanonicalNameKept,
    InvalidInput,
    PartOfCycle,
    UnknownParent,
)
from ledger.ids import actor_id
from ledger.registry import ActorLine, Registry, RegistryHistory

RUSSIA = ActorLine("Government of Russia", ("Russia", "Russian government", "Moscow"), kind="state")
MOD = ActorLine(
    "Russian Ministry of Defence",
    ("Russian MoD",),
    kind="government_body",
    part_of="Government of Russia",
    country="RU",
)
MFA = ActorLine("Russian Ministry of Foreign Affairs", ("Russian MFA",), part_of="Russia")
SDF = ActorLine("Syrian Democratic Forces", ("SDF", "QSD"), kind="armed_group", country="SY")


def registry(*lines: ActorLine) -> Registry:
    return Registry.from_lines(lines)


def test_a_name_resolves_to_the_actor_whose_canonical_name_or_alias_it_is() -> None:
    r = registry(RUSSIA, MOD, SDF)
    # Check canonical names and aliases, in any case, spacing or punctuation, mean one actor.
    assert r.resolve("Syrian Democratic Forces") == "syrian-democratic-forces"
    assert r.resolve("SDF") == "syrian-democratic-forces"
    assert r.resolve("  sdf ") == "syrian-democratic-forces"
    assert r.resolve("Russian_MoD.") == "russian-ministry-of-defence"
    assert r.resolve("russian mod") == "russian-ministry-of-defence"
    # Check any other name is an actor of its own, with its v1 id.
    assert r.resolve("Maj Gen Igor Konashenkov") == "maj-gen-igor-konashenkov"


def test_a_later_line_naming_an_actor_by_an_alias_updates_it_and_keeps_its_canonical_name() -> None:
    r = registry(SDF, ActorLine("SDF", ("Quwwat Suriya al-Dimuqratiya",), country="SY"))
    sdf = r.get("syrian-democratic-forces")
    assert sdf is not None
    # Check the alias was added to the actor the line named, whose name and id stay.
    assert sdf.name == "Syrian Democratic Forces"
    assert sdf.aliases == ("SDF", "QSD", "Quwwat Suriya al-Dimuqratiya")
    assert r.resolve("Quwwat Suriya al-Dimuqratiya") == sdf.id
    # Check the fields the line did not give are kept, and those it gave replace.
    assert (sdf.kind, sdf.country) == ("armed_group", "SY")
    assert len(r) == 1


def test_the_same_line_twice_adds_nothing() -> None:
    once = registry(RUSSIA, MOD)
    twice, change = once.apply(MOD)
    # Check the second application reports no change and hands back the same value.
    assert not change.changed
    assert twice is once
    # Check an alias differing only in case or punctuation is a name it already has.
    _, change = once.apply(ActorLine("Russian Ministry of Defence", ("RUSSIAN  MoD!",)))
    assert not change.changed


def test_registering_an_alias_reports_the_name_whose_meaning_changed() -> None:
    before = registry(SDF)
    after, change = before.apply(ActorLine("SDF", ("Kurdish-led forces",)))
    # Check the change names the alias's key: incidents naming it must be re-derived.
    assert change.names == {"kurdish-led-forces"}
    assert change.actor == "syrian-democratic-forces"
    assert not change.lineage
    assert before.resolve("Kurdish-led forces") == "kurdish-led-forces"
    assert after.resolve("Kurdish-led forces") == "syrian-democratic-forces"


def test_dropping_an_alias_makes_the_name_an_actor_of_its_own_again() -> None:
    r, change = registry(SDF).apply(ActorLine("Syrian Democratic Forces", drop_aliases=("QSD",)))
    # Check the dropped name resolves to itself, and the change says so.
    assert r.resolve("QSD") == "qsd"
    assert change.names == {"qsd"}
    # Check dropping it again is harmless: a replayed line must not fail.
    _, again = r.apply(ActorLine("Syrian Democratic Forces", drop_aliases=("QSD",)))
    assert not again.changed


def test_a_line_dropping_the_alias_it_names_its_actor_by_is_refused() -> None:
    # Applied, it would drop "QSD"; applied again, "QSD" would name a new actor: never idempotent.
    with pytest.raises(AliasAddressedAndDropped, match="by its alias 'QSD' and drops that alias"):
        registry(SDF).apply(ActorLine("QSD", drop_aliases=("QSD",)))


def test_sides_and_ancestors_follow_the_part_of_chain() -> None:
    r = registry(RUSSIA, MOD, MFA, SDF)
    mod, mfa, gov = (r.resolve(n) for n in ("Russian MoD", "Russian MFA", "Russia"))
    # Check the ancestors, nearest first, and the side at the top of the chain.
    assert r.ancestors(mod) == (gov,)
    assert r.side(mod) == gov == r.side(gov)
    assert r.same_side(mod, mfa)
    assert not r.same_side(mod, r.resolve("SDF"))
    # Check an unregistered actor is its own side, with no ancestors.
    assert r.side("konashenkov") == "konashenkov"
    assert r.ancestors("konashenkov") == ()
    # Check whose retraction speaks for whom: the author and its ancestors, not its siblings.
    assert r.speaks_for(gov, mod)
    assert r.speaks_for(mod, mod)
    assert not r.speaks_for(mfa, mod)
    assert not r.speaks_for(mod, gov)
    assert r.descendants(gov) == {mod, mfa}


def test_a_new_part_of_reports_the_actor_and_everything_under_it() -> None:
    r = registry(ActorLine("Russia"), ActorLine("Russian MoD", part_of="Russia"))
    after, change = r.apply(ActorLine("CSTO"))
    after, change = after.apply(ActorLine("Russia", part_of="CSTO"))
    # Check both Russia and its ministry moved side, and the keys to re-derive include aliases.
    assert change.lineage == {"russia", "russian-mod"}
    assert after.side("russian-mod") == "csto"
    assert after.affected_keys(change) == {"russia", "russian-mod"}


REFUSALS = [
    pytest.param(
        [RUSSIA, SDF],
        ActorLine("Syrian Democratic Forces", ("Moscow",)),
        ActorNameTaken,
        "'Moscow' already names the registered actor 'Government of Russia', so it cannot also "
        "name 'Syrian Democratic Forces'",
        id="an alias another actor holds",
    ),
    pytest.param(
        [RUSSIA, SDF],
        ActorLine("Kurdish forces", ("Syrian Democratic Forces",)),
        ActorNameTaken,
        "'Syrian Democratic Forces' already names the registered actor 'Syrian Democratic "
        "Forces', so it cannot also name 'Kurdish forces'",
        id="an alias that is another actor's canonical name",
    ),
    pytest.param(
        [RUSSIA],
        ActorLine("Russian MoD", part_of="Kremlin"),
        UnknownParent,
        "part_of names 'Kremlin', which is not a registered actor",
        id="part_of an unregistered actor",
    ),
    pytest.param(
        [RUSSIA, MOD],
        ActorLine("Russia", part_of="Russian MoD"),
        PartOfCycle,
        "'Government of Russia' cannot be part of 'Russian Ministry of Defence': that makes a "
        "cycle (Government of Russia -> Russian Ministry of Defence -> Government of Russia)",
        id="a part_of cycle",
    ),
    pytest.param(
        [],
        ActorLine("Russia", part_of="russia"),
        PartOfCycle,
        "'Russia' cannot be part of 'Russia'",
        id="part_of itself",
    ),
    pytest.param(
        [SDF],
        ActorLine("SDF", drop_aliases=("Syrian Democratic Forces",)),
        CanonicalNameKept,
        "'Syrian Democratic Forces' is the canonical name of a registered actor",
        id="dropping the canonical name",
    ),
    pytest.param(
        [RUSSIA, SDF],
        ActorLine("SDF", drop_aliases=("Moscow",)),
        AliasNotHeld,
        "drop_aliases names 'Moscow', an alias of 'Government of Russia', not of 'Syrian "
        "Democratic Forces'",
        id="dropping another actor's alias",
    ),
    pytest.param(
        [SDF],
        ActorLine("SDF", aliases=("YPG",), drop_aliases=("ypg",)),
        AliasAddedAndDropped,
        "both adds and drops the alias 'ypg'",
        id="adding and dropping one alias",
    ),
]


@pytest.mark.parametrize(("before", "line", "error", "message"), REFUSALS)
def test_a_refused_line_raises_one_sentence_naming_the_names_and_changes_nothing(
    before: list[ActorLine], line: ActorLine, error: type[ActorRefused], message: str
) -> None:
    r = registry(*before)
    with pytest.raises(error) as refused:
        r.apply(line)
    # Check it is a domain refusal (exit 1), one line, naming the names involved.
    assert refused.value.exit_code == EXIT_REFUSED
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    # Check the registry it was applied to is as it was.
    assert r == registry(*before)


def test_a_blank_name_is_bad_input() -> None:
    # Check a whitespace-only alias is refused before it could become an unnameable actor.
    with pytest.raises(InvalidInput):
        ActorLine("SDF", aliases=("\u3000",))


def test_an_actor_line_reads_from_a_record_tolerating_one_name_for_a_list() -> None:
    line = ActorLine.from_record({"type": "actor", "actor": "SDF", "aliases": "QSD"})
    # Check a single alias is one name, not its letters.
    assert line.aliases == ("QSD",)


def test_the_registry_as_held_at_a_position_ignores_later_lines() -> None:
    history = RegistryHistory()
    history.append(SDF, 3)
    history.append(ActorLine("SDF", ("Kurdish-led forces",)), 10)
    # Check a cut before the alias line does not know the alias; one at or after it does.
    assert history.at(2) == Registry()
    assert history.at(9).resolve("Kurdish-led forces") == "kurdish-led-forces"
    assert history.at(10).resolve("Kurdish-led forces") == "syrian-democratic-forces"
    assert history.at(10) is history.now
    # Check the history refuses a line out of log order.
    with pytest.raises(ValueError):
        history.append(RUSSIA, 10)


def test_close_matches_are_suggested_for_an_unknown_name() -> None:
    r = registry(RUSSIA, MOD, SDF)
    # Check a misspelling finds the registered spelling it resembles.
    assert "Russian MoD" in r.suggest("Rusian MOD")


NAMES = ["Russia", "Moscow", "Russian MoD", "SDF", "QSD", "CSTO", "Kremlin", "YPG", "Damascus"]
LINES = st.builds(
    ActorLine,
    actor=st.sampled_from(NAMES),
    aliases=st.lists(st.sampled_from(NAMES), max_size=2).map(tuple),
    drop_aliases=st.lists(st.sampled_from(NAMES), max_size=1).map(tuple),
    part_of=st.none() | st.sampled_from(NAMES),
    kind=st.none() | st.sampled_from(["state", "armed_group"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=12))
def test_every_accepted_line_keeps_the_registry_consistent(lines: list[ActorLine]) -> None:
    r = Registry()
    for line in lines:
        try:
            new, change = r.apply(line)
        except ActorRefused:
            continue
        # Check each name means one actor, each part_of is registered, and no chain loops.
        for key, actor in new.names().items():
            assert key in (new.get(actor) or pytest.fail(key)).keys
        for actor in new.actors():
            assert actor.part_of is None or actor.part_of in new
            assert actor.id not in new.ancestors(actor.id)
        # Check the change reports exactly the names whose resolution changed.
        for key in map(actor_id, NAMES):
            assert (new.resolve_key(key) != r.resolve_key(key)) == (key in change.names)
        # Check applying the same line again changes nothing.
        assert not new.apply(line)[1].changed
        r = new


def test_a_pickled_registry_comes_back_equal_and_the_same_bytes_give_the_one_kept() -> None:
    # A rebuild sends its registry with every fold task: the worker builds it once and keeps
    # it for the same bytes, and builds another only for other bytes.
    import pickle

    first, second = registry(RUSSIA, MOD, SDF), registry(RUSSIA, MFA)
    one = pickle.loads(pickle.dumps(first))
    assert one == first
    assert one.resolve("Russian MoD") == first.resolve("Russian MoD")
    assert one.side(actor_id("Russian Ministry of Defence")) == actor_id("Government of Russia")
    assert pickle.loads(pickle.dumps(first)) is one
    other = pickle.loads(pickle.dumps(second))
    assert other == second
    assert other != one
    assert other.names() == second.names()
