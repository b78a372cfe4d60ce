"""Request bodies checked before any route parses them: their size limits, the time a client
may take to send them, no bare JSON ``null`` (every body of this API is an object; one that
may be left out is documented as one, and FastAPI would take ``null`` for "left out"), and no
text that is not Unicode (a lone UTF-16 surrogate escape such as ``\\ud800``, which JSON parsers
accept but no store or answer can encode)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Limits
from .errors import ErrorCode, error_json

# Where a body may hold a lone surrogate: an escape \ud800 to \udfff (checked by parsing, as the
# backslash may itself be escaped and a pair of them is a valid character).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")

# Multipart framing around an uploaded file: boundaries, headers, the form fields.
MULTIPART_OVERHEAD = 64 * 1024


class BodyLimit:
    """413 with the limit named when a body is larger than allowed (declared or streamed)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    def _limit(self, scope: Scope) -> tuple[str, int]:
        if scope["path"].rstrip("/") == "/api/datasets" and scope["method"] == "POST":
            return "max_upload_bytes", self.limits.max_upload_bytes + MULTIPART_OVERHEAD
        return "max_body_bytes", self.limits.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        name, limit = self._limit(scope)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, name)
            return
        # Read the body up front (it is bounded by the limit and by a deadline: a client that
        # trickles it in holds no worker and no slot of the gate) and replay it to the app.
        chunks, size, more = [], 0, True
        deadline = asyncio.get_running_loop().time() + self.limits.max_body_seconds
        while more:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                await self._reject(send, "max_body_seconds", status=408)
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._reject(send, name)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body.strip() == b"null" and headers.get(b"content-type", b"").startswith(b"application/json"):
            await _answer(
                send,
                422,
                "validation_error",
                "the body must be a JSON object, or be left out: null is neither",
            )
            return
        if _SURROGATE_ESCAPE.search(body) and (where := _lone_surrogate(body)) is not None:
            await _answer(
                send,
                422,
                "invalid_body",
                f"{where}: text holds a lone UTF-16 surrogate escape, which is not a character; a "
                "character beyond U+FFFF is written as a pair of escapes (\\ud83d\\ude00) or as itself",
            )
            return
        scope.setdefault("state", {})["body_bytes"] = size  # the gate's first estimate
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send, name: str, status: int = 413) -> None:
        limit = getattr(self.limits, name)
        code: ErrorCode = "body_too_large"
        if status == 408:
            code = "body_timeout"
            detail = (
                f"the request body did not arrive within the limit {name}={limit} seconds "
                f"(set {Limits.env_name(name)})"
            )
        else:
            detail = f"the request body is over the limit {name}={limit} bytes (set {Limits.env_name(name)})"
        await _answer(send, status, code, detail)


def _lone_surrogate(body: bytes) -> str | None:
    """Where the parsed body first holds an unpaired surrogate (``body``, ``body.name``, …), or
    None (also for a body that is not JSON: the route says what is wrong with it)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    stack: list[tuple[str, Any]] = [("body", parsed)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if any("\ud800" <= c <= "\udfff" for c in value):
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                if any("\ud800" <= c <= "\udfff" for c in key):
                    return f"{where} (a key)"
                stack.append((f"{where}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
    return None


async def _answer(send: Send, status: int, code: ErrorCode, detail: str) -> None:
    payload = error_json(detail, code)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
