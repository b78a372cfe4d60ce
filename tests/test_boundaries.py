"""Dependencies point one way. The engine imports only NumPy and the standard library; the
routes reach the engine and the network documents only through the service; the page's shared
objects (context.js) import no action module, which all import them."""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
ROUTERS = ROOT / "app" / "routers"
JS = ROOT / "static" / "js"
FORBIDDEN = {"app", "fastapi", "pydantic", "jinja2", "starlette", "uvicorn"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module ``path`` (a module of ``package``) imports, as an absolute dotted name; for
    ``from X import name`` both X and X.name (the name may be a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_engine_imports_only_numpy_and_stdlib():
    files = sorted(ENGINE.glob("*.py"))
    assert files, "engine/ has no modules"
    for path in files:
        roots = imported_roots(path)
        assert not roots & FORBIDDEN, f"{path.name} imports {roots & FORBIDDEN}"
        allowed = set(sys.stdlib_module_names) | {"numpy"}
        assert roots <= allowed, f"{path.name} imports non-stdlib {roots - allowed}"


def test_routes_reach_the_engine_and_the_networks_only_through_the_service():
    files = sorted(ROUTERS.glob("*.py"))
    assert len(files) > 5, "app/routers/ has lost its modules"
    banned = ("backprop_explorer.engine", "backprop_explorer.app.networks")
    for path in files:
        modules = imported_modules(path, "backprop_explorer.app.routers")
        assert "backprop_explorer.app.deps" in modules or path.name in ("__init__.py", "pages.py"), path.name
        wrong = sorted(m for m in modules if m.startswith(banned))
        assert not wrong, f"app/routers/{path.name} imports {wrong}: go through the service"


def test_the_checks_see_a_route_that_imports_the_engine(tmp_path: Path) -> None:
    route = tmp_path / "route.py"
    route.write_text("from ..networks import timeline\nfrom backprop_explorer import engine\n")
    modules = imported_modules(route, "backprop_explorer.app.routers")
    assert {"backprop_explorer.app.networks.timeline", "backprop_explorer.engine"} <= modules


IMPORT = re.compile(r"""(?:\bimport\b[^"';]*?\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}/[^"']+)["']""")


def js_imports(path: Path) -> set[Path]:
    """The page's modules ``path`` imports (statically or with ``import()``)."""
    return {(path.parent / target).resolve() for target in IMPORT.findall(path.read_text())}


def js_graph() -> dict[Path, set[Path]]:
    return {path.resolve(): js_imports(path) for path in sorted(JS.rglob("*.js"))}


def test_context_js_imports_no_module_that_imports_it():
    graph = js_graph()
    context = (JS / "context.js").resolve()
    assert len(graph) > 30 and context in graph
    actions = {p for p in graph if p.name.endswith("-actions.js") or p.parent.name == "tour"}
    assert actions, "the action modules were not found"
    users = {p for p, targets in graph.items() if context in targets}
    assert not graph[context] & (users | actions), (
        f"context.js imports {sorted(graph[context] & (users | actions))}"
    )


def test_the_page_modules_import_each_other_in_no_circle():
    graph = js_graph()
    done: set[Path] = set()

    def visit(path: Path, trail: list[Path]) -> None:
        if path in trail:
            loop = trail[trail.index(path) :] + [path]
            raise AssertionError("import circle: " + " -> ".join(p.relative_to(JS).as_posix() for p in loop))
        if path in done:
            return
        for target in sorted(graph.get(path, ())):
            visit(target, [*trail, path])
        done.add(path)

    for path in graph:
        visit(path, [])


def test_the_js_checks_see_a_circle(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text('import { b } from "./b.js";\n')
    (tmp_path / "b.js").write_text('export const b = 1;\nconst later = () => import("./a.js");\n')
    assert js_imports(tmp_path / "a.js") == {(tmp_path / "b.js").resolve()}
    assert js_imports(tmp_path / "b.js") == {(tmp_path / "a.js").resolve()}


def code_strings(path: Path) -> list[str]:
    """The string literals of a module's code (its SQL, say), not its docstrings."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_only_the_database_backends_know_which_database_it_is():
    """SQLite and PostgreSQL each live in their backend (app/store/sqlite*.py, postgres*.py):
    no other module imports their drivers or writes their own SQL (file pragmas, BEGIN
    IMMEDIATE, advisory locks); the store's shared SQL runs on both."""
    backends = {"sqlite.py", "sqlite_schema.py", "postgres.py", "postgres_schema.py"}
    drivers = {"sqlite3", "psycopg", "psycopg_pool"}
    dialect = re.compile(r"PRAGMA|BEGIN IMMEDIATE|pg_advisory|sqlite_master|::json|plpgsql", re.IGNORECASE)
    checked = 0
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.parent.name == "store" and path.name in backends:
            continue
        checked += 1
        assert not imported_roots(path) & drivers, f"{path.relative_to(ROOT)} imports a database driver"
        for text in code_strings(path):
            found = dialect.search(text)
            assert found is None, f"{path.relative_to(ROOT)} writes {found.group()!r}: one database's own SQL"
    assert checked > 50
