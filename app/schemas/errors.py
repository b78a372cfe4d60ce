"""Error bodies and the error responses every router documents; the health answer."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field

from .base import Response

# What went wrong, for a program to test: each refusal's code stays the same when its sentence
# is worded anew (docs/api.md's table says when each is sent). The codes each status can carry:
Unauthorized = Literal["token_required", "wrong_token"]  # 401: who may ask
Forbidden = Literal[  # 403
    "foreign_host",
    "cross_site",
    "exposed_without_token",
    "listing_refused",
    "view_only",
]
NotFound = Literal[  # 404: what is not there
    "not_found",
    "network_not_found",
    "dataset_not_found",
    "lesson_not_found",
    "lesson_step_not_found",
    "snapshot_not_kept",
]
MethodNotAllowed = Literal["method_not_allowed"]  # 405
BodyTimeout = Literal["body_timeout"]  # 408
Conflict = Literal[  # 409: not now, in this state
    "phase_order",
    "network_training",
    "network_locked",
    "stale_write",
    "dataset_in_use",
]
TooLarge = Literal["too_large", "body_too_large", "memory_budget", "quota_exceeded", "store_full"]  # 413
Unprocessable = Literal[  # 422: what was sent (an upload or a snapshot a body names: not found)
    "dataset_not_found",
    "snapshot_not_kept",
    "invalid_body",
    "validation_error",
    "invalid_owner_key",
    "invalid_input",
    "non_finite",
    "loss_mismatch",
    "invalid_csv",
    "lesson_broken",
]
TooManyRequests = Literal["network_busy", "rate_limited"]  # 429: too many at once
Unavailable = Literal["server_busy", "memory_busy", "storage_unavailable"]  # 503: too many, or no database
ServerError = Literal["internal_error", "database_error"]  # 500: the server's own failure
# Every code (a code of two statuses once), and "http_error": a refusal of the web framework's
# own with any other status.
ErrorCode = Literal[
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    BodyTimeout,
    Conflict,
    TooLarge,
    Unprocessable,
    TooManyRequests,
    Unavailable,
    ServerError,
    "http_error",
]
STATUS_CODES: dict[int, tuple[str, ...]] = {
    status: get_args(codes)
    for status, codes in (
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (405, MethodNotAllowed),
        (408, BodyTimeout),
        (409, Conflict),
        (413, TooLarge),
        (422, Unprocessable),
        (429, TooManyRequests),
        (503, Unavailable),
        (500, ServerError),
    )
}


def described(status: int, what: str) -> str:
    """``what`` the status says, then the codes it can carry: "…; `code`: `a`, `b` or `c`"."""
    names = [f"`{code}`" for code in STATUS_CODES[status]]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"{what}; `code`: {listed}"


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
    404: {
        "model": ErrorOut,
        "description": described(
            404,
            "no network, upload, lesson, lesson step or kept snapshot with this id, or no route "
            "(another owner's network or upload without its share key too)",
        ),
    },
    403: {
        "model": ErrorOut,
        "description": described(
            403,
            "a foreign Host or Origin, a missing token (beyond loopback), a listing refused, or a "
            "change to a network shared with you to view",
        ),
    },
    409: {
        "model": ErrorOut,
        "description": described(
            409,
            "a phase out of order (the detail names the phase to run first), the network is "
            "training (POST …/stop first), held by another server process or changed while the "
            "request ran, or an upload a network still uses",
        ),
    },
    413: {
        "model": ErrorOut,
        "description": described(413, "over a limit; the detail names it and its variable"),
    },
    422: {"model": ValidationErrorOut, "description": described(422, "invalid input; the detail says what")},
    429: {
        "model": ErrorOut,
        "description": described(
            429,
            "too many requests wait: for this network, or of this owner's for the server; the "
            "answer carries Retry-After",
        ),
    },
    503: {
        "model": ErrorOut,
        "description": described(
            503,
            "the server is full (too many requests wait for it, or the memory a request needs "
            "stayed in use by others for a minute), or the database cannot be written or read now "
            "(a full disk, read-only, unreachable, busy); the answer carries Retry-After",
        ),
    },
    500: {
        "model": ErrorOut,
        "description": "an error of the server's own (`internal_error`: its log says why), or the "
        "database refused the request for a reason other than a 503's (`database_error`)",
    },
}


class HealthStatus(Response):
    status: Literal["ok"]
    version: str
