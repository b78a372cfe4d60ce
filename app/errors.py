"""Domain errors and the one place that maps them (and engine errors) to HTTP responses.

Every error body is ``{"detail": "<one readable sentence>"}``; request-validation errors add
``"errors"`` (pydantic's list, without the offending input, which may not be valid JSON).
"""

from __future__ import annotations

from backprop_explorer.engine import EngineError, NonFiniteError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException


class DomainError(Exception):
    status_code = 422

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    status_code = 404


class PhaseConflict(DomainError):
    """A phase was requested out of order; the message names the phase that must come first."""

    status_code = 409


class LimitExceeded(DomainError):
    status_code = 413


class InvalidInput(DomainError):
    status_code = 422


# The engine's refusals: a wrong name, shape or value, or a step that would overflow. The
# engine changed nothing before raising, and the route saved nothing: invalid input (422).
ENGINE_ERRORS = (EngineError, NonFiniteError)


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


def validation_detail(errors: list[dict]) -> tuple[str, list[dict]]:
    clean = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors
    ]
    detail = "; ".join(f"{_location(tuple(e['loc']))}: {e['msg']}" for e in clean)
    return detail or "invalid request", clean


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    async def engine_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    for error in ENGINE_ERRORS:
        app.add_exception_handler(error, engine_error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI answers an unparseable body (e.g. not UTF-8) with 400; for this API any
        # invalid input is a 422.
        status = 422 if exc.status_code == 400 else exc.status_code
        return JSONResponse({"detail": str(exc.detail)}, status_code=status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = validation_detail(list(exc.errors()))
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)
