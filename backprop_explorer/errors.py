"""The client's errors: one base, :class:`ApiError`, and a subclass per kind of answer.

    try:
        net.update()
    except ConflictError as error:       # 409: a phase out of order, or the network is training
        if error.code == "phase_order":
            print(error.detail)
    except ApiError as error:            # anything else the server refused, or could not be reached
        print(error)

Each carries the HTTP ``status_code`` (``None`` when no answer came), the server's ``detail``
(one readable sentence), its ``code`` (what went wrong, in one word a script can test, which
stays the same when the sentence is worded anew: docs/api.md lists them; ``None`` when no
answer came), and the request's ``method`` and ``path``. The message is one line.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A request the server refused, or could not answer.

    A streamed ``train`` that fails after the stream began reports ``status_code`` 200 (what
    the stream answered) and ``streamed`` true.
    """

    def __init__(
        self,
        status_code: int | None,
        detail: Any,
        method: str,
        path: str,
        *,
        streamed: bool = False,
        code: str | None = None,
    ) -> None:
        self.status_code, self.detail, self.method, self.path = status_code, detail, method, path
        self.streamed, self.code = streamed, code
        code = "" if status_code is None else f" → {status_code}"
        super().__init__(f"{method} {path}{code}: {detail}")


class InvalidError(ApiError):
    """400 or 422: the request is malformed or its values are out of range (shapes, NaN, names)."""


class AccessError(ApiError):
    """401 or 403: a missing or wrong token, or a request this server does not allow."""


class NotFoundError(ApiError):
    """404: no network, dataset, lesson or snapshot with that id."""


class ConflictError(ApiError):
    """409: a phase out of order (the detail names the phase to run first), a network that is
    training, or a dataset a network still uses."""


class TooLargeError(ApiError):
    """413: over one of the server's limits; the detail names it and the variable that sets it."""


class BusyError(ApiError):
    """429 or 503: too many requests waiting on one network (``network_busy``), from one owner
    (``rate_limited``) or for the whole server (``server_busy``), the memory a request needs held by
    others (``memory_busy``), or the server's storage cannot be written now (``storage_unavailable``);
    trying again later may succeed."""


class UnreachableError(ApiError):
    """No answer: the server is not running at that address, or did not answer in time."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidError,
    401: AccessError,
    403: AccessError,
    404: NotFoundError,
    409: ConflictError,
    413: TooLargeError,
    422: InvalidError,
    429: BusyError,
    503: BusyError,
}


def error_for(status_code: int, detail: Any, method: str, path: str, code: str | None = None) -> ApiError:
    """The error of the kind ``status_code`` names (the base class for any other status)."""
    return _BY_STATUS.get(status_code, ApiError)(status_code, detail, method, path, code=code)
