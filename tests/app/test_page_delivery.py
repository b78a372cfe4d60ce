"""The pages' HTML travels gzip-compressed to a browser that accepts it (a quarter to a half
of its size on a slow link), the same page as uncompressed; the API's JSON and the event stream of
/train are sent as they are."""

from __future__ import annotations

import gzip
import json
import re

import httpx
import pytest


@pytest.mark.parametrize("path", ["/", "/lessons", "/lessons/chain-rule"])
def test_pages_are_compressed(live_server: str, path: str) -> None:
    with httpx.Client(base_url=live_server) as client:
        raw = client.get(path, headers={"Accept-Encoding": "gzip"})
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert raw.headers["content-encoding"] == "gzip"
    assert int(raw.headers["content-length"]) * 2 < len(raw.content)  # httpx decoded it
    assert "content-encoding" not in plain.headers
    assert raw.text == plain.text and "<html" in plain.text


def test_json_and_streams_are_not_compressed(live_server: str) -> None:
    with httpx.Client(base_url=live_server, headers={"Accept-Encoding": "gzip"}) as client:
        catalog = client.get("/api/catalog")
        assert len(catalog.content) > 1000 and "content-encoding" not in catalog.headers
        catalog.json()
        net = client.post("/api/networks", json={"layers": [2, 3, 1], "data": {"generator": "xor"}}).json()
        train = {"epochs": 3, "stream": True}
        with client.stream("POST", f"/api/networks/{net['id']}/train", json=train) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in stream.headers
            body = b"".join(stream.iter_raw())
    assert b"event: done" in body
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(body)


@pytest.mark.parametrize("path", ["/", "/lessons/chain-rule"])
def test_the_page_carries_the_catalog(live_server: str, path: str) -> None:
    """The explorer and a lesson are served with GET /api/catalog's document inside them."""
    with httpx.Client(base_url=live_server) as client:
        html = client.get(path).text
        catalog = client.get("/api/catalog").json()
    found = re.search(r'<script type="application/json" id="catalog-data">(.*?)</script>', html, re.S)
    assert found is not None
    assert json.loads(found.group(1)) == catalog


def test_the_icon_address_answers_no_content(live_server: str) -> None:
    """The pages declare no icon; a browser showing an answer that is not a page (/api/health)
    asks for /favicon.ico anyway, and a 404 there was an error in its console."""
    answer = httpx.get(f"{live_server}/favicon.ico")
    assert answer.status_code == 204 and answer.content == b""
    assert "/favicon.ico" not in httpx.get(f"{live_server}/openapi.json").json()["paths"]
