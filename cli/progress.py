"""The one progress bar the long commands (import, project, html) show on stderr.

rich is imported late, inside the bar, once a command has run for a second: a short command
never imports it."""

from __future__ import annotations

import os
import time
from typing import Any

from cli.context import settings


class ProgressBar:
    """A transient rich bar on stderr, shown once the command has run for `delay` seconds (a
    second, for every command: a shorter run needs none), without --quiet, and only where rich
    would draw it (`Console.is_terminal`: a terminal, or TTY_COMPATIBLE/FORCE_COLOR). Where
    stderr is a pipe or a file a transient bar shows nothing, yet would run a redrawing thread
    contending with the command for the interpreter lock: there none is started. Call it with
    the work done (and the total, where only the caller knows it); close it on every way out.

    `stages` names equal shares of the total, in order (a rebuild's two passes): the bar's
    label follows the share the work is in. LEDGER_PROGRESS_DELAY (seconds) overrides the
    delay, so that a test or a demonstration sees the bars of a run however fast it is."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        started: float | None = None,
        delay: float = 1.0,
        stages: tuple[str, ...] = (),
    ) -> None:
        self.label, self.total, self.stages = label, total, stages
        delay = float(os.environ.get("LEDGER_PROGRESS_DELAY", delay))
        self.shown_from = (time.monotonic() if started is None else started) + delay
        self.bar: Any = None
        self.task: Any = None
        self.off = False  # decided once: no bar for this command

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total or None
        if self.bar is None:
            if self.off or time.monotonic() < self.shown_from:
                return
            # Imported here, past the delay: ~0.025 s once, in a command already a second long.
            from rich.console import Console

            console = Console(stderr=True)
            if settings().quiet or not console.is_terminal:
                self.off = True
                return
            from rich.progress import Progress

            self.bar = Progress(console=console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)
        label = self.label
        if self.stages and self.total:
            # A share's last unit still belongs to it: a pass that reports only its end is
            # named, not skipped.
            share = (done * len(self.stages) - 1) // self.total
            label = self.stages[max(0, min(share, len(self.stages) - 1))]
        changed = label != self.bar.tasks[0].description
        self.bar.update(self.task, completed=done, total=self.total, description=label)
        if changed:
            self.bar.refresh()  # drawn now: the redrawing thread might pass over a short stage

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
