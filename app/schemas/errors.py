"""Error bodies and the error responses every router documents; the health answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import Response


class ErrorOut(Response):
    detail: str = Field(description="one readable sentence saying what is wrong")


class ValidationIssue(Response):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(ErrorOut):
    errors: list[ValidationIssue] | None = Field(None, description="pydantic's list, for a malformed body")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no network (or dataset) with this id"},
    403: {"model": ErrorOut, "description": "a foreign Host or Origin, or a missing token (beyond loopback)"},
    409: {
        "model": ErrorOut,
        "description": "a phase out of order (the detail names the phase to run first), "
        "or the network is training (POST …/stop first)",
    },
    413: {"model": ErrorOut, "description": "over a limit; the detail names it and its variable"},
    422: {"model": ValidationErrorOut, "description": "invalid input"},
    429: {"model": ErrorOut, "description": "too many requests wait for this network"},
    503: {"model": ErrorOut, "description": "the database cannot be written (disk full, read-only)"},
}


class HealthStatus(Response):
    status: Literal["ok"]
    version: str
