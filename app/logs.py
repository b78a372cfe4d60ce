"""What the server writes to its log: never a token, and no flood of one repeated warning.

- The access log names each request's path with its query string; a page opened with
  ``?token=…`` (or a script sending ``?token=``) would put the token there in full. Every
  ``token`` value in a logged line is replaced by ``…``.
- A warning or error that repeats (uvicorn's "Invalid HTTP request received." for each bad
  request, a refused connection for each attacker's socket) is written at most
  :data:`BURST` times per :data:`WINDOW` seconds per message; the next one written after a
  quiet window says how many were left out.
"""

from __future__ import annotations

import logging
import re
import threading
import time

TOKEN_VALUE = re.compile(r"(?<=[?&;]token=)[^&\s\"']*", re.IGNORECASE)
WINDOW = 10.0  # seconds
BURST = 5  # lines of one message per window
WATCHED = ("uvicorn.access", "uvicorn.error", "backprop_explorer", "asyncio")


def redact(text: str) -> str:
    """``text`` with the value of every ``token=`` query parameter replaced by ``…``."""
    return TOKEN_VALUE.sub("…", text) if "token=" in text.lower() else text


class RedactTokens(logging.Filter):
    """Rewrite a record's message and arguments so no token value reaches any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class Throttle(logging.Filter):
    """At most :data:`BURST` records of one message template per :data:`WINDOW` s (warnings and up)."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[tuple[str, str], tuple[float, int, int]] = {}  # start, written, dropped
        self._guard = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        # The template, or the start of a message formatted before logging (asyncio's).
        key = (record.name, str(record.msg)[:60])
        now = time.monotonic()
        with self._guard:
            start, written, dropped = self._seen.get(key, (now, 0, 0))
            if now - start > WINDOW:
                if dropped:
                    record.msg = f"{record.msg} ({dropped} more like this in the last {now - start:.0f} s)"
                start, written, dropped = now, 0, 0
            if written >= BURST:
                self._seen[key] = (start, written, dropped + 1)
                return False
            self._seen[key] = (start, written + 1, dropped)
            if len(self._seen) > 1000:  # many distinct messages: forget the oldest windows
                for old in sorted(self._seen, key=lambda k: self._seen[k][0])[:500]:
                    del self._seen[old]
        return True


_installed = threading.Lock()
_done: set[str] = set()


def install() -> None:
    """Attach the filters to the server's loggers (once per process)."""
    with _installed:
        throttle = Throttle()
        for name in WATCHED:
            if name in _done:
                continue
            logger = logging.getLogger(name)
            logger.addFilter(RedactTokens())
            logger.addFilter(throttle)
            _done.add(name)
