"""Actor lines in the append-only log (issue 19, the log side), on both backends: each actor its
own hash-chained aggregate `actor:<id>`, exported and re-imported, verified, refused in one
line with nothing written, idempotent, and readable as of any log position."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.errors import EXIT_INTEGRITY, EXIT_OK, EXIT_REFUSED
from tests.integration.sealed_ledger import Backdoor

REGISTRY = [
    {
        "type": "actor",
        "actor": "Government of Russia",
        "aliases": ["Russia", "Moscow"],
        "kind": "state",
        "country": "RU",
    },
    {
        "type": "actor",
        "actor": "Russian Ministry of Defence",
        "aliases": ["Russian MoD"],
        "kind": "government_body",
        "part_of": "Russia",
        "country": "RU",
    },
    {
        "type": "actor",
        "actor": "Syrian Democratic Forces",
        "aliases": ["SDF"],
        "kind": "armed_group",
    },
    {"type": "incident", "incident": "inc-1", "title": "An incident"},
    {"type": "actor", "actor": "SDF", "aliases": ["QSD"]},  # an update, by alias
]


def _write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _json(result: Any) -> Any:
    assert result.exit_code == EXIT_OK, result.stderr
    return json.loads(result.stdout)


def test_actor_lines_import_export_and_import_again_to_the_same_registry(
    run_cli: Any, tmp_path: Path
) -> None:
    first = run_cli("import", str(_write(tmp_path / "r.jsonl", REGISTRY)))
    assert first.exit_code == EXIT_OK, first.stderr
    assert "added 1 report(s) to 1 incident(s) and 4 line(s) to 3 actor(s)" in first.stderr
    again = run_cli("import", str(tmp_path / "r.jsonl"))
    assert "added 0 report(s) to 0 incident(s); 5 already recorded" in again.stderr

    actors = _json(run_cli("actors", "--format", "json"))
    by_id = {a["id"]: a for a in actors}
    assert by_id["syrian-democratic-forces"]["aliases"] == ["SDF", "QSD"]
    assert by_id["russian-ministry-of-defence"]["side"] == "government-of-russia"

    exported = run_cli("export")
    assert exported.exit_code == EXIT_OK
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    actor_lines = [line for line in lines if line["type"] == "actor"]
    # The line as written (`actor` as given, an alias on the update), and the recorder.
    assert [line["actor"] for line in actor_lines] == [
        "Government of Russia",
        "Russian Ministry of Defence",
        "Syrian Democratic Forces",
        "SDF",
    ]
    assert all("incident" not in line and "aggregate" not in line for line in actor_lines)

    from typer.testing import CliRunner

    from cli.main import app

    elsewhere = f"sqlite:///{tmp_path / 'copy.db'}"
    reimported = CliRunner().invoke(
        app, ["--db", elsewhere, "import", str(_write(tmp_path / "x.jsonl", lines))]
    )
    assert reimported.exit_code == EXIT_OK, reimported.stderr
    copy = CliRunner().invoke(app, ["--db", elsewhere, "actors", "--format", "json"])
    assert json.loads(copy.stdout) == actors

    events = [json.loads(e) for e in run_cli("export", "--format", "events").stdout.splitlines()]
    sdf = [e for e in events if e.get("aggregate") == "actor:syrian-democratic-forces"]
    assert [e["version"] for e in sdf] == [1, 2]
    assert sdf[1]["prev_hash"] == sdf[0]["hash"]


def test_verify_passes_with_actor_events_and_finds_a_tampered_one(
    run_cli: Any, db_url: str, tmp_path: Path
) -> None:
    run_cli("import", str(_write(tmp_path / "r.jsonl", REGISTRY)))
    assert run_cli("seal").exit_code == EXIT_OK
    verified = run_cli("verify")
    assert verified.exit_code == EXIT_OK, verified.stderr
    door = Backdoor(db_url)
    try:
        door.drop_triggers()
        state = door.raw_state(2)  # Russian Ministry of Defence's registration
        door.set_raw_state(2, state.replace(b"Russian MoD", b"Russian M0D", 1))
    finally:
        door.close()
    tampered = run_cli("verify")
    assert tampered.exit_code == EXIT_INTEGRITY
    assert tampered.stderr.count("\n") == 1


def test_refused_actor_lines_give_one_line_and_write_nothing(run_cli: Any, tmp_path: Path) -> None:
    run_cli("import", str(_write(tmp_path / "r.jsonl", REGISTRY)))
    before = run_cli("export", "--format", "events").stdout
    cases = [
        ({"type": "actor", "actor": "Someone", "aliases": ["SDF"]}, EXIT_REFUSED, "line 2"),
        ({"type": "actor", "actor": "Someone", "part_of": "Nobody"}, EXIT_REFUSED, "line 2"),
        ({"type": "actor", "actor": "Russia", "part_of": "Russian MoD"}, EXIT_REFUSED, "line 2"),
        ({"type": "actor", "actor": "X", "incident": "inc-1"}, 2, "incident"),
        ({"type": "actor", "actor": "X", "country": "Russia"}, 2, "country"),
        ({"type": "actor", "actor": "X", "kind": "army"}, 2, "kind"),
        ({"type": "actor", "actor": " "}, 2, "actor"),
    ]
    for line, code, named in cases:
        fresh = {"type": "actor", "actor": "Fresh Actor"}  # would be written if not all-or-none
        path = _write(tmp_path / "bad.jsonl", [fresh, line])
        result = run_cli("import", str(path))
        assert result.exit_code == code, (line, result.stderr)
        assert result.stderr.count("\n") == 1 and named in result.stderr, result.stderr
    assert run_cli("export", "--format", "events").stdout == before


def test_ledger_actor_and_actors_end_to_end_with_a_cut_by_position(run_cli: Any) -> None:
    made = run_cli("actor", "Government of Russia", "--alias", "Russia", "--kind", "state")
    assert made.exit_code == EXIT_OK, made.stderr
    assert made.stdout == "actor:government-of-russia\n"
    same = run_cli("actor", "Government of Russia", "--alias", "Russia")
    assert same.exit_code == EXIT_OK and "nothing added" in same.stderr
    mod = run_cli("actor", "Russian MoD", "--part-of", "Russia", "--country", "RU")
    assert mod.exit_code == EXIT_OK
    run_cli("actor", "Russian MoD", "--alias", "Russian Ministry of Defence")
    clash = run_cli("actor", "SDF", "--alias", "Moscow", "--alias", "Russia")
    assert clash.exit_code == EXIT_REFUSED
    assert clash.stderr.count("\n") == 1 and "Government of Russia" in clash.stderr
    bad = run_cli("actor", "SDF", "--country", "sy")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --country:")

    now = {a["id"]: a for a in _json(run_cli("actors", "--format", "json"))}
    assert now["russian-mod"]["aliases"] == ["Russian Ministry of Defence"]
    assert now["russian-mod"]["side"] == "government-of-russia"
    then = {a["id"]: a for a in _json(run_cli("actors", "-f", "json", "--at-position", "2"))}
    assert then["russian-mod"]["aliases"] == []
    assert set(_json(run_cli("actors", "-f", "json", "--at-position", "1"))[0]) >= {"side"}
    csv = run_cli("actors", "--format", "csv")
    assert csv.stdout.splitlines()[0] == "name,id,kind,part_of,side,country,aliases,description"

    history = _json(run_cli("history", "actor:russian-mod", "--format", "json"))
    assert [row["version"] for row in history] == [1, 2]
    assert [row["position"] for row in history] == [2, 3]


def test_the_application_exposes_the_registry_now_and_at_a_position(
    ledger: Any, tmp_path: Path
) -> None:
    from tests.conftest import lines_of

    ledger.append(lines_of(*REGISTRY), recorded_by="tester")
    assert ledger.registry().resolve("QSD") == "syrian-democratic-forces"
    assert ledger.registry_at(4).resolve("QSD") == "qsd"
    history = ledger.registry_history()
    assert history.at(1).resolve("Russian MoD") == "russian-mod"
    assert [r["incident"] for r in ledger.actor_records()][-1] == "actor:syrian-democratic-forces"
    # The views skip actor events (they are folded apart), so projecting does not fail.
    assert ledger.max_position() == 5


def test_the_worked_examples_registry_heads_the_example_and_verifies(run_cli: Any) -> None:
    from tests.conftest import EXAMPLE

    lines = [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines()]
    kinds = [line["type"] for line in lines]
    actors = kinds.count("actor")
    # The registry comes first, so the reports' names resolve through it.
    assert actors > 0 and kinds[:actors] == ["actor"] * actors
    reports = len(lines) - actors  # the incident lines count as reports too
    example = run_cli("import", str(EXAMPLE))
    assert example.stderr.startswith(
        f"added {reports} report(s) to 2 incident(s) and {actors} line(s) to {actors} actor(s); "
        "0 already recorded"
    )
    registered = {a["id"]: a for a in _json(run_cli("actors", "--format", "json"))}
    # The names the example's reports use resolve to the registered actors.
    assert registered["syrian-democratic-forces"]["aliases"] == ["SDF", "QSD"]
    assert registered["russian-ministry-of-defence"]["side"] == "government-of-russia"
    verified = run_cli("verify")
    assert verified.exit_code == EXIT_OK
    assert f"{len(lines)} event(s) in 2 incident(s) and {actors} actor(s)" in verified.stdout


def test_an_actor_event_whose_topic_swapped_with_another_is_a_finding(
    run_cli: Any, db_url: str, tmp_path: Path
) -> None:
    # An actor's two topics name events of one type ("actor"), so the hash alone cannot tell
    # them apart: verify checks that `Actor.Registered` is an actor's first event, and only that.
    run_cli("import", str(_write(tmp_path / "r.jsonl", REGISTRY)))
    door = Backdoor(db_url)
    try:
        door.drop_triggers()
        # Position 5 is the SDF's update (its version 2), position 3 the SDF's registration.
        door.execute(
            "UPDATE ledger_events SET topic = 'incident-ledger:Actor.Registered' "
            "WHERE notification_id = 5"
        )
        door.execute(
            "UPDATE ledger_events SET topic = 'incident-ledger:Actor.Updated' "
            "WHERE notification_id = 3"
        )
    finally:
        door.close()
    tampered = run_cli("verify", "--format", "json")
    assert tampered.exit_code == EXIT_INTEGRITY, tampered.output
    problems = {(f["position"], f["problem"]) for f in json.loads(tampered.stdout)["findings"]}
    assert problems == {
        (
            3,
            "undecodable event: topic 'incident-ledger:Actor.Updated' on an actor's version 1 "
            "(its first event is Actor.Registered)",
        ),
        (
            5,
            "undecodable event: topic 'incident-ledger:Actor.Registered' on an actor's version 2 "
            "(only its first event is Actor.Registered)",
        ),
    }
