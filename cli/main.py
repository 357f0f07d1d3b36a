"""The `ledger` command: a thin Typer front over the application (see README for a tour).

Heavy imports (SQLAlchemy, eventsourcing, pydantic) happen inside commands, and a command's
module is imported only when that command runs (cli/lazy.py), so every command starts fast.
"""

import gc
import math
from typing import Annotated, Optional

import typer

from cli import terminal
from cli.commands import COMMANDS, REPORT_APP, REPORTS
from cli.context import Settings, usage_error, use_settings
from cli.lazy import lazy_group

GC_THRESHOLD = 50_000  # new objects between the collector's young passes (default 700)
MAX_LOCK_TIMEOUT = 86_400  # a day: longer is no timeout at all, and overflows some drivers

# The parser's own errors (a bad option value, an unknown option or command) are one line on
# stderr, like every other error of the ledger's, instead of click's usage, hint and message
# on four. Click offers no setting for this; its UsageError's `show` is what Typer calls, and
# is replaced here for this process. The class is found through typer.BadParameter (a
# UsageError), which Typer exports whether it uses click or its own copy of it.
_UsageError: type[Exception] = typer.BadParameter.__mro__[1]


def _show_in_one_line(self: typer.BadParameter, file: object = None) -> None:
    command = getattr(self.ctx, "command_path", None)
    hint = f" (see '{command} --help')" if command else ""
    typer.echo(f"error: {self.format_message()}{hint}", err=True)


_UsageError.show = _show_in_one_line  # type: ignore[attr-defined]

app = typer.Typer(
    name="ledger",
    help=(
        "An append-only, tamper-evident ledger of disputed conflict incidents.\n\n"
        "Example:\n\n"
        "    ledger demo && ledger report disputed"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(wanted: bool) -> None:
    if wanted:
        # Imported here: importlib.metadata costs start-up time every other command would pay.
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"ledger {version('incident-ledger')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("ledger (version unknown: not installed)")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs a runtime type here
        typer.Option(
            "--db",
            envvar="LEDGER_DB",
            help="SQLite path or URL, or postgresql://USER@HOST:PORT/DB [default: ./ledger.db]",
            show_default=False,
        ),
    ] = None,
    recorded_as: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--as",
            help="Who is recording (recorded_by) [default: $LEDGER_USER, else the OS login]",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No messages or progress on stderr.")
    ] = False,
    lock_timeout: Annotated[
        float,
        typer.Option(
            "--lock-timeout",
            envvar="LEDGER_LOCK_TIMEOUT",
            help="Seconds to wait for another writer before giving up.",
        ),
    ] = 30.0,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    # Checked here, once for every command: NaN or infinity would otherwise reach the drivers'
    # integer timeouts and end in a traceback.
    if not math.isfinite(lock_timeout) or not 0 <= lock_timeout <= MAX_LOCK_TIMEOUT:
        raise usage_error(
            f"--lock-timeout must be a number of seconds from 0 to {MAX_LOCK_TIMEOUT:,}"
        )
    ctx.obj = Settings(db=db, recorded_as=recorded_as, quiet=quiet, lock_timeout=lock_timeout)
    use_settings(ctx.obj)
    # Tables wait for the command's end, to go to one pager when they are long.
    terminal.begin()
    ctx.call_on_close(terminal.end)


app.info.cls = lazy_group(COMMANDS, app)
REPORT_APP.info.cls = lazy_group(REPORTS, app)


def run() -> None:
    # What the imports so far made (Typer, click, these modules' functions) lives until the
    # process ends: frozen, the collector's full passes, and the one at exit, skip it.
    gc.freeze()
    # A read builds tens of thousands of rows, none in a cycle: collecting every 700 new
    # objects (the default) walked them again and again. Cyclic garbage waits a little longer.
    gc.set_threshold(GC_THRESHOLD)
    app()


if __name__ == "__main__":
    run()
