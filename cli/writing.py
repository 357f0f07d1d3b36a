"""The one write path of the CLI: validate every line, append atomically, then project."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.context import open_ledger, say, settings
from cli.progress import ProgressBar

if TYPE_CHECKING:
    from ledger.application import Mentions
    from ledger.store.config import StoreConfig


def _single_line(
    line: dict[str, Any],
) -> Callable[[], list[tuple[int | None, str, dict[str, Any]]]]:
    from ledger.errors import InvalidInput
    from ledger.interchange import InvalidLine, report_fields, validate_report

    try:
        fields = report_fields(validate_report(line))
    except InvalidLine as e:
        # Name the command-line option, not a JSON key, for a typed command.
        top = (e.field or "").split(".")[0]
        option = {
            "incident": "INCIDENT",
            "changes": "--change",
            "variants": "--variant",
            "sources": "--source",
            "magnitude": "--occurrences/--killed/--injured",
        }.get(top, "--" + top.replace("_", "-"))
        where = f"{option}{e.field[len(top) :] if e.field else ''}: " if e.field else ""
        raise InvalidInput(f"{where}{e.problem}") from None
    report_type = fields.pop("type")
    return lambda: [(None, report_type, dict(fields))]


def append_lines(
    *, single: dict[str, Any] | None = None, path: Path | None = None, project: bool = True
) -> None:
    """Append one typed report or a whole file; prints what was added (stdout) and a summary."""
    spool: Path | None = None
    mentions: Mentions | None = None
    lines: Callable[[], Any]
    if single is not None and single["type"] != "incident":
        _refuse_on_a_ledger_without_schema(single["incident"])
    if single is not None:
        lines = _single_line(single)  # validates now: exit 2 before the database is touched
        total: int | None = 1
    else:
        from cli.validation import lines_from_spool, validate_file

        assert path is not None
        if _worth_validating_beside(path):
            _append_beside_validation(path, project)
            return
        spool = _temporary_path()
        try:
            total, mentions = validate_file(path, spool)  # every line, before any is written
        except BaseException:
            remove_quietly(spool)
            raise
        lines = lambda: lines_from_spool(spool)  # noqa: E731
    try:
        _append_and_project(lines, total, single, project, mentions)
    finally:
        if spool is not None:
            remove_quietly(spool)


PIPELINE_FROM_BYTES = 500_000  # below this (~1,000 lines) a second process does not pay


def _worth_validating_beside(path: Path) -> bool:
    """Validate in a child while appending: for a big file, on a ledger that already has its
    schema (a new one must not be created for a file with a bad line), where fork exists."""
    import multiprocessing

    from ledger.store import schema_check

    try:
        big = path.stat().st_size >= PIPELINE_FROM_BYTES
    except OSError:
        return False
    return (
        big
        and "fork" in multiprocessing.get_all_start_methods()
        and schema_check.revision(settings().store) == schema_check.SCHEMA_HEAD
    )


def _append_beside_validation(path: Path, project: bool) -> None:
    from cli.validation import ValidatingChild
    from ledger.application import Mentions
    from ledger.errors import LedgerError

    child = ValidatingChild(path)
    try:
        try:
            _append_and_project(child.stream, None, None, project, Mentions())
        except LedgerError:
            # A domain rule broke, or the store refused: if the file also has a bad line, that
            # is what to report (exit 2), as when every line was validated first.
            child.wait()
            child.raise_problem()
            raise
    finally:
        child.close()


def _refuse_on_a_ledger_without_schema(incident: str) -> None:
    """A report on a ledger that does not exist yet cannot name an existing incident: refuse it
    before creating anything (writers otherwise create the schema on first use)."""
    from ledger.errors import IncidentNotFound
    from ledger.store import schema_check

    if schema_check.revision(settings().store) is None:
        raise IncidentNotFound(incident)


def _temporary_path() -> Path:
    with tempfile.NamedTemporaryFile(prefix="ledger-valid-", suffix=".jsonl", delete=False) as f:
        return Path(f.name)


def _append_and_project(
    lines: Callable[[], Any],
    total: int | None,
    single: dict[str, Any] | None,
    project: bool,
    mentions: Mentions | None,
) -> None:
    from ledger.store.staging import staged_if_new

    # Closed on every way out: a refused append left to the garbage collector could be closed
    # on one of the PostgreSQL pool's own threads, which cannot join itself. Closed before a
    # new ledger is published under its name, too (`staged_if_new`).
    with (
        staged_if_new(settings().store) as store,
        contextlib.closing(open_ledger(write=True, store=store)) as ledger,
    ):
        progress = ProgressBar("appending", total)
        try:
            result = ledger.append(
                lines, recorded_by=settings().recorder_name, on_progress=progress, mentions=mentions
            )
        finally:
            progress.close()
        if single is None:
            say(
                f"added {result.added} report(s) to {len(result.incidents)} incident(s); "
                f"{result.unchanged} already recorded"
            )
        elif not result.reports:
            say("already recorded: nothing added")
        else:
            typer.echo(result.reports[0])
            if single["type"] == "incident":
                say(f"opened incident '{single['incident']}'")
            else:
                say(f"recorded {single['type']} '{result.reports[0]}' in {single['incident']}")
        if project:
            project_after_write(ledger, store)


def project_after_write(ledger: Any, store: StoreConfig | None = None) -> None:
    """Bring the views up to date; a writer without rights on them leaves it to the projector."""
    from projections.catchup import catch_up

    try:
        catch_up(ledger, store or settings().store, lock_timeout=settings().lock_timeout)
    except Exception as e:
        # The reports are committed by now: a failure here must not look like "nothing written".
        if "permission denied" not in str(e).lower():
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            say(
                "warning: the report was recorded, but the projections were not updated "
                f"({first}); run 'ledger project'"
            )
            return
        say(
            "warning: the report was recorded, but this role may not update the projections; "
            "run 'ledger project' as a projector (or pass --no-project)"
        )


def spool_stdin() -> Path:
    """Copy standard input to a temporary file, so it can be validated and then written."""
    with tempfile.NamedTemporaryFile(
        prefix="ledger-stdin-", suffix=".jsonl", delete=False
    ) as handle:
        shutil.copyfileobj(sys.stdin.buffer, handle)
    return Path(handle.name)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
