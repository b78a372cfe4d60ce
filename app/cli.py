"""`backprop-explorer serve [--host] [--port] [--db] [--token] [--open] [--workers] [--max-...]`,
and `backprop-explorer db copy|check` (``dbcli.py``).

The app reads its settings from the environment when uvicorn imports it (in every worker),
so ``serve`` turns its flags into ``BACKPROP_EXPLORER_*`` variables, checks the database,
prints the address to open and runs uvicorn.
"""

from __future__ import annotations

import argparse
import inspect
import os
import secrets
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from dataclasses import fields
from typing import Any

import uvicorn

from backprop_explorer import __version__

from . import dbcli
from .config import (
    ENV_PREFIX,
    TOKEN_RULE,
    TOKEN_SYNTAX,
    ZERO_MEANS_OFF,
    Limits,
    database_from,
    default_db_path,
    is_loopback,
)
from .connections import BACKLOG
from .errors import DatabaseUnavailable
from .store import open_store

__all__ = ["is_loopback", "main", "parser"]

WILDCARDS = ("0.0.0.0", "::", "")
WORKER_STARTUP_SECONDS = 60


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="backprop-explorer")
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the web UI and REST API")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="default 127.0.0.1 (this machine only); any other address needs a token",
    )
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--db",
        help=f"a SQLite file, or a postgresql://user:password@host/database URL (env {ENV_PREFIX}DB; "
        f"default {default_db_path()})",
    )
    serve.add_argument(
        "--token",
        help=f"required by the API (env {ENV_PREFIX}TOKEN); made up and printed when the host is "
        "not loopback; not needed on loopback unless given",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="accept this name in the Host header too (repeatable; env "
        f"{ENV_PREFIX}ALLOW_HOSTS, comma-separated; '*' accepts any)",
    )
    serve.add_argument(
        "--allow-listing",
        action="store_true",
        help="let GET /api/networks list the anonymous owner's networks on a server other machines can reach",
    )
    serve.add_argument(
        "--teacher-token",
        help=f"a second token that may list and delete every network (env {ENV_PREFIX}TEACHER_TOKEN)",
    )
    serve.add_argument("--open", action="store_true", help="open the page in a browser once serving")
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="uvicorn worker processes")
    dbcli.add_parser(sub)
    defaults = Limits()
    for f in fields(Limits):
        serve.add_argument(
            "--" + f.name.replace("_", "-"),
            type=int,
            metavar="N",
            help=f"env {Limits.env_name(f.name)}; default {getattr(defaults, f.name)}",
        )
    return root


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
    if host in WILDCARDS:
        hosts = ["127.0.0.1", *filter(None, [lan_address()])]
    else:
        hosts = [host]
    return [f"http://{f'[{h}]' if ':' in h else h}:{port}{query}" for h in hosts]


def open_when_up(url: str, timeout: float = 60.0) -> None:
    """Poll /api/health, then open ``url`` in the user's browser (``$BROWSER`` if set)."""
    health = url.split("/?")[0].rstrip("/") + "/api/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(health, timeout=1) as response:
                if response.status == 200:
                    webbrowser.open(url)
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)


def configure(args: argparse.Namespace) -> str | None:
    """Set the environment the app reads; the token in force (None on loopback without one)."""
    os.environ[ENV_PREFIX + "HOST"] = args.host
    os.environ[ENV_PREFIX + "DB"] = str(database_from(args.db))
    for f in fields(Limits):
        value = getattr(args, f.name)
        if value is not None:
            if value < (0 if f.name in ZERO_MEANS_OFF else 1):
                sys.exit(f"--{f.name.replace('_', '-')} must be ≥ {0 if f.name in ZERO_MEANS_OFF else 1}")
            os.environ[Limits.env_name(f.name)] = str(value)
    if args.workers < 1:
        sys.exit("--workers must be ≥ 1")
    if args.allow_host:
        os.environ[ENV_PREFIX + "ALLOW_HOSTS"] = ",".join(args.allow_host)
    if args.allow_listing:
        os.environ[ENV_PREFIX + "ALLOW_LISTING"] = "1"
    token = args.token if args.token is not None else os.environ.get(ENV_PREFIX + "TOKEN") or None
    if token is not None and not TOKEN_SYNTAX.match(token):
        sys.exit(f"--token must be {TOKEN_RULE}")
    if token is None and not is_loopback(args.host):
        token = secrets.token_urlsafe(24)
    if token is not None:
        os.environ[ENV_PREFIX + "TOKEN"] = token
    if args.teacher_token is not None:
        if not TOKEN_SYNTAX.match(args.teacher_token):
            sys.exit(f"--teacher-token must be {TOKEN_RULE}")
        os.environ[ENV_PREFIX + "TEACHER_TOKEN"] = args.teacher_token
    return token


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.command == "db":
        sys.exit(dbcli.run(args))
    token = configure(args)
    # Check the database here, so a bad --db is one readable line, not a traceback per worker.
    try:
        store = open_store(database_from(os.environ[ENV_PREFIX + "DB"]))
    except DatabaseUnavailable as exc:
        sys.exit(f"backprop-explorer: {exc}")
    db = store.describe()
    store.close()
    addresses = urls(args.host, args.port, token)
    lines = [f"Backprop Explorer {__version__}: networks in {db}", "Open in a browser:"]
    lines += [f"    {address}" for address in addresses]
    if not is_loopback(args.host):
        lines.append(
            "Reachable from other machines: the API needs the token above (it is kept in a cookie "
            "once the page is opened with it); scripts send `Authorization: Bearer <token>`."
        )
    print("\n".join(lines), flush=True)
    if args.open:
        threading.Thread(target=open_when_up, args=(addresses[0],), daemon=True).start()
    # uvicorn's HTTP/1.1 protocol with a header deadline and a connection cap (app/connections.py).
    options: dict[str, Any] = {
        "workers": args.workers,
        "http": "backprop_explorer.app.connections:GuardedProtocol",
        "backlog": BACKLOG,
    }
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        # uvicorn restarts a worker that has not answered within 5 s; importing NumPy and the app
        # on a busy machine can take longer, and the restarts then never end.
        options["timeout_worker_healthcheck"] = WORKER_STARTUP_SECONDS
    uvicorn.run("backprop_explorer.app.main:app", host=args.host, port=args.port, **options)


if __name__ == "__main__":
    main()
