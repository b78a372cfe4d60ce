"""A minimal reverse proxy for the tests of `serve --root-path` and of app servers behind one
address: it serves ``PREFIX/…`` by forwarding ``/…`` to the server (the prefix stripped, the
Host header kept), as nginx's ``location /explorer/ { proxy_pass http://127.0.0.1:8000/; }``
does; given several servers, to each in turn (nginx's round-robin ``upstream``)."""

from __future__ import annotations

import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


class Proxy:
    """``Proxy(backend, "/explorer")`` or ``Proxy([first, second], "")``: ``url`` is the proxy's
    base; ``close()`` stops it; ``served`` counts the requests each backend got."""

    def __init__(self, backend: str | list[str], prefix: str) -> None:
        backends = [backend] if isinstance(backend, str) else backend
        targets = itertools.cycle([urlsplit(b) for b in backends])
        turn = threading.Lock()
        self.served = dict.fromkeys(backends, 0)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def forward(self) -> None:
                if not self.path.startswith(prefix + "/"):
                    self.send_error(404, f"the proxy serves {prefix}/ only")
                    return
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                with turn:
                    target = next(targets)
                    owner.served[target.geturl()] += 1
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
                try:
                    connection.request(self.command, self.path[len(prefix) :], body=body, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                finally:
                    connection.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{prefix}"
        owner.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        owner.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
