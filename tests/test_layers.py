"""The layers hold: `ledger/` (domain, application, store) stands alone, `projections/` and
`cli/` build on it, and no modules import each other in a circle. Read from the source, so a
function-local import (imported late, for start-up time) counts as much as one at the top."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("ledger", "projections", "cli", "migrations")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The product modules `name` imports, anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Imports under `if TYPE_CHECKING:` never run: they name types for the checker only (the
    # fold's row builders annotate with the fold's classes, which call them).
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and ast.unparse(node.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from package import module` imports the module; `from module import name` not.
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: set(_imports(name, path, set(modules))) for name, path in modules.items()}


def test_no_product_modules_import_each_other_in_a_circle() -> None:
    graph = _graph()
    circles: list[list[str]] = []
    # Depth-first search; a back edge to a module on the current path closes a circle.
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not circles, [" -> ".join(circle) for circle in circles]


def test_the_ledger_package_imports_neither_the_cli_nor_the_projections() -> None:
    graph = _graph()
    upward = {
        f"{name} -> {target}"
        for name, targets in graph.items()
        if name.split(".")[0] == "ledger"
        for target in targets
        if target.split(".")[0] in ("cli", "projections")
    }
    assert not upward, sorted(upward)


def test_creating_a_schema_imports_neither_the_cli_nor_the_projections(tmp_path: Path) -> None:
    # The migration scripts hold their own DDL: only autogenerate and `alembic check` need the
    # tables' MetaData (projections.schema among them), so `ledger init` must not reach it.
    probe = (
        "import sys\n"
        "from ledger.store.config import resolve\n"
        "from ledger.store.migrate import upgrade\n"
        f"print(upgrade(resolve({str(tmp_path / 'new.db')!r})))\n"
        "print(*sorted(m for m in sys.modules if m.split('.')[0] in ('cli', 'projections')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    created, reached = done.stdout.splitlines()
    assert created.startswith("(None, ")
    assert reached == ""
