"""`ledger browse`: the views in Datasette, as a child process this command owns.

The child is stopped whatever ends the command (Ctrl-C, SIGTERM from a service manager or a
terminal closing, the child's own exit), and the temporary folder holding its metadata goes
with it: a `browse` killed with SIGTERM used to leave Datasette serving and its file behind.

Datasette, its templates and the modules a browser needs are imported late, inside the functions
that use them: `report html` registers this command beside it and imports none of them.
"""

import importlib.metadata
import importlib.util
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, Optional

import typer

from cli.context import fail, guarded, say, settings, usage_error
from ledger.errors import EXIT_REFUSED, StoreUnavailable
from ledger.store.config import StoreConfig

# How long `--open` waits for Datasette to answer before opening the browser anyway: its
# start-up is a second or two, far longer on a loaded machine.
ANSWER_DEADLINE = 60.0
# How long a stopped Datasette gets to exit before it is killed.
STOP_GRACE = 10.0
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DISTRIBUTION = "incident-ledger"


def install_hint() -> str:
    """How to install Datasette: the `browse` extra's own requirement, as this installation's
    metadata gives it (pyproject.toml is its one source). Not `pip install
    'incident-ledger[browse]'`: the project is installed from its folder, and that name on PyPI
    is another project's."""
    try:
        requirements = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:  # run from a checkout, not installed
        requirements = []
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        if spec.strip().startswith("datasette") and "browse" in marker:
            return f"pip install '{spec.strip()}'"
    return "pip install datasette"


class _Stopped(Exception):
    """SIGTERM arrived: unwind through the `finally` blocks that stop the child and clean up."""


@guarded
def browse_command(
    port: Annotated[int, typer.Option("--port", "-p", help="Port to serve on.")] = 8001,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to serve on; anything but loopback lets others on the network read "
            "(and query) the whole ledger.",
        ),
    ] = "127.0.0.1",
    open_browser: Annotated[
        bool,
        typer.Option("--open", help="Open a web browser on it once Datasette answers."),
    ] = False,
    metadata: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs a runtime type here
        typer.Option(
            "--metadata",
            help="Datasette metadata file [default: the ledger's own, from its view declarations].",
            show_default=False,
        ),
    ] = None,
    print_metadata: Annotated[
        bool,
        typer.Option(
            "--print-metadata",
            help="Print the ledger's Datasette metadata as JSON and exit (for `datasette` run "
            "by hand, e.g. on a copy of the views).",
        ),
    ] = False,
) -> None:
    """Explore the views in Datasette: every view and its columns described, ids linked to what
    they name, facets, full-text search of reports, canned queries; internal tables hidden.
    Needs the 'browse' extra. Stops Datasette on Ctrl-C or SIGTERM.

    Example:

        ledger browse --port 8001 --open
    """
    from projections import datasette

    if print_metadata:
        typer.echo(json.dumps(datasette.metadata("ledger", ()), indent=2, ensure_ascii=False))
        return
    if importlib.util.find_spec("datasette") is None:
        raise fail(f"ledger browse needs Datasette: {install_hint()}", EXIT_REFUSED)
    store = settings().store
    if store.backend != "sqlite":
        raise fail(
            "ledger browse serves a SQLite ledger; Datasette cannot open PostgreSQL "
            "(read its tables with psql or a BI tool)",
            EXIT_REFUSED,
        )
    path = Path(store.sqlite_path).resolve()
    if not path.is_file():
        raise StoreUnavailable(f"{store.display} holds no ledger yet: run 'ledger init' first")
    if metadata is None:
        document = datasette.metadata(path.stem, *_tables(store))
    else:
        document = _read_metadata(metadata, path.stem)
    if host not in LOOPBACK:
        say(f"warning: serving on {host}: anyone who can reach it can read the whole ledger")
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{shown_host}:{port}/{path.stem}"
    workdir = Path(tempfile.mkdtemp(prefix="ledger-datasette-"))
    try:
        meta_file = workdir / "metadata.json"
        meta_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        command = datasette_command(store, meta_file, port, host=host)
        say(f"serving {store.display} at {url} (Ctrl-C to stop)")
        code = _serve(command, url if open_browser else None)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if code:
        raise typer.Exit(code)


def datasette_command(
    store: StoreConfig, metadata: Path, port: int, host: str = "127.0.0.1"
) -> list[str]:
    """`datasette serve` with the ledger's templates; a ledger SQLite can read only as
    immutable (a read-only copy without its -shm) is served so, and one it could read only in
    part is refused, as by every reader (StoreConfig.sqlite_reader_uri)."""
    from projections.datasette import TEMPLATES

    path = Path(store.sqlite_path)
    immutable = "immutable=1" in store.sqlite_reader_uri()
    database = ["--immutable", str(path)] if immutable else [str(path)]
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        *database,
        "--metadata",
        str(metadata),
        "--template-dir",
        str(TEMPLATES),
        "--host",
        host,
        "--port",
        str(port),
    ]


def _tables(store: StoreConfig) -> tuple[list[str], list[str]]:
    """Every table, then every SQL view, in the file, read-only, so that the metadata hides
    what it does not present (the log, Alembic's table, the search index's shadow tables...)."""
    import sqlite3  # only `browse` reads the file itself here (see _serve)

    with sqlite3.connect(store.sqlite_reader_uri(), uri=True) as connection:
        rows = connection.execute("SELECT type, name FROM sqlite_master").fetchall()
    connection.close()  # `with` commits; it does not close
    return (
        [str(name) for kind, name in rows if kind == "table"],
        [str(name) for kind, name in rows if kind == "view"],
    )


def _read_metadata(source: Path, database: str) -> dict[str, Any]:
    """A metadata file of the user's, its `databases` entry renamed to this file's stem
    (Datasette names a database after its file)."""
    try:
        document: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise usage_error(f"--metadata: cannot read {str(source)!r}: {e}") from None
    databases = document.get("databases") or {}
    if databases and database not in databases:
        document = {**document, "databases": {database: next(iter(databases.values()))}}
    return document


def _serve(command: list[str], open_url: str | None) -> int:
    """Run Datasette until it exits, Ctrl-C or SIGTERM; stop it in every case."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise _Stopped

    # Imported here, not at the top: this module is imported on every start-up, and these only
    # serve `browse` (urllib.request alone brings http.client and email).
    import webbrowser

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    child: subprocess.Popen[bytes] | None = None
    try:
        child = subprocess.Popen(command)
        if open_url is not None and _answers(open_url, child):
            webbrowser.open(open_url)
        return child.wait()
    except (KeyboardInterrupt, _Stopped):
        return 0  # asked to stop: a clean stop, for a service manager too
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child is not None:
            _stop(child)


def _answers(url: str, child: subprocess.Popen[bytes]) -> bool:
    """Wait until Datasette answers HTTP (or exits, or the deadline passes)."""
    import urllib.error  # only `browse --open` needs them (see _serve)
    import urllib.request

    deadline = time.monotonic() + ANSWER_DEADLINE
    while time.monotonic() < deadline and child.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return True
        except urllib.error.HTTPError:
            return True  # it answered, if not with a page
        except OSError:
            time.sleep(0.2)
    return False


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
