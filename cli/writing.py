"""What the write commands share: the write's options, taken from the global ones, and what
a write prints. The writing itself is `ledger.importing`'s."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from cli.context import say, settings
from cli.progress import ProgressBar
from ledger.errors import NEEDS_CHANGES_OR_VOID, NEEDS_URL_OR_SHA256, InvalidInput
from ledger.report_fields import MAGNITUDE_FLAGS, MAGNITUDE_PARTS

if TYPE_CHECKING:
    from ledger.importing import ImportResult
    from ledger.interchange import InvalidLine

# A typed command names its command-line option where an import names a JSON key.
_OPTION_OF_FIELD = {
    "incident": "INCIDENT",
    "changes": "--change",
    "variants": "--variant",
    "sources": "--source",
    # Each count and flag of a magnitude has its own option (named as its key): these are for
    # an error on the magnitude as a whole.
    "magnitude": "/".join(f"--{key}" for key in (*MAGNITUDE_PARTS, *MAGNITUDE_FLAGS)),
    "actor": "NAME",
    "aliases": "--alias",
    "drop_aliases": "--drop-alias",
}


# A rule over the whole line, in the typed commands' options (`ledger correct`, `ledger cite`).
_OPTION_WORDS = {
    NEEDS_CHANGES_OR_VOID: "give --change FIELD=VALUE (repeatable) or --void, not both",
    NEEDS_URL_OR_SHA256: "give --url or --sha256 (where the material is, or its hash), or both",
}


def write_options(*, project: bool, with_progress: bool = False) -> dict[str, Any]:
    """The keyword arguments of `ledger.importing`'s functions, from the global options."""
    # Imported here, as every command's own layers are (cli/main.py): eventsourcing and
    # SQLAlchemy would otherwise load for `ledger --help`.
    from ledger.opening import signer_from_environment
    from projections.after_write import ProjectAfterWrite

    current = settings()
    progress = _phase_bars() if with_progress else None
    return {
        # Asked for once the append starts, as before: a bad --as is reported after the lines.
        "recorded_by": lambda: settings().recorder_name,
        "lock_timeout": current.lock_timeout,
        "signer": signer_from_environment(),
        "project": ProjectAfterWrite(current.lock_timeout, progress=progress) if project else None,
        **({"progress": progress} if progress else {}),
    }


def import_options(*, project: bool) -> dict[str, Any]:
    """`write_options` with a progress bar for each phase of a whole file's import."""
    return write_options(project=project, with_progress=True)


def _phase_bars() -> Callable[[str, int | None], ProgressBar]:
    """A bar per phase (parsing, appending, projecting), all shown once the command has run
    for a second: a phase that starts late in a long import shows at once."""
    started = time.monotonic()
    return lambda phase, total: ProgressBar(phase, total, started=started)


def option_error(error: InvalidLine) -> InvalidInput:
    """A typed command's invalid value, naming the command-line option, not the JSON key."""
    if error.field is None and error.problem in _OPTION_WORDS:
        return InvalidInput(_OPTION_WORDS[error.problem])
    field = error.field
    if field and field.startswith("magnitude."):  # `magnitude.killed`: the option --killed
        field = field[len("magnitude.") :]
    top = (field or "").split(".")[0]
    option = _OPTION_OF_FIELD.get(top, "--" + top.replace("_", "-"))
    where = f"{option}{field[len(top) :] if field else ''}: " if field else ""
    return InvalidInput(f"{where}{error.problem}")


def report_imported(result: ImportResult) -> None:
    reports = f"added {len(result.reports)} report(s) to {len(result.incidents)} incident(s)"
    # Actor lines are named only when there are some, so a version-1 file's summary is as it was.
    actor_lines = result.added - len(result.reports)
    if actor_lines and not result.reports:
        # A registry file alone: its summary names only what it added (and fits 80 columns).
        reports = f"added {actor_lines} line(s) to {len(result.actors)} actor(s)"
    elif actor_lines:
        reports += f" and {actor_lines} line(s) to {len(result.actors)} actor(s)"
    say(f"{reports}; {result.unchanged} already recorded")
    _report_projection(result)


def report_appended(result: ImportResult, line: dict[str, Any]) -> None:
    if line["type"] == "actor":
        _actor_appended(result, line)
    elif not result.reports:
        say("already recorded: nothing added")
    else:
        typer.echo(result.reports[0])
        if line["type"] == "incident":
            say(f"opened incident '{line['incident']}'")
        else:
            say(f"recorded {line['type']} '{result.reports[0]}' in {line['incident']}")
    _report_projection(result)


def _actor_appended(result: ImportResult, line: dict[str, Any]) -> None:
    if not result.actors:
        say("already recorded: nothing added")
        return
    aggregate = next(iter(result.actors))
    typer.echo(aggregate)
    say(f"recorded actor line for '{line['actor']}' ({aggregate})")


def _report_projection(result: ImportResult) -> None:
    if result.projection_warning is not None:
        say(result.projection_warning)
