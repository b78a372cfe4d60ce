"""`backprop-explorer serve [--host] [--port] [--db] [--max-...]`."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from dataclasses import fields

import uvicorn

from .config import ENV_PREFIX, Limits, default_db_path

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="backprop-explorer")
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the web UI and REST API")
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--db", help=f"SQLite file (env {ENV_PREFIX}DB; default {default_db_path()})")
    defaults = Limits()
    for f in fields(Limits):
        serve.add_argument(
            "--" + f.name.replace("_", "-"),
            type=int,
            metavar="N",
            help=f"env {Limits.env_name(f.name)}; default {getattr(defaults, f.name)}",
        )
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    # The app reads its settings from the environment when uvicorn imports it.
    if args.db:
        os.environ[ENV_PREFIX + "DB"] = args.db
    for f in fields(Limits):
        value = getattr(args, f.name)
        if value is not None:
            if value < 1:
                sys.exit(f"--{f.name.replace('_', '-')} must be ≥ 1")
            os.environ[Limits.env_name(f.name)] = str(value)
    if not is_loopback(args.host):
        print(
            f"warning: listening on {args.host}: anyone who can reach this address can create, "
            "train and delete networks (there is no authentication)",
            file=sys.stderr,
        )
    uvicorn.run("backprop_explorer.app.main:app", host=args.host, port=args.port)


if __name__ == "__main__":
    main()
