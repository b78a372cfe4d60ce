"""What crosses the wire for the client: arrays out as nested lists, an error answer's detail
and code."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

import httpx
import numpy as np


class Connection(Protocol):
    """What a :class:`~backprop_explorer.network.Network` asks of the client it came from."""

    url: str
    http: httpx.Client

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any: ...

    def _reaching(self, method: str, path: str) -> AbstractContextManager[None]: ...


def as_json(value: Any) -> Any:
    """Nested lists for ndarrays (and NumPy scalars), inside dicts and lists too."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, Mapping):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    return value


def detail_of(response: httpx.Response) -> Any:
    try:
        return response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        return response.text


def code_of(response: httpx.Response) -> str | None:
    """The error answer's ``code``; None for an answer without one (not the server's JSON)."""
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) else None
