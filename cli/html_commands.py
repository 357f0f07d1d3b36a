"""`ledger report html` (one self-contained HTML page); registers `ledger browse` (Datasette)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cli.browse_command import browse_command
from cli.context import fail, guarded, say, settings, usage_error
from cli.output_files import ForceOption, check_output, write_outputs
from cli.progress import ProgressBar
from ledger.errors import EXIT_INTEGRITY


@guarded
def html_command(
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="The HTML file to write, or '-' for stdout.", show_default=False
        ),
    ],
    incident: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer needs a runtime type here
        typer.Option(
            "--incident", "-i", help="Only this incident (repeatable).", show_default=False
        ),
    ] = None,
    status: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--status", "-s", help="Only incidents with this status.", show_default=False),
    ] = None,
    force: ForceOption = False,
) -> None:
    """One self-contained HTML page: an overview of the incidents, each one's timeline on the
    stated-time axis, each assertion's provenance graph and status history, and the hash-chain
    verification. Needs no network to view; works on a read-only SQLite file.

    Example:

        ledger report html --status disputed -o report.html
    """
    # Imported here, not at the top: this module is imported on every start-up (`--help`
    # included), and the report's package brings SQLAlchemy, Jinja2 and drawsvg.
    from projections.html import gather, render

    started = time.monotonic()
    target = None if output == "-" else Path(output)
    if target is not None:
        check_output(target, force=force, label="--output")
    progress = ProgressBar("reading and verifying the log", started=started)
    decoder = _Decoder()
    try:
        data = gather(
            settings().store, decoder, incidents=incident, status=status, on_progress=progress
        )
    except ValueError as e:
        raise usage_error(str(e)) from None
    finally:
        progress.close()
        decoder.close()
    drawing = ProgressBar("drawing incidents", started=started)
    try:
        page = render(data, on_progress=drawing)
    finally:
        drawing.close()
    if data.lag:
        say(
            f"warning: the projections are {data.lag} event(s) behind the log; run 'ledger project'"
        )
    _write(page, target)
    assertions = sum(len(view.assertions) for view in data.incidents)
    say(
        f"wrote {output if target else 'stdout'}: {len(data.incidents)} incident(s), "
        f"{assertions} assertion(s), {data.verification.events} event(s) verified "
        f"in {time.monotonic() - started:.2f} s"
    )
    if not data.verification.ok:
        # The page is written and says so; the exit code says so to a script.
        raise fail(
            f"the log failed verification ({len(data.verification.findings)} problem(s), "
            "listed on the page): run 'ledger verify'",
            EXIT_INTEGRITY,
        )


def _write(page: str, target: Path | None) -> None:
    if target is None:
        sys.stdout.write(page)
        sys.stdout.flush()
        return
    write_outputs([(target, page.encode(), False)])


class _Decoder:
    """The application's own mapper turns log rows into events (upcasting old versions). On
    SQLite the application opens no connection for that; on PostgreSQL it holds a small pool,
    closed afterwards."""

    def __init__(self) -> None:
        self.ledger: Any = None

    def __call__(self, notification: Any) -> Any:
        if self.ledger is None:
            from ledger.application import IncidentLedger

            current = settings()
            self.ledger = IncidentLedger(current.store, lock_timeout=current.lock_timeout)
        return self.ledger.decode(notification)

    def close(self) -> None:
        if self.ledger is not None:
            self.ledger.close()


def register(report_app: typer.Typer, app: typer.Typer) -> None:
    """Add `report html` to the report group and `browse` to the main app (once)."""
    if not any(c.name == "html" for c in report_app.registered_commands):
        report_app.command("html")(html_command)
    if not any(c.name == "browse" for c in app.registered_commands):
        app.command("browse")(browse_command)
