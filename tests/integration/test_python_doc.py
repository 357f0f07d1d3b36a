"""docs/python.md's session runs as written: the Python API's documentation cannot rot."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "python.md"


def _sessions() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_python_doc_has_a_session() -> None:
    assert _sessions(), f"{DOC} holds no ```python block"


def test_the_python_docs_session_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its temporary folders under this test's own, so nothing is left behind.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for environment in ("LEDGER_DB", "LEDGER_USER", "LEDGER_SIGNING_KEY", "LEDGER_STOP_AT"):
        monkeypatch.delenv(environment, raising=False)
    for number, session in enumerate(_sessions(), start=1):
        code = compile(session, f"{DOC.name} (block {number})", "exec")
        exec(code, {"__name__": f"python_md_{number}"})
    assert list(tmp_path.rglob("ledger.db")), "the session wrote no ledger under the temp folder"
