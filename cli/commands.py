"""Every command of `ledger`: its name, what registers it, and its help's first sentence.

The command group (cli/lazy.py) imports a command's module only when that command runs; this
table is all that `ledger --help`, a typo's suggestion and shell completion need. A new command
needs its line here, else it never runs: tests/e2e/test_startup.py checks every module the table
names registers only commands it lists, and that each line matches the command's own help.

A loader below is the same: its command module is imported late, inside it.
"""

from collections.abc import Callable

import typer

from cli.lazy import Lazy

# `ledger report`: the group, built lazily too (cli/main.py sets its class); its commands are
# in cli/views_commands.py, and `report html` in cli/html_commands.py.
REPORT_APP = typer.Typer(
    help=(
        "Report from the projection tables.\n\n"
        "Example:\n\n    ledger report claims --status disputed"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _module(name: str) -> Callable[[typer.Typer], None]:
    """Registers the commands of module `cli.NAME` (each module's `register(app)`)."""
    # __import__, not importlib.import_module: `python -X importtime`, which the tests' import
    # probes read, logs only imports that go through the interpreter's own import.
    return lambda app: __import__(f"cli.{name}", fromlist=["register"]).register(app)


def _html(app: typer.Typer) -> None:
    from cli import html_commands

    html_commands.register(app, app)  # `report html`, and `browse` beside it


def _report(app: typer.Typer) -> None:
    app.add_typer(REPORT_APP, name="report")


def _reports(app: typer.Typer) -> None:
    """Registers the reports of cli/views_commands.py (its `report_app` holds them)."""
    from cli import views_commands

    app.registered_commands.extend(views_commands.report_app.registered_commands)


def _db(app: typer.Typer) -> None:
    from cli import db_commands

    app.add_typer(db_commands.db_app, name="db")


# Every command, in the order `ledger --help` lists them: its name, the module that registers it
# (cli/NAME.py, or one of the functions above), and its help's first sentence, all that
# `ledger --help` and completion show of it (tests/e2e/test_cli_help.py checks each against the
# command's own help).
_TABLE = [
    ("open", "report_commands", "Open an incident: the disputed happening that reports are about."),
    ("claim", "report_commands", "Record a claim: a party says something happened."),
    (
        "warn",
        "report_commands",
        "Record a warning: a party threatens what it will do, and on what condition.",
    ),
    ("deny", "report_commands", "Record a denial of earlier reports."),
    ("corroborate", "report_commands", "Record a corroboration of an assertion."),
    ("discrepancy", "report_commands", "Record that sources disagree on a detail of a report."),
    (
        "assess",
        "report_commands",
        "Grade an assertion with the Admiralty code (reliability A-F, credibility 1-6).",
    ),
    ("verdict", "report_commands", "Record an analyst's verdict on an assertion."),
    ("retract", "report_commands", "Record that a party withdrew what it said."),
    ("correct", "report_commands", "Correct a ledger entry (a new event: history keeps both)."),
    (
        "outcome",
        "report_commands",
        "Record the outcome of a warning: carried out, not carried out, withdrawn...",
    ),
    (
        "cite",
        "report_commands",
        "Record a piece of evidence (as data: where it is and its hash) and what it bears on.",
    ),
    ("link", "report_commands", "Link an incident to another one."),
    (
        "actor",
        "actor_commands",
        "Register an actor, or update one (by canonical name or alias): aliases, part_of, kind.",
    ),
    (
        "actors",
        "actor_commands",
        "List the actor registry: canonical name, id, kind, part_of, side, country, aliases.",
    ),
    ("import", "io_commands", "Import reports from a JSON Lines file: all lines or none."),
    (
        "append",
        "io_commands",
        "Append reports given as JSON Lines on standard input (all or none, like import).",
    ),
    (
        "show",
        "read_commands",
        "Show an incident's current state, replayed from the log, with each assertion's status.",
    ),
    (
        "history",
        "read_commands",
        "Every event of an incident in order, with position, version, clocks, recorder and "
        "hash; with --actor, every registry line of an actor (its aliases, part_of, kind over"
        " time).",
    ),
    (
        "init",
        "admin_commands",
        "Create the ledger's schema, or upgrade it to the newest revision (safe to repeat).",
    ),
    (
        "demo",
        "admin_commands",
        "Load the worked example (Deir ez-Zor, September 2017) and print what it holds.",
    ),
    (
        "project",
        "admin_commands",
        "Bring the projection tables up to date with the log (exactly once).",
    ),
    (
        "seal",
        "integrity_commands",
        "Seal the log: record a Merkle root over every event so far, and print it to keep.",
    ),
    (
        "verify",
        "integrity_commands",
        "Re-hash every event, check every chain link, version and seal, and the report index,"
        " and re-hash every stored file an evidence report names; exit 3 on any problem.",
    ),
    (
        "proof",
        "integrity_commands",
        "Print an inclusion proof of a report's event in the latest seal (JSON, for verify-proof).",
    ),
    (
        "verify-proof",
        "integrity_commands",
        "Check an inclusion proof without the database: the event, its hash, and the path to "
        "the root.",
    ),
    (
        "keygen",
        "integrity_commands",
        "Write an Ed25519 key pair; set LEDGER_SIGNING_KEY to the private one to sign every event.",
    ),
    (
        "attach",
        "evidence_commands",
        "Store a file in the evidence store (content-addressed, write-once) and record its "
        "`evidence` report with its sha256, bytes and media type.",
    ),
    (
        "evidence",
        "evidence_commands",
        "Give a stored evidence file back, checking its hash on the way (exit 3 if it was "
        "altered); or list the evidence with --list.",
    ),
    (
        "audit",
        "audit_commands",
        "The life of a report, replayed from the log: every event that touched it, the status"
        " after each, its provenance chain, and whether its incident's hash chain verifies.",
    ),
    (
        "diff",
        "audit_commands",
        "What changed in an incident between two cuts: statuses, counts and new reports.",
    ),
    (
        "export",
        "audit_commands",
        "Export the log as JSON Lines: re-importable reports, or full events with their hashes.",
    ),
    (
        "search",
        "search_commands",
        "Find reports by their text: titles, summaries, quotes, reasons and names, best match"
        " first (voided reports left out).",
    ),
    (
        "changes",
        "changes_commands",
        "Everything new in the ledger between two cuts: new incidents and reports (a "
        "verdict's status in `to`), then every incident and assertion status that changed, "
        "from -> to.",
    ),
    (
        "browse",
        "html",
        "Explore the views in Datasette: every view and its columns described, ids linked to "
        "what they name, facets, full-text search of reports, canned queries; internal tables"
        " hidden.",
    ),
    ("report", "report", "Report from the projection tables."),
    ("db", "db", "Database administration."),
]

_SPECIAL = {"html": _html, "report": _report, "db": _db}
COMMANDS = {name: Lazy(_SPECIAL.get(key) or _module(key), summary) for name, key, summary in _TABLE}

REPORTS = {
    name: Lazy(_reports, summary)
    for name, summary in (
        ("incidents", "Every incident with its status and counts."),
        ("disputed", "Incidents whose status is disputed, most recently active first."),
        ("claims", "Claims, warnings and denials with their derived status and counts."),
        ("disputes", "Each (assertion, denial) pair."),
        (
            "actors",
            "Actors and what they claimed, warned, denied, corroborated, retracted or were "
            "accused of.",
        ),
        (
            "provenance",
            "Source chains hop by hop: speaker, on behalf of, channel, relays, outlet.",
        ),
    )
}
REPORTS["html"] = Lazy(
    _html,
    "One self-contained HTML page: an overview of the incidents, each one's timeline on the "
    "stated-time axis, each assertion's provenance graph, evidence and status history, and the "
    "hash-chain verification.",
)
