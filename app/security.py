"""Who may use the server: Host, Origin and token checks, and the security headers.

Every HTTP request passes these checks, in this order, before any route runs:

1. **Host** (DNS rebinding). The ``Host`` header must name this server: ``localhost`` or a
   loopback address, the address the connection arrived on, the ``--host`` name, or an
   ``--allow-host`` name (any port). A page on ``rebind.example`` whose name an attacker
   points at 127.0.0.1 still sends ``Host: rebind.example``, and is refused (403).
2. **Origin** (cross-site requests). A POST, PUT, PATCH or DELETE whose ``Origin`` is not
   this server's own, or whose ``Sec-Fetch-Site`` is ``cross-site``, is refused (403).
   Scripts (curl, httpx) send no ``Origin`` and pass.
3. **Token** (a server other machines can reach). When a token is set, ``/api/…`` (but
   ``/api/health``) and ``/openapi.json`` need it: ``Authorization: Bearer <token>``,
   ``?token=<token>``, or the HttpOnly, SameSite=Strict cookie that opening any page with
   ``?token=`` sets (the page is then reloaded without it). The teacher token
   (``--teacher-token``) is accepted wherever the token is. The page shell and static files
   hold no data and need no token. A server reachable from other machines without a token
   refuses the API (403). Which networks a token holder may see is :mod:`app.owners`' rule.

Every response carries ``Content-Security-Policy`` (this origin only, no framing),
``X-Content-Type-Options: nosniff`` and their companions; ``/docs`` additionally allows its
inline scripts, by hash.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import secrets
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import ENV_PREFIX, Access, is_loopback
from .errors import ErrorCode, error_body

WILDCARDS = frozenset({"", "0.0.0.0", "::"})  # bound to every address: not a name of its own
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC_API = frozenset({"/api/health"})

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
# A Host header: a name, an IPv4 address or a bracketed IPv6 address, then an optional port.
HOST_SYNTAX = re.compile(r"^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


@lru_cache(maxsize=256)  # every request parses the same few values
def hostname(value: str) -> str | None:
    """``'Example.org:8000'`` → ``'example.org'``, ``'[::1]:80'`` → ``'::1'``; None when malformed."""
    if not HOST_SYNTAX.match(value):
        return None
    parts = urlsplit("//" + value)
    try:
        parts.port  # noqa: B018 - raises for a port past 65535
    except ValueError:
        return None
    return parts.hostname.rstrip(".") if parts.hostname else None


def local_path(path: str) -> str:
    """``path`` as a Location that stays on this server: one leading slash (``//host/…`` and
    ``/\\host/…`` name another host to a browser) and every other character percent-encoded."""
    return quote("/" + path.lstrip("/\\"), safe="/!$&'()*+,;=:@-._~")


def default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


@lru_cache(maxsize=256)
def origin_of(value: str) -> tuple[str, int] | None:
    """``'http://localhost:8000'`` → ``('localhost', 8000)``; None for ``null`` or junk."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.rstrip("."), port or default_port(parts.scheme)


@lru_cache(maxsize=256)
def own_origin(host: str, scheme: str) -> tuple[str, int]:
    """The (name, port) of this server as the request's Host header (already checked) names it."""
    return hostname(host) or "", urlsplit("//" + host).port or default_port(scheme)


def arrived_over_network(scope: Scope) -> bool:
    """The connection came in on a non-loopback address (another machine can reach us).

    ``scope["server"]`` is the socket's own address, which no header can change; an
    in-process test client or a Unix socket has no IP address there and counts as local.
    """
    server = scope.get("server")
    return server is not None and _is_network_address(str(server[0]))


def cookie_port(scope: Scope, headers: Headers) -> int:
    """The port of the address the browser asked for: its ``Host`` header's, else the scheme's
    default. Cookies ignore ports, so the server's cookies are named by this one: two servers
    a browser reaches on one host at two ports keep their own, and app servers behind one
    address (a reverse proxy sending on the ``Host`` header) share the same."""
    host = headers.get("host", "")
    _, colon, port = host.rpartition(":")
    if colon and port.isdigit() and not host.endswith("]"):
        return int(port)
    return 443 if scope.get("scheme") in ("https", "wss") else 80


@lru_cache(maxsize=256)
def _is_network_address(address: str) -> bool:
    try:
        ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    return not is_loopback(address)


class Refusal(Exception):
    def __init__(
        self, status: int, code: ErrorCode, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


class Security:
    """ASGI middleware: refuse what :mod:`app.security` forbids, add the headers to the rest."""

    def __init__(self, app: ASGIApp, access: Access, docs_pages: tuple[str, ...] = ()) -> None:
        self.app = app
        self.access = access
        self.docs_pages = frozenset(docs_pages)  # pages allowed their own inline scripts, by hash
        bound = access.host.strip("[]").rstrip(".").lower()
        self.allowed_names = {name.strip("[]").rstrip(".").lower() for name in access.allowed_hosts}
        if bound not in WILDCARDS:
            self.allowed_names.add(bound)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            self.check_host(scope, headers)
            self.check_origin(scope, headers)
            redirect = self.check_token(scope, headers)
        except Refusal as refusal:
            await self.respond(
                send, refusal.status, error_body(refusal.detail, refusal.code), refusal.headers
            )
            return
        if redirect is not None:
            await self.respond(send, 303, None, redirect)
            return
        if scope["path"] in self.docs_pages:
            await self.app(scope, receive, self.docs_sender(send))
        else:
            await self.app(scope, receive, self.sender(send, POLICY))

    # --- the checks --------------------------------------------------------------------

    def check_host(self, scope: Scope, headers: Headers) -> None:
        raw = headers.get("host", "")
        name = hostname(raw)
        if name is not None and self.host_allowed(name, scope):
            return
        hint = f"start it with --allow-host {name}" if name else "send a valid Host header"
        raise Refusal(
            403,
            "foreign_host",
            f"the Host header {raw!r} does not name this server, so the request is refused: a web "
            "page reaching it under another name could drive it (DNS rebinding). Use localhost "
            f"or the address it listens on, or {hint} (env {ENV_PREFIX}ALLOW_HOSTS)",
        )

    def host_allowed(self, name: str, scope: Scope) -> bool:
        if "*" in self.allowed_names or name in self.allowed_names or is_loopback(name):
            return True
        # The address the connection arrived on: an IP address in Host cannot be rebound.
        server = scope.get("server")
        return server is not None and name == str(server[0]).strip("[]").lower()

    def check_origin(self, scope: Scope, headers: Headers) -> None:
        method = scope["method"]
        if method not in MUTATING:
            return
        if headers.get("sec-fetch-site") == "cross-site":
            raise Refusal(
                403,
                "cross_site",
                f"a cross-site {method} is refused: only pages served by this server may change "
                "networks and datasets (Sec-Fetch-Site: cross-site)",
            )
        origin = headers.get("origin")
        if origin is None:
            return  # not sent by a browser page: curl, httpx, the Python client
        if origin_of(origin) != own_origin(headers.get("host", ""), scope.get("scheme", "http")):
            raise Refusal(
                403,
                "cross_site",
                f"a {method} from the page at {origin[:100]!r} is refused: only pages served by this "
                "server may change networks and datasets (cross-site request)",
            )

    def exposed(self, scope: Scope) -> bool:
        return self.access.public or arrived_over_network(scope)

    def check_token(self, scope: Scope, headers: Headers) -> tuple[tuple[bytes, bytes], ...] | None:
        """None when the request may go on; the headers of a 303 that sets the cookie otherwise."""
        token, path = self.access.token, scope["path"]
        protected = (path.startswith("/api/") and path not in PUBLIC_API) or path == "/openapi.json"
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = dict(query).get("token")
        if token is None and protected and self.exposed(scope):
            raise Refusal(
                403,
                "exposed_without_token",
                "this server can be reached from other machines but was started without a token, "
                "so its API is refused: start it with `backprop-explorer serve`, which makes "
                f"one, or set {ENV_PREFIX}TOKEN",
            )
        if token is None and self.access.teacher_token is None:
            return None
        if given is not None and not protected and scope["method"] in ("GET", "HEAD"):
            # Opening a page with ?token=: keep it in a cookie and reload without it.
            if not self.matches(given):
                raise Refusal(
                    401, "wrong_token", "the token in the address is wrong: use the one the server printed"
                )
            rest = urlencode([(key, value) for key, value in query if key != "token"])
            location = scope.get("root_path", "") + local_path(path) + (f"?{rest}" if rest else "")
            cookie = f"{self.cookie_name(scope, headers)}={given}; HttpOnly; SameSite=Strict; Path=/"
            return ((b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode("latin-1")))
        if not protected or token is None:  # no class token: the teacher token only adds powers
            return None
        bearer = headers.get("authorization", "")
        candidates = [
            given,
            bearer[7:].strip() if bearer[:7].lower() == "bearer " else None,
            self.cookie(scope, headers),
        ]
        if any(candidate is not None and self.matches(candidate) for candidate in candidates):
            return None
        wrong = any(candidate is not None for candidate in candidates)
        raise Refusal(
            401,
            "wrong_token" if wrong else "token_required",
            ("the token is wrong" if wrong else "this server needs a token")
            + ": open the address it printed at startup (…/?token=…) in the browser, or send "
            "`Authorization: Bearer <token>` from a script",
            ((b"www-authenticate", b"Bearer"),),
        )

    def matches(self, given: str) -> bool:
        """The class token or the teacher token."""
        tokens = (self.access.token, self.access.teacher_token)
        return any(t is not None and secrets.compare_digest(given.encode(), t.encode()) for t in tokens)

    @staticmethod
    def cookie_name(scope: Scope, headers: Headers) -> str:
        return f"backprop_explorer_token_{cookie_port(scope, headers)}"

    def cookie(self, scope: Scope, headers: Headers) -> str | None:
        wanted = self.cookie_name(scope, headers)
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == wanted:
                return value
        return None

    # --- the responses -----------------------------------------------------------------

    @staticmethod
    def security_headers(policy: str) -> list[tuple[bytes, bytes]]:
        return [(b"content-security-policy", policy.encode()), *HEADERS]

    async def respond(
        self, send: Send, status: int, body: dict | None, headers: tuple[tuple[bytes, bytes], ...]
    ) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        start = [(b"content-length", str(len(payload)).encode()), *headers, *self.security_headers(POLICY)]
        if body is not None:
            start.append((b"content-type", b"application/json"))
        await send({"type": "http.response.start", "status": status, "headers": start})
        await send({"type": "http.response.body", "body": payload})

    def sender(self, send: Send, policy: str) -> Send:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.security_headers(policy) if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return with_headers

    def docs_sender(self, send: Send) -> Send:
        """Hold the /docs page (a few kB) to allow exactly its inline scripts by their hashes."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            hashes = " ".join(
                "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
                for script in INLINE_SCRIPT.findall(body)
            )
            policy = POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())
            await self.sender(send, policy)(start)
            await send({"type": "http.response.body", "body": body})

        return buffered
