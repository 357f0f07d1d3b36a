"""Hostile JSON Lines files against `ledger import`: refused cleanly, or stored byte for byte.

The corpus lives in tests/hostile/ (one attack per file, written by make_corpus.py) with its
manifest expected.json. Every file runs on SQLite; the ones that reach storage also run on
PostgreSQL through `run_cli`. A refusal must exit with the manifest's code, print exactly one
`error: line N ...` line on stderr (naming the field where the manifest gives one), never a
traceback, and leave the database without a single row. An accepted file must read back the
hostile value exactly, from `ledger export` and from the `report` views, and still verify.

A Hypothesis test then mutates valid files byte by byte (insert, delete, replace) and checks
the import only ever succeeds or exits 2 with the database untouched. (test_malformed_input.py
generates whole malformed lines; this one corrupts good ones a few bytes at a time.)
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import shutil
import sys
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.conftest import ROOT

RunCli = Callable[..., Result]

HOSTILE = ROOT / "tests" / "hostile"
MANIFEST: dict[str, dict[str, Any]] = json.loads(
    (HOSTILE / "expected.json").read_text(encoding="ascii")
)
# The cases whose outcome depends on the database engine (what it can store, how it rolls
# back), run on PostgreSQL as well.
ON_BOTH_BACKENDS = (
    "nul-byte-in-by.jsonl",
    "lone-surrogate-escape-in-summary.jsonl",
    "refers-to-itself.jsonl",
    "report-id-reused-in-another-incident.jsonl",
    "sql-injection-in-summary.jsonl",
    "rtl-override-in-actor-name.jsonl",
    "combining-characters-in-name.jsonl",
    "noncharacters-in-summary.jsonl",
    "largest-safe-integer-in-variant.jsonl",
    "negative-zero-latitude.jsonl",
    "report-id-equal-to-an-incident-slug.jsonl",
    "incident-slug-equal-to-a-report-id.jsonl",
    "blank-by-ideographic-space.jsonl",
    "discrepancy-with-a-null-variant.jsonl",
)
NO_ROWS = {"ledger_events": 0, "max_position": None, "ledger_reports": 0, "ledger_references": 0}
NO_VIEW_ROWS = {"incidents": 0, "claims": 0, "timeline": 0}


def cases(names: Iterable[str]) -> list[Any]:
    """Manifest entries as pytest params; a case marked with a known bug is a strict xfail."""
    params = []
    for name in names:
        bug = MANIFEST[name].get("bug")
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        params.append(pytest.param(name, marks=marks, id=name.removesuffix(".jsonl")))
    return params


# -- the database ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite ledger per module, copied for every test (migrating takes longer)."""
    path = tmp_path_factory.mktemp("hostile-template") / "ledger.db"
    upgrade(resolve(str(path)))
    return path


@pytest.fixture
def fresh_sqlite(migrated_sqlite: Path, tmp_path: Path) -> str:
    path = tmp_path / "ledger.db"
    shutil.copyfile(migrated_sqlite, path)
    return str(path)


def invoke_on(db: str) -> RunCli:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--db", db, "--as", "tester", *args])

    return invoke


def row_counts(db: str, tables: dict[str, Any]) -> dict[str, Any]:
    """Rows in each table (and the highest log position, as `max_position`)."""
    engine = create_engine(resolve(db).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            counts: dict[str, Any] = {}
            for table in tables:
                if table == "max_position":
                    query = "SELECT MAX(notification_id) FROM ledger_events"
                else:
                    query = f"SELECT COUNT(*) FROM {table}"
                counts[table] = connection.execute(text(query)).scalar()
            return counts
    finally:
        engine.dispose()


def assert_nothing_was_written(db: str) -> None:
    assert row_counts(db, NO_ROWS) == NO_ROWS
    assert row_counts(db, NO_VIEW_ROWS) == NO_VIEW_ROWS


# -- what a refusal and an acceptance must look like ------------------------------------------


def spellings(field: str) -> set[str]:
    """How an error message may name a field: as given, or with its unprintables escaped."""
    return {field, field.encode("unicode_escape").decode("ascii"), ascii(field)[1:-1]}


def assert_one_clean_error_line(
    result: Result, line: int, field: str | None = None, *, printable: bool = True
) -> None:
    """Exactly one stderr line, `error: line N` first, printable, and nothing on stdout."""
    stderr = result.stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, repr(stderr)
    assert re.match(rf"error: line {line}[,:]", stderr), repr(stderr)
    assert result.stdout == ""
    if printable:
        unprintable = [c for c in stderr[:-1] if unicodedata.category(c) in ("Cc", "Cs")]
        assert not unprintable, f"control characters reach the terminal: {stderr!r}"
    if field is not None:
        assert any(f"field '{name}'" in stderr for name in spellings(field)), repr(stderr)


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


def dig(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted path: 'variants.0.value'."""
    value: Any = record
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def assert_identical(actual: Any, expected: Any, *, signed_zero: bool = True) -> None:
    """Equal, of the same type, byte for byte for text and (in the log) sign for sign for zero."""
    assert type(actual) is type(expected), (actual, expected)
    assert actual == expected, (actual, expected)
    if isinstance(expected, str):
        assert actual.encode("utf-8") == expected.encode("utf-8")
        assert len(actual) == len(expected)
    if isinstance(expected, float) and signed_zero:
        assert math.copysign(1.0, actual) == math.copysign(1.0, expected), (actual, expected)


def json_rows(invoke: RunCli, *args: str) -> list[dict[str, Any]]:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def assert_stored_verbatim(invoke: RunCli, stored: dict[str, Any]) -> None:
    """The value reads back identical from the export, and from the view that shows it."""
    report, field, value = stored["report"], stored["field"], stored["value"]
    export = invoke("export", "--format", "jsonl")
    assert export.exit_code == 0, export.output
    # Split on newlines only: str.splitlines would also split at U+2028 inside a value.
    records = [json.loads(line) for line in export.stdout.split("\n") if line]
    found = [
        r
        for r in records
        if r.get("report") == report or (r["type"] == "incident" and r["incident"] == report)
    ]
    assert len(found) == 1, records
    assert_identical(dig(found[0], field), value)
    if isinstance(value, str):
        # The export carries the characters themselves, not a normalised or escaped form.
        assert json.dumps(value, ensure_ascii=False) in export.stdout

    record_type = found[0]["type"]
    if record_type in ("claim", "warning"):
        rows = json_rows(invoke, "report", "claims", "--format", "json")
        key = "report"
    elif record_type == "incident":
        rows = json_rows(invoke, "report", "incidents", "--format", "json")
        key = "incident"
    else:
        rows = []
        key = "report"
    if rows:
        row = next(r for r in rows if r[key] == report)
        if field in row:
            # A SQLite REAL column reads -0.0 back as 0.0: the same latitude, so the views are
            # held to equality there, and only the log (the export) to the sign.
            assert_identical(row[field], value, signed_zero=False)

    verify = invoke("verify")
    assert verify.exit_code == 0, verify.output


def assert_outcome_matches_the_manifest(invoke: RunCli, db: str, name: str) -> None:
    expected = MANIFEST[name]
    result = invoke("import", str(HOSTILE / name))
    assert_no_traceback(result)
    assert result.exit_code == expected["exit"], result.output
    if expected["exit"] == 0:
        assert re.fullmatch(
            r"added \d+ report\(s\) to \d+ incident\(s\); \d+ already recorded\n", result.stderr
        ), result.stderr
        assert_stored_verbatim(invoke, expected["stored"])
    else:
        assert_one_clean_error_line(result, expected["line"], expected.get("field"))
        assert_nothing_was_written(db)


# -- the corpus itself -----------------------------------------------------------------------


def load_make_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", HOSTILE / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_the_corpus_on_disk_is_what_make_corpus_writes(tmp_path: Path) -> None:
    # Check the corpus is reproducible: regenerating it gives the same files, byte for byte.
    manifest = load_make_corpus().write(tmp_path)
    assert manifest == MANIFEST
    for name in MANIFEST:
        assert (tmp_path / name).read_bytes() == (HOSTILE / name).read_bytes(), name
    assert (tmp_path / "expected.json").read_bytes() == (HOSTILE / "expected.json").read_bytes()


def test_every_hostile_file_has_an_expectation_and_there_are_at_least_sixty() -> None:
    # Check the manifest and the folder agree, and the corpus is as large as promised.
    on_disk = {p.name for p in HOSTILE.glob("*.jsonl")}
    assert on_disk == set(MANIFEST)
    assert len(on_disk) >= 60
    assert set(ON_BOTH_BACKENDS) <= on_disk


def test_every_hostile_file_begins_with_an_incident_and_a_claim() -> None:
    # Check atomicity is meaningful: valid lines come first (bar the two line-ending cases).
    for name in MANIFEST:
        lines = (HOSTILE / name).read_bytes().split(b"\n")
        if name in ("bom-at-start.jsonl", "cr-only-line-endings.jsonl"):
            continue
        assert json.loads(lines[0])["type"] == "incident", name
        assert json.loads(lines[1])["type"] == "claim", name


@pytest.mark.parametrize("name", cases(sorted(MANIFEST)))
def test_a_hostile_file_gives_the_manifests_outcome_on_sqlite(
    fresh_sqlite: str, migrated_sqlite: Path, tmp_path: Path, name: str
) -> None:
    # Check exit code, one clean error line and an empty database, or the value stored verbatim
    # and an export that imports into another ledger and exports again byte for byte.
    invoke = invoke_on(fresh_sqlite)
    assert_outcome_matches_the_manifest(invoke, fresh_sqlite, name)
    if MANIFEST[name]["exit"] == 0:
        exported = tmp_path / "exported.jsonl"
        exported.write_bytes(invoke("export", "--format", "jsonl").stdout_bytes)
        again = tmp_path / "reimported.db"
        shutil.copyfile(migrated_sqlite, again)
        reimport = invoke_on(str(again))("import", str(exported))
        assert reimport.exit_code == 0, reimport.output
        assert invoke_on(str(again))("export").stdout_bytes == exported.read_bytes()


@pytest.mark.parametrize("name", cases(ON_BOTH_BACKENDS))
def test_a_hostile_file_gives_the_same_outcome_on_every_backend(
    run_cli: RunCli, db_url: str, name: str
) -> None:
    # Check storage-sensitive cases (NUL, surrogates, astral text, -0.0) on each engine.
    assert_outcome_matches_the_manifest(run_cli, db_url, name)


def test_importing_an_accepted_hostile_file_twice_adds_nothing(fresh_sqlite: str) -> None:
    # Check hostile text does not defeat the content-derived idempotence of an import.
    invoke = invoke_on(fresh_sqlite)
    path = str(HOSTILE / "rtl-override-in-actor-name.jsonl")
    assert invoke("import", path).exit_code == 0
    again = invoke("import", path)
    assert again.exit_code == 0, again.output
    assert again.stderr == "added 0 report(s) to 0 incident(s); 3 already recorded\n"


def test_a_hostile_recorder_name_is_refused_or_its_export_imports_again(
    fresh_sqlite: str, migrated_sqlite: Path, tmp_path: Path
) -> None:
    # Check --as cannot smuggle in what a line's recorded_by may not hold: either the write is
    # refused, or what it wrote still round-trips through export and import.
    hostile = "mallory\u001b]0;owned\u0007"
    result = CliRunner().invoke(
        app, ["--db", fresh_sqlite, "--as", hostile, "open", "inc-a", "--title", "T"]
    )
    assert_no_traceback(result)
    if result.exit_code != 0:
        assert result.exit_code == 2, result.output
        assert_nothing_was_written(fresh_sqlite)
        return
    exported = tmp_path / "exported.jsonl"
    exported.write_bytes(invoke_on(fresh_sqlite)("export").stdout_bytes)
    again = tmp_path / "again.db"
    shutil.copyfile(migrated_sqlite, again)
    reimport = invoke_on(str(again))("import", str(exported))
    assert reimport.exit_code == 0, reimport.output


# -- byte-level mutation of valid files ------------------------------------------------------


def jsonl(*records: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in records)


# Only incident lines, with slugs too far apart for four edits to make two of them equal: no
# mutation can make a domain rule refuse the file, so it imports (0) or is bad input (2).
INCIDENTS_ONLY = jsonl(
    {
        "type": "incident",
        "incident": "q",
        "title": "Shelling of Syrian government positions near Deir el-Zour",
        "category": "shelling/artillery/missile attack",
        "location": "Deir ez-Zor, Syria",
        "lat": 35.33,
        "lon": 40.14,
        "occurred_from": "2017-09",
        "occurred_to": "2017-09-21",
    },
    {
        "type": "incident",
        "incident": "airstrike-on-sdf-units",
        "title": "Airstrike on SDF units east of the Euphrates «قصف»",
        "description": "Six wounded, according to the SDF.\nDenied by the Russian MoD.",
        "occurred_from": "2017-09-16T10:30Z",
    },
    {
        "type": "incident",
        "incident": "a-third-incident-whose-slug-is-much-longer-2017",
        "title": "Удар по позициям",
        "location_qualifier": "eastern bank",
    },
)
# An incident, then a claim whose `incident` comes first and is kept out of reach of the
# mutations, so the claim can never name an unknown incident.
CLAIM_PREFIX = b'{"incident": "inc-a", '
CLAIM_AFTER_INCIDENT = (
    jsonl({"type": "incident", "incident": "inc-a", "title": "Shelling near Deir el-Zour"})
    + CLAIM_PREFIX
    + jsonl(
        {
            "type": "claim",
            "report": "mod-shelling",
            "by": "Russian Ministry of Defence",
            "speaker": "Maj Gen Igor Konashenkov",
            "stance": "accuses",
            "against": ["Syrian Democratic Forces", "US special forces"],
            "summary": 'Syrian forces "twice" came under mortar fire from the eastern bank',
            "quote": "have twice come under massive mortar and rocket artillery fire",
            "stated_at": "2017-09-21T14:05Z",
            "sources": [{"outlet": "TASS", "kind": "wire"}, {"outlet": "Firstpost", "kind": "web"}],
            "cameo": "194",
            "magnitude": {"occurrences": 2, "injured": 6},
        }
    )[1:]
)
BASES: list[tuple[bytes, int]] = [
    (INCIDENTS_ONLY, 0),
    (CLAIM_AFTER_INCIDENT, CLAIM_AFTER_INCIDENT.index(CLAIM_PREFIX) + len(CLAIM_PREFIX)),
]
# Bytes that matter to JSON, UTF-8 and line splitting, besides any byte at all.
INTERESTING = [*b'"\\{}[],:\n\r\t 0-e.', 0x00, 0x1B, 0x7F, 0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xFF]
BYTES = st.one_of(st.integers(min_value=0, max_value=255), st.sampled_from(INTERESTING))


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    """A valid file with one to four bytes inserted, deleted or replaced."""
    base, protected = draw(st.sampled_from(BASES))
    data = bytearray(base)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        operation = draw(st.sampled_from(["insert", "delete", "replace"]))
        if operation == "insert":
            data.insert(draw(st.integers(min_value=protected, max_value=len(data))), draw(BYTES))
            continue
        position = draw(st.integers(min_value=protected, max_value=len(data) - 1))
        if operation == "delete":
            del data[position]
        else:
            data[position] = draw(BYTES)
    return bytes(data)


def test_the_unmutated_bases_import_cleanly(fresh_sqlite: str, tmp_path: Path) -> None:
    # Check the files the mutations start from are valid, so a refusal is the mutation's doing.
    for number, (base, _) in enumerate(BASES):
        db = tmp_path / f"base-{number}.db"
        shutil.copyfile(fresh_sqlite, db)
        path = tmp_path / f"base-{number}.jsonl"
        path.write_bytes(base)
        result = invoke_on(str(db))("import", str(path))
        assert result.exit_code == 0, result.output


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=mutated_files())
def test_a_byte_mutated_file_is_imported_or_refused_as_bad_input_never_half_written(
    migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    # Check exit 0 or 2 only, no traceback, and on 2 one clean error line and no rows at all.
    folder = tmp_path_factory.mktemp("mutated")
    db = folder / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(migrated_sqlite, db)
    path = folder / "mutated.jsonl"
    path.write_bytes(content)

    result = invoke_on(str(db))("import", str(path))

    assert_no_traceback(result)
    assert result.exit_code in (0, 2), (result.output, content)
    if result.exit_code == 2:
        match = re.match(r"error: line (\d+)[,:]", result.stderr)
        assert match, result.stderr
        # Printability is the corpus's concern: a mutated key such as "\\by" would repeat a
        # known bug (see terminal-escape-in-unknown-key.jsonl) rather than find a new one.
        assert_one_clean_error_line(result, int(match.group(1)), printable=False)
        assert_nothing_was_written(str(db))
    else:
        assert row_counts(str(db), {"ledger_events": 0})["ledger_events"] >= 1
    shutil.rmtree(folder, ignore_errors=True)
