"""ŷ and y in the data's units: a CSV uploaded with "Standardize targets" trains on scaled
prices, and the page shows the API's numbers scaled back (value·target_std + target_mean)."""

from __future__ import annotations

import httpx
import numpy as np

from .conftest import UI

STATE = "window.backpropExplorer.getState()"


def fmt4(x: float) -> str:
    """The page's 4 significant digits, with its minus sign."""
    return f"{float(f'{x:.4g}')}".removesuffix(".0").replace("-", "\u2212")


def units_quoted(ui: UI) -> list[float]:
    """The caption's numbers in the data's units, at full precision."""
    script = "ns => ns.map(n => Number(n.dataset.value))"
    return ui.page.eval_on_selector_all("[data-caption] [data-units=data]", script)


def caption_text(ui: UI) -> str:
    return ui.page.locator("[data-caption]").text_content() or ""


def houses_csv(tmp_path):
    rng = np.random.default_rng(3)
    size = rng.uniform(40, 200, 60)
    rooms = rng.integers(1, 6, 60)
    price = 1500 * size + 20_000 * rooms + rng.normal(0, 10_000, 60)
    path = tmp_path / "houses.csv"
    rows = "".join(f"{s:.1f},{r},{p:.0f}\n" for s, r, p in zip(size, rooms, price, strict=True))
    path.write_text("size,rooms,price\n" + rows)
    return path


def test_standardized_prices_are_shown_in_the_datas_units(ui: UI, live_server: str, tmp_path) -> None:
    ui.open()
    page = ui.page
    page.locator("details.upload summary").click()
    page.set_input_files("input[name=csv]", str(houses_csv(tmp_path)))
    page.get_by_label("Standardize features").check()
    page.get_by_label("Standardize targets").check()
    page.get_by_role("button", name="Upload CSV").click()
    page.wait_for_function("() => document.querySelector('[data-dirty]').textContent.startsWith('Uploaded')")
    page.get_by_role("button", name="Build network").click()
    page.wait_for_function(f"() => {STATE}.network.feature_names[0] === 'size'")
    ui.idle()
    ui.set_speed("max")
    network = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()
    mean, std = network["target_mean"][0], network["target_std"][0]
    assert std > 10_000  # the network sees prices scaled to about ±2
    ui.press("Forward")
    yhat_api = ui.state("s.trace.forward.output[0][0]")
    # The caption, the output neuron's circle and its label give ŷ in the data's units.
    assert units_quoted(ui) == [yhat_api * std + mean]
    assert f"network's own output is {fmt4(yhat_api)}, standardized" in caption_text(ui)
    output = page.locator("svg[data-network] [data-kind=neuron][data-layer='2']").first
    circle = page.locator("svg[data-network] text.neuron-value[data-layer='2']").first.text_content() or ""
    price = yhat_api * std + mean
    assert circle.endswith("k") and abs(float(circle[:-1]) * 1000 - price) <= 0.01 * abs(price)
    ui.press("Loss")
    trace = ui.state("s.trace")
    y_api = trace["loss"]["targets"][0][0]
    assert abs(y_api) < 5
    assert units_quoted(ui) == [yhat_api * std + mean, y_api * std + mean]
    assert "in standardized units" in caption_text(ui)  # the loss is not in dollars
    assert page.locator(".loss-line dt").first.text_content() == "Loss L (standardized units)"
    assert "(standardized)" in (page.locator("svg[data-network] .loss-label").text_content() or "")
    # Hovering the output neuron: its a is marked standardized, ŷ and y are in the data's units.
    output.hover()
    tip = page.locator("[data-tooltip]").text_content() or ""
    assert "a (standardized) = " in tip
    assert "ŷ in the data's units = " in tip and "y in the data's units = " in tip
    cells = page.locator("[data-yhat] tbody tr").first.locator("td")
    assert float(cells.nth(2).get_attribute("data-value") or "nan") == yhat_api * std + mean
    assert float(cells.nth(3).get_attribute("data-value") or "nan") == y_api * std + mean
    # The text is the price, grouped: 251,300 rather than −1.278 or 2.513e5.
    shown = float((cells.nth(3).text_content() or "").replace(",", "").replace("\u2212", "-"))
    assert abs(shown - (y_api * std + mean)) <= abs(y_api * std + mean) * 1e-3
    assert "data units" in (page.locator("[data-yhat-head]").text_content() or "")
    # The inspector says it for the output neuron, and the parity plot is in the data's units.
    page.locator("svg[data-network] [data-kind=neuron][data-layer='2']").first.click()
    inspector = page.locator("[data-inspector-body]")
    assert "in the data's units" in (inspector.text_content() or "")
    fact = inspector.locator("[data-fact=y_units]").text_content() or ""
    y_units = y_api * std + mean
    assert abs(float(fact.replace(",", "").replace("\u2212", "-")) - y_units) <= abs(y_units) * 1e-3
    page.wait_for_function("() => document.querySelector('[data-plot=boundary]').dataset.units === 'data'")
    ui.assert_no_console_errors()


def test_targets_stay_as_they_are_without_the_box(ui: UI, live_server: str, tmp_path) -> None:
    ui.open()
    page = ui.page
    page.locator("details.upload summary").click()
    page.set_input_files("input[name=csv]", str(houses_csv(tmp_path)))
    page.get_by_label("Standardize features").check()
    page.get_by_role("button", name="Upload CSV").click()
    page.wait_for_function("() => document.querySelector('[data-dirty]').textContent.startsWith('Uploaded')")
    page.get_by_role("button", name="Build network").click()
    page.wait_for_function(f"() => {STATE}.network.feature_names[0] === 'size'")
    ui.idle()
    assert ui.state("s.network.target_std") is None
    ui.assert_no_console_errors()
