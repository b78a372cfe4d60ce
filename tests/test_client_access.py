"""The Python client's address, token and errors against real servers: a server with a token
(given, read from the environment, or in the printed address), one error class per kind of
answer under one base, one line when no server is there, and a docstring on every method."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backprop_explorer import (
    AccessError,
    ApiError,
    BusyError,
    Client,
    ConflictError,
    InvalidError,
    Network,
    NotFoundError,
    TooLargeError,
    UnreachableError,
)
from backprop_explorer.errors import error_for
from tests.app.serving import Served, serve
from tests.conftest import ROOT, LiveServer, free_port

TOKEN = "a-classroom-token-42"
XOR = {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce", "data": {"generator": "xor"}}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server that needs a token (as one bound beyond loopback does)."""
    served = serve(tmp_path_factory.mktemp("token"), "--token", TOKEN)
    yield served
    served.stop()


def test_a_token_server_answers_a_client_given_its_token(guarded: Served) -> None:
    with Client(guarded.url) as anonymous, pytest.raises(AccessError) as refused:
        anonymous.catalog()
    assert refused.value.status_code == 401 and "needs a token" in refused.value.detail

    with Client(guarded.url, token=TOKEN) as api:
        net = api.create(XOR)
        assert net.step().update.step == 1 and api.network(net.id).info.step == 1
    mine = api.owner_key  # the network is this key's: the later clients open it with the same key
    with Client(f"{guarded.url}/?token={TOKEN}", owner_key=mine) as printed:  # the address serve prints
        assert printed.url == guarded.url and printed.network(net.id).info.step == 1
    with Client(guarded.url, headers={"Authorization": f"Bearer {TOKEN}"}, owner_key=mine) as by_header:
        assert by_header.network(net.id).id == net.id
    with Client(guarded.url, token=TOKEN) as stranger, pytest.raises(NotFoundError):
        stranger.network(net.id)  # another owner: as if there were no such network
    with Client(guarded.url, token="not-the-token") as wrong, pytest.raises(AccessError) as bad:
        wrong.network(net.id)
    assert "the token is wrong" in bad.value.detail


def test_the_address_and_token_come_from_the_environment(
    guarded: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKPROP_EXPLORER_URL", guarded.url)
    monkeypatch.setenv("BACKPROP_EXPLORER_TOKEN", TOKEN)
    with Client() as api:
        assert api.url == guarded.url and api.token == TOKEN
        assert api.catalog()["version"] == api.health()["version"]
    monkeypatch.delenv("BACKPROP_EXPLORER_URL")
    assert Client().url == "http://127.0.0.1:8000"


def test_each_kind_of_error_answer_has_its_class_under_one_base(live_server: LiveServer) -> None:
    with Client(live_server.url) as api:
        net = api.create(XOR)
        with pytest.raises(ConflictError) as out_of_order:
            net.backward()
        assert out_of_order.value.status_code == 409 and "forward" in out_of_order.value.detail
        with pytest.raises(NotFoundError) as unknown:
            api.network("no-such-network")
        assert unknown.value.status_code == 404
        with pytest.raises(InvalidError) as invalid:
            api.create({**XOR, "loss": "no_such_loss"})
        assert invalid.value.status_code == 422
        limit = api.catalog()["limits"]["max_epochs"]
        with pytest.raises(TooLargeError) as too_many:
            net.train(limit + 1)
        assert too_many.value.status_code == 413 and "max_epochs" in too_many.value.detail
        for error in (out_of_order, unknown, invalid, too_many):
            assert isinstance(error.value, ApiError)
            assert "\n" not in str(error.value) and str(error.value).startswith(error.value.method)
    # The codes no request here can provoke on demand map the same way.
    assert [type(error_for(code, "…", "POST", "/x")) for code in (400, 401, 403, 429, 503, 500)] == [
        InvalidError,
        AccessError,
        AccessError,
        BusyError,
        BusyError,
        ApiError,
    ]


def test_no_server_there_is_one_clear_line() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Client(url) as api, pytest.raises(UnreachableError) as down:
        api.health()
    message = str(down.value)
    assert message.startswith(f"GET /api/health: cannot reach a server at {url}")
    assert "backprop-explorer serve" in message and "\n" not in message
    assert down.value.status_code is None and down.value.__cause__ is None  # httpx's chain left out
    assert down.value.__suppress_context__

    # A script stops with that one line, not a traceback through httpx.
    example = ROOT / "examples" / "mazur_worked_example.py"
    run = subprocess.run([sys.executable, str(example), url], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"POST /api/networks: cannot reach a server at {url} (")


def test_every_public_method_says_what_it_does() -> None:
    for cls in (Client, Network):
        for name, member in inspect.getmembers(cls):
            if name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
                continue
            assert inspect.getdoc(member), f"{cls.__name__}.{name} has no docstring"


def test_the_package_ships_its_types() -> None:
    assert (ROOT / "backprop_explorer" / "py.typed").exists()
    text = (ROOT / "pyproject.toml").read_text()
    assert '"backprop_explorer" = ["py.typed"]' in text


def test_upload_errors_have_their_kind(live_server: LiveServer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,y\n1,x,2\n")
    with Client(live_server.url) as api, pytest.raises(InvalidError) as refused:
        api.upload_csv(bad)
    assert refused.value.detail == "line 2, column 2 ('b'): 'x' is not a number"
    assert refused.value.code == "invalid_csv"
    assert httpx.get(f"{live_server}/api/health").status_code == 200
