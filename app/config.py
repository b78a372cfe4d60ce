"""Settings: the database, the size limits and who may connect, read from the environment.

Every limit ``max_x`` is set by the env var ``BACKPROP_EXPLORER_MAX_X`` or the CLI flag
``--max-x``; the database (a SQLite file's path or a ``postgresql://`` URL) by
``BACKPROP_EXPLORER_DB`` or ``--db``; access (the bound
host, extra Host names, the token, listing) by the variables named in :class:`Access`, which
``backprop-explorer serve`` sets from its flags.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from .errors import LimitExceeded

ENV_PREFIX = "BACKPROP_EXPLORER_"
ZERO_MEANS_OFF = frozenset({"expire_idle_seconds"})  # the limits that may be 0


@dataclass(frozen=True)
class Limits:
    max_layers: int = 10  # weight layers (every layer but the input)
    max_neurons: int = 256  # per layer, input and output included
    max_parameters: int = 100_000  # weights + biases
    max_samples: int = 10_000  # rows of a dataset or of one request's inputs
    max_epochs: int = 10_000  # per train call
    max_body_bytes: int = 4 * 1024 * 1024  # a JSON request body
    max_upload_bytes: int = 8 * 1024 * 1024  # a CSV upload
    max_csv_columns: int = 1_000  # columns of a CSV upload (its rows: max_samples)
    max_trace_samples: int = 256  # per-sample rows returned in a phase trace
    max_grid_resolution: int = 200  # points per axis of a predict grid
    max_waiting_requests: int = 16  # requests queued per network behind the one running (then 429)
    max_step_losses: int = 10_000  # per-update losses kept and returned per network
    max_step_snapshots: int = 1_000  # timeline snapshots of single updates kept per network (newest)
    max_snapshot_bytes: int = 16_000_000  # bytes of timeline snapshots per network (oldest go first)
    max_networks: int = 1_000  # networks stored (a create beyond it is refused)
    max_datasets: int = 100  # uploaded datasets stored (an upload beyond it is refused)
    max_landscape_work: int = 500_000_000  # grid points × network parameters × samples of a landscape
    max_predict_values: int = 3_000_000  # floats in one predict answer (points × neurons)
    max_map_bytes: int = 40_000_000  # bytes of one predict answer's uint8 maps (points × neurons)
    max_gradcheck_work: int = 5_000_000_000  # parameters² × samples of one gradient check
    # Owners and quotas (app/owners.py, app/store/accounts.py).
    max_owner_networks: int = 200  # networks one owner keeps
    max_owner_datasets: int = 20  # uploaded datasets one owner keeps
    max_owner_bytes: int = 250_000_000  # bytes one owner's networks and datasets take in the store
    max_store_bytes: int = 4_000_000_000  # bytes of every network and dataset together
    max_scratch_networks: int = 5  # networks the page built and nobody changed, kept per owner
    expire_idle_seconds: int = 0  # delete networks unchanged this long, and unused uploads (0: never)
    max_name_length: int = 100  # characters of a network's name or a CSV column's name
    # The whole process (app/gate.py): memory and CPU shared by every request.
    max_memory_bytes: int = 2_000_000_000  # the process's memory, baseline included
    max_cpu_work: int = field(default_factory=lambda: os.cpu_count() or 1)  # heavy requests at once
    max_queued_requests: int = 128  # requests waiting for the CPU or memory (then 503)
    max_queued_per_owner: int = 16  # of them, from one owner (then 429)
    # Clients (app/connections.py, app/limits.py).
    max_connections: int = 1_000  # open connections (capped below the process's descriptor limit)
    max_header_seconds: int = 10  # to send a request's line and headers
    max_body_seconds: int = 60  # to send a request's body
    # PostgreSQL (app/store/postgres.py): N app servers hold up to N × this many connections.
    max_db_connections: int = 20  # connections each server process keeps open to the database

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            name = cls.env_name(f.name)
            raw = environ.get(name)
            if raw is not None:
                try:
                    value = int(raw)
                except ValueError:
                    raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
                if value < (0 if f.name in ZERO_MEANS_OFF else 1):
                    raise ValueError(f"{name} must be ≥ {0 if f.name in ZERO_MEANS_OFF else 1}, got {raw}")
                values[f.name] = value
        return cls(**values)

    @staticmethod
    def env_name(name: str) -> str:
        return ENV_PREFIX + name.upper()

    def check(self, name: str, value: int, what: str) -> None:
        """413 naming the limit (and how to raise it) when ``value`` is over ``name``."""
        limit = getattr(self, name)
        if value > limit:
            raise LimitExceeded(
                f"{what} is {value}, over the limit {name}={limit} (set {self.env_name(name)})"
            )


@lru_cache(maxsize=256)  # asked on every request, about the same few names
def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1): reachable from this machine only."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # ::ffff:127.0.0.1 is how a dual-stack socket shows an IPv4 loopback client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _flag(raw: str | None) -> bool:
    return (raw or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Access:
    """Who may use the server (enforced by app/security.py)."""

    host: str = "127.0.0.1"  # the address the server is bound to (env BACKPROP_EXPLORER_HOST)
    allowed_hosts: tuple[str, ...] = ()  # more names the Host header may carry (…_ALLOW_HOSTS, commas)
    token: str | None = None  # when set, the API needs it (env BACKPROP_EXPLORER_TOKEN)
    allow_listing: bool = False  # list the anonymous owner's networks even when reachable from other machines
    teacher_token: str | None = None  # sees and deletes everything (env BACKPROP_EXPLORER_TEACHER_TOKEN)

    @property
    def public(self) -> bool:
        """Bound beyond loopback: other machines can connect."""
        return not is_loopback(self.host)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Access:
        environ = os.environ if environ is None else environ
        hosts = environ.get(ENV_PREFIX + "ALLOW_HOSTS", "")
        token = environ.get(ENV_PREFIX + "TOKEN") or None
        if token is not None and token == environ.get(ENV_PREFIX + "TEACHER_TOKEN"):
            raise ValueError(SAME_TOKENS)
        return cls(
            host=environ.get(ENV_PREFIX + "HOST") or cls.host,
            allowed_hosts=tuple(name.strip() for name in hosts.split(",") if name.strip()),
            token=check_token(environ.get(ENV_PREFIX + "TOKEN") or None),
            allow_listing=_flag(environ.get(ENV_PREFIX + "ALLOW_LISTING")),
            teacher_token=check_token(environ.get(ENV_PREFIX + "TEACHER_TOKEN") or None, "TEACHER_TOKEN"),
        )


# A token travels in URLs, headers and a cookie: keep it to characters all three carry as is.
TOKEN_SYNTAX = re.compile(r"^[A-Za-z0-9._~-]{8,256}$")
TOKEN_RULE = "8 to 256 characters among A-Z a-z 0-9 . _ ~ -"


SAME_TOKENS = (
    "the teacher token must differ from the class token: with the same one every student would "
    "be the teacher (list, open, change and delete every network, with no quota)"
)


def check_token(token: str | None, name: str = "TOKEN") -> str | None:
    if token is not None and not TOKEN_SYNTAX.match(token):
        raise ValueError(f"{ENV_PREFIX}{name} must be {TOKEN_RULE}")
    return token


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/backprop-explorer/networks.db`` (``~/.local/share`` when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "backprop-explorer" / "networks.db"


def database_from(value: str | None) -> Path | str:
    """A ``--db``/``BACKPROP_EXPLORER_DB`` value: a ``postgresql://`` URL as it is, else a
    SQLite file's path (the default one when unset)."""
    if not value:
        return default_db_path()
    return value if value.startswith(("postgresql://", "postgres://")) else Path(value)


@dataclass(frozen=True)
class Settings:
    database: Path | str  # a SQLite file's path, or a postgresql:// URL
    limits: Limits = field(default_factory=Limits)
    access: Access = field(default_factory=Access)
    lessons_dir: Path | None = None  # a teacher's folder of lesson files, besides the built-in ones

    @classmethod
    def from_env(cls) -> Settings:
        lessons = os.environ.get(ENV_PREFIX + "LESSONS")
        return cls(
            database_from(os.environ.get(ENV_PREFIX + "DB")),
            Limits.from_env(),
            Access.from_env(),
            Path(lessons) if lessons else None,
        )
