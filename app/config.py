"""Settings: the database path and the size limits, read from the environment.

Every limit ``max_x`` is set by the env var ``BACKPROP_EXPLORER_MAX_X`` or the CLI flag
``--max-x``; the database path by ``BACKPROP_EXPLORER_DB`` or ``--db``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import LimitExceeded

ENV_PREFIX = "BACKPROP_EXPLORER_"


@dataclass(frozen=True)
class Limits:
    max_layers: int = 10  # weight layers (every layer but the input)
    max_neurons: int = 256  # per layer, input and output included
    max_parameters: int = 100_000  # weights + biases
    max_samples: int = 10_000  # rows of a dataset or of one request's inputs
    max_epochs: int = 10_000  # per train call
    max_body_bytes: int = 4 * 1024 * 1024  # a JSON request body
    max_upload_bytes: int = 8 * 1024 * 1024  # a CSV upload
    max_trace_samples: int = 256  # per-sample rows returned in a phase trace
    max_grid_resolution: int = 200  # points per axis of a predict grid
    max_step_losses: int = 10_000  # per-update losses kept and returned per network
    max_predict_values: int = 3_000_000  # floats in one predict answer (points × neurons)
    max_map_bytes: int = 40_000_000  # bytes of one predict answer's uint8 maps (points × neurons)
    max_gradcheck_work: int = 5_000_000_000  # parameters² × samples of one gradient check

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            name = cls.env_name(f.name)
            raw = environ.get(name)
            if raw is not None:
                value = int(raw)
                if value < 1:
                    raise ValueError(f"{name} must be ≥ 1, got {raw}")
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


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/backprop-explorer/networks.db`` (``~/.local/share`` when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "backprop-explorer" / "networks.db"


@dataclass(frozen=True)
class Settings:
    db_path: Path
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls) -> Settings:
        db = os.environ.get(ENV_PREFIX + "DB")
        return cls(Path(db) if db else default_db_path(), Limits.from_env())
