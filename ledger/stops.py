"""Named steps where a test may stop a command, to kill it at a moment of its own choosing.

`LEDGER_STOP_AT=STEP` (or `STEP:N`, the Nth time) makes the process stop itself with SIGSTOP
when it reaches STEP. The test waits for the stop (`os.waitpid(pid, os.WUNTRACED)` returns
when it happens), then kills the process or lets it go on (SIGCONT). A crash test so kills
where it means to, however fast or slow the machine is: a timer would sometimes fire after
the command had finished. Unset (always, outside tests) a step costs one dictionary lookup.

The steps:

- `append.loaded`: an existing incident loaded by an append, inside its transaction.
- `append.flushed`: a batch of events inserted, inside the append's one transaction.
- `append.committed`: the append's transaction committed, the views not yet brought up.
- `catch-up.applied`: a catch-up's batch applied to the views, inside its transaction.
- `rebuild.stored`: a rebuild's (or bulk catch-up's) batch of timeline rows inserted.
- `rebuild.folded`: a rebuild's chunk of folded incidents written.
"""

from __future__ import annotations

import os
import signal

STOP_AT = "LEDGER_STOP_AT"

_reached: dict[str, int] = {}


def step(name: str) -> None:
    """Stop this process here if the environment asks for it (see the module)."""
    wanted = os.environ.get(STOP_AT)
    if not wanted:
        return
    target, _, nth = wanted.partition(":")
    if target != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGSTOP)
