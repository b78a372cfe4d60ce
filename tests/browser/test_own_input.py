"""Rows in the data's units on the page: a house-price CSV uploaded with standardized features
and targets takes "Your own input" as area and rooms and predicts what the API predicts for
those values, showing what the input layer got and the means and stds behind it; every sample
listed is the CSV's row; data kept at their own scale are flagged beside the drawing."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import numpy as np

from .conftest import UI

STATE = "window.backpropExplorer.getState()"


def houses_csv(tmp_path: Path, n: int = 60, seed: int = 5) -> Path:
    """area in m², rooms → price in dollars (about $2,500 a square metre)."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40, 200, n).round()
    rooms = rng.integers(1, 6, n)
    price = (2500 * area + 20_000 * rooms + rng.normal(0, 15_000, n)).round()
    path = tmp_path / "houses.csv"
    path.write_text(
        "area_m2,rooms,price\n" + "".join(f"{a:.0f},{r},{p:.0f}\n" for a, r, p in zip(area, rooms, price))
    )
    return path


def upload_and_build(ui: UI, path: Path, features: bool = True, targets: bool = True) -> None:
    page = ui.page
    page.locator("details.upload").evaluate("d => d.open = true")
    page.set_input_files("input[name=csv]", str(path))
    page.get_by_label("Standardize features").set_checked(features)
    page.get_by_label("Standardize targets").set_checked(targets)
    page.get_by_role("button", name="Upload CSV").click()
    page.wait_for_function("() => document.querySelector('[data-dirty]').textContent.startsWith('Uploaded')")
    before = ui.state("s.network?.id")
    page.get_by_role("button", name="Build network").click()
    page.wait_for_function(
        f"id => {STATE}.network?.id !== id && {STATE}.network.feature_names[0] === 'area_m2' && {STATE}.data",
        arg=before,
    )
    ui.idle()


def number(text: str) -> float:
    return float(text.replace(",", "").replace("\u2212", "-"))


def test_own_input_in_the_datas_units_gives_the_apis_prediction(ui: UI, live_server: str, tmp_path) -> None:
    ui.open()
    page = ui.page
    upload_and_build(ui, houses_csv(tmp_path))
    ui.press("Epoch")
    ui.press("Epoch")
    network = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()
    page.locator("details.own-row summary").click()
    hint = page.locator("[data-own-units]").text_content() or ""
    assert "In the data's units (area_m2, rooms" in hint and "standardizes" in hint
    page.fill("[data-own-inputs]", "100, 3")
    page.fill("[data-own-targets]", "328000")
    page.get_by_role("button", name="Push through").click()
    page.wait_for_function(f"() => {STATE}.trace?.loss")
    ui.idle()
    # The API's prediction for a 100 m², 3-room house, in dollars.
    predicted = httpx.post(
        f"{live_server}/api/networks/{ui.network_id}/predict", json={"inputs": [[100, 3]], "units": "data"}
    ).json()
    dollars = predicted["data_outputs"][0][0]
    assert 100_000 < dollars < 700_000  # a house's price, not a standardized number fed raw
    row = page.locator("[data-yhat] tbody tr").first.locator("td")
    assert float(row.nth(2).get_attribute("data-value") or "nan") == dollars
    assert row.nth(1).text_content() == "(100, 3)"  # the inputs as typed, not standardized
    assert page.locator("[data-yhat] thead th").nth(1).text_content() == "inputs x (data units)"
    # What the input layer got, with the means and standard deviations it was scaled with.
    fed = page.locator("[data-own-fed]")
    got = [float(v) for v in (fed.get_attribute("data-inputs") or "").split(",")]
    assert got == predicted["inputs"][0]
    assert np.allclose(got, (np.array([100, 3]) - network["feature_mean"]) / network["feature_std"])
    text = fed.text_content() or ""
    assert "You typed x = (100, 3)" in text and "(x − mean) / std" in text
    for value in [*network["feature_mean"], *network["feature_std"]]:
        assert f"{value:.4g}" in text.replace(",", "")
    target = (328_000 - network["target_mean"][0]) / network["target_std"][0]
    assert ui.state("s.trace.loss.targets[0][0]") == target and "y′ = (y − mean) / std" in text
    caption = page.locator("[data-caption]").text_content() or ""
    assert "with the target y = 328,000" in caption
    ui.press("Forward")  # a dataset row next: the own row's lines go
    assert page.locator("[data-own-fed]").text_content() == ""
    ui.assert_no_console_errors()


def test_every_sample_listed_is_the_csvs_row(ui: UI, tmp_path) -> None:
    ui.open()
    path = houses_csv(tmp_path)
    upload_and_build(ui, path)
    rows = list(csv.reader(path.read_text().splitlines()))[1:]
    options = ui.page.eval_on_selector_all(
        "[data-sample] option:not([value=''])", "os => os.map(o => [o.value, o.textContent])"
    )
    assert len(options) == ui.state("s.data.train_indices.length")
    for value, text in options:
        area, rooms, price = rows[int(value)]
        # "#0: x = (169, 2), y = 500,600": the CSV's numbers, each scaled back once (4 digits).
        shown_x, shown_y = text.split(": x = ")[1].split(", y = ")
        assert shown_x == f"({area}, {rooms})"
        assert abs(number(shown_y) - float(price)) <= 0.0005 * float(price)
    ui.press("Forward")
    first = ui.state("s.trace.forward.indices[0]")
    cell = ui.page.locator("[data-yhat] tbody tr").first.locator("td").nth(1).text_content()
    assert cell == f"({rows[first][0]}, {rows[first][1]})"
    ui.assert_no_console_errors()


def test_data_kept_at_their_own_scale_are_flagged_and_point_at_standardize(ui: UI, tmp_path) -> None:
    ui.open()
    page = ui.page
    upload_and_build(ui, houses_csv(tmp_path), features=False, targets=False)
    note = page.locator("[data-scale-note]")
    assert note.is_visible() and note.get_attribute("data-about") == "features,targets"
    text = note.text_content() or ""
    assert (
        "These data are not standardized" in text
        and "'area_m2' has mean" in text
        and "'price' has mean" in text
    )
    assert "Tick Standardize features and Standardize targets under Upload a CSV" in text
    page.get_by_label("Standardize features").uncheck()
    page.locator("details.upload").evaluate("d => d.open = false")
    note.get_by_role("button", name="Show Standardize features").click()
    assert page.locator("details.upload").evaluate("d => d.open")
    assert page.evaluate("document.activeElement.name") == "csv_standardize"
    # Training on the raw prices: the advice after the rise names the data's scale too.
    page.locator("input[name=learning_rate]").fill("0.5")
    page.locator("input[name=learning_rate]").dispatch_event("change")
    page.wait_for_function(f"() => {STATE}.network.learning_rate === 0.5")
    ui.press("Epoch")
    ui.press("Epoch")
    ui.press("Epoch")
    caption = page.locator("[data-caption]").text_content() or ""
    assert "These data are not standardized (see the note under the drawing)" in caption, caption
    # Standardized, the note goes.
    upload_and_build(ui, houses_csv(tmp_path))
    assert note.is_hidden()
    ui.assert_no_console_errors()


def push_own_row(ui: UI, row: list[float]) -> None:
    page = ui.page
    page.fill("[data-own-inputs]", ", ".join(f"{v:g}" for v in row))
    page.get_by_role("button", name="Push through").click()
    page.wait_for_function(f"() => {STATE}.trace?.forward?.data_inputs")
    ui.idle()


def test_digits_own_input_says_the_pixels_are_divided_by_16(ui: UI, live_server: str) -> None:
    """The digits are scaled by x / 16 alone: the panel says so, not that the columns' means and
    standard deviations (0 and 16) standardized them; its numbers are the API's."""
    ui.open("#ds=digits")
    page = ui.page
    url = f"{live_server}/api/networks/{ui.network_id}"
    data = httpx.get(f"{url}/data").json()
    first = data["train_indices"][0]
    raw = data["raw_inputs"][first]  # pixel counts 0…16, the data's own units
    assert max(raw) > 1 and all(0 <= v <= 16 for v in raw)
    page.locator("details.own-row summary").click()
    assert page.locator("[data-own-inputs]").get_attribute("placeholder") == "e.g. " + ", ".join(
        f"{v:g}" for v in raw
    )
    hint = page.locator("[data-own-units]").text_content() or ""
    assert "the server divides each by 16" in hint and "standardizes" not in hint
    push_own_row(ui, raw)
    predicted = httpx.post(f"{url}/predict", json={"inputs": [raw], "units": "data"}).json()
    fed = page.locator("[data-own-fed]")
    got = [float(v) for v in (fed.get_attribute("data-inputs") or "").split(",")]
    assert got == predicted["inputs"][0] == data["inputs"][first] == [v / 16 for v in raw]
    text = fed.text_content() or ""
    assert "The input layer got x′ = x / 16 = (" in text
    assert "divided by 16 the same way" in text
    assert "Means" not in text and "standardized" not in text and "(x − mean) / std" not in text
    ui.assert_no_console_errors()


def test_a_row_typed_for_other_data_goes_when_the_network_is_rebuilt_on_new_data(ui: UI) -> None:
    """A rebuild on the same data keeps the typed row; one on data with other columns empties
    both fields, so the placeholder shows a row of the new data."""
    ui.open("#ds=iris")
    page = ui.page
    page.locator("details.own-row summary").click()
    page.fill("[data-own-inputs]", "5.1, 3.5, 1.4, 0.2")
    page.fill("[data-own-targets]", "1, 0, 0")

    def rebuild() -> None:
        before = ui.network_id
        page.get_by_role("button", name="Build network").click()
        page.wait_for_function(f"id => {STATE}.network?.id !== id && {STATE}.data", arg=before)
        ui.idle()

    rebuild()
    assert page.locator("[data-own-inputs]").input_value() == "5.1, 3.5, 1.4, 0.2"
    assert page.locator("[data-own-targets]").input_value() == "1, 0, 0"
    page.select_option("select[name=dataset]", "digits")
    page.wait_for_function("() => document.querySelector('[data-dirty]').textContent !== ''")
    rebuild()
    assert ui.state("s.network.layers[0]") == 64
    assert page.locator("[data-own-inputs]").input_value() == ""
    assert page.locator("[data-own-targets]").input_value() == ""
    placeholder = page.locator("[data-own-inputs]").get_attribute("placeholder") or ""
    first = ui.state("s.data.raw_inputs[s.data.train_indices[0]]")
    assert placeholder == "e.g. " + ", ".join(f"{v:g}" for v in first)
    page.get_by_role("button", name="Push through").click()  # nothing typed: said, not sent
    assert "Type 64 numbers for x (64 columns: pixel 0,0 … pixel 7,7)" in ui.error("own")
    ui.assert_no_console_errors()
