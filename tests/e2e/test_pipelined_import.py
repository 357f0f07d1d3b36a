"""A big import on an existing ledger is validated in a child process beside the append.

Same result as validating first, same refusals: a bad line anywhere is exit 2 naming it and
commits nothing, also when a domain rule broke on an earlier line; a domain rule alone is exit
1 and commits nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.benchmarks.data import write_dataset

LEDGER = str(Path(sys.executable).parent / "ledger")


def ledger(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return subprocess.run(
        [LEDGER, "--db", db, "--as", "tester", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pipelined") / "big.jsonl"
    write_dataset(path, 20, 100, seed=5)  # 2,000 lines, well over the pipelining threshold
    return path


def test_a_big_file_qualifies_on_an_existing_ledger_and_not_on_a_new_one(
    db_url: str, big_file: Path, tmp_path: Path
) -> None:
    # The tests below run the real import on such a file; this pins that they take the
    # pipelined path (and that a new ledger does not, so a bad file creates nothing).
    from ledger import importing
    from ledger.store.config import resolve

    assert big_file.stat().st_size >= importing.PIPELINE_FROM_BYTES
    for db, expected in ((db_url, True), (str(tmp_path / "new.db"), False)):
        assert importing._worth_validating_beside(resolve(db), big_file) is expected


def test_it_gives_what_validating_first_gives(db_url: str, big_file: Path, tmp_path: Path) -> None:
    pipelined = ledger(db_url, "import", str(big_file))
    assert pipelined.returncode == 0, pipelined.stderr
    assert "added 2000 report(s) to 20 incident(s); 0 already recorded" in pipelined.stderr
    serial_db = str(tmp_path / "serial.db")  # no schema yet: validated first, then appended
    assert ledger(serial_db, "import", str(big_file)).returncode == 0
    for report in ("incidents", "claims", "disputes", "provenance"):
        ours = json.loads(ledger(db_url, "report", report, "-f", "json").stdout)
        theirs = json.loads(ledger(serial_db, "report", report, "-f", "json").stdout)
        strip = {"last_recorded_at", "recorded_at"}  # the two imports ran at different times
        assert [{k: v for k, v in r.items() if k not in strip} for r in ours] == [
            {k: v for k, v in r.items() if k not in strip} for r in theirs
        ], report
    assert ledger(db_url, "verify").returncode == 0
    again = ledger(db_url, "import", str(big_file))
    assert "added 0 report(s) to 0 incident(s); 2000 already recorded" in again.stderr


def test_a_bad_last_line_is_exit_2_and_nothing_is_committed(
    db_url: str, big_file: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(big_file.read_bytes() + b'{"type": "claim", "incident": "bench-000001"}\n')
    result = ledger(db_url, "import", str(bad))
    assert result.returncode == 2, result.stderr
    assert "line 2001, field 'by': required but missing" in result.stderr
    assert "Traceback" not in result.stderr
    assert "added 2000 report(s)" in ledger(db_url, "import", str(big_file)).stderr


def test_a_bad_line_is_reported_even_after_an_earlier_domain_error(
    db_url: str, big_file: Path, tmp_path: Path
) -> None:
    lines = big_file.read_bytes().splitlines(keepends=True)
    orphan = {
        "type": "denial",
        "incident": "bench-000000",
        "by": "X",
        "refers_to": ["no-such-claim"],
        "summary": "No",
    }
    lines.insert(3, (json.dumps(orphan) + "\n").encode())
    lines.append(b'{"type": "claim", "incident": "bench-000001", "by": "X", "summary": 7}\n')
    bad = tmp_path / "both.jsonl"
    bad.write_bytes(b"".join(lines))
    result = ledger(db_url, "import", str(bad))
    assert result.returncode == 2, result.stderr
    assert "line 2002, field 'summary'" in result.stderr


def test_a_domain_error_alone_is_exit_1_and_nothing_is_committed(
    db_url: str, big_file: Path, tmp_path: Path
) -> None:
    lines = big_file.read_bytes().splitlines(keepends=True)
    orphan = {
        "type": "denial",
        "incident": "bench-000019",
        "by": "X",
        "refers_to": ["no-such-claim"],
        "summary": "No",
    }
    bad = tmp_path / "orphan.jsonl"
    bad.write_bytes(b"".join(lines) + (json.dumps(orphan) + "\n").encode())
    result = ledger(db_url, "import", str(bad))
    assert result.returncode == 1, result.stderr
    assert "line 2001" in result.stderr and "no-such-claim" in result.stderr
    assert "added 2000 report(s)" in ledger(db_url, "import", str(big_file)).stderr


def test_a_retried_append_reads_every_line_again(big_file: Path, tmp_path: Path) -> None:
    """If another writer forces the append to start over part-way, the second pass must see
    every line from the first, not only what the child had not sent yet."""
    from ledger.batch import Mentions
    from ledger.importing.spool import lines_from_spool, validate_file
    from ledger.infra.validating_child import ValidatingChild

    reference = tmp_path / "reference.spool"
    count, _ = validate_file(big_file, reference)
    child = ValidatingChild(big_file)
    try:
        first = child.stream()
        seen = [item for item, _ in zip(first, range(700), strict=False)]  # part of the stream
        assert any(isinstance(item, Mentions) for item in seen)
        second = list(child.stream())
    finally:
        child.close()
    again = [item for item in second if not isinstance(item, Mentions)]
    announced = Mentions.of(item for item in second if isinstance(item, Mentions))
    assert len(again) == count == 2000
    assert again == list(lines_from_spool(reference))
    # ...and announces every id they name, so the retry's directory reads them up front.
    assert announced == Mentions.of(lines_from_spool(reference))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_killing_the_import_ends_its_validating_child_and_leaves_no_spool(
    sqlite_url: str, tmp_path: Path
) -> None:
    # 10,000 lines: when the import stops at its first flush (2,000 events in), the child still
    # has chunks to send, more than the pipe holds.
    bigger = tmp_path / "bigger.jsonl"
    write_dataset(bigger, 50, 200, seed=5)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {"LEDGER_STOP_AT": "append.flushed", "TMPDIR": str(temporary)}
    process = subprocess.Popen(
        [LEDGER, "--db", sqlite_url, "import", str(bigger)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status = os.waitpid(process.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the import ended before its first flush"
    (child,) = _children(process.pid)
    process.kill()
    process.wait()
    # Check the child ends without its parent (it used to wait forever on the full pipe)...
    assert _ended_within(child, seconds=60), "the validating child outlived the import"
    # ...and nothing is left of the spool it wrote.
    assert [p.name for p in temporary.iterdir()] == []


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended while we looked
            # The fields after the command's name (which may hold spaces): state, then ppid.
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _ended_within(pid: int, *, seconds: float) -> bool:
    """Whether the process is gone (or a zombie) within `seconds`: a bound for a failing run,
    never reached by a passing one, however slow the machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False
