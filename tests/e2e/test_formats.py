"""Each command writes only the formats it accepts; JSON lists are arrays and booleans booleans;
reports take --limit and --sort; --help lists every choice option's values."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from cli.main import app
from tests.conftest import _admin_connect, _pg_url

RunCli = Callable[..., Result]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunCli]:
    """The CLI on a ledger holding the worked example (and a correction, for `corrected`)."""
    if request.param == "sqlite":
        db = str(tmp_path_factory.mktemp("formats") / "ledger.db")
        name = None
    else:
        import uuid

        request.getfixturevalue("pg_server")  # skips (fails in CI) when no server answers
        name = f"ledger_formats_{uuid.uuid4().hex[:12]}"
        with _admin_connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        db = _pg_url(name)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--db", db, "--as", "tester", *args])

    assert invoke("-q", "demo").exit_code == 0
    result = invoke(
        "correct", "deir-ez-zor-shelling-2017-09", "--refers-to", "mod-shelling",
        "--change", "speaker=Igor Konashenkov", "--reason", "name as published",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    yield invoke
    if name is not None:
        with _admin_connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


INCIDENT = "deir-ez-zor-shelling-2017-09"


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "mod-shelling", "-f", "csv"),
        ("diff", INCIDENT, "--from", "2017-09-20", "-f", "csv"),
        ("verify", "-f", "csv"),
        ("seal", "-f", "jsonl"),
        ("show", INCIDENT, "-f", "csv"),
        ("show", INCIDENT, "-f", "jsonl"),
    ],
)
def test_a_format_a_command_does_not_write_is_a_usage_error(
    demo: RunCli, args: tuple[str, ...]
) -> None:
    result = demo(*args)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--format'" in result.output
    assert "┃" not in result.stdout and "─" not in result.stdout


@pytest.mark.parametrize("report", ["incidents", "disputed", "claims", "disputes", "actors"])
def test_jsonl_writes_the_json_rows_one_a_line(demo: RunCli, report: str) -> None:
    as_json = demo("report", report, "-f", "json")
    as_jsonl = demo("report", report, "-f", "jsonl")
    assert as_json.exit_code == 0 and as_jsonl.exit_code == 0, as_jsonl.output
    rows = json.loads(as_json.stdout)
    assert rows, "the example has rows for every report"
    lines = as_jsonl.stdout.splitlines()
    assert [json.loads(line) for line in lines] == rows


def test_history_writes_jsonl_too(demo: RunCli) -> None:
    result = demo("history", INCIDENT, "-f", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 10 and rows[0]["type"] == "incident"


def test_json_lists_are_arrays_and_booleans_are_booleans(demo: RunCli) -> None:
    result = demo("report", "claims", "-f", "json")
    assert result.exit_code == 0, result.output
    claim = next(r for r in json.loads(result.stdout) if r["report"] == "mod-shelling")
    assert claim["against"] == ["Syrian Democratic Forces", "US special forces"]
    assert claim["targets"] == ["Syrian government forces"]
    assert claim["corrected"] is True
    others = [r["corrected"] for r in json.loads(result.stdout) if r["report"] != "mod-shelling"]
    assert others and all(value is False for value in others)


def test_csv_booleans_are_true_and_false_and_lists_json_text(demo: RunCli) -> None:
    result = demo("report", "claims", "-f", "csv", "--columns", "report,against,corrected")
    assert result.exit_code == 0, result.output
    rows = {r["report"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["mod-shelling"]["corrected"] == "true"
    assert rows["mod-special-forces-deployed"]["corrected"] == "false"
    assert json.loads(rows["mod-shelling"]["against"]) == [
        "Syrian Democratic Forces",
        "US special forces",
    ]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "table"])
def test_limit_and_sort_come_from_the_database(demo: RunCli, fmt: str) -> None:
    everything = json.loads(demo("report", "claims", "-f", "json").stdout)
    expected = sorted(everything, key=lambda r: r["report"], reverse=True)[:2]
    result = demo("report", "claims", "-f", fmt, "--sort", "report:desc", "--limit", "2")
    assert result.exit_code == 0, result.output
    ids = re.findall(r"mod-[a-z-]+|sdf-[a-z-]+", result.stdout)
    assert list(dict.fromkeys(ids)) == [r["report"] for r in expected]


def test_sort_puts_empty_values_last_on_both_backends(demo: RunCli) -> None:
    result = demo("report", "claims", "-f", "json", "--sort", "reliability")
    assert result.exit_code == 0, result.output
    grades = [r["reliability"] for r in json.loads(result.stdout)]
    assert grades[0] is not None and grades[-1] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--sort", "nope"), "--sort: no column 'nope' in claims"),
        (("--sort", 'report"; DROP TABLE claims; --'), "--sort: no column"),
        (("--sort", "report:sideways"), "is not COLUMN, COLUMN:asc or COLUMN:desc"),
        (("--limit", "-1"), "Invalid value for '--limit'"),
        (("--status", "maybe"), "Invalid value for '--status'"),
    ],
)
def test_a_bad_sort_limit_or_status_is_a_usage_error(
    demo: RunCli, args: tuple[str, ...], message: str
) -> None:
    result = demo("report", "claims", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert demo("report", "claims", "-f", "csv").exit_code == 0  # nothing was dropped


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ledger {version('incident-ledger')}\n"


def test_shell_completion_is_offered() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def _commands(group: typer.Typer) -> Iterator[tuple[str, ...]]:
    # The click commands, as they run: cli/main.py registers each only when it is asked for.
    import typer.main

    root: Any = typer.main.get_command(group)
    for name, command in root.commands.items():
        if hasattr(command, "commands"):
            yield from ((name, sub) for sub in command.commands)
        else:
            yield (name,)


def _choice_options(command: tuple[str, ...]) -> dict[str, list[str]]:
    """Each option of the command whose values form a choice, and those values."""
    import typer.main

    click_app = typer.main.get_command(app)
    for name in command:
        click_app = click_app.commands[name]  # type: ignore[attr-defined]
    found = {}
    for param in click_app.params:
        choices = getattr(param.type, "choices", None)
        if choices:
            found[param.opts[-1] if len(param.opts) == 1 else param.opts[0]] = [
                getattr(c, "value", c) for c in choices
            ]
    return found


COMMANDS = sorted(set(_commands(app)))


def test_the_choice_options_are_many() -> None:
    # Check the sweep below sees choices at all (else it would prove nothing).
    options = {o for c in COMMANDS for o in _choice_options(c)}
    assert {"--format", "--status", "--stance", "--scope", "--reliability", "--relation"} <= options


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_lists_the_values_of_every_choice_option(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for option, values in _choice_options(command).items():
        assert f"<{'|'.join(values)}>" in result.stdout, (option, values)


@pytest.mark.parametrize("report", ["incidents", "claims", "disputes", "actors", "provenance"])
def test_report_help_lists_its_columns(report: str) -> None:
    from projections.queries import report_columns

    result = CliRunner().invoke(app, ["report", report, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    assert f"of: {', '.join(report_columns(report))}." in " ".join(result.stdout.split())


def test_the_status_choices_are_every_status_the_rules_can_give_and_open() -> None:
    # --status is built from ledger.statuses; the statuses themselves come from the rules
    # (ledger/status_rules.py `derive`: its own six, or a verdict's declared value) and `open`
    # (an incident without a claim or warning). A status added to the rules but not to the
    # list, or listed but never given, fails here.
    import inspect

    from cli.views_commands import Status
    from ledger import status_rules
    from ledger.report_fields import DECLARED

    given = set(re.findall(r'status = "(\w+)"', inspect.getsource(status_rules.derive)))
    (verdict_status,) = [f for f in DECLARED["verdict"] if f.name == "status"]
    assert verdict_status.choices
    expected = given | set(verdict_status.choices) | {"open"}
    assert {s.value for s in Status} == expected
