"""A CSV report is written straight from the driver's rows (`emit_csv_rows`), with the database
choosing the columns and writing booleans as text: the text must be exactly what the general
path (`emit` over dicts) writes, for every report, with any columns, on both backends."""

from __future__ import annotations

import contextlib
import csv
import io

import pytest

from cli.output import Format, emit, emit_csv_rows
from ledger.store.config import resolve
from projections.queries import REPORT_TABLES, as_dicts, report_columns, report_rows
from tests.conftest import EXAMPLE


@pytest.fixture
def with_corrections(db_url: str, run_cli) -> str:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    # A correction, so boolean columns hold both values (`corrected` true and false).
    result = run_cli(
        "correct", "deir-ez-zor-shelling-2017-09", "--report", "fix-1",
        "--refers-to", "mod-shelling", "--change", "quote=Corrected", "--reason", "typo",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return db_url


def _captured(write: object, *args: object) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        write(*args)  # type: ignore[operator]
    return out.getvalue()


@pytest.mark.parametrize("name", list(REPORT_TABLES))
def test_csv_from_driver_rows_is_the_text_the_dict_path_writes(
    with_corrections: str, name: str
) -> None:
    store = resolve(with_corrections)
    columns, found, booleans = report_rows(store, name)
    # Check there is something to compare, booleans included where the table has them.
    assert found
    assert columns == report_columns(name)
    dicts = as_dicts(columns, found, booleans)
    subsets = (columns, [*reversed(columns)][:3], [c for c in columns if c in booleans])
    for chosen in subsets:
        if not chosen:
            continue
        _, rows, _ = report_rows(store, name, columns=chosen, booleans_as_text=True)
        fast = _captured(emit_csv_rows, chosen, rows)
        general = _captured(emit, dicts, chosen, Format.csv)
        assert fast == general
    if name == "claims":
        assert {row["corrected"] for row in dicts} == {True, False}
        _, rows, _ = report_rows(store, name, columns=columns, booleans_as_text=True)
        assert ",true," in _captured(emit_csv_rows, columns, rows)


def test_the_cli_writes_that_text_for_a_csv_report(with_corrections: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    for args, name, filters in (
        (["report", "claims", "--format", "csv"], "claims", {}),
        (
            ["report", "claims", "-f", "csv", "--status", "disputed"],
            "claims",
            {"status": "disputed"},
        ),
        (["report", "disputed", "-f", "csv", "--columns", "corrected,incident"], "disputed", {}),
    ):
        result = run_cli(*args)
        assert result.exit_code == 0, result.output
        columns, found, booleans = report_rows(resolve(with_corrections), name, **filters)
        chosen = ["corrected", "incident"] if "--columns" in args else columns
        assert result.stdout == _captured(
            emit, as_dicts(columns, found, booleans), chosen, Format.csv
        )
        assert result.stdout.count("\n") == len(found) + 1


def test_every_csv_report_is_that_text_with_fields_to_quote(with_corrections: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    # On SQLite the database writes the lines (projections.csv_lines).
    result = run_cli(
        "claim", "deir-ez-zor-shelling-2017-09", "--report", "awkward",
        "--by", 'Ministry, "Press" Office', "--summary", 'first line\nsecond, "quoted"',
        "--quote", "a lone\rCR",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    store = resolve(with_corrections)
    for name in REPORT_TABLES:
        columns, found, booleans = report_rows(store, name)
        dicts = as_dicts(columns, found, booleans)
        for chosen in (columns, columns[1::2]):
            result = run_cli("report", name, "-f", "csv", "--columns", ",".join(chosen))
            assert result.exit_code == 0, result.output
            assert result.stdout == _captured(emit, dicts, chosen, Format.csv)
    claims = run_cli("report", "claims", "-f", "csv").stdout
    assert '"Ministry, ""Press"" Office"' in claims
    assert '"first line\nsecond, ""quoted"""' in claims
    # A CSV reader reads the row back whole: a bare CR would have ended it there.
    read = {row[0]: row for row in csv.reader(io.StringIO(claims, newline=""))}
    header = read["report"]
    assert read["awkward"][header.index("quote")] == "a lone\rCR"
    assert all(len(row) == len(header) for row in read.values())


@pytest.mark.parametrize("fmt", ["csv", "table", "json"])
def test_columns_naming_no_column_is_a_usage_error(
    with_corrections: str, run_cli, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "claims", "--columns", " , ", "--format", fmt)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--columns: name at least one column of claims" in result.output


def test_a_csv_report_escapes_formulas_unless_told_not_to(with_corrections: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    opened = run_cli("open", "formula-1", "--title", '=HYPERLINK("http://x","y")')
    assert opened.exit_code == 0, opened.output
    claimed = run_cli(
        "claim", "formula-1", "--report", "hostile", "--by", "@Office",
        "--summary", "+1+cmd|' /C calc'!A0", "--quote", "-3",
    )  # fmt: skip
    assert claimed.exit_code == 0, claimed.output
    # Claims are written by SQLite on SQLite (projections.csv_lines); incidents, which hold
    # floats, by the csv module: both escape alike, on both backends.
    claims = run_cli("report", "claims", "-f", "csv", "-i", "formula-1")
    assert claims.exit_code == 0, claims.output
    read = list(csv.DictReader(io.StringIO(claims.stdout, newline="")))
    assert [(r["by"], r["summary"], r["quote"]) for r in read] == [
        ("'@Office", "'+1+cmd|' /C calc'!A0", "-3")  # -3 is a number: left as it is
    ]
    assert read[0]["position"].isdigit()
    incidents = run_cli("report", "incidents", "-f", "csv", "-i", "formula-1")
    assert "'=HYPERLINK" in incidents.stdout
    raw = run_cli("report", "claims", "-f", "csv", "-i", "formula-1", "--no-escape-formulas")
    assert raw.exit_code == 0, raw.output
    (row,) = csv.DictReader(io.StringIO(raw.stdout, newline=""))
    assert (row["by"], row["summary"]) == ("@Office", "+1+cmd|' /C calc'!A0")
    raw_incidents = run_cli(
        "report", "incidents", "-f", "csv", "-i", "formula-1", "--no-escape-formulas"
    )
    assert '"=HYPERLINK(""http://x"",""y"")"' in raw_incidents.stdout
