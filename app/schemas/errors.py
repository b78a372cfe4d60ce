"""Error bodies and the error responses every router documents; the health answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import Response

# What went wrong, for a program to test: each refusal's code stays the same when its sentence
# is worded anew (docs/api.md's table says when each is sent).
ErrorCode = Literal[
    # 401, 403: who may ask
    "token_required",
    "wrong_token",
    "foreign_host",
    "cross_site",
    "exposed_without_token",
    "listing_refused",
    "view_only",
    # 404: what is not there
    "not_found",
    "network_not_found",
    "dataset_not_found",
    "lesson_not_found",
    "lesson_step_not_found",
    "snapshot_not_kept",
    # 405, 408: the request itself
    "method_not_allowed",
    "body_timeout",
    # 409: not now, in this state
    "phase_order",
    "network_training",
    "network_locked",
    "stale_write",
    "dataset_in_use",
    # 413: over a limit
    "too_large",
    "body_too_large",
    "memory_budget",
    "quota_exceeded",
    "store_full",
    # 422: what was sent
    "invalid_body",
    "validation_error",
    "invalid_owner_key",
    "invalid_input",
    "non_finite",
    "loss_mismatch",
    "invalid_csv",
    "lesson_broken",
    # 429, 503: too many at once
    "network_busy",
    "rate_limited",
    "server_busy",
    "memory_busy",
    "storage_unavailable",
    # 500: the server's own failure
    "internal_error",
    "database_error",
    # any other status: a refusal of the web framework's own
    "http_error",
]


class ErrorOut(Response):
    detail: str = Field(description="one readable sentence saying what is wrong")
    code: ErrorCode = Field(
        description="what went wrong, for a program: it stays the same when the sentence is worded "
        "anew (docs/api.md lists each code with its status and when it is sent)"
    )


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
    500: {
        "model": ErrorOut,
        "description": "an error of the server's own (`internal_error`: its log says why), or the "
        "database refused the request for a reason other than a 503's (`database_error`)",
    },
}


class HealthStatus(Response):
    status: Literal["ok"]
    version: str
