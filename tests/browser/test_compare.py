"""The side-by-side page: built from the explorer page in one action, every column stepped and
played, the overlaid loss curves, boundaries and gradient norms checked against the API."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from .conftest import UI

SETUP = "#ds=circles&n=120&val=0.25&bs=10&lr=0.1&h=4.tanh,4.tanh"
SPEC = {
    "layers": [2, 4, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "learning_rate": 0.3,
    "data": {"generator": "moons", "n": 80, "noise": 0.1, "seed": 2},
    "batch_size": 8,
    "validation_split": 0.25,
}


def settled(page: Page, condition: str = "true") -> None:
    """Wait until every column's answers have landed and been drawn, and `condition` holds."""
    page.wait_for_function(
        "() => document.body.dataset.ready === 'true' && document.body.dataset.settled === 'true'"
        f" && ({condition})",
        timeout=60_000,
    )


def column_state(page: Page, key: str, expr: str):
    return page.evaluate(
        "() => { const c = window.compareExplorer.page.columns"
        f".find((c) => c.key === '{key}'); return {expr}; }}"
    )


def grad_cells(page: Page, key: str, layers: int) -> list[float]:
    """The gradient norms column `key` shows in the table, at full precision."""
    cells = (
        page.locator(f'[data-grad-norm="{key}-{l}"]').get_attribute("data-value")
        for l in range(1, layers + 1)
    )
    return [float(v or "nan") for v in cells]


def open_compare(page: Page, base: str, ids: list[str]) -> None:
    page.goto(f"{base}/compare?ids={','.join(ids)}")
    settled(page)


def api_json(base: str, method: str, path: str, body: dict | None = None) -> dict:
    response = httpx.request(method, f"{base}{path}", json=body, timeout=60)
    assert response.status_code < 300, response.text
    return response.json()


def test_a_copy_with_another_learning_rate_stepped_and_played_matches_the_api(
    ui: UI, live_server: str
) -> None:
    base = str(live_server)
    ui.open(SETUP)
    original = ui.network_id
    ui.page.locator("[data-compare-launch] summary").click()
    ui.page.locator("[data-compare-launch] [data-copy-kind]").select_option("learning_rate")
    # A value the copy cannot take: a sentence beside the control, and the page stays.
    ui.page.locator("[data-compare-launch] [data-copy-value]").fill("-1")
    ui.page.get_by_role("button", name="Compare with a copy").click()
    ui.page.wait_for_function("() => document.querySelector('[data-error=compare]').textContent !== ''")
    assert "above 0" in (ui.error("compare"))
    assert ui.network_id == original
    ui.page.locator("[data-compare-launch] [data-copy-value]").fill("1.5")
    hint = ui.page.locator("[data-compare-launch] [data-copy-hint]").text_content() or ""
    assert "keeps this network's trained weights" in hint  # says how η copies are made
    ui.page.get_by_role("button", name="Compare with a copy").click()
    ui.page.wait_for_url("**/compare?ids=*")
    settled(ui.page)
    ids = ui.page.evaluate("() => new URL(location.href).searchParams.get('ids')").split(",")
    assert len(ids) == 2 and ids[0] == original and ids[1] != original
    page = ui.page
    assert page.locator("[data-column]").count() == 2
    a, b = (api_json(base, "GET", f"/api/networks/{i}") for i in ids)
    assert (a["learning_rate"], b["learning_rate"]) == (0.1, 1.5)
    assert b["parameters"] == a["parameters"]  # the same weights: export → import → PATCH η
    assert b["data"] == a["data"] and b["seed"] == a["seed"] and b["init"] == a["init"]
    # The headers name what differs, and only that.
    for key, text in (("A", "0.1"), ("B", "1.5")):
        differs = page.locator(f"[data-column={key}] [data-differs] dd")
        assert differs.count() == 1
        assert differs.first.get_attribute("data-field") == "learning_rate"
        assert differs.first.text_content() == text
    common = page.locator("[data-common]").text_content() or ""
    assert "data circles" in common and common.endswith(" · trainable all parameters")

    # Step each column: the gradient norms shown are that step's backward pass. A reference
    # copy of A, stepped over plain HTTP from the same point, must give the same numbers.
    reference = api_json(
        base, "POST", "/api/networks/import", api_json(base, "GET", f"/api/networks/{ids[0]}/export")
    )
    expected = api_json(base, "POST", f"/api/networks/{reference['id']}/step", {})
    page.locator("[data-column=A]").get_by_role("button", name="Step").click()
    settled(page, "window.compareExplorer.page.columns[0].network.step === 1")
    norms = [layer["grad_norm"] for layer in expected["backward"]["layers"]]
    assert column_state(page, "A", "c.grads.norms") == norms
    assert grad_cells(page, "A", 3) == norms
    assert api_json(base, "GET", f"/api/networks/{ids[1]}")["step"] == 0  # B untouched
    page.locator("[data-column=B]").get_by_role("button", name="Step").click()
    settled(page, "window.compareExplorer.page.columns[1].network.step === 1")
    assert api_json(base, "GET", f"/api/networks/{ids[0]}")["step"] == 1

    # Play all, then Pause all once both have trained a few epochs.
    page.get_by_role("button", name="Play all").click()
    page.wait_for_function(
        "() => window.compareExplorer.page.columns.every((c) => c.history.length >= 3)", timeout=60_000
    )
    assert page.get_by_role("button", name="Pause all").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="Pause all").click()
    settled(page, "document.body.dataset.playing === 'false'")

    drawn = page.evaluate("() => window.compareExplorer.drawn")
    assert [s["key"] for s in drawn["loss"]] == ["A", "B"]
    assert len({s["colour"] for s in drawn["loss"]}) == 2
    assert page.get_attribute("[data-plot=compare-loss]", "data-series") == "2"
    for k, network_id in enumerate(ids):
        history = api_json(base, "GET", f"/api/networks/{network_id}/history")
        entries = history["history"]
        assert len(entries) >= 3
        series = drawn["loss"][k]
        assert series["train"] == [[e["epoch"], e["train_loss"]] for e in entries]
        assert series["val"] == [[e["epoch"], e["val_loss"]] for e in entries]  # validation split 0.25
        # Gradient norms: the last epoch's, as the API reports them.
        assert drawn["grads"][k]["norms"] == entries[-1]["grad_norms"]
        key = "AB"[k]
        assert grad_cells(page, key, 3) == entries[-1]["grad_norms"]
        # Each column drew its own boundary, at the network's current epoch.
        network = api_json(base, "GET", f"/api/networks/{network_id}")
        canvas = page.locator(f"[data-column={key}] canvas[data-plot=boundary]")
        assert canvas.get_attribute("data-state") == "drawn"
        assert canvas.get_attribute("data-epoch") == str(network["epoch"])
        assert canvas.get_attribute("data-step") == str(network["step"])
        counters = page.locator(f"[data-column={key}] [data-counters]").text_content() or ""
        assert counters.startswith(f"epoch {network['epoch']} · step {network['step']}")
        assert f"· epoch {entries[-1]['epoch']}'s training loss " in counters  # not the step's own
        assert (
            float(page.locator(f"[data-column={key}] [data-train-loss]").get_attribute("data-value"))
            == entries[-1]["train_loss"]
        )
    assert page.get_attribute("[data-plot=compare-grads]", "data-series") == "2"

    # Per update step: one series per network, the API's update losses.
    page.locator("[data-loss-axis]").select_option("step")
    settled(page)
    drawn = page.evaluate("() => window.compareExplorer.drawn.loss")
    for k, network_id in enumerate(ids):
        steps = api_json(base, "GET", f"/api/networks/{network_id}/history")["steps"]
        assert drawn[k]["train"] == [[s["step"], s["loss"]] for s in steps]
    ui.assert_no_console_errors()


def test_adding_copies_up_to_four_columns_and_removing_one(ui: UI, live_server: str) -> None:
    base = str(live_server)
    a = api_json(base, "POST", "/api/networks", SPEC)["id"]
    b = api_json(base, "POST", "/api/networks", {**SPEC, "activations": ["relu", "sigmoid"]})["id"]
    page = ui.page
    open_compare(page, base, [a, b])
    assert page.locator("[data-column=B] [data-differs] dd").first.text_content() == "relu, sigmoid"

    def add(kind: str, value: str, base_key: str = "A") -> dict:
        count = page.locator("[data-column]").count()
        page.locator("[data-copy-base]").select_option(base_key)
        page.locator("[data-add-copy] [data-copy-kind]").select_option(kind)
        value_field = page.locator("[data-add-copy] [data-copy-value]")
        if value_field.evaluate("(e) => e.tagName") == "SELECT":
            value_field.select_option(value)
        else:
            value_field.fill(value)
        page.get_by_role("button", name="Add column with the copy").click()
        settled(
            page,
            f"window.compareExplorer.page.columns.length === {count + 1}"
            " && window.compareExplorer.page.columns.every((c) => c.loaded)",
        )
        new_id = page.evaluate("() => new URL(location.href).searchParams.get('ids')").split(",")[-1]
        return api_json(base, "GET", f"/api/networks/{new_id}")

    c = add("optimizer", "adam")
    assert c["optimizer"]["name"] == "adam" and c["layers"] == [2, 4, 1] and c["learning_rate"] == 0.3
    # Every column's plot is drawn again at its new, narrower width (not scaled down from the old).
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-column] canvas[data-plot=boundary]')]
             .every((c) => Math.abs(c.width - Math.round(c.clientWidth * devicePixelRatio)) <= 1)""",
        timeout=5_000,
    )
    d = add("depth", "2", base_key="B")
    assert d["layers"] == [2, 4, 4, 1] and d["activations"] == ["relu", "relu", "sigmoid"]
    # Same data and seeds as B, untrained: a new network from B's spec with one more layer.
    assert d["init"] == api_json(base, "GET", f"/api/networks/{b}")["init"]
    assert d["epoch"] == 0 and d["data"] == {**SPEC["data"], "classes": None} and d["seed"] == 0
    assert page.locator("[data-column]").count() == 4
    expect(page.locator("[data-add-copy]")).to_be_hidden()  # four is the most
    ids = page.evaluate("() => new URL(location.href).searchParams.get('ids')").split(",")
    assert ids == [a, b, c["id"], d["id"]]
    assert page.locator("[data-column=D] [data-differs] [data-field=layers]").count() == 2  # dt and dd
    # Step all: each network one update further.
    page.get_by_role("button", name="Step all").click()
    settled(page, "window.compareExplorer.page.columns.every((c) => c.network.step === 1)")
    for network_id in ids:
        assert api_json(base, "GET", f"/api/networks/{network_id}")["step"] == 1
    assert page.get_attribute("[data-plot=compare-grads]", "data-series") == "4"
    # The gradient norms by the layers' names, the output layers side by side however deep each
    # network is: D has a Hidden 2, the others go from Hidden 1 to the Output.
    rows = page.locator("[data-grad-table] tbody tr")
    assert rows.locator("th").all_text_contents() == ["Hidden 1", "Hidden 2", "Output"]
    cells = "cs => cs.map((c) => c.dataset.gradNorm)"  # each network's own index of the layer
    assert rows.nth(1).locator("[data-grad-norm]").evaluate_all(cells) == ["D-2"]
    assert rows.nth(2).locator("[data-grad-norm]").evaluate_all(cells) == ["A-2", "B-2", "C-2", "D-3"]
    # Remove C: three columns, the link follows, the network stays on the server.
    page.get_by_role("button", name="Remove column C (the network stays on the server)").click()
    settled(page, "window.compareExplorer.page.columns.length === 3")
    assert page.evaluate("() => new URL(location.href).searchParams.get('ids')") == ",".join([a, b, d["id"]])
    expect(page.locator("[data-add-copy]")).to_be_visible()  # shown again once the column is gone
    assert httpx.get(f"{base}/api/networks/{c['id']}").status_code == 200
    # An activation copy of a network without a hidden layer: a sentence, no column.
    flat = api_json(base, "POST", "/api/networks", {**SPEC, "layers": [2, 1], "activations": ["sigmoid"]})[
        "id"
    ]
    open_compare(page, base, [flat, a])
    page.locator("[data-add-copy] [data-copy-kind]").select_option("activation")
    page.get_by_role("button", name="Add column with the copy").click()
    page.wait_for_function("() => document.querySelector('[data-error=compare]').textContent !== ''")
    assert "no hidden layer" in (page.locator("[data-error=compare]").text_content() or "")
    assert page.locator("[data-column]").count() == 2
    ui.assert_no_console_errors()


def test_a_learning_rate_out_of_range_gets_the_pages_sentence_with_the_servers_bound(
    ui: UI, live_server: str
) -> None:
    base = str(live_server)
    bound = api_json(base, "GET", "/openapi.json")["components"]["schemas"]["NetworkPatch"]["properties"][
        "learning_rate"
    ]
    assert bound["exclusiveMinimum"] == 0
    most = bound["maximum"]
    a = api_json(base, "POST", "/api/networks", SPEC)["id"]
    b = api_json(base, "POST", "/api/networks", {**SPEC, "learning_rate": 3.0})["id"]
    page = ui.page
    open_compare(page, base, [a, b])
    page.locator("[data-add-copy] [data-copy-kind]").select_option("learning_rate")
    value = page.locator("[data-add-copy] [data-copy-value]")
    assert float(value.get_attribute("max") or "nan") == most  # the field offers what the server takes
    error = page.locator("[data-error=compare]")
    said = f"The learning rate η must be a number above 0 and at most {most:g}."
    for typed in (f"{5 * most:g}", f"{most * 1.001:g}", "0", "", "-1"):
        page.evaluate("() => { document.querySelector('[data-error=compare]').textContent = ''; }")
        value.fill(typed)
        page.get_by_role("button", name="Add column with the copy").click()
        expect(error).to_have_text(said)
    assert page.locator("[data-column]").count() == 2
    value.fill(f"{most:g}")  # the bound itself is a learning rate the server takes
    page.get_by_role("button", name="Add column with the copy").click()
    settled(page, "window.compareExplorer.page.columns.length === 3")
    assert error.text_content() == ""
    new_id = page.evaluate("() => new URL(location.href).searchParams.get('ids')").split(",")[-1]
    assert api_json(base, "GET", f"/api/networks/{new_id}")["learning_rate"] == most
    ui.assert_no_console_errors()


def test_the_copy_is_of_column_a_until_another_is_picked_whichever_loads_first(
    ui: UI, live_server: str
) -> None:
    base = str(live_server)
    flat_spec = {**SPEC, "layers": [2, 1], "activations": ["sigmoid"]}
    flat = api_json(base, "POST", "/api/networks", flat_spec)["id"]
    a = api_json(base, "POST", "/api/networks", SPEC)["id"]
    page = ui.page

    def late(route) -> None:  # column A's answers come after column B's
        page.wait_for_timeout(400)
        route.continue_()

    page.route(f"**/api/networks/{flat}**", late)
    open_compare(page, base, [flat, a])
    assert page.locator("[data-copy-base]").input_value() == "A"
    page.locator("[data-add-copy] [data-copy-kind]").select_option("activation")
    page.get_by_role("button", name="Add column with the copy").click()
    page.wait_for_function("() => document.querySelector('[data-error=compare]').textContent !== ''")
    assert "no hidden layer" in (page.locator("[data-error=compare]").text_content() or "")
    # A column picked stays picked when the list of columns changes.
    page.locator("[data-copy-base]").select_option("B")
    page.get_by_role("button", name="Add column with the copy").click()
    settled(page, "window.compareExplorer.page.columns.length === 3")
    assert page.locator("[data-copy-base]").input_value() == "B"


def test_unknown_and_bad_ids_say_so(ui: UI, live_server: str) -> None:
    base = str(live_server)
    a = api_json(base, "POST", "/api/networks", SPEC)["id"]
    page = ui.page
    page.goto(f"{base}/compare?ids={a},nosuchnetwork0")
    settled(page)
    missing = page.locator("[data-column=B]")
    problem = missing.locator("[data-column-problem]").text_content() or ""
    assert "has no network nosuchnetwork0 you may open" in problem and "belongs to another browser" in problem
    assert missing.get_by_role("link", name="Back to the explorer").get_attribute("href") == "/"
    assert page.locator("[data-column=A] canvas[data-plot=boundary]").get_attribute("data-state") == "drawn"
    assert "1 of 2 networks not found" in (page.locator("[data-status]").text_content() or "")
    ui.assert_no_console_errors(allow=("404",))  # the browser logs the API's 404 for the unknown id
    for query, says in (
        ("?ids=" + a, "at least 2"),
        ("", "Name the networks"),
        ("?ids=a,b,c,d,e", "at most 4"),
    ):
        response = page.goto(f"{base}/compare{query}")
        assert response is not None and response.status == 400
        assert says in (page.locator("[data-problem-text]").text_content() or "")
        assert page.get_by_role("link", name="explorer page").get_attribute("href") == "/"


@pytest.mark.parametrize("width", [1280, 1920, 390])
def test_layout_at_each_width(sized_ui, live_server: str, tmp_path: Path, width: int) -> None:
    base = str(live_server)
    ids = [
        api_json(base, "POST", "/api/networks", {**SPEC, "learning_rate": lr})["id"]
        for lr in (0.3, 3.0, 0.03)
    ]
    for i in ids:
        api_json(base, "POST", f"/api/networks/{i}/train", {"epochs": 5})
    with sized_ui(width, 900) as ui:
        page = ui.page
        open_compare(page, base, ids)
        boxes = [page.locator(f"[data-column={k}]").bounding_box() for k in "ABC"]
        assert all(box is not None for box in boxes)
        if width == 390:  # the columns stack, each the page's width
            assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1
            assert abs(boxes[1]["x"] - boxes[0]["x"]) < 1
        else:  # side by side
            assert (
                abs(boxes[1]["y"] - boxes[0]["y"]) < 1
                and boxes[1]["x"] > boxes[0]["x"] + boxes[0]["width"] - 1
            )
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # no sideways scrolling
        shots = Path(os.environ.get("COMPARE_SCREENSHOTS", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"compare-{width}.png"), full_page=True)
        ui.assert_no_console_errors()


# Explicit weights and biases, with data given inline: a network whose start no seed makes.
EXPLICIT = {
    "layers": [2, 2, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "weights": [[[0.5, -0.4], [0.3, 0.8]], [[0.7, -0.6]]],
    "biases": [[0.1, -0.2], [0.05]],
    "data": {"inputs": [[1.0, -0.5], [0.2, 0.4], [-1.0, 0.3]], "targets": [[1.0], [0.0], [1.0]]},
    "batch_size": 1,
    "validation_split": 0.0,
}
HINT_SAYS = "(w) => document.querySelector('[data-compare-launch] [data-copy-hint]').textContent.includes(w)"
# The classes' colours in the decision boundaries (palette.js) and Okabe-Ito's blue and orange.
CLASS_COLOURS = {"rgb(33, 102, 172)", "rgb(230, 97, 1)", "rgb(0, 114, 178)", "rgb(230, 159, 0)"}


def test_the_launcher_is_on_the_first_screen_and_columns_have_their_own_colours(
    ui: UI, live_server: str
) -> None:
    ui.open(SETUP)
    # 1280 × 800: seen without scrolling, under the phase controls; opened, the control too.
    summary = ui.page.locator("[data-compare-launch] summary")
    box = summary.bounding_box()
    assert box and box["y"] + box["height"] <= 800
    assert summary.text_content() == "Side by side: compare with a copy"
    summary.click()
    box = ui.page.locator("[data-compare-launch] [data-copy-submit]").bounding_box()
    assert box and box["y"] + box["height"] <= 800
    ids = [api_json(str(live_server), "POST", "/api/networks", SPEC)["id"] for _ in range(3)]
    page = ui.page
    open_compare(page, str(live_server), ids)
    badges = page.evaluate(
        "() => [...document.querySelectorAll('[data-column]')].map(c =>"
        " getComputedStyle(c.querySelector('.badge')).backgroundColor)"
    )
    borders = page.evaluate(
        "() => [...document.querySelectorAll('[data-column]')].map(c => getComputedStyle(c).borderTopColor)"
    )
    colours = page.evaluate("() => window.compareExplorer.page.columns.map((c) => c.colour)")
    assert len(set(colours)) == 3 and len(set(borders)) == 3
    assert not set(borders) & CLASS_COLOURS and not set(badges) & CLASS_COLOURS
    ui.assert_no_console_errors()


def test_a_copy_of_a_network_built_from_explicit_weights_starts_from_those_weights(
    ui: UI, live_server: str
) -> None:
    base = str(live_server)
    original = api_json(base, "POST", "/api/networks", EXPLICIT)
    ui.open(f"#net={original['id']}")
    page = ui.page
    page.locator("[data-compare-launch] summary").click()
    hint = page.locator("[data-compare-launch] [data-copy-hint]")
    page.locator("[data-compare-launch] [data-copy-kind]").select_option("init")
    page.wait_for_function(HINT_SAYS, arg="explicit")
    assert "come from the chosen initializer" in (hint.text_content() or "")
    page.locator("[data-compare-launch] [data-copy-kind]").select_option("activation")
    page.wait_for_function(HINT_SAYS, arg="very weights")
    page.locator("[data-compare-launch] [data-copy-value]").select_option("relu")
    page.get_by_role("button", name="Compare with a copy").click()
    page.wait_for_url("**/compare?ids=*")
    settled(page)
    ids = page.evaluate("() => new URL(location.href).searchParams.get('ids')").split(",")
    copy = api_json(base, "GET", f"/api/networks/{ids[1]}")
    assert copy["activations"] == ["relu", "sigmoid"]
    # Exactly the weights and biases the original was built with, not the init seed's.
    assert copy["parameters"] == {"weights": EXPLICIT["weights"], "biases": EXPLICIT["biases"]}
    ui.assert_no_console_errors()
