"""`backprop-explorer serve [--host] [--port] [--root-path] [--db] [--token] [--open] …
[--lessons DIR]`, `backprop-explorer lessons check FILE… | show ID` and
`backprop-explorer db copy|check` (``dbcli.py``).

The app reads its settings from the environment when uvicorn imports it (in every worker),
so ``serve`` turns its flags into ``BACKPROP_EXPLORER_*`` variables, checks the database,
binds the socket (app/listen.py), prints the address it is bound to and runs uvicorn on it.
``python -m backprop_explorer`` is the same command.
"""

from __future__ import annotations

import argparse
import inspect
import os
import secrets
import socket
import sys
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from backprop_explorer import __version__

from . import process  # noqa: F401 - before anything loads NumPy
from .config import (
    ENV_PREFIX,
    SAME_TOKENS,
    TOKEN_RULE,
    TOKEN_SYNTAX,
    ZERO_MEANS_OFF,
    Limits,
    database_from,
    default_db_path,
    is_loopback,
)
from .connections import BACKLOG
from .dbcli import add_parser as add_db_parser
from .dbcli import run as run_db
from .dbcli import sqlite_place
from .errors import DatabaseUnavailable
from .lessons import commands as lesson_commands
from .listen import DEFAULT_PORT, PORT_TRIES, CannotListen, bind, open_when_up, urls
from .store import open_store

__all__ = ["is_loopback", "main", "parser"]

WORKER_STARTUP_SECONDS = 60
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
# The --max-* flags, grouped in --help by what they bound; a limit not named here is listed last.
LIMIT_GROUPS = {
    "network size": ("max_layers", "max_neurons", "max_parameters"),
    "data": ("max_samples", "max_upload_bytes", "max_csv_columns", "max_datasets"),
    "one request": (
        "max_epochs",
        "max_body_bytes",
        "max_trace_samples",
        "max_grid_resolution",
        "max_predict_values",
        "max_map_bytes",
        "max_gradcheck_work",
        "max_landscape_work",
        "max_waiting_requests",
    ),
    "what is kept": ("max_networks", "max_step_losses", "max_step_snapshots", "max_snapshot_bytes"),
    "owners": (
        "max_owner_networks",
        "max_owner_datasets",
        "max_owner_bytes",
        "max_store_bytes",
        "max_scratch_networks",
        "expire_idle_seconds",
        "max_name_length",
    ),
    "the whole server": ("max_memory_bytes", "max_cpu_work", "max_queued_requests", "max_queued_per_owner"),
    "clients": ("max_connections", "max_header_seconds", "max_body_seconds"),
    "PostgreSQL": ("max_db_connections",),
}
LIMIT_HELP = {
    "max_layers": "weight layers per network",
    "max_neurons": "neurons per layer",
    "max_parameters": "weights and biases per network",
    "max_samples": "rows of a dataset or of one request",
    "max_upload_bytes": "bytes of a CSV upload",
    "max_csv_columns": "columns of a CSV upload",
    "max_datasets": "uploaded datasets stored",
    "max_epochs": "epochs per train call",
    "max_body_bytes": "bytes of a JSON request body",
    "max_trace_samples": "per-sample rows in a returned trace",
    "max_grid_resolution": "points per axis of a predict grid",
    "max_predict_values": "floats in one predict answer",
    "max_map_bytes": "bytes of one predict answer's uint8 maps",
    "max_gradcheck_work": "parameters² × samples of one gradient check",
    "max_landscape_work": "grid points × parameters × samples of one loss landscape",
    "max_waiting_requests": "requests waiting per network (beyond: 429)",
    "max_networks": "networks stored",
    "max_step_losses": "per-update losses kept per network",
    "max_step_snapshots": "timeline snapshots of single updates kept per network",
    "max_snapshot_bytes": "bytes of timeline snapshots per network",
    "max_owner_networks": "networks one owner keeps",
    "max_owner_datasets": "uploads one owner keeps",
    "max_owner_bytes": "bytes one owner's networks and uploads take",
    "max_store_bytes": "bytes of every network and upload together",
    "max_scratch_networks": "page-built networks never changed, kept per owner",
    "expire_idle_seconds": "delete networks unchanged this long, 0: never",
    "max_name_length": "characters of a network's or a CSV column's name",
    "max_memory_bytes": "bytes of memory the server may use",
    "max_cpu_work": "heavy requests at once",
    "max_queued_requests": "requests waiting for the server (beyond: 503)",
    "max_queued_per_owner": "of them, from one owner (beyond: 429)",
    "max_connections": "open connections (kept below the file limit)",
    "max_header_seconds": "seconds to send a request's headers",
    "max_body_seconds": "seconds to send a request's body",
    "max_db_connections": "connections each server process keeps open to a postgresql:// database",
}

# A default that depends on the machine: said as the rule, then its value here.
DEFAULT_HELP = {"max_cpu_work": "the core count, {} here"}


def port_number(text: str) -> int:
    """--port's value: a whole number from 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to 65535 (0: any free port), got {text!r}"
        )
    return port


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="backprop-explorer",
        description="See backpropagation: every z, a and ∂L/∂w of a network, phase by phase, in the "
        "browser and over a REST API.",
        epilog="Start with `backprop-explorer serve`, then open the address it prints.",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = root.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser(
        "serve",
        help="start the web page and the REST API",
        description="Serve the page and the API. Each --max-* limit, and each option whose help names "
        "an environment variable, can also be set by that variable; /api/catalog reports the limits "
        "in force.",
    )
    where = serve.add_argument_group("where it listens")
    where.add_argument(
        "--host",
        default="127.0.0.1",
        help="default 127.0.0.1 (this machine only); any other address needs a token",
    )
    where.add_argument(
        "--port",
        type=port_number,
        metavar="N",
        help=f"the port; 0 picks a free one (default {DEFAULT_PORT}, or the next free one of "
        f"{DEFAULT_PORT}–{DEFAULT_PORT + PORT_TRIES - 1})",
    )
    where.add_argument(
        "--root-path",
        default="",
        metavar="PATH",
        help="serve under this path behind a reverse proxy (e.g. /explorer): the page's links and "
        "calls start with it",
    )
    access = serve.add_argument_group("data and access")
    access.add_argument(
        "--db",
        help=f"a SQLite file, or a postgresql://user:password@host/database URL (env {ENV_PREFIX}DB; "
        f"default {default_db_path()})",
    )
    access.add_argument(
        "--token",
        metavar="T",
        help=f"required by the API (env {ENV_PREFIX}TOKEN); made up and printed when the host is "
        "not loopback; not needed on loopback unless given",
    )
    access.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="accept this name in the Host header too (repeatable; env "
        f"{ENV_PREFIX}ALLOW_HOSTS, comma-separated; '*' accepts any)",
    )
    access.add_argument(
        "--allow-listing",
        action="store_true",
        help="let GET /api/networks and /api/datasets list the anonymous owner's ids on a server other "
        f"machines can reach (env {ENV_PREFIX}ALLOW_LISTING=1)",
    )
    access.add_argument(
        "--teacher-token",
        metavar="T",
        help="a second token that may list, open, change and delete every network and upload "
        f"(env {ENV_PREFIX}TEACHER_TOKEN)",
    )
    running = serve.add_argument_group("running")
    running.add_argument("--open", action="store_true", help="open the page in a browser once serving")
    running.add_argument("--workers", type=int, default=1, metavar="N", help="uvicorn worker processes")
    running.add_argument(
        "--log-level", choices=LOG_LEVELS, default="info", help="uvicorn's logging (default info)"
    )
    running.add_argument(
        "--lessons",
        metavar="DIR",
        help=f"a folder of lesson files to offer too (env {ENV_PREFIX}LESSONS)",
    )
    defaults = Limits()
    names = [f.name for f in fields(Limits)]
    grouped = [name for group in LIMIT_GROUPS.values() for name in group]
    groups = {**LIMIT_GROUPS, "other": tuple(n for n in names if n not in grouped)}
    for title, members in groups.items():
        present = [name for name in members if name in names]
        if not present:
            continue
        group = serve.add_argument_group(f"limits: {title}")
        for name in present:
            default = DEFAULT_HELP.get(name, "{:,}").format(getattr(defaults, name))
            group.add_argument(
                "--" + name.replace("_", "-"),
                type=int,
                metavar="N",
                help=f"{LIMIT_HELP.get(name, name.replace('_', ' '))} (default {default}; "
                f"env {Limits.env_name(name)})",
            )
    lesson_commands.add_parser(sub)
    add_db_parser(sub)
    return root


def configure(args: argparse.Namespace) -> str | None:
    """Set the environment the app reads; the token in force (None on loopback without one)."""
    os.environ[ENV_PREFIX + "HOST"] = args.host
    database = args.db if args.db is not None else os.environ.get(ENV_PREFIX + "DB") or None
    # A path given (not the default's folder, made on first use) names a folder that is there.
    if database is not None:
        try:
            sqlite_place(database_from(database), existing=False)
        except DatabaseUnavailable as exc:
            sys.exit(f"backprop-explorer: {exc}")
    os.environ[ENV_PREFIX + "DB"] = str(database_from(database))
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
    lessons = args.lessons or os.environ.get(ENV_PREFIX + "LESSONS")
    if lessons:
        if not Path(lessons).is_dir():
            given = f"--lessons {lessons}" if args.lessons else f"{ENV_PREFIX}LESSONS={lessons}"
            sys.exit(f"{given}: no such folder")
        os.environ[ENV_PREFIX + "LESSONS"] = str(Path(lessons).resolve())
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
    if token is not None and os.environ.get(ENV_PREFIX + "TEACHER_TOKEN") == token:
        sys.exit(SAME_TOKENS)
    return token


def main(argv: list[str] | None = None) -> None:
    command_line = parser()
    args = command_line.parse_args(argv)
    if args.command is None:  # a bare `backprop-explorer`: say what it does
        command_line.print_help()
        return
    if args.command == "lessons":
        sys.exit(lesson_commands.main(args))
    if args.command == "db":
        sys.exit(run_db(args))
    token = configure(args)
    # Check the database here, so a bad --db is one readable line, not a traceback per worker.
    try:
        store = open_store(database_from(os.environ[ENV_PREFIX + "DB"]))
    except DatabaseUnavailable as exc:
        sys.exit(f"backprop-explorer: {exc}")
    db = store.describe()  # a URL without its password
    store.close()
    try:
        sock = bind(args.host, args.port)
    except CannotListen as exc:
        sys.exit(f"backprop-explorer: {exc}")
    port = sock.getsockname()[1]
    serve(args, sock, port, token, db)


def serve(args: argparse.Namespace, sock: socket.socket, port: int, token: str | None, db: str) -> None:
    """Print where the server is, then run uvicorn on the bound socket."""
    root_path = args.root_path.rstrip("/")
    addresses = urls(args.host, port, token)
    lines = [f"Backprop Explorer {__version__}: networks in {db}"]
    if args.port is None and port != DEFAULT_PORT:
        lines.append(f"Port {DEFAULT_PORT} is in use: serving on {port} instead.")
    lines += ["Open in a browser:", *(f"    {address}" for address in addresses)]
    if root_path:
        lines.append(
            f"The page's links and calls start with {root_path}/: a reverse proxy forwards "
            f"{root_path}/… here without that prefix (the addresses above also work directly)."
        )
    if not is_loopback(args.host):
        lines.append(
            "Reachable from other machines: the API needs the token above (it is kept in a cookie "
            "once the page is opened with it); scripts send `Authorization: Bearer <token>`."
        )
    print("\n".join(lines), flush=True)
    if args.open:
        health = addresses[0].split("/?")[0].rstrip("/") + "/api/health"

        def open_page() -> None:
            problem = open_when_up(addresses[0], health)
            if problem:
                print(problem, file=sys.stderr, flush=True)

        threading.Thread(target=open_page, daemon=True).start()
    options: dict[str, Any] = {
        "workers": args.workers,
        "log_level": args.log_level,
        "root_path": root_path,
        # uvicorn's HTTP/1.1 protocol with a header deadline and a connection cap (app/connections.py).
        "http": "backprop_explorer.app.connections:GuardedProtocol",
        "backlog": BACKLOG,
    }
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        # uvicorn restarts a worker that has not answered within 5 s; importing NumPy and the app
        # on a busy machine can take longer, and the restarts then never end.
        options["timeout_worker_healthcheck"] = WORKER_STARTUP_SECONDS
    config = uvicorn.Config("backprop_explorer.app.main:app", host=args.host, port=port, **options)
    server = uvicorn.Server(config)
    if args.workers > 1:  # what uvicorn.run does, on the socket bound above
        supervisor: dict[str, Any] = {"sockets": [sock]}
        if "target" in inspect.signature(Multiprocess).parameters:  # older uvicorn asks for it
            supervisor["target"] = server.run
        Multiprocess(config, **supervisor).run()
    else:
        server.run(sockets=[sock])


if __name__ == "__main__":
    main()
