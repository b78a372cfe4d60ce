"""Real data in the page: the shipped datasets in the picker, digits drawn as pictures (each
first-layer neuron's incoming weights and the sample in the step), a confusion matrix for
classifiers on more than two inputs, and CSV uploads whose label names reach the drawing."""

from __future__ import annotations

import httpx

from .conftest import UI

REAL = "&out=softmax&loss=cross_entropy&val=0.2&lr=0.1&bs=10"
POS, NEG = (33, 102, 172), (230, 97, 1)  # palette.js: w > 0 blue, w < 0 orange


def canvas_pixels(ui: UI, selector: str) -> list[list[int]]:
    return ui.page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)].map((c) =>
             Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data))""",
        selector,
    )


def test_digits_draw_each_neurons_weights_and_the_sample_as_pictures(ui: UI) -> None:
    ui.open("#ds=digits&h=12.tanh" + REAL)
    page = ui.page
    assert page.locator("[data-pictures]").is_visible()
    assert (
        page.locator("#pictures-title").text_content() == "Pictures: what each neuron of Hidden 1 looks for"
    )
    assert page.locator("[data-pictures] .picture").count() == 12

    W = ui.state("s.network.parameters.weights[0]")
    largest = max(abs(w) for row in W for w in row)
    pictures = canvas_pixels(ui, "[data-pictures] .picture canvas")
    for j, pixels in enumerate(pictures):
        assert len(pixels) == 64 * 4  # 8×8, one pixel per weight
        for p, w in enumerate(W[j]):
            r, g, b = pixels[4 * p : 4 * p + 3]
            if abs(w) == largest:
                assert (r, g, b) == (POS if w > 0 else NEG)  # the layer's largest |w| at full colour
            elif abs(w) > 0.2 * largest:
                assert (b > r) == (w > 0), (j, p, w, (r, g, b))  # blue for w > 0, orange for w < 0

    ui.press("Forward")
    forward = ui.state("s.trace.forward")
    data = ui.state("s.data")
    idx = forward["indices"][0]
    label = str(data["targets"][idx].index(1.0))  # the digits' class names are "0" … "9"
    output = forward["output"][0]
    said = str(output.index(max(output)))
    caption = page.locator(".pictures-sample figcaption").text_content()
    assert caption.startswith(f"This step's sample #{idx}: a {label}; the network says {said}, with ŷ = ")
    (sample,) = canvas_pixels(ui, ".pictures-sample canvas")
    for p, v in enumerate(forward["inputs"][0]):  # ink on paper: 0 white … 1 black
        assert sample[4 * p] == round(255 * (1 - v))
    a1 = forward["layers"][0]["a"][0]
    values = page.locator("[data-pictures] .picture .value").all_text_contents()
    for shown, a in zip(values, a1, strict=True):
        assert shown.startswith("a = ")
        assert float(shown[4:].replace("\u2212", "-")) == float(f"{a:.4g}")  # the API's a, 4 digits

    page.locator('[data-pictures] .picture[data-neuron="2"]').click()
    assert ui.state("s.selection") == {"kind": "neuron", "layer": 1, "j": 2}
    assert (
        page.locator('[data-pictures] .picture[data-neuron="2"]').get_attribute("class") == "picture selected"
    )
    ui.assert_no_console_errors()


def test_iris_is_in_the_picker_named_by_its_species_with_a_confusion_matrix(ui: UI, live_server: str) -> None:
    ui.open("#ds=iris&h=8.tanh" + REAL)
    page = ui.page
    real = page.locator("select[name=dataset] optgroup[label='Real data'] option").all_text_contents()
    assert real == [
        "iris (150 × 4)",
        "wine (178 × 13)",
        "breast cancer (569 × 30)",
        "digits 8×8 (1797 × 64)",
        "diabetes (442 × 10)",
    ]
    description = page.locator("[data-dataset-description]")
    assert "CC BY 4.0" in description.text_content()
    assert "https://doi.org/10.24432/C56C76" in description.get_attribute("title")
    assert page.locator("[data-pictures]").is_hidden()  # not image-like

    for _ in range(5):
        ui.press("Epoch")
    ui.press("Forward")
    ui.press("Loss")
    labels = page.locator("svg[data-network] .side-label").all_text_contents()
    assert any(text.startswith("ŷ setosa = ") for text in labels) and "sepal length" in labels

    network, data = ui.state("s.network"), ui.state("s.data")
    title = page.locator("[data-boundary-title]")
    page.wait_for_function(
        "() => document.querySelector('[data-boundary-title]').textContent.startsWith('Confusion')"
    )
    outputs = httpx.post(
        f"{live_server}/api/networks/{network['id']}/predict", json={"inputs": data["inputs"]}
    ).json()["outputs"]
    right = sum(
        outputs[r].index(max(outputs[r])) == data["targets"][r].index(1.0) for r in data["val_indices"]
    )
    assert title.text_content() == f"Confusion matrix, validation rows: {right} of 30 right"
    ui.assert_no_console_errors()


def test_a_csv_of_string_labels_uploads_as_classes_the_drawing_names(ui: UI, tmp_path) -> None:
    ui.open()
    page = ui.page
    flowers = tmp_path / "flowers.csv"
    rows = [
        f"{(k % 3) * 2 + 0.1 * (k % 5)},{(k % 3) - 0.05 * (k % 7)},{('red', 'green', 'blue')[k % 3]}"
        for k in range(30)
    ]
    flowers.write_text("length,width,colour\n" + "\n".join(rows) + "\n")
    uploaded = "select[name=dataset] optgroup[label='Uploaded CSV files'] option"
    before = page.locator(uploaded).all_text_contents()  # uploads other tests left on this server
    page.locator("details.upload summary").click()
    assert page.locator("input[name=csv_standardize]").is_checked()  # standardized by default
    page.set_input_files("input[name=csv]", str(flowers))
    page.select_option("select[name=csv_task]", "regression")
    page.get_by_role("button", name="Upload CSV").click()
    page.wait_for_function("() => document.querySelector('[data-error=upload]').textContent.length > 0")
    assert ui.error("upload") == "line 2, column 3 ('colour'): 'red' is not a number"

    page.select_option("select[name=csv_task]", "auto")
    page.get_by_role("button", name="Upload CSV").click()
    page.wait_for_function("() => document.querySelector('[data-dirty]').textContent.startsWith('Uploaded')")
    assert ui.error("upload") == ""
    after = page.locator(uploaded).all_text_contents()
    assert sorted(after) == sorted([*before, "flowers.csv (30 × 2)"])
    assert page.locator("select[name=dataset] option:checked").text_content() == "flowers.csv (30 × 2)"
    description = page.locator("[data-dataset-description]").text_content()
    assert description == (
        "flowers.csv: 30 rows, length, width → blue, green, red (3 classes: blue, green, red); "
        "features standardized (mean 0, std 1)."
    )
    page.get_by_role("button", name="Build network").click()
    page.wait_for_function("() => window.backpropExplorer.getState().network?.target_names?.[0] === 'blue'")
    assert ui.state("s.network.class_names") == ["blue", "green", "red"]
    assert ui.state("s.network.activations[s.network.activations.length - 1]") == "softmax"
    labels = page.locator("svg[data-network] .side-label").all_text_contents()
    assert "ŷ blue" in labels and "ŷ red" in labels
    ui.assert_no_console_errors(allow=("422",))


def test_two_labels_say_which_one_y_1_is(ui: UI, tmp_path) -> None:
    ui.open()
    page = ui.page
    answers = tmp_path / "answers.csv"
    answers.write_text("x,answer\n" + "".join(f"{v},{'yes' if v > 0 else 'no'}\n" for v in range(-5, 6)))
    page.locator("details.upload summary").click()
    page.set_input_files("input[name=csv]", str(answers))
    page.get_by_role("button", name="Upload CSV").click()
    page.wait_for_function("() => document.querySelector('[data-dirty]').textContent.startsWith('Uploaded')")
    description = page.locator("[data-dataset-description]").text_content()
    assert description.startswith("answers.csv: 11 rows, x → answer (2 classes: y = 0 is no, y = 1 is yes)")
    ui.assert_no_console_errors()


def test_a_link_that_names_only_some_fields_takes_the_rest_from_its_dataset(ui: UI, live_server: str) -> None:
    """A hand-written link (`#ds=diabetes&lr=0.05`) gets what picking the dataset in the form
    gives for every field it leaves out: the dataset's layers and split, and its task's output
    activation and loss (linear and mse for a regression, not the default sigmoid and bce)."""
    ui.open("#ds=diabetes&lr=0.05")
    net = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()
    assert net["task"] == "regression" and net["layers"] == [10, 16, 1]
    assert net["activations"] == ["tanh", "linear"] and net["loss"] == "mse"
    assert net["validation_split"] == 0.2 and net["batch_size"] == 10
    assert net["learning_rate"] == 0.05  # what the link named
    assert ui.page.locator("select[name=loss]").input_value() == "mse"
    assert "loss=mse" in ui.page.evaluate("location.hash")  # the address now holds the whole setup
    ui.assert_no_console_errors()


def test_a_spiral_link_with_three_classes_takes_softmax_and_cross_entropy(ui: UI, live_server: str) -> None:
    """The number of classes a link names decides the spiral's task, and so its output and loss,
    as picking Classes 3 in the form does."""
    for link, classes, pair in (
        ("#ds=spiral&classes=3", 3, ["softmax", "cross_entropy"]),
        ("#ds=spiral", 1, ["sigmoid", "bce"]),
    ):
        ui.page.goto(f"{live_server}/api/health")  # a whole page load, not a change of the hash
        ui.open(link)
        net = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()
        assert net["layers"][-1] == classes and [net["activations"][-1], net["loss"]] == pair, link
        assert ui.page.locator("select[name=loss]").input_value() == pair[1]
    ui.assert_no_console_errors()


def preview_matches_pictures(ui: UI) -> None:
    """The preview canvas holds the first samples as 8×8 pictures, pixel by pixel (ink on paper)."""
    page = ui.page
    label = page.locator("[data-preview]").get_attribute("aria-label")
    assert label == "The first 60 samples as 8×8 pictures"
    width = page.evaluate("document.querySelector('[data-preview]').width")
    cell = width // 10
    inputs = ui.state("s.preview.inputs.slice(0, 20)")
    (pixels,) = canvas_pixels(ui, "[data-preview]")
    for k, sample in enumerate(inputs):
        for p, v in enumerate(sample):
            x = (k % 10) * cell + 1 + int((p % 8 + 0.5) * (cell - 2) / 8)
            y = (k // 10) * cell + 1 + int((p // 8 + 0.5) * (cell - 2) / 8)
            assert abs(pixels[4 * (y * width + x)] - round(255 * (1 - v))) <= 1, (k, p)


def test_the_digits_preview_is_pictures_on_a_link_and_after_a_resize(ui: UI) -> None:
    ui.open("#ds=digits")
    preview_matches_pictures(ui)
    ui.page.set_viewport_size({"width": 1200, "height": 800})  # the plots redraw at the new size
    ui.page.wait_for_timeout(400)  # past the resize handler's 150 ms pause
    preview_matches_pictures(ui)
    ui.assert_no_console_errors()
