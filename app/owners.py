"""Who owns what: every request acts for an owner, and networks and datasets belong to one.

Who a request acts for, in this order:

1. **the teacher**: the teacher token (``--teacher-token``), sent as the class token is
   (``Authorization: Bearer``, ``?token=``, or the cookie that opening a page with it sets).
   The teacher may list, open, change and delete every network and dataset;
2. **a script**: ``X-Owner-Key: <key>`` (16 to 128 of ``A-Z a-z 0-9 _ -``; the Python client
   makes one per ``Client`` unless given one). The key is a secret: its hash names the owner.
   A header that is not such a key is refused (422), never read as no key;
3. **a browser**: the owner cookie, a random key set (HttpOnly, for a year) on the first
   page load without one, named by its hash the same way;
4. **the anonymous owner**: a request with none of these (curl, a bare ``httpx.get``). Its
   networks and datasets are open to whoever knows their id. On a server only this machine
   can reach (loopback, no token), such a request acts for the machine's own user and sees
   everything, as the teacher does: only this machine's programs can connect, and they could
   read the database file anyway. (Behind a reverse proxy every request comes from this
   machine: set a token there.)

Access to ``/api/networks/{id}…`` and ``/api/datasets/{id}``:

- the owner, the teacher, and anyone for the anonymous owner's: everything;
- another owner with the network's **share key** (``X-Share-Key`` or ``?share=``; the page
  puts it in its links as ``#net=<id>&share=<key>``): reading it (every ``GET``, and the
  analyses: predict, gradcheck, landscape, gradient shares); changing it is refused (403,
  saying to import a copy instead);
- anyone else: 404, the answer for an id that does not exist.

Listing ``GET /api/networks`` and ``GET /api/datasets`` shows the requester's own (the
teacher's: all). The anonymous owner's list is refused on a server other machines can reach
(403), unless ``--allow-listing``: its ids are the keys to its networks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import ENV_PREFIX, Access
from .errors import ErrorCode, error_json
from .security import Security, arrived_over_network, cookie_port
from .store import TEACHER, Store

KEY_HEADER = "x-owner-key"
SHARE_HEADER = "x-share-key"
KEY_SYNTAX = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
COOKIE_SECONDS = 365 * 24 * 3600
# The POSTs under /api/networks/{id}/ that only read the network: a share key allows them.
READING_POSTS = frozenset({"predict", "gradcheck", "landscape", "gradient-shares", "graph"})
NOT_IDS = frozenset({"import"})  # POST /api/networks/import
NOT_DATASET_IDS = frozenset({"preview"})  # POST /api/datasets/preview
LISTINGS = frozenset({"/api/networks", "/api/datasets"})


@dataclass(frozen=True)
class Requester:
    """Who a request acts for: ``owner`` is the id stored with what it creates; ``everything``:
    it may open and list every network (the teacher, the machine's user on a local server)."""

    owner: str
    teacher: bool = False
    everything: bool = False

    @property
    def anonymous(self) -> bool:
        return self.owner == ""

    def may_open(self, owner: str) -> bool:
        """Full access to what ``owner`` owns."""
        return self.everything or owner == "" or owner == self.owner

    @property
    def listing_owner(self) -> str | None:
        """Whose networks a listing shows (None: everyone's)."""
        return None if self.everything else self.owner


ANONYMOUS = Requester("")
LOCAL_USER = Requester("", everything=True)
_current: ContextVar[Requester] = ContextVar("requester", default=ANONYMOUS)


def current() -> Requester:
    """Who the request being handled acts for (the anonymous owner outside a request)."""
    return _current.get()


def owner_id(key: str) -> str:
    """The owner a key or cookie names: a hash, so the stored id does not reveal the key."""
    return "o-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def share_key(secret: str, network_id: str) -> str:
    """The key that lets another owner view ``network_id``: derived from the store's secret,
    so it is the same in every server process and cannot be made without it."""
    digest = hmac.new(secret.encode(), f"share:{network_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


class OwnersCache:
    """network or dataset id → its owner, as the store says (an owner never changes). A miss
    reads the store in a worker thread: the event loop never waits for the database."""

    def __init__(self, lookup: Callable[[str], str | None], size: int = 20_000) -> None:
        self._lookup, self._size = lookup, size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._guard = threading.Lock()

    async def get(self, item_id: str) -> str | None:
        with self._guard:
            owner = self._items.get(item_id)
            if owner is not None:
                self._items.move_to_end(item_id)
                return owner
        owner = await run_in_threadpool(self._lookup, item_id)  # one primary-key read
        if owner is not None:  # an unknown id is not remembered: it may be created later
            with self._guard:
                self._items[item_id] = owner
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return owner


def resource(method: str, path: str) -> tuple[str, str, str] | None:
    """``(kind, id, action)`` for a request about one network (kind ``"network"``) or one
    uploaded dataset (``"dataset"``); ``action`` is the path segment after the id."""
    for prefix, kind, not_ids in (
        ("/api/networks/", "network", NOT_IDS),
        ("/api/datasets/", "dataset", NOT_DATASET_IDS),
    ):
        if path.startswith(prefix):
            item_id, _, rest = path[len(prefix) :].partition("/")
            if not item_id or item_id in not_ids:
                return None
            return kind, item_id, rest.strip("/").split("/", 1)[0]
    return None


def reads_only(method: str, action: str) -> bool:
    return method in ("GET", "HEAD") or (method == "POST" and action in READING_POSTS)


def malformed_key(key: str) -> str:
    """Why an ``X-Owner-Key`` that is not a key is refused rather than ignored (the header's
    bytes read as UTF-8, as a client sends text, where HTTP hands them over as Latin-1)."""
    try:
        key = key.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    odd = sorted({c for c in key if not (c.isascii() and (c.isalnum() or c in "_-"))})
    shown = ", ".join(repr(c) for c in odd[:5])
    return (
        f"X-Owner-Key must be 16 to 128 characters of A-Z a-z 0-9 _ -; this one has {len(key)}"
        + (f", among them {shown}" if odd else "")
        + ". Nothing was run: without a valid key the request would act for the anonymous owner, "
        "whose networks anyone who knows their id may open"
    )


class Owners:
    """ASGI middleware (inside :class:`~app.security.Security`, which has checked the tokens):
    names the requester, refuses what it may not see, sets the owner cookie on page loads."""

    def __init__(self, app: ASGIApp, access: Access, store: Store) -> None:
        self.app = app
        self.access = access
        self.store = store
        self.networks = OwnersCache(store.owner_of)
        self.datasets = OwnersCache(store.dataset_owner)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(KEY_HEADER)
        if key is not None and not KEY_SYNTAX.match(key):
            await reply(send, 422, "invalid_owner_key", malformed_key(key))
            return
        requester, new_cookie = self.identify(scope, headers)
        refusal = await self.check(scope, headers, requester)
        if refusal is not None:
            await reply(send, *refusal)
            return
        token = _current.set(requester)
        scope.setdefault("state", {})["owner"] = requester.owner
        try:
            if new_cookie is None:
                await self.app(scope, receive, send)
            else:
                await self.app(scope, receive, with_cookie(send, new_cookie))
        finally:
            _current.reset(token)

    def identify(self, scope: Scope, headers: Headers) -> tuple[Requester, bytes | None]:
        """The requester, and the Set-Cookie value to send when a page gets a new owner cookie."""
        if self.access.teacher_token is not None and self.is_teacher(scope, headers):
            return Requester(TEACHER, teacher=True, everything=True), None
        key = headers.get(KEY_HEADER)
        if key is not None and KEY_SYNTAX.match(key):
            return Requester(owner_id(key)), None
        name = self.cookie_name(scope, headers)
        cookie = cookie_value(headers, name)
        if cookie is not None and KEY_SYNTAX.match(cookie):
            return Requester(owner_id(cookie)), None
        if scope["method"] == "GET" and is_page(scope["path"]):
            value = secrets.token_urlsafe(24)
            attributes = f"HttpOnly; SameSite=Lax; Path=/; Max-Age={COOKIE_SECONDS}"
            return Requester(owner_id(value)), f"{name}={value}; {attributes}".encode("latin-1")
        local = self.access.token is None and not (self.access.public or arrived_over_network(scope))
        return (LOCAL_USER if local else ANONYMOUS), None

    def is_teacher(self, scope: Scope, headers: Headers) -> bool:
        teacher = self.access.teacher_token
        assert teacher is not None
        bearer = headers.get("authorization", "")
        candidates = (
            bearer[7:].strip() if bearer[:7].lower() == "bearer " else None,
            query_value(scope, "token"),
            cookie_value(headers, Security.cookie_name(scope, headers)),
        )
        return any(c is not None and secrets.compare_digest(c.encode(), teacher.encode()) for c in candidates)

    @staticmethod
    def cookie_name(scope: Scope, headers: Headers) -> str:
        return f"backprop_explorer_owner_{cookie_port(scope, headers)}"

    async def check(
        self, scope: Scope, headers: Headers, requester: Requester
    ) -> tuple[int, ErrorCode, str] | None:
        """(status, code, detail) when the request must be refused, else None."""
        method, path = scope["method"], scope["path"]
        if method in ("GET", "HEAD") and path.rstrip("/") in LISTINGS:
            return self.check_listing(scope, requester, path.rstrip("/"))
        found = resource(method, path)
        if found is None or requester.everything:
            return None
        kind, item_id, action = found
        owner = await (self.networks if kind == "network" else self.datasets).get(item_id)
        if owner is None or requester.may_open(owner):
            return None  # an unknown id: the route answers 404
        if kind == "network":
            given = headers.get(SHARE_HEADER) or query_value(scope, "share")
            secret = None if given is None else await run_in_threadpool(self.store.secret)  # read once
            if secret is not None and secrets.compare_digest(
                str(given).encode(), share_key(secret, item_id).encode()
            ):
                if reads_only(method, action):
                    return None
                return (
                    403,
                    "view_only",
                    (
                        f"network {item_id!r} is shared with you to view, not to change: export it "
                        "(GET …/export) and import the copy (POST /api/networks/import) to train your own"
                    ),
                )
        missing: ErrorCode = "network_not_found" if kind == "network" else "dataset_not_found"
        return 404, missing, f"no {kind} with id {item_id!r}"

    def check_listing(
        self, scope: Scope, requester: Requester, path: str
    ) -> tuple[int, ErrorCode, str] | None:
        if not requester.anonymous or requester.everything or self.access.allow_listing:
            return None
        if self.access.public or arrived_over_network(scope):
            return (
                403,
                "listing_refused",
                (
                    f"listing the anonymous owner's ids at {path} is off on a server other machines can "
                    "reach (an id is the only key to what it names): send your owner key (X-Owner-Key), "
                    "open one by its id, or start the server with --allow-listing "
                    f"(env {ENV_PREFIX}ALLOW_LISTING=1)"
                ),
            )
        return None


def is_page(path: str) -> bool:
    """An HTML page (not the API, static files or the API's documentation)."""
    return not path.startswith(("/api/", "/static/", "/docs", "/openapi.json")) and path != "/favicon.ico"


def cookie_value(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def query_value(scope: Scope, name: str) -> str | None:
    for part in scope.get("query_string", b"").decode("latin-1").split("&"):
        key, _, value = part.partition("=")
        if key == name:
            return value
    return None


def with_cookie(send: Send, cookie: bytes) -> Send:
    async def send_with_cookie(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie)]}
        await send(message)

    return send_with_cookie


async def reply(send: Send, status: int, code: ErrorCode, detail: str) -> None:
    """A JSON refusal (Security, around this middleware, adds its headers)."""
    payload = error_json(detail, code)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


__all__ = ["ANONYMOUS", "LOCAL_USER", "Owners", "Requester", "current", "owner_id", "share_key"]
