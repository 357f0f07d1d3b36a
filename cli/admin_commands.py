"""`ledger init`, `ledger demo` and `ledger project`.

Each command's own dependencies are imported late, inside it: cli/lazy.py imports this module
only to run one of its commands or show its help, which then imports nothing the others need
(tests/e2e/test_startup.py keeps the budget)."""

import signal
from typing import Annotated, Any

import typer

from cli import terminal
from cli.context import guarded, open_ledger, say, settings, usage_error
from cli.progress import ProgressBar
from cli.terminal import PagerOption, WideOption


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
    from cli.writing import import_options, report_imported
    from ledger.examples import WORKED_EXAMPLE, example_aggregates, holds_others, worked_example
    from ledger.importing import import_file

    if not WORKED_EXAMPLE.is_file():
        raise usage_error(f"the worked example is missing: {WORKED_EXAMPLE}")
    # One file: its actor lines come first, so the reports' names resolve through the registry
    # ("SDF" is the Syrian Democratic Forces; the Russian MoD is part of the Government of Russia).
    with worked_example() as example:
        # The log keeps what goes in for good: the example goes into a new ledger, or one that
        # holds only the example (a second demo adds nothing), never among a user's incidents.
        store = settings().store
        if holds_others(store, example_aggregates(example)):
            raise usage_error(
                f"{store.display} already holds other incidents or actors, and nothing leaves "
                "the log: load the worked example into a new ledger (ledger --db demo.db demo)"
            )
        report_imported(import_file(settings().store, example, **import_options(project=True)))
    terminal.use(wide=wide, pager=pager)
    show_report("disputed", title="disputed incidents")
    show_report("claims", title="assertions and their status")
    show_report("actors", title="actors, resolved through the registry")


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
        bool,
        typer.Option(
            "--follow",
            help=(
                "Keep the views current until stopped (SIGTERM or Ctrl-C): on PostgreSQL woken "
                "by every append, and reconnecting after a lost connection."
            ),
        ),
    ] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            help="Seconds between polls with --follow (on PostgreSQL, between safety polls).",
        ),
    ] = 1.0,
    status: Annotated[
        bool,
        typer.Option(
            "--status",
            help=(
                "Print the views' position, the log's head and the lag, and exit 0 if healthy, "
                "1 if not (for a service manager's health check). Writes nothing."
            ),
        ),
    ] = False,
    max_lag: Annotated[
        float,
        typer.Option(
            "--max-lag",
            help="With --status: unhealthy once an event has waited longer than this (seconds).",
        ),
    ] = 60.0,
) -> None:
    """Bring the projection tables up to date with the log (exactly once).

    Example:

        ledger project --rebuild
    """
    from projections.catchup import catch_up
    from projections.rebuild import rebuild as rebuild_views

    if status:
        from cli.project_status import print_status

        raise typer.Exit(print_status(settings().store, max_lag=max_lag))
    store = settings().store
    # Before the first catch-up: a follower sent SIGTERM while it still catches up (by a
    # script that saw the views become current) finishes that catch-up and stops cleanly too.
    stop = _Stop() if follow else None
    # A follower may start before the first writer creates the ledger; a one-off projection
    # of a ledger that does not exist is a mistyped --db.
    ledger = open_ledger(write=True, create=follow)
    try:
        # A follower catches up inside its loop instead, where a lost connection is waited out
        # and SIGTERM is heard between batches: under a steady stream of appends the first
        # catch-up may never run out of events.
        if rebuild or stop is None:
            progress = ProgressBar(
                "projecting",
                # A rebuild reports its two passes as the two halves of its work.
                stages=("rebuilding: reading the log", "rebuilding: folding incidents")
                if rebuild
                else (),
            )
            try:
                if rebuild:
                    applied = rebuild_views(ledger, store, on_progress=progress)
                else:
                    applied = catch_up(ledger, store, on_progress=progress)
            finally:
                progress.close()
            say(f"projections: applied {applied.describe()}")
        if stop is not None:
            from projections.follow import Follower

            stop.on_interrupt_too()
            say("following the log; Ctrl-C to stop")
            follower = Follower(
                lambda: open_ledger(write=True),
                store,
                interval=interval,
                stopped=lambda: stop.requested,
                say=say,
                lock_timeout=settings().lock_timeout,
            )
            ledger = follower.run(ledger)
            say("stopped")
    finally:
        # Closed on every way out, as every writer's ledger is (see cli.writing).
        ledger.close()


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)
    app.command("demo")(demo_command)
    app.command("project")(project_command)
