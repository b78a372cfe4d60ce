"""The built wheel, installed into a fresh venv, serves the app from another directory.

This is what a user of ``pip install backprop-explorer`` gets: no checkout on the path, no
editable install, dependencies from the package index through pip (its cache is reused).
Slow (a venv install, about a minute): ``-m "not slow"`` leaves it out of a quick run, but
``make test`` (and so CI) runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, LiveServer, free_port, start_process

pytestmark = pytest.mark.slow

PACKAGE = "backprop_explorer"
# The repository folder → where its files land inside the wheel.
FOLDERS = {"app": f"{PACKAGE}/app", "engine": f"{PACKAGE}/engine", PACKAGE: PACKAGE}
DATA_FOLDERS = {"static": f"{PACKAGE}/static", "templates": f"{PACKAGE}/templates"}
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", "build", "dist", "*.egg-info", ".pytest_cache",
    ".hypothesis", ".ruff_cache", "*.db", "*.db-*", "screenshots",
)  # fmt: skip
SPEC = {
    "layers": [2, 3, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "learning_rate": 0.5,
    "init": {"method": "xavier", "seed": 3},
    "data": {"generator": "moons", "n": 40, "noise": 0.1, "seed": 2},
    "batch_size": 4,
}


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result


def clean_env() -> dict[str, str]:
    """The environment without anything that would put the checkout or its venv on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the sources, so the checkout gets no build/ or egg-info."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(source)]
    )
    # setuptools says nothing about the configuration (no "package … absent from the packages
    # configuration" for the static/ folders, no deprecation).
    said = built.stdout + built.stderr
    assert "Warning" not in said and "absent from the" not in said, said
    (wheel,) = (work / "dist").glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system site-packages) with the wheel and its dependencies installed."""
    path = tmp_path_factory.mktemp("venv") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(path)], env=clean_env())
    # This pip installs into the new venv (--python): quicker than bootstrapping pip inside it.
    # --no-compile: Python compiles what it imports anyway; compiling NumPy up front is the slow part.
    python = str(path / "bin" / "python")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-compile", str(wheel)])
    return path


@pytest.fixture(scope="module")
def installed_server(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`backprop-explorer serve` of the venv, started from a directory unrelated to the checkout."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    db = elsewhere / "data" / "networks.db"
    db.parent.mkdir()
    port = free_port()
    command = [str(venv / "bin" / "backprop-explorer"), "serve", "--port", str(port), "--db", str(db)]
    server = start_process(command, port=port, db=db, env=clean_env(), cwd=elsewhere, timeout=60)
    try:
        yield server.url, db
    finally:
        server.stop()


def source_files() -> dict[str, Path]:
    """Every file the wheel must carry, by its name inside the wheel."""
    expected: dict[str, Path] = {}
    for folder, target in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            expected[f"{target}/{path.relative_to(ROOT / folder).as_posix()}"] = path
    for path in (ROOT / "app" / "lessons" / "builtin").glob("*.md"):  # the built-in lesson files
        expected[f"{PACKAGE}/app/lessons/builtin/{path.name}"] = path
    for folder, target in DATA_FOLDERS.items():
        for path in (ROOT / folder).rglob("*"):
            # Dotfiles (static/.keep) are placeholders for git, not content the server serves.
            if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith("."):
                expected[f"{target}/{path.relative_to(ROOT / folder).as_posix()}"] = path
    return expected


def test_the_wheel_carries_every_source_file_under_one_import_name(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        top_level = {name.split("/", 1)[0] for name in names}
        dist_info = next(name for name in top_level if name.endswith(".dist-info"))
        declared = archive.read(f"{dist_info}/top_level.txt").decode().split()
        expected = source_files()
        assert len(expected) > 40  # the walk found the repository's folders
        missing = sorted(set(expected) - names)
        assert not missing, f"not in the wheel (add the sub-package to pyproject.toml): {missing}"
        # Byte for byte: the wheel was built from these sources, not from a stale build/.
        for name in ("backprop_explorer/static/js/api.js", "backprop_explorer/engine/network.py"):
            assert archive.read(name) == expected[name].read_bytes()
        # The real datasets travel with their source and licence notes.
        data = ROOT / "app" / "realdata"
        for path in data.iterdir():
            if path.suffix in (".csv", ".gz", ".md") or path.name.startswith("LICENSE"):
                assert archive.read(f"{PACKAGE}/app/realdata/{path.name}") == path.read_bytes(), path.name
        assert f"{PACKAGE}/py.typed" in names  # the client's types reach a user's type checker
        # The licence travels with the code (PEP 639: .dist-info/licenses/).
        assert archive.read(f"{dist_info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
    assert top_level == {PACKAGE, dist_info}
    assert declared == [PACKAGE]


def test_the_installed_package_is_the_only_new_import_name(venv: Path, tmp_path: Path) -> None:
    probe = (
        "import importlib.util, json, backprop_explorer;"
        "print(json.dumps({'file': backprop_explorer.__file__, 'version': backprop_explorer.__version__,"
        " 'app': importlib.util.find_spec('app') is not None,"
        " 'engine': importlib.util.find_spec('engine') is not None}))"
    )
    result = run([str(venv / "bin" / "python"), "-c", probe], cwd=tmp_path, env=clean_env())
    found = json.loads(result.stdout)
    assert Path(found["file"]).is_relative_to(venv), found["file"]  # not the checkout
    assert not found["app"] and not found["engine"]
    init = (ROOT / PACKAGE / "__init__.py").read_text()
    assert re.search(rf'__version__ = "{re.escape(found["version"])}"', init)


def test_the_installed_command_reports_the_package_version(venv: Path, tmp_path: Path) -> None:
    result = run([str(venv / "bin" / "backprop-explorer"), "--version"], cwd=tmp_path, env=clean_env())
    match = re.search(r'__version__ = "([^"]+)"', (ROOT / PACKAGE / "__init__.py").read_text())
    assert match is not None and match.group(1) in result.stdout
    as_module = run([str(venv / "bin" / "python"), "-m", PACKAGE, "--version"], cwd=tmp_path, env=clean_env())
    assert as_module.stdout == result.stdout


def test_the_installed_server_serves_page_static_files_and_docs(installed_server: tuple[str, Path]) -> None:
    base, _ = installed_server
    page = httpx.get(f"{base}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'src="/static/js/main.js' in page.text and "<title>Backprop Explorer</title>" in page.text

    for name in ("js/api.js", "js/main.js", "css/app.css"):
        static = httpx.get(f"{base}/static/{name}")
        assert static.status_code == 200, name
        assert static.content == (ROOT / "static" / name).read_bytes()

    docs = httpx.get(f"{base}/docs")
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', docs.text)
    assert assets, docs.text  # Swagger UI's files, served by the installed package itself
    for asset in assets:
        assert httpx.get(f"{base}{asset}").status_code == 200, asset
    assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Backprop Explorer"


def test_the_installed_server_steps_like_the_checkout(
    installed_server: tuple[str, Path], live_server: LiveServer
) -> None:
    base, db = installed_server
    answers = []
    for server in (base, live_server.url):
        created = httpx.post(f"{server}/api/networks", json=SPEC)
        assert created.status_code == 201, created.text
        step = httpx.post(f"{server}/api/networks/{created.json()['id']}/step", json={}, timeout=30)
        assert step.status_code == 200, step.text
        answers.append(step.json())
    installed, checkout = answers
    assert installed["update"]["step"] == 1
    assert installed["forward"]["indices"] == checkout["forward"]["indices"]
    assert installed == checkout  # the same numbers, to the last bit
    assert db.exists() and db.stat().st_size > 0  # --db was honoured


def test_the_installed_client_runs_an_example_against_the_installed_server(
    venv: Path, installed_server: tuple[str, Path], tmp_path: Path
) -> None:
    base, _ = installed_server
    script = tmp_path / "example.py"
    shutil.copy(ROOT / "examples" / "mazur_worked_example.py", script)
    result = run([str(venv / "bin" / "python"), str(script), base], cwd=tmp_path, env=clean_env())
    assert "E = 0.298371109" in result.stdout and "w5 = 0.35891648" in result.stdout
