"""The one progress bar the long commands (import, project, html) show on stderr."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from cli.context import settings


class ProgressBar:
    """A transient rich bar on stderr, shown once the command has run for `delay` seconds (a
    second, for every command: a shorter run needs none), only where rich would draw it (a
    terminal, or TTY_COMPATIBLE=1 or FORCE_COLOR set) and without --quiet. Where stderr is a
    pipe or a file a transient bar shows nothing, yet would cost rich's import and a redrawing
    thread contending with the command for the interpreter lock: there it is never built.
    Call it with the work done (and the total, where only the caller knows it); close it on
    every way out."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        started: float | None = None,
        delay: float = 1.0,
    ) -> None:
        self.label, self.total = label, total
        self.shown_from = (time.monotonic() if started is None else started) + delay
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total or None
        if self.bar is None:
            if time.monotonic() < self.shown_from or settings().quiet:
                return
            if not _on_a_terminal():
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)
        self.bar.update(self.task, completed=done, total=self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _on_a_terminal() -> bool:
    """Whether rich would draw on stderr, decided as rich decides it (TTY_COMPATIBLE, then
    FORCE_COLOR, then the stream itself) without importing rich; no stderr (pythonw) is none."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False
