"""Where a command's tables go: the width to fit, colour, and a pager for long output.

Decided once per command from its stdout: a terminal gets its own width, colour (unless
`NO_COLOR`) and, for output taller than the window, `$PAGER` (else `less`); a pipe or a file
gets `COLUMNS` (else 200) and plain text. `COLUMNS` wins on a terminal too, as it does for
rich and most tools. Tables then wait for the command to finish, so that everything it shows
goes to one pager, in the order it was printed.

rich is imported late, inside the functions that draw, as in cli/tables.py: `ledger --help` and
every command import this module, and output to a pipe needs no rich.
"""

from __future__ import annotations

import io
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

PIPED_WIDTH = 200  # a table read by a program or a wide editor, when COLUMNS says nothing

WideOption = Annotated[
    bool,
    typer.Option(
        "--wide", help="Table: every column, whole, however wide the lines (for less -S)."
    ),
]
PagerOption = Annotated[
    bool,
    typer.Option(
        "--pager/--no-pager",
        help="Table on a terminal: page output taller than the window ($PAGER, else less).",
    ),
]

_KEY = "ledger.screen"


@dataclass
class Screen:
    width: int
    height: int | None  # None when stdout is not a terminal: nothing to page
    colour: bool
    wide: bool = False
    pager: bool = True
    # What the running command offers for the columns a fitted table leaves out.
    remedy: str = "--format csv or json"
    _buffer: io.StringIO | None = field(default=None, repr=False)
    _console: Any = field(default=None, repr=False)

    def print(self, renderable: Any, width: int | None = None) -> None:
        """Print through rich at the screen's width (or `width`, for a --wide table)."""
        console = self._console or self._open()
        if width is not None and width > console.width:
            saved, console.width = console.width, width
            try:
                console.print(renderable)
            finally:
                console.width = saved
        else:
            console.print(renderable)

    def echo(self, text: str) -> None:
        """A plain line, in order with the tables around it."""
        from rich.text import Text

        self.print(Text(text))

    def _open(self) -> Any:
        from rich.console import Console

        # Kept until the command ends (`end`) when it may go to a pager; else printed now.
        if _session and self.height is not None and self.pager and _pager_command() is not None:
            self._buffer = io.StringIO()
        self._console = Console(
            file=self._buffer,  # None: sys.stdout as it is at each print (CliRunner swaps it)
            width=self.width,
            force_terminal=self.colour,
            color_system="auto" if self.colour else None,
            no_color=not self.colour,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=False,
        )
        return self._console

    def flush(self) -> None:
        """Page what was printed if it is taller than the window, else write it out."""
        if self._buffer is None:
            return
        text, self._buffer = self._buffer.getvalue(), None
        self._console = None
        command = _pager_command()
        if command is not None and self.height is not None and text.count("\n") > self.height:
            _page(text, command)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()


# The screen of the command running now (`use`), and whether a command is running at all:
# outside one (a test calling print_table) nothing waits for an end that never comes.
_current: Screen | None = None
_session = False


def begin() -> None:
    """A command starts: default table options until it calls `use`."""
    global _current, _session
    _current, _session = None, True


def end() -> None:
    """The command ended (however): show what it printed, paged if long."""
    global _current, _session
    if _current is not None:
        _current.flush()
    _current, _session = None, False


def use(*, wide: bool = False, pager: bool = True, columns: bool = False) -> Screen:
    """Set this command's table options (`--wide`, `--no-pager`, and whether it has
    `--columns`, for the note under a table that leaves columns out); the screen it prints to."""
    global _current
    _current = _measure(wide=wide, pager=pager)
    _current.remedy = "--wide, or --columns" if columns else "--wide"
    return _current


def screen() -> Screen:
    """This command's screen: the one `use` set, else one with the default options."""
    global _current
    if _current is None:
        _current = _measure()
    return _current


def _measure(*, wide: bool = False, pager: bool = True) -> Screen:
    tty = _is_tty()
    size = None
    if tty:
        try:
            size = os.get_terminal_size(sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            size = None
    width = _env_int("COLUMNS") or (size.columns if size else 0) or PIPED_WIDTH
    height = (_env_int("LINES") or (size.lines if size else 0) or 24) if tty else None
    colour = tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    return Screen(width=width, height=height, colour=colour, wide=wide, pager=pager)


def _is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _env_int(name: str) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 0


def _pager_command() -> str | None:
    """$PAGER (git's rule: empty or `cat` means none), else less if installed."""
    command = os.environ.get("PAGER")
    if command is not None:
        return None if command.strip() in ("", "cat") else command
    return "less" if shutil.which("less") else None


def _page(text: str, command: str) -> None:
    # As git does: less quits when the text fits after all, keeps colours, leaves the screen.
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        process = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, env=env)
    except (OSError, ValueError):
        sys.stdout.write(text)
        return
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode())
        process.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit before the end
    while True:
        try:
            process.wait()
            return
        except KeyboardInterrupt:
            continue  # Ctrl-C is for the pager, which is still showing the text
