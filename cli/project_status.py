"""`ledger project --status`: the follower's health, for a service manager (exit 0 or 1)."""

from __future__ import annotations

import typer

from ledger.store.config import StoreConfig
from projections.follow import follower_sessions, last_error
from projections.queries import read_connection
from projections.staleness import staleness


def print_status(store: StoreConfig, *, max_lag: float) -> int:
    """Print the views' position, the log's head, the lag and whether a follower is connected;
    return 0 when healthy, 1 when not. Reads only, so it runs on a standby too."""
    found = staleness(store)
    if found is None:
        typer.echo("status: unhealthy (this login cannot read the log; use the projector's)")
        return 1
    problems: list[str] = []
    with read_connection(store) as connection:
        error = last_error(connection)
    typer.echo(f"views: position {found.position}")
    typer.echo(f"log: head {found.head}")
    typer.echo(f"lag: {found.events} event(s), {found.seconds:.1f} s")
    if error is None:
        typer.echo("last error: none")
    else:
        text, at, position = error
        typer.echo(f"last error: {text} (at {at}, views at position {position})")
        # Still standing: the follower deletes it on its next success.
        problems.append(f"the follower's last catch-up failed: {text}")
    if found.seconds > max_lag:
        problems.append(f"an event has waited {found.seconds:.0f} s, over --max-lag {max_lag:g}")
    if store.backend == "sqlite":
        pass  # no sessions to look at: the lag alone tells
    elif found.standby:
        # A standby's sessions are its own: the follower runs on the primary.
        typer.echo("follower: not visible from a standby (ask the primary)")
    else:
        with read_connection(store) as connection:
            followers = follower_sessions(connection)
        if followers:
            pids = ", ".join(str(pid) for pid in followers)
            typer.echo(f"follower: connected (server process {pids})")
        else:
            typer.echo("follower: none connected")
            problems.append("no 'ledger project --follow' is connected")
    typer.echo("status: healthy" if not problems else f"status: unhealthy ({'; '.join(problems)})")
    return 1 if problems else 0
