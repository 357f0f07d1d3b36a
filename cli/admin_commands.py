"""`ledger init`, `ledger demo` and `ledger project`."""

from __future__ import annotations

import contextlib
import signal
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import terminal
from cli.context import guarded, open_ledger, say, settings, usage_error
from cli.progress import ProgressBar
from cli.terminal import PagerOption, WideOption

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "deir-ez-zor-2017.jsonl"


@guarded
def init_command() -> None:
    """Create the ledger's schema, or upgrade it to the newest revision (safe to repeat).

    Example:

        ledger --db postgresql://postgres@127.0.0.1:5432/ledger init
    """
    from ledger.store.migrate import upgrade

    before, after = upgrade(settings().store)
    where = settings().store.display
    if before == after:
        say(f"{where}: schema is up to date (revision {after})")
    else:
        say(f"{where}: schema {'created' if before is None else 'upgraded'} (revision {after})")


@guarded
def demo_command(wide: WideOption = False, pager: PagerOption = True) -> None:
    """Load the worked example (Deir ez-Zor, September 2017) and print what it holds.

    Example:

        ledger --db demo.db demo
    """
    from cli.views_commands import show_report
    from cli.writing import append_lines

    if not EXAMPLE.is_file():
        raise usage_error(f"the worked example is missing: {EXAMPLE}")
    append_lines(path=EXAMPLE, project=True)
    terminal.use(wide=wide, pager=pager)
    show_report("disputed", title="disputed incidents")
    show_report("claims", title="assertions and their status")


class _Stop:
    """Set by SIGTERM (and, once `--follow` follows, SIGINT), so `--follow` finishes its batch
    and exits cleanly."""

    def __init__(self) -> None:
        self.requested = False
        signal.signal(signal.SIGTERM, self._handle)

    def on_interrupt_too(self) -> None:
        """Ctrl-C too: until now it interrupts the first catch-up, which rolls back."""
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, *_: Any) -> None:
        self.requested = True


@guarded
def project_command(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Empty every view and replay the whole log.")
    ] = False,
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep the views current until interrupted.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between polls with --follow.")
    ] = 1.0,
) -> None:
    """Bring the projection tables up to date with the log (exactly once).

    Example:

        ledger project --rebuild
    """
    from projections.catchup import catch_up
    from projections.rebuild import rebuild as rebuild_views

    store = settings().store
    # Before the first catch-up: a follower sent SIGTERM while it still catches up (by a
    # script that saw the views become current) finishes that catch-up and stops cleanly too.
    stop = _Stop() if follow else None
    # Closed on every way out, as every writer's ledger is (see cli.writing).
    with contextlib.closing(open_ledger(write=True)) as ledger:
        progress = ProgressBar("projecting")
        try:
            if rebuild:
                applied = rebuild_views(ledger, store, on_progress=progress)
            else:
                applied = catch_up(ledger, store, on_progress=progress)
        finally:
            progress.close()
        say(f"projections: applied {applied} event(s)")
        if stop is not None:
            stop.on_interrupt_too()
            say("following the log; Ctrl-C to stop")
            while not stop.requested:
                applied = catch_up(ledger, store)
                if applied:
                    say(f"projections: applied {applied} event(s)")
                deadline = time.monotonic() + interval
                while not stop.requested and time.monotonic() < deadline:
                    time.sleep(0.05)
            say("stopped")


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)
    app.command("demo")(demo_command)
    app.command("project")(project_command)
