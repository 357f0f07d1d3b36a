"""`ledger browse` and the Datasette it serves: metadata built from the view declarations,
internal tables hidden, ids linked, search and canned queries, and a child process that goes
away with the command (SIGTERM included) and leaves no temporary file behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.view_columns import VIEWS
from projections.datasette import SHOWN, TEMPLATES, metadata
from tests.conftest import EXAMPLE, ROOT

IN_CI = bool(os.environ.get("CI"))
# Generous: Datasette starts in a second or two on an idle machine, far slower on a loaded one.
DEADLINE = 90.0


def require_datasette() -> None:
    try:
        import datasette  # noqa: F401
    except ImportError:
        reason = "Datasette is not installed (pip install -e '.[browse]')"
        if IN_CI:
            pytest.fail(f"{reason}: CI must run the Datasette tests")
        pytest.skip(reason)


def invoke(db: str, *args: str) -> Any:
    from cli.main import app

    return CliRunner().invoke(app, ["--db", db, "--as", "tester", *args])


def test_metadata_is_built_from_the_view_declarations() -> None:
    tables = metadata("ledger", ["ledger_events", "alembic_version", "report_search_data"])
    documented = tables["databases"]["ledger"]["tables"]
    for view in VIEWS:
        entry = documented[view.name]
        assert entry["description"] == view.comment
        if view.name not in SHOWN:
            assert entry["hidden"] is True, view.name
            continue
        assert "hidden" not in entry
        names = set(view.column_names)
        assert set(entry["columns"]) <= names
        assert set(entry["facets"]) <= names and entry["sort"] in names
        # Short notes: Datasette lists them above the rows.
        assert all(0 < len(doc) <= 70 for doc in entry["columns"].values()), view.name
        for column, target in entry["links"].items():
            table, key = target.split(".")
            assert column in names and key in {c.name for c in VIEWS_BY[table].columns}
    for internal in ("ledger_events", "alembic_version", "report_search_data"):
        assert documented[internal] == {"hidden": True}
    for hidden in ("projection_tracking", "actor_tallies", "report_refs", "provenance_chains"):
        assert documented[hidden]["hidden"] is True
    assert documented["claims"]["links"]["incident"] == "incidents.incident"
    assert documented["claims"]["fts_table"] == "report_search"
    queries = tables["databases"]["ledger"]["queries"]
    assert {"disputed_claims_by_actor", "changes_since"} <= set(queries)


VIEWS_BY = {view.name: view for view in VIEWS}


def test_datasette_links_ids_hides_internal_tables_and_searches(sqlite_url: str) -> None:
    require_datasette()
    from datasette.app import Datasette

    from cli.browse_command import _tables
    from ledger.store.config import resolve

    assert Path(sqlite_url).name == "ledger.db"  # Datasette names the database after the file
    assert invoke(sqlite_url, "import", str(EXAMPLE)).exit_code == 0
    document = metadata("ledger", *_tables(resolve(sqlite_url)))

    async def fetch(*paths: str) -> list[Any]:
        ds = Datasette([sqlite_url], metadata=document, template_dir=str(TEMPLATES))
        found = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text[:300])
            found.append(response.json() if ".json" in path else response.text)
        return found

    claims, page, database, searched = asyncio.run(
        fetch(
            "/ledger/claims.json?status=disputed&_shape=objects",
            "/ledger/claims?status=disputed",
            "/ledger.json",
            "/ledger/claims.json?_search=Konashenkov&_shape=objects",
        )
    )
    assert sorted(r["report"] for r in claims["rows"]) == ["mod-shelling", "sdf-airstrike-claim"]
    assert {"status", "by", "incident"} <= set(claims["facet_results"])
    incident = claims["rows"][0]["incident"]
    assert f'class="ledger-ref" href="/ledger/incidents?incident={incident}"' in page
    assert '<dl class="column-descriptions">' in page and "max-height" in page
    visible = {t["name"] for t in database["tables"] if not t["hidden"]}
    assert visible == {v.name for v in VIEWS if v.name in SHOWN and not v.sql_view}
    assert {v["name"] for v in database["views"]} == {v.name for v in VIEWS if v.sql_view}
    assert searched["rows"] and all("Konashenkov" in json.dumps(r) for r in searched["rows"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its parent's wait is due


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_browse_opens_the_browser_then_stops_datasette_on_a_signal(
    sqlite_url: str, tmp_path: Path, stop: signal.Signals
) -> None:
    require_datasette()
    assert invoke(sqlite_url, "import", str(EXAMPLE)).exit_code == 0
    port = free_port()
    temp = tmp_path / "tmp"
    temp.mkdir()
    opened = tmp_path / "opened"
    # webbrowser runs $BROWSER with %s replaced by the URL: a stand-in that writes it down.
    browser = f"{sys.executable} -c \"import sys; open(sys.argv[1], 'w').write(sys.argv[2])\""
    env = {**os.environ, "TMPDIR": str(temp), "BROWSER": f"{browser} {opened} %s"}
    log = tmp_path / "browse.log"
    command = [sys.executable, "-m", "cli.main", "--db", sqlite_url, "browse"]
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--open"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            # As a terminal's Ctrl-C finds it: a suite started in the background by a
            # non-interactive shell (`.ci/run &`) inherits SIGINT ignored, and so would `browse`.
            preexec_fn=_default_sigint,
        )
    url = f"http://127.0.0.1:{port}/ledger/claims.json?status=disputed&_shape=array"
    try:
        rows: list[Any] = []

        def answers() -> bool:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    rows.extend(json.load(response))
                return True
            except OSError:
                return False

        wait_for(answers, "Datasette to answer")
        assert sorted(r["report"] for r in rows) == ["mod-shelling", "sdf-airstrike-claim"]
        wait_for(opened.exists, "the browser to be opened")
        wait_for(lambda: opened.read_text() == f"http://127.0.0.1:{port}/ledger", "its URL")
        # Its children: Datasette, and the stand-in browser (ended, perhaps not yet reaped).
        served = [pid for pid in children(process.pid) if b"datasette" in cmdline(pid)]
        assert len(served) == 1 and any(temp.iterdir())
        process.send_signal(stop)  # to `browse` alone, as a service manager would
        assert process.wait(timeout=DEADLINE) == 0, log.read_text(errors="replace")
        wait_for(lambda: not alive(served[0]), "Datasette to end")
        assert list(temp.iterdir()) == []
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the CLI and its Datasette, nothing else
            process.wait(timeout=DEADLINE)


def test_browse_without_datasette_says_how_to_install(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli.browse_command as browse_command

    real = browse_command.importlib.util.find_spec
    monkeypatch.setattr(
        browse_command.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "datasette" else real(name, *a),
    )
    result = invoke(sqlite_url, "browse")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    # The extra's requirement from the installed metadata, not a name on PyPI (another
    # project's there).
    assert result.output.endswith(
        "ledger browse needs Datasette: pip install 'datasette<1,>=0.64'\n"
    )


def test_print_metadata_gives_the_generated_metadata() -> None:
    result = CliRunner().invoke(__import__("cli.main").main.app, ["browse", "--print-metadata"])
    assert result.exit_code == 0
    assert json.loads(result.output) == json.loads(json.dumps(metadata("ledger", ())))
