"""Dependencies point one way: app/ -> engine/. The engine imports only NumPy and stdlib."""

import ast
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"
FORBIDDEN = {"app", "fastapi", "pydantic", "jinja2", "starlette", "uvicorn"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_imports_only_numpy_and_stdlib():
    files = sorted(ENGINE.glob("*.py"))
    assert files, "engine/ has no modules"
    for path in files:
        roots = imported_roots(path)
        assert not roots & FORBIDDEN, f"{path.name} imports {roots & FORBIDDEN}"
        allowed = set(sys.stdlib_module_names) | {"numpy"}
        assert roots <= allowed, f"{path.name} imports non-stdlib {roots - allowed}"
