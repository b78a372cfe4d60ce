"""Each hidden neuron's heatmap is enlarged to a readable size, with its label, on hover and on
keyboard focus: in the diagram and in the plots column, for every neuron."""

from __future__ import annotations

from .conftest import UI

MOONS = "#ds=moons&n=120&noise=0.1&dseed=2&h=12.tanh,3.relu&out=sigmoid&loss=bce&lr=0.3&bs=8"


def zoom_state(ui: UI) -> dict:
    return ui.page.evaluate(
        """() => { const z = document.querySelector('.map-zoom');
        if (!z || z.hidden) return { shown: false };
        const img = z.querySelector('img').getBoundingClientRect();
        return { shown: true, label: z.dataset.label, src: z.querySelector('img').getAttribute('src'),
                 width: img.width, height: img.height, box: z.getBoundingClientRect().toJSON() }; }"""
    )


def test_hover_and_focus_enlarge_a_neurons_heatmap(ui: UI) -> None:
    ui.open(MOONS)
    page = ui.page
    page.wait_for_selector("svg image.neuron-map")
    assert zoom_state(ui) == {"shown": False}
    # Hover a neuron in the diagram: its own map, 160 px, labelled.
    neuron = page.locator('g.neuron[data-layer="2"][data-j="1"]')
    neuron.hover()
    z = zoom_state(ui)
    assert z["shown"] and z["width"] >= 160 and z["height"] >= 160
    assert "Hidden 2, neuron 2 (relu)" in z["label"]
    assert z["src"] == page.locator('svg image.neuron-map[data-layer="2"][data-j="1"]').get_attribute("href")
    # Fully on screen, and not on top of the neuron it belongs to.
    box = neuron.bounding_box()
    assert z["box"]["x"] >= 0 and z["box"]["x"] + z["box"]["width"] <= 1280
    assert z["box"]["x"] + z["box"]["width"] <= box["x"] or z["box"]["x"] >= box["x"] + box["width"]
    page.mouse.move(5, 5)
    assert zoom_state(ui) == {"shown": False}
    # Keyboard focus does the same.
    page.locator('g.neuron[data-layer="1"][data-j="11"]').focus()
    z = zoom_state(ui)
    assert z["shown"] and "Hidden 1, neuron 12 (tanh)" in z["label"]
    page.locator("input[name=learning_rate]").focus()
    assert zoom_state(ui) == {"shown": False}
    # The plots column: every neuron's map, each one enlarged on hover and on focus.
    maps = page.locator("[data-neuron-maps] canvas")
    assert maps.count() == 12 + 3
    maps.nth(11).hover()
    z = zoom_state(ui)
    assert z["shown"] and z["width"] >= 160 and "Hidden 1, neuron 12" in z["label"]
    maps.nth(13).focus()
    assert "Hidden 2, neuron 2" in zoom_state(ui)["label"]
    ui.assert_no_console_errors()


def test_a_collapsed_wide_layer_still_has_every_map(ui: UI) -> None:
    ui.open("#ds=moons&n=120&noise=0.1&dseed=2&h=40.relu&out=sigmoid&loss=bce&lr=0.1&bs=8")
    page = ui.page
    page.wait_for_selector("[data-plot=boundary][data-state=drawn]")
    assert page.locator("[data-neuron-maps] canvas").count() == 40
    page.locator("[data-neuron-maps] canvas").nth(39).hover()
    z = zoom_state(ui)
    assert z["shown"] and "Hidden 1, neuron 40 (relu)" in z["label"]
    ui.assert_no_console_errors()
