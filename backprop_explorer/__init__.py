"""Backprop Explorer: see every z, a and ∂L/∂w of a network you configure, phase by phase.

The distribution maps the repository's folders under this one import name:
``backprop_explorer.engine`` (the NumPy mathematics), ``backprop_explorer.app`` (the
FastAPI server), and ``static/`` and ``templates/`` as package data beside them.
``from backprop_explorer import Client`` is the Python client for scripts
(:mod:`backprop_explorer.client`), with one error class per kind of answer
(:mod:`backprop_explorer.errors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
ERRORS = (
    "ApiError",
    "AccessError",
    "BusyError",
    "ConflictError",
    "InvalidError",
    "NotFoundError",
    "TooLargeError",
    "UnreachableError",
)
__all__ = [
    "AccessError",
    "ApiError",
    "BusyError",
    "Client",
    "ConflictError",
    "InvalidError",
    "Network",
    "NotFoundError",
    "TooLargeError",
    "UnreachableError",
    "__version__",
]

if TYPE_CHECKING:
    from .client import Client, Network
    from .errors import (
        AccessError,
        ApiError,
        BusyError,
        ConflictError,
        InvalidError,
        NotFoundError,
        TooLargeError,
        UnreachableError,
    )


def __getattr__(name: str) -> Any:
    # Imported on first use, so the server (which imports this package) does not load the client.
    if name in ("Client", "Network"):
        from . import client

        return getattr(client, name)
    if name in ERRORS:
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
