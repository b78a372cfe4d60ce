"""The side-by-side page /compare?ids=…: served for two to four ids, a 400 page saying why otherwise."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import MOONS, create

SCRIPT = "/static/js/compare/main.js"


def test_two_to_four_ids_serve_the_page_with_its_script(client: TestClient) -> None:
    a, b = create(client, MOONS)["id"], create(client, {**MOONS, "learning_rate": 0.05})["id"]
    for ids in ([a, b], [a, b, "c-3"], [a, b, "c_3", "d4"]):
        response = client.get("/compare", params={"ids": ",".join(ids)})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert SCRIPT in html
        assert f'data-ids="{",".join(ids)}"' in html
        assert "data-compare-problem" not in html
    # Unknown ids are the page's to report, column by column (it asks the API for each).
    assert client.get("/compare?ids=nosuchnetwork,another").status_code == 200


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("", "Name the networks to compare"),
        ("?ids=", "Name the networks to compare"),
        ("?ids=,,", "Name the networks to compare"),
        ("?ids=abc", "needs at least 2 networks; the link names only one (abc)"),
        ("?ids=a,b,c,d,e", "at most 4 networks; the link names 5"),
        ("?ids=a,a", "the same network twice"),
        ("?ids=a,%3Cscript%3E", "is not a network id"),
        ("?ids=a," + "x" * 101, "is not a network id"),
    ],
)
def test_bad_ids_get_a_400_page_that_says_why(client: TestClient, query: str, says: str) -> None:
    response = client.get(f"/compare{query}")
    assert response.status_code == 400
    html = response.text
    assert "data-compare-problem" in html
    assert says in html.replace("&lt;", "<").replace("&gt;", ">")
    assert SCRIPT not in html  # nothing to run: the message and a link back
    assert 'href="/"' in html
    assert "<script>" not in html  # an id is text, never markup


def test_the_page_modules_and_styles_are_served(client: TestClient) -> None:
    for path in (
        SCRIPT,
        "/static/js/compare/column.js",
        "/static/js/compare/copy.js",
        "/static/js/compare/copy-control.js",
        "/static/js/compare/differences.js",
        "/static/js/compare/overlay.js",
        "/static/js/compare/launch.js",
        "/static/css/compare.css",
    ):
        assert client.get(path).status_code == 200, path
    # The explorer page offers the way in.
    assert "data-compare-launch" in client.get("/").text
