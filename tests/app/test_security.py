"""Who may drive the server, checked against real `backprop-explorer serve` processes: the Host
header (DNS rebinding), the Origin of mutating requests, the token beyond loopback, listing,
and the security headers on pages, static files and the API."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .serving import Served, serve

SPEC = {"layers": [2, 3, 1], "data": {"generator": "moons", "n": 20, "seed": 1}}
CSV = b"a,b,y\n1,2,3\n4,5,6\n"


@pytest.fixture(scope="module")
def loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The default: bound to 127.0.0.1, no token."""
    server = serve(tmp_path_factory.mktemp("loopback"), "--allow-host", "classroom.example")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Bound to every interface, with the token it made up and printed."""
    server = serve(tmp_path_factory.mktemp("public"), host="0.0.0.0")
    yield server
    server.stop()


def network(base: str, **headers: str) -> str:
    response = httpx.post(f"{base}/api/networks", json=SPEC, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def steps_of(base: str, network_id: str, **headers: str) -> int:
    response = httpx.get(f"{base}/api/networks/{network_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["step"]


def port_of(server: Served) -> int:
    return int(server.url.rsplit(":", 1)[1])


# --- 1. Host: DNS rebinding ----------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/"),
        ("GET", "/api/networks"),
        ("GET", "/api/networks/{id}/export"),
        ("DELETE", "/api/networks/{id}"),
    ],
)
def test_a_foreign_host_is_refused_and_changes_nothing(loopback: Served, method: str, path: str) -> None:
    network_id = network(loopback.url)
    response = httpx.request(
        method,
        loopback.url + path.format(id=network_id),
        headers={"Host": f"rebind.example:{port_of(loopback)}"},
    )
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "rebind.example" in detail and "Host" in detail and "--allow-host" in detail
    assert steps_of(loopback.url, network_id) == 0  # still there: the DELETE did not happen


def test_creating_under_a_foreign_host_is_refused(loopback: Served) -> None:
    before = len(httpx.get(f"{loopback.url}/api/networks").json()["networks"])
    response = httpx.post(f"{loopback.url}/api/networks", json=SPEC, headers={"Host": "rebind.example"})
    assert response.status_code == 403
    assert len(httpx.get(f"{loopback.url}/api/networks").json()["networks"]) == before


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:1234", "127.0.0.1", "[::1]:8000", "LOCALHOST.", "127.0.0.2"]
)
def test_loopback_names_are_accepted_with_any_port(loopback: Served, host: str) -> None:
    response = httpx.get(f"{loopback.url}/api/catalog", headers={"Host": host})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "host", ["", "a b", "user@localhost", "localhost.evil.example", "127.0.0.1.nip.io", "localhost:99999"]
)
def test_malformed_and_lookalike_hosts_are_refused(loopback: Served, host: str) -> None:
    response = httpx.get(f"{loopback.url}/api/catalog", headers={"Host": host})
    assert response.status_code == 403
    assert "Host" in response.json()["detail"]


def test_allow_host_adds_a_name(loopback: Served) -> None:
    assert httpx.get(f"{loopback.url}/", headers={"Host": "Classroom.Example:80"}).status_code == 200
    assert httpx.get(f"{loopback.url}/", headers={"Host": "other.example"}).status_code == 403


def test_allowed_hosts_from_the_environment(tmp_path: Path) -> None:
    server = serve(tmp_path, env={"BACKPROP_EXPLORER_ALLOW_HOSTS": "one.example, two.example"})
    try:
        for name, status in (("one.example", 200), ("two.example:9", 200), ("three.example", 403)):
            assert httpx.get(f"{server.url}/", headers={"Host": name}).status_code == status, name
    finally:
        server.stop()


# --- 2. Origin: cross-site requests --------------------------------------------------


@pytest.mark.parametrize("action", ["step", "epoch", "reset", "forward"])
def test_a_body_less_post_from_another_site_is_refused(loopback: Served, action: str) -> None:
    network_id = network(loopback.url)
    assert httpx.post(f"{loopback.url}/api/networks/{network_id}/step").status_code == 200
    response = httpx.post(
        f"{loopback.url}/api/networks/{network_id}/{action}", headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 403
    assert "http://evil.example" in response.json()["detail"]
    assert steps_of(loopback.url, network_id) == 1  # neither stepped again nor reset


def test_a_no_cors_upload_from_another_site_is_refused(loopback: Served) -> None:
    files = {"file": ("x.csv", CSV, "text/csv")}
    foreign = httpx.post(
        f"{loopback.url}/api/datasets", files=files, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert "cross-site" in foreign.json()["detail"]
    assert httpx.post(f"{loopback.url}/api/datasets", files=files).status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:1"},  # another program on this machine
        {"Origin": "http://localhost"},  # the right name on the wrong port
    ],
)
def test_foreign_origins_may_not_change_anything(loopback: Served, headers: dict[str, str]) -> None:
    network_id = network(loopback.url)
    for method in ("POST", "PATCH", "DELETE"):
        path = "/api/networks" if method == "POST" else f"/api/networks/{network_id}"
        body = SPEC if method == "POST" else {"learning_rate": 0.5}
        response = httpx.request(method, loopback.url + path, json=body, headers=headers)
        assert response.status_code == 403, (method, response.text)
    assert httpx.get(f"{loopback.url}/api/networks/{network_id}").json()["learning_rate"] == 0.1


def test_the_servers_own_pages_and_scripts_may_change_networks(loopback: Served) -> None:
    port = port_of(loopback)
    network(loopback.url)  # a script: no Origin at all
    network(loopback.url, Origin=f"http://127.0.0.1:{port}", **{"Sec-Fetch-Site": "same-origin"})
    network(loopback.url, Host=f"localhost:{port}", Origin=f"http://localhost:{port}")
    # Reading is not refused: another site cannot read the answer anyway (no CORS headers).
    response = httpx.get(f"{loopback.url}/api/catalog", headers={"Origin": "http://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


# --- 3. Token beyond loopback, listing, headers -------------------------------------


def test_binding_beyond_loopback_prints_a_token_and_the_address(public: Served) -> None:
    token = public.token
    assert token is not None and len(token) >= 24
    assert f"http://127.0.0.1:{port_of(public)}/?token={token}" in public.output
    assert "warning" not in public.output.lower()


def test_the_api_needs_the_token(public: Served) -> None:
    missing = httpx.get(f"{public.url}/api/catalog")
    assert missing.status_code == 401
    assert "token" in missing.json()["detail"] and missing.headers["www-authenticate"] == "Bearer"
    wrong = httpx.get(f"{public.url}/api/catalog", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401 and "wrong" in wrong.json()["detail"]
    assert httpx.post(f"{public.url}/api/networks", json=SPEC).status_code == 401
    assert httpx.get(f"{public.url}/openapi.json").status_code == 401
    bearer = {"Authorization": f"Bearer {public.token}"}
    assert httpx.get(f"{public.url}/api/catalog", headers=bearer).status_code == 200
    assert httpx.get(f"{public.url}/api/catalog", params={"token": public.token}).status_code == 200
    network_id = network(public.url, **bearer)
    assert httpx.post(f"{public.url}/api/networks/{network_id}/step", headers=bearer).status_code == 200
    assert steps_of(public.url, network_id, **bearer) == 1


def test_the_page_shell_needs_no_token_but_holds_no_data(public: Served) -> None:
    for path in ("/", "/static/js/api.js", "/docs", "/api/health"):
        assert httpx.get(f"{public.url}{path}").status_code == 200, path


def test_opening_the_page_with_the_token_sets_a_strict_cookie(public: Served) -> None:
    opened = httpx.get(f"{public.url}/", params={"token": public.token, "x": "1"})
    assert opened.status_code == 303
    assert opened.headers["location"] == "/?x=1"  # the token leaves the address bar
    cookie = opened.headers["set-cookie"]
    assert f"={public.token};" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    name = cookie.split("=", 1)[0]
    assert httpx.get(f"{public.url}/api/catalog", cookies={name: public.token}).status_code == 200
    assert httpx.get(f"{public.url}/api/catalog", cookies={name: "forged"}).status_code == 401
    assert httpx.get(f"{public.url}/", params={"token": "forged"}).status_code == 401


def test_listing_every_network_is_refused_beyond_loopback(public: Served, tmp_path: Path) -> None:
    bearer = {"Authorization": f"Bearer {public.token}"}
    network_id = network(public.url, **bearer)
    response = httpx.get(f"{public.url}/api/networks", headers=bearer)
    assert response.status_code == 403
    assert "--allow-listing" in response.json()["detail"] and network_id not in response.text
    assert httpx.get(f"{public.url}/api/networks/{network_id}", headers=bearer).status_code == 200

    listing = serve(tmp_path, "--allow-listing", "--token", "classroom-42", host="0.0.0.0")
    try:
        bearer = {"Authorization": "Bearer classroom-42"}
        network_id = network(listing.url, **bearer)
        response = httpx.get(f"{listing.url}/api/networks", headers=bearer)
        assert response.status_code == 200
        assert [n["id"] for n in response.json()["networks"]] == [network_id]
    finally:
        listing.stop()


def test_a_token_given_on_loopback_is_required(tmp_path: Path) -> None:
    server = serve(tmp_path, env={"BACKPROP_EXPLORER_TOKEN": "from-the-env"})
    try:
        assert "/?token=from-the-env" in server.output
        assert httpx.get(f"{server.url}/api/catalog").status_code == 401
        assert httpx.get(f"{server.url}/api/catalog", params={"token": "from-the-env"}).status_code == 200
        # On loopback, listing stays available to whoever holds the token.
        assert httpx.get(f"{server.url}/api/networks", params={"token": "from-the-env"}).status_code == 200
    finally:
        server.stop()


def test_a_bad_token_is_refused_at_startup(tmp_path: Path) -> None:
    import subprocess

    from .serving import command

    result = subprocess.run(
        command("serve", "--token", "a b;c", "--db", str(tmp_path / "t.db")),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "--token must be 8 to 256 characters among A-Z a-z 0-9 . _ ~ -"
    ]


def lan_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_plain_uvicorn_on_every_interface_refuses_the_api_to_other_machines(tmp_path: Path) -> None:
    """Started without the CLI (so without a token), a request arriving on a non-loopback address
    may load the page but not the API, nor the list; loopback keeps working."""
    address = lan_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect through")
    server = serve(tmp_path, uvicorn=True, host="0.0.0.0")
    try:
        remote = server.url.replace("127.0.0.1", address)
        response = httpx.get(f"{remote}/api/catalog")
        assert response.status_code == 403
        assert "token" in response.json()["detail"]
        assert httpx.get(f"{remote}/api/networks").status_code == 403
        assert httpx.get(f"{remote}/").status_code == 200
        assert httpx.get(f"{server.url}/api/catalog").status_code == 200
        assert httpx.get(f"{remote}/", headers={"Host": "rebind.example"}).status_code == 403
    finally:
        server.stop()


@pytest.mark.parametrize(
    "path", ["/", "/static/css/app.css", "/static/js/api.js", "/api/catalog", "/api/networks/nope", "/docs"]
)
def test_security_headers_on_pages_static_files_and_the_api(loopback: Served, path: str) -> None:
    response = httpx.get(f"{loopback.url}{path}")
    assert response.status_code in (200, 404)
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    if path == "/docs":
        assert "'sha256-" in policy  # Swagger's one inline script, and nothing else inline
    else:
        assert "script-src 'self';" in policy


def test_refusals_carry_the_headers_too(loopback: Served) -> None:
    response = httpx.get(f"{loopback.url}/", headers={"Host": "rebind.example"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/json"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
