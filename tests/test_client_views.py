"""The Python client's data and pictures against a real server: a CSV uploaded and listed with
its labels, file name and shape; layers numbered as on the page; and a network that draws
itself in a notebook as a static SVG of the server's numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from backprop_explorer import Client, ConflictError
from tests.conftest import LiveServer

SVG = "{http://www.w3.org/2000/svg}"
MAZUR = {
    "layers": [2, 2, 2],
    "activations": ["sigmoid", "sigmoid"],
    "loss": "half_sse",
    "learning_rate": 0.5,
    "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
    "biases": [[0.35, 0.35], [0.60, 0.60]],
    "trainable": {"weights": True, "biases": False},
}


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[Client]:
    with Client(live_server.url) as client:
        yield client


def test_upload_csv_keeps_the_labels_and_lists_the_file(api: Client, tmp_path: Path) -> None:
    path = tmp_path / "fruit.csv"
    rows = [f"{i},{(i * 7) % 5 + 0.5 * (i % 3)},{('apple', 'pear', 'plum')[i % 3]}" for i in range(30)]
    path.write_text(",weight,sweetness,kind\n" + "\n".join(f"{i},{r}" for i, r in enumerate(rows)) + "\n")
    info = api.upload_csv(path, features=["weight", "sweetness"], targets=["kind"])
    assert (info.file_name, info.shape, info.n_outputs, info.task) == ("fruit.csv", (30, 2), 3, "multiclass")
    assert info.class_names == ["apple", "pear", "plum"] and info.target_names == info.class_names
    assert info.raw["index_column"] == "" and info.standardized and info.means is not None
    assert info.inputs is None  # the upload's answer carries no rows
    stored = api.dataset(info.dataset_id)
    assert stored.inputs is not None and stored.inputs.shape == (30, 2)
    assert np.allclose(stored.inputs.mean(axis=0), 0) and stored.targets is not None
    assert stored.targets.shape == (30, 3) and (stored.targets.sum(axis=1) == 1).all()
    assert info.dataset_id in [d.dataset_id for d in api.datasets()]

    net = api.create(
        {
            "layers": [2, 6, 3],
            "activations": ["tanh", "softmax"],
            "loss": "cross_entropy",
            "learning_rate": 0.1,
            "data": {"dataset_id": info.dataset_id},
        }
    )
    assert net.info.class_names == ["apple", "pear", "plum"] and net.info.target_names == info.class_names
    assert net.info.feature_names == ["weight", "sweetness"]
    data = net.data()
    assert data.class_names == info.class_names and data.image_shape is None
    with pytest.raises(ConflictError) as refused:
        api.delete_dataset(info.dataset_id)  # a network uses it
    said = f"upload {info.dataset_id!r} is used by 1 network: delete it first (My networks)"
    assert said in str(refused.value)
    net.delete()
    api.delete_dataset(info.dataset_id)
    assert info.dataset_id not in [d.dataset_id for d in api.datasets()]

    kept = api.upload_csv(
        path, features=["column 1", "weight"], targets=["sweetness"], standardize=False, index_column="keep"
    )
    assert kept.feature_names == ["column 1", "weight"] and kept.task == "regression"
    assert not kept.standardized and kept.means is None and kept.class_names is None


def test_layers_are_numbered_as_on_the_page(api: Client) -> None:
    net = api.create(MAZUR)
    forward = net.forward([[0.05, 0.10]])
    net.loss([[0.01, 0.99]])
    backward = net.backward()
    update = net.update()
    assert backward.layer(2) is backward.layers[1] and forward.layer(1).index == 1
    assert backward.layer(2).dL_dW[0, 0] == pytest.approx(0.082167041, abs=1e-9)  # ∂E/∂w5
    assert update.layer(1).W_new[0, 0] == pytest.approx(0.149780716, abs=1e-9)  # w1+
    assert np.array_equal(net.refresh().parameters.W(2), update.layer(2).W_new)
    assert np.array_equal(net.parameters.b(1), [0.35, 0.35])
    with pytest.raises(IndexError, match="layer 0 is the inputs"):
        backward.layer(0)
    with pytest.raises(IndexError, match="no layer 3"):
        net.parameters.W(3)


def svg_of(html: str) -> ET.Element:
    start = html.index("<svg")
    return ET.fromstring(html[start:])


def test_a_network_draws_itself_as_a_static_svg_of_its_values(api: Client) -> None:
    net = api.create(MAZUR)
    html = net._repr_html_()
    assert "<script" not in html and "javascript:" not in html and "<style" not in html
    root = svg_of(html)
    edges = root.findall(f".//{SVG}line")
    assert len(edges) == 2 * 2 + 2 * 2
    for edge in edges:
        l, j, i = (int(edge.get(k)) for k in ("data-layer", "data-j", "data-i"))
        w = MAZUR["weights"][l - 1][j][i]
        assert edge.get("stroke") == ("#2166ac" if w > 0 else "#e66101")
        # Layers named as the page's drawing titles its columns: layer 1 is Hidden 1, 2 the Output.
        assert edge.find(f"{SVG}title").text == f"w{j + 1},{i + 1} of {('Hidden 1', 'Output')[l - 1]} = {w!r}"
    biases = {b.find(f"{SVG}title").text for b in root.findall(f".//{SVG}rect[@class='bias']")}
    assert biases == {
        "b1 of Hidden 1 = 0.35",
        "b2 of Hidden 1 = 0.35",
        "b1 of Output = 0.6",
        "b2 of Output = 0.6",
    }
    neurons = [c.find(f"{SVG}title").text for c in root.findall(f".//{SVG}circle[@class='neuron']")]
    assert neurons == [
        "input 1",
        "input 2",
        "neuron 1 of Hidden 1",
        "neuron 2 of Hidden 1",
        "output neuron ŷ y1",
        "output neuron ŷ y2",
    ]
    assert not any("layer" in (e.text or "") + (e.get("aria-label") or "") for e in root.iter())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Input" in texts and "Hidden 1" in texts and "Output" in texts and "ŷ y1" in texts
    assert not any(t and t.startswith("0.59") for t in texts)  # no activations before a forward pass

    forward = net.forward([[0.05, 0.10]])
    root = svg_of(net._repr_html_())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "0.5933" in texts and "0.7514" in texts  # out_h1 and out_o1, to the page's 4 digits
    neurons = [c.find(f"{SVG}title").text for c in root.findall(f".//{SVG}circle[@class='neuron']")]
    assert neurons[0] == "input 1: x = 0.05" and neurons[2].startswith("neuron 1 of Hidden 1: a = 0.5932")
    assert neurons[4].startswith("output neuron ŷ y1: a = 0.7513")
    assert forward.layer(2).a[0, 0] == pytest.approx(0.75136507, abs=1e-8)

    net.loss([[0.01, 0.99]])
    net.backward()
    net.update()  # the pass ran on the old weights: no longer drawn
    root = svg_of(net._repr_html_())
    assert "0.5933" not in [t.text for t in root.iter(f"{SVG}text")]
    w5 = root.find(f".//{SVG}line[@data-layer='2'][@data-j='0'][@data-i='0']")
    assert w5.find(f"{SVG}title").text.startswith("w1,1 of Output = 0.3589164")  # w5 after the update


def test_a_wide_layer_is_folded_as_on_the_page(api: Client) -> None:
    net = api.create({"layers": [3, 40, 1], "activations": ["relu", "sigmoid"], "loss": "bce"})
    root = svg_of(net._repr_html_())
    assert len(root.findall(f".//{SVG}circle")) == 3 + 16 + 1
    assert "⋮ 24 more" in [t.text for t in root.iter(f"{SVG}text")]
    assert len(root.findall(f".//{SVG}line")) == 3 * 16 + 16
