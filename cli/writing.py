"""The one write path of the CLI: validate every line, append atomically, then project."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.context import open_ledger, say, settings

if TYPE_CHECKING:
    from ledger.application import Mentions


def _validate_file(path: Path, spool: Path) -> tuple[int, Mentions]:
    """Validate every line of `path` (raising on the first bad one) into `spool`, as compact
    JSON of the validated fields; returns how many lines there were and the ids they name."""
    import orjson

    from ledger.application import Mentions
    from ledger.interchange import read_line

    count = 0
    mentions = Mentions()
    with path.open("rb") as handle, spool.open("wb") as out:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue  # blank lines (e.g. a trailing newline) carry nothing
            fields = read_line(raw.rstrip(b"\r\n"), number)
            out.write(orjson.dumps([number, fields]) + b"\n")
            mentions.add(fields["type"], fields)
            count += 1
    return count, mentions


def _lines_from_spool(
    spool: Path,
) -> Callable[[], Iterator[tuple[int | None, str, dict[str, Any]]]]:
    """The validated lines again, as often as the append needs them, without re-validating."""
    import orjson

    def lines() -> Iterator[tuple[int | None, str, dict[str, Any]]]:
        with spool.open("rb") as handle:
            for raw in handle:
                number, fields = orjson.loads(raw)
                yield number, fields.pop("type"), fields

    return lines


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


class _Progress:
    """A progress bar on stderr, shown only once an import has run for more than a second."""

    def __init__(self, total: int | None):
        self.total = total
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < 1.0 or settings().quiet:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("appending", total=self.total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


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
        assert path is not None
        spool = _temporary_path()
        try:
            total, mentions = _validate_file(path, spool)  # every line, before any is written
        except BaseException:
            remove_quietly(spool)
            raise
        lines = _lines_from_spool(spool)
    try:
        _append_and_project(lines, total, single, project, mentions)
    finally:
        if spool is not None:
            remove_quietly(spool)


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
    ledger = open_ledger(write=True)
    progress = _Progress(total)
    try:
        result = ledger.append(
            lines, recorded_by=settings().recorder_name, on_progress=progress, mentions=mentions
        )
    finally:
        progress.close()
    if single is not None:
        if result.reports:
            typer.echo(result.reports[0])
            if single["type"] == "incident":
                say(f"opened incident '{single['incident']}'")
            else:
                say(f"recorded {single['type']} '{result.reports[0]}' in {single['incident']}")
        else:
            say("already recorded: nothing added")
    else:
        say(
            f"added {result.added} report(s) to {len(result.incidents)} incident(s); "
            f"{result.unchanged} already recorded"
        )
    if project:
        project_after_write(ledger)
    ledger.close()


def project_after_write(ledger: Any) -> None:
    """Bring the views up to date; a writer without rights on them leaves it to the projector."""
    from projections.catchup import catch_up

    try:
        catch_up(ledger, settings().store, lock_timeout=settings().lock_timeout)
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
