"""Domain errors and the one place that maps them (and engine errors) to HTTP responses.

Every error body is ``{"detail": "<one readable sentence>", "code": "<what went wrong>"}``
(``code`` one of :data:`~app.schemas.errors.ErrorCode`: a program tests it, a person reads the
sentence, which may be worded anew); request-validation errors add ``"errors"`` (pydantic's
list, without the offending input, which may not be valid JSON, and with each location a path
in the body: the form a tagged union chose is left out).
A database that cannot be used now (disk full, read-only, unreachable, busy) answers 503.
"""

from __future__ import annotations

import json
import logging
import re
from decimal import Decimal
from pathlib import Path

from backprop_explorer.engine import EngineError, NonFiniteError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .schemas.errors import ErrorCode
from .schemas.networks import UNION_TAGS


class DomainError(Exception):
    """A refusal: its status, its ``code`` (the class's, unless the raise names another) and
    one readable sentence."""

    status_code = 422
    code: ErrorCode = "invalid_input"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, code: ErrorCode | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class NotFound(DomainError):
    status_code = 404
    code: ErrorCode = "network_not_found"


class PhaseConflict(DomainError):
    """A phase was requested out of order; the message names the phase that must come first."""

    status_code = 409
    code: ErrorCode = "phase_order"


class LimitExceeded(DomainError):
    status_code = 413
    code: ErrorCode = "too_large"


class InvalidInput(DomainError):
    status_code = 422
    code: ErrorCode = "invalid_input"


def error_body(detail: str, code: ErrorCode) -> dict[str, str]:
    """The JSON of every error answer."""
    return {"detail": detail, "code": code}


def error_json(detail: str, code: ErrorCode) -> bytes:
    """:func:`error_body` encoded, for the middleware that answers before any route."""
    return json.dumps(error_body(detail, code)).encode()


class DatabaseUnavailable(Exception):
    """The database at ``path`` cannot be opened or written: the server cannot start."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"cannot use the database {path}: {reason}")
        self.path, self.reason = path, reason


log = logging.getLogger("backprop_explorer")


class StorageError(Exception):
    """The database failed a request (raised by ``app/store`` for its backend's own errors).
    ``problem``: a readable sentence when the database cannot be used now (full, read-only,
    unreachable, busy: 503, the request was fine); None for any other failure (a bug: 500).
    ``full``: the disk holding it is full."""

    def __init__(self, message: str, problem: str | None = None, *, full: bool = False) -> None:
        super().__init__(message)
        self.problem, self.full = problem, full


def describe_start_error(exc: BaseException) -> str:
    """One line saying why the database cannot be opened at startup."""
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot create{where}: {exc.strerror or exc}"
    if isinstance(exc, StorageError) and exc.problem:
        return exc.problem
    return str(exc)


# The engine's refusals: a wrong name, shape or value, or a step that would overflow. The
# engine changed nothing before raising, and the route saved nothing: invalid input (422).
ENGINE_ERRORS = (EngineError, NonFiniteError)


def code_of(exc: Exception) -> ErrorCode:
    """The code of a refusal: a domain error's own; an engine's step that would make a number
    non-finite, or any other engine refusal."""
    if isinstance(exc, DomainError):
        return exc.code
    return "non_finite" if isinstance(exc, NonFiniteError) else "invalid_input"


# pydantic's bound errors, with the context key that holds the bound and the words before it.
BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "greater than or equal to"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "less than or equal to"),
}


def readable(number: object) -> str:
    """A bound as a person writes it: 1e9 and 1e154 rather than all their digits, 0.5, 1000;
    an integer bound exactly (2^53 is a count that matters to the digit)."""
    if not isinstance(number, float):
        return str(number)
    if number.is_integer() and abs(number) < 1e6:
        return str(int(number))
    return str(Decimal(repr(number)).normalize()).lower().replace("e+", "e")


def _path(loc: tuple | list) -> list:
    """An error's location as a path in the body: a union's tag right after its field left out."""
    return [part for i, part in enumerate(loc) if not (i and part in UNION_TAGS.get(loc[i - 1], ()))]


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


def _message(error: dict, body: object) -> str:
    """pydantic's message, with a bound written readably and a JSON syntax error as a sentence."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in BOUNDS and BOUNDS[kind][0] in ctx:
        key, words = BOUNDS[kind]
        return f"Input should be {words} {readable(ctx[key])}"
    if kind == "json_invalid":
        where = ""
        position = error.get("loc", ("body",))[-1]
        if isinstance(position, int) and isinstance(body, str):
            line = body.count("\n", 0, position) + 1
            column = position - body.rfind("\n", 0, position)
            where = f" at line {line}, column {column} (character {position})"
        return f"the body is not valid JSON in UTF-8: {ctx.get('error', 'it cannot be parsed')}{where}"
    return str(error.get("msg", ""))


def validation_detail(errors: list[dict], body: object = None) -> tuple[str, list[dict]]:
    """The one sentence of a 422 and its list of errors, each located by its path in the body.
    ``body``: the text that failed to parse as JSON, to say where it failed."""
    clean = [
        {
            "loc": _path(tuple(e.get("loc", ()))),
            "msg": _message(e, body),
            "type": e.get("type", ""),
        }
        for e in errors
    ]
    detail = "; ".join(
        e["msg"] if e["type"] == "json_invalid" else f"{_location(tuple(e['loc']))}: {e['msg']}"
        for e in clean
    )
    return detail or "invalid request", clean


def unreadable_body(request: Request, exc: HTTPException) -> str | None:
    """What is wrong with a JSON body that could not be decoded (FastAPI's 400): the first byte
    that is not UTF-8, when that is why."""
    cause = exc.__cause__
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    json_body = media == "application/json" or media.endswith("+json")
    if exc.status_code != 400 or not isinstance(cause, UnicodeDecodeError) or not json_body:
        return None
    if cause.encoding == "utf-8":
        byte = cause.object[cause.start]
        why = f"the byte 0x{byte:02x} at offset {cause.start} is not UTF-8 ({cause.reason})"
    else:  # a byte-order mark or zero bytes made the JSON decoder read it as UTF-16 or UTF-32
        why = f"read as {cause.encoding.upper()}, it breaks off at byte {cause.start} ({cause.reason})"
    return f"the body is not valid JSON in UTF-8: {why}"


def allowed_methods(request: Request) -> list[str]:
    """Every method the API documents at the request's path (``/api/networks/{id}`` has one
    route per method, and the router's 405 names the first one's only); HEAD with GET. The
    paths with the fewest parameters decide: ``/api/datasets/preview`` is not a dataset id."""
    path = request.scope.get("path", "")
    matches: dict[int, set[str]] = {}
    for template, operations in request.app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/}]+\}", "[^/]+", template), path):
            matches.setdefault(template.count("{"), set()).update(m.upper() for m in operations)
    methods = matches[min(matches)] if matches else set()
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


# The framework's own refusals, by status (a body that cannot be read is a 422 here).
HTTP_CODES: dict[int, ErrorCode] = {422: "invalid_body", 404: "not_found", 405: "method_not_allowed"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.detail, exc.code), status_code=exc.status_code, headers=exc.headers
        )

    async def engine_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body(str(exc), code_of(exc)), status_code=422)

    for error in ENGINE_ERRORS:
        app.add_exception_handler(error, engine_error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI answers an unparseable body (e.g. not UTF-8) with 400; for this API any
        # invalid input is a 422.
        status = 422 if exc.status_code == 400 else exc.status_code
        headers = exc.headers
        if status == 405:  # the router names the methods of the first route on this path only
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        detail = unreadable_body(request, exc) or str(exc.detail)
        code = HTTP_CODES.get(status, "http_error")
        return JSONResponse(error_body(detail, code), status_code=status, headers=headers)

    @app.exception_handler(StorageError)
    async def database_error(request: Request, exc: StorageError) -> JSONResponse:
        problem = exc.problem
        where = getattr(request.app.state, "database", "?")
        if problem is None:
            log.error("database error on %s: %s", where, exc, exc_info=exc)
            detail = f"the database refused the request: {exc}"
            return JSONResponse(error_body(detail, "database_error"), status_code=500)
        log.error("database %s: %s (%s)", where, problem, exc)
        return JSONResponse(
            error_body(f"the server cannot save or read networks now: {problem}", "storage_unavailable"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = validation_detail(list(exc.errors()), exc.body)
        unparsed = bool(errors) and all(e["type"] == "json_invalid" for e in errors)
        code: ErrorCode = "invalid_body" if unparsed else "validation_error"
        return JSONResponse({**error_body(detail, code), "errors": errors}, status_code=422)


INTERNAL = "internal error: the server could not answer this request (its log says why)"


class Unexpected:
    """ASGI middleware, outermost: an exception no handler took becomes a JSON 500 that carries
    the same headers as every other answer (``headers``), and the traceback goes to the log.
    Once an answer has started (a stream), the connection is closed instead."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            payload = error_json(INTERNAL, "internal_error")
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *self.headers,
            ]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
