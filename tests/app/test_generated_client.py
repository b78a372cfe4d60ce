"""A client generated from the served OpenAPI document by openapi-python-client works: it
creates a network, steps it (a body that may be left out, left out) and trains it, against a
real server that runs with a token."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from ..conftest import LiveServer, start_server, stop_server
from .conftest import MOONS

TOKEN = "generated-client-token-123"
PACKAGE = "backprop_explorer_generated"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        tmp_path_factory.mktemp("generated") / "networks.db", env={"BACKPROP_EXPLORER_TOKEN": TOKEN}
    )
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def generated(served: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The package openapi-python-client writes from the served document, imported."""
    folder = tmp_path_factory.mktemp("client")
    document = folder / "openapi.json"
    document.write_text(
        httpx.get(f"{served}/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}).text
    )
    tool = Path(sys.executable).with_name("openapi-python-client")
    env = {**os.environ, "PATH": f"{tool.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(folder / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Unable to parse" not in run.stdout and "Warning" not in run.stdout, run.stdout
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def call(module: str, package: ModuleType):
    return importlib.import_module(f"{package.__name__}.api.{module}")


def model(name: str, package: ModuleType):
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


def test_create_step_and_train_with_the_generated_client(served: LiveServer, generated: ModuleType) -> None:
    client = generated.AuthenticatedClient(base_url=str(served), token=TOKEN)
    NetworkSpec, TrainIn = model("NetworkSpec", generated), model("TrainIn", generated)
    NetworkPublic, StepOut, TrainOut = (model(n, generated) for n in ("NetworkPublic", "StepOut", "TrainOut"))

    created = call("networks.create_network", generated).sync(
        client=client, body=NetworkSpec.from_dict(MOONS)
    )
    assert isinstance(created, NetworkPublic) and created.step == 0
    stepped = call("phases.step", generated).sync(created.id, client=client)  # no body: the next batch
    assert isinstance(stepped, StepOut)
    assert stepped.update.step == 1 and stepped.forward.batch_size == MOONS["batch_size"]
    trained = call("training.train", generated).sync(created.id, client=client, body=TrainIn(epochs=3))
    assert isinstance(trained, TrainOut) and trained.epochs_run == 3 and trained.diverged is None
    assert [entry.epoch for entry in trained.history] == [1, 2, 3]
    # The same numbers as the API's own JSON, and the other bodiless POSTs work too.
    got = httpx.get(
        f"{served}/api/networks/{created.id}", headers={"Authorization": f"Bearer {TOKEN}"}
    ).json()
    assert got["step"] == trained.network.step and got["epoch"] == 3
    reset = call("networks.reset_network", generated).sync(created.id, client=client)
    assert isinstance(reset, NetworkPublic) and reset.step == 0


def test_the_generated_client_without_the_token_gets_the_documented_401(
    served: LiveServer, generated: ModuleType
) -> None:
    client = generated.Client(base_url=str(served))
    response = call("networks.list_networks", generated).sync_detailed(client=client)
    assert response.status_code == 401
    assert type(response.parsed).__name__ == "ErrorOut" and "token" in response.parsed.detail
