"""A CSV report is written straight from the driver's rows (`emit_csv_rows`): the text must be
exactly what the general path (`emit` over dicts) writes, for every report, with any columns."""

from __future__ import annotations

import contextlib
import io

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.output import Format, emit, emit_csv_rows
from ledger.store.config import resolve
from projections.queries import as_dicts, report_rows

REPORTS = ("incidents", "disputed", "claims", "disputes", "actors", "provenance")


@pytest.fixture(scope="module")
def demo_with_corrections(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("csv") / "ledger.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(path), "-q", "demo"]).exit_code == 0
    # A correction, so boolean columns hold both values (`corrected` yes and no).
    result = runner.invoke(
        app,
        ["--db", str(path), "-q", "correct", "deir-ez-zor-shelling-2017-09",
         "--report", "fix-1", "--refers-to", "mod-shelling", "--change", "quote=Corrected",
         "--reason", "typo"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return str(path)


def _captured(write: object, *args: object) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        write(*args)  # type: ignore[operator]
    return out.getvalue()


@pytest.mark.parametrize("name", REPORTS)
def test_csv_from_driver_rows_is_the_text_the_dict_path_writes(
    demo_with_corrections: str, name: str
) -> None:
    columns, found, booleans = report_rows(resolve(demo_with_corrections), name)
    # Check there is something to compare, booleans included where the table has them.
    assert found
    dicts = as_dicts(columns, found, booleans)
    for chosen in (columns, [*reversed(columns)][:3], [c for c in columns if c in booleans]):
        if not chosen:
            continue
        fast = _captured(emit_csv_rows, columns, found, chosen, booleans)
        general = _captured(emit, dicts, chosen, Format.csv)
        assert fast == general
    if name == "claims":
        assert {row["corrected"] for row in dicts} == {True, False}
        assert ",yes," in _captured(emit_csv_rows, columns, found, columns, booleans)


def test_the_cli_writes_that_text_for_a_csv_report(demo_with_corrections: str) -> None:
    result = CliRunner().invoke(
        app, ["--db", demo_with_corrections, "report", "claims", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    columns, found, booleans = report_rows(resolve(demo_with_corrections), "claims")
    assert result.stdout == _captured(emit_csv_rows, columns, found, columns, booleans)
