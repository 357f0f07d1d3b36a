"""`ledger report html` (one self-contained HTML page); registers `ledger browse` (Datasette).

Each command's own dependencies are imported late, inside it: cli/lazy.py imports this module
only to run one of its commands or show its help, which then imports nothing the others need
(tests/e2e/test_startup.py keeps the budget)."""

import contextlib
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.browse_command import browse_command
from cli.context import fail, guarded, say, settings, usage_error
from cli.output_files import (
    SITE_MANIFEST,
    ForceOption,
    check_output,
    check_output_folder,
    is_folder_target,
    write_outputs,
)
from cli.progress import ProgressBar
from ledger.errors import EXIT_INTEGRITY

STALE_NAME = re.compile(r"incidents/[a-z0-9_-][a-z0-9._-]*\.html")


@guarded
def html_command(
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="The HTML file to write, '-' for stdout, or a folder (DIR/ or an existing "
            "one) for a site: index.html and one page per incident (a non-empty folder it did "
            "not write needs --force).",
            show_default=False,
        ),
    ],
    incident: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer needs a runtime type here
        typer.Option(
            "--incident", "-i", help="Only this incident (repeatable).", show_default=False
        ),
    ] = None,
    status: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--status", "-s", help="Only incidents with this status.", show_default=False),
    ] = None,
    force: ForceOption = False,
) -> None:
    """One self-contained HTML page: an overview of the incidents, each one's timeline on the
    stated-time axis, each assertion's provenance graph, evidence and status history, and the
    hash-chain verification. With -o DIR/ a static site instead, for many incidents: an index
    with a filter, and one page per incident. Needs no network to view; works on a read-only
    SQLite file.

    Example:

        ledger report html --status disputed -o report.html

        ledger report html -o site/
    """
    # Imported here, not at the top: this module is imported on every start-up (`--help`
    # included), and the report's package brings SQLAlchemy and Jinja2.
    from ledger.application import LazyDecoder
    from projections.html import gather, render

    started = time.monotonic()
    if output != "-" and is_folder_target(output):
        _write_site(Path(output), incident, status, force, started)
        return
    target = None if output == "-" else Path(output)
    if target is not None:
        check_output(target, force=force, label="--output")
    progress = ProgressBar("reading and verifying the log", started=started)
    decoder = LazyDecoder(settings().store, settings().lock_timeout)
    try:
        data = gather(
            settings().store, decoder, incidents=incident, status=status, on_progress=progress
        )
    finally:
        progress.close()
        decoder.close()
    drawing = ProgressBar("drawing incidents", started=started)
    try:
        page = render(data, on_progress=drawing)
    finally:
        drawing.close()
    if data.lag:
        say(
            f"warning: the projections are {data.lag} event(s) behind the log; run 'ledger project'"
        )
    _write(page, target)
    assertions = sum(len(view.assertions) for view in data.incidents)
    say(
        f"wrote {output if target else 'stdout'}: {len(data.incidents)} incident(s), "
        f"{assertions} assertion(s), {data.verification.events} event(s) verified "
        f"in {time.monotonic() - started:.2f} s"
    )
    if not data.verification.ok:
        # The page is written and says so; the exit code says so to a script.
        raise fail(
            f"the log failed verification ({len(data.verification.findings)} problem(s), "
            "listed on the page): run 'ledger verify'",
            EXIT_INTEGRITY,
        )


def _write_site(
    folder: Path, incident: list[str] | None, status: str | None, force: bool, started: float
) -> None:
    """The site, page by page: each incident's page is written as soon as it is drawn, the
    index last, then the manifest; pages an earlier site here had and this one lacks go."""
    from ledger.application import LazyDecoder
    from projections.html import gather_site, site_pages

    earlier = check_output_folder(folder, force=force, label="--output")
    store = settings().store
    progress = ProgressBar("reading and verifying the log", started=started)
    drawing: ProgressBar | None = None
    decoder = LazyDecoder(settings().store, settings().lock_timeout)
    written: list[str] = []
    largest = (0, "")
    try:
        with gather_site(
            store, decoder, incidents=incident, status=status, on_progress=progress
        ) as (data, views):
            progress.close()
            (folder / "incidents").mkdir(parents=True, exist_ok=True)
            drawing = ProgressBar("writing incident pages", started=started)
            for relative, page in site_pages(data, views, on_progress=drawing):
                target = folder / relative
                if store.owns(target):  # a ledger inside the folder, under this very name
                    raise usage_error(f"--output: {str(target)!r} is one of the ledger's own files")
                content = page.encode()
                write_outputs([(target, content, False)])
                written.append(relative)
                largest = max(largest, (len(content), relative))
    finally:
        progress.close()
        if drawing is not None:
            drawing.close()
        decoder.close()
    _remove_stale(folder, earlier, set(written))
    manifest = "".join(f"{name}\n" for name in written).encode()
    write_outputs([(folder / SITE_MANIFEST, manifest, False)])
    if data.lag:
        say(
            f"warning: the projections are {data.lag} event(s) behind the log; run 'ledger project'"
        )
    say(
        f"wrote {folder}/: index.html and {len(written) - 1} incident page(s), the largest "
        f"{largest[1]} ({largest[0] / 1e6:.2f} MB), {data.verification.events} event(s) "
        f"verified in {time.monotonic() - started:.2f} s"
    )
    if not data.verification.ok:
        raise fail(
            f"the log failed verification ({len(data.verification.findings)} problem(s), "
            "listed on the pages): run 'ledger verify'",
            EXIT_INTEGRITY,
        )


def _remove_stale(folder: Path, earlier: list[str], written: set[str]) -> None:
    """Remove the pages an earlier site listed and this one did not write: only names this
    command writes (index.html, incidents/NAME.html), never anything else in the folder."""
    for name in earlier:
        if name in written or not STALE_NAME.fullmatch(name):
            continue
        with contextlib.suppress(OSError):
            (folder / name).unlink()


def _write(page: str, target: Path | None) -> None:
    if target is None:
        sys.stdout.write(page)
        sys.stdout.flush()
        return
    write_outputs([(target, page.encode(), False)])


def register(report_app: typer.Typer, app: typer.Typer) -> None:
    """Add `report html` to the report group and `browse` to the main app (once)."""
    if not any(c.name == "html" for c in report_app.registered_commands):
        report_app.command("html")(html_command)
    if not any(c.name == "browse" for c in app.registered_commands):
        app.command("browse")(browse_command)
