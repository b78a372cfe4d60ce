"""Where ``serve`` listens: the socket is bound before anything is printed, so the address
printed is the one in use (``--port 0`` included) and a taken port is one line, not a
uvicorn traceback after a misleading "Open in a browser".
"""

from __future__ import annotations

import errno
import socket
import time
import urllib.error
import urllib.request
import webbrowser

from .config import is_loopback

WILDCARDS = ("0.0.0.0", "::", "")
DEFAULT_PORT = 8000
PORT_TRIES = 10  # without --port, 8000 … 8009 are tried in turn, as Jupyter does


class CannotListen(Exception):
    """The one line ``serve`` exits with when it cannot bind."""


def bind(host: str, port: int | None) -> socket.socket:
    """A listening socket on ``host``: on ``port`` when one is given (0: any free port), else on
    the first free one of 8000 … 8009. CannotListen says why not, in one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    candidates = [port] if port is not None else list(range(DEFAULT_PORT, DEFAULT_PORT + PORT_TRIES))
    for candidate in candidates:
        try:
            return socket.create_server((host, candidate), family=family, backlog=2048)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE and port is None and candidate != candidates[-1]:
                continue
            raise CannotListen(_why(exc, host, candidate, port is None)) from None
    raise AssertionError("unreachable: the last candidate raises")


def _why(exc: OSError, host: str, port: int, tried_defaults: bool) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        if tried_defaults:
            return (
                f"ports {DEFAULT_PORT}–{DEFAULT_PORT + PORT_TRIES - 1} on {host} are all in use: "
                "choose one with --port N, or --port 0 for any free port"
            )
        return (
            f"port {port} on {host} is in use (another server?): choose another with --port N, "
            "or --port 0 for any free port"
        )
    if exc.errno == errno.EACCES:
        return f"cannot listen on {where}: permission denied (ports below 1024 need privileges)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {where}: {host} is not an address of this machine"
    if isinstance(exc, socket.gaierror):
        return f"cannot listen on {where}: {host!r} is not a host name this machine can resolve"
    return f"cannot listen on {where}: {exc.strerror or exc}"


def lan_address() -> str | None:
    """This machine's address on its default route (no packet is sent), for the URL to print."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # TEST-NET-2: routed like the internet, never used
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback(address) else address


def urls(host: str, port: int, token: str | None) -> list[str]:
    """The addresses to open: the bound one, or loopback and the LAN address for a wildcard."""
    query = f"/?token={token}" if token else "/"
    hosts = ["127.0.0.1", *filter(None, [lan_address()])] if host in WILDCARDS else [host]
    return [f"http://{f'[{h}]' if ':' in h else h}:{port}{query}" for h in hosts]


def open_when_up(url: str, health: str, timeout: float = 60.0) -> str | None:
    """Poll ``health``, then open ``url`` in the user's browser (``$BROWSER`` if set). None once
    opened; else the sentence to print (no browser found, or no answer in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(health, timeout=1) as response:
                if response.status == 200:
                    if webbrowser.open(url):
                        return None
                    return f"--open: no web browser found here; open {url} yourself (or set $BROWSER)"
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return f"--open: the server did not answer within {timeout:g} s, so no browser was opened"
