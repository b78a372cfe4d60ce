"""The real datasets shipped with the package, against a real server: listed in the catalog with
their source and licence, read offline from the package, and learned by small networks to the
accuracy docs/api.md states."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.conftest import ROOT, LiveServer

REAL = ("iris", "wine", "breast_cancer", "digits", "diabetes")
DATA = ROOT / "app" / "realdata"


def rows(name: str) -> list[str]:
    """The lines of a shipped file, decompressed."""
    data = (DATA / name).read_bytes()
    return (gzip.decompress(data) if name.endswith(".gz") else data).decode().splitlines()


def train(server: str, spec: dict, epochs: int) -> tuple[dict, dict]:
    created = httpx.post(f"{server}/api/networks", json=spec)
    assert created.status_code == 201, created.text
    trained = httpx.post(
        f"{server}/api/networks/{created.json()['id']}/train", json={"epochs": epochs}, timeout=120
    )
    assert trained.status_code == 200, trained.text
    return created.json(), trained.json()["history"][-1]


def classifier(name: str, layers: list[int]) -> dict:
    binary = layers[-1] == 1
    return {
        "layers": layers,
        "activations": ["tanh", "sigmoid" if binary else "softmax"],
        "loss": "bce" if binary else "cross_entropy",
        "learning_rate": 0.1,
        "batch_size": 10,
        "validation_split": 0.2,
        "data": {"generator": name},
    }


def test_the_catalog_lists_each_real_dataset_with_its_source_and_licence(live_server: LiveServer) -> None:
    catalog = httpx.get(f"{live_server}/api/catalog").json()
    real = {d["name"]: d for d in catalog["datasets"] if d["kind"] == "real"}
    assert tuple(real) == REAL
    shapes = {name: (d["n_samples"], d["n_features"], d["n_outputs"], d["task"]) for name, d in real.items()}
    assert shapes == {
        "iris": (150, 4, 3, "multiclass"),
        "wine": (178, 13, 3, "multiclass"),
        "breast_cancer": (569, 30, 1, "binary"),
        "digits": (1797, 64, 10, "multiclass"),
        "diabetes": (442, 10, 1, "regression"),
    }
    assert real["iris"]["class_names"] == ["setosa", "versicolor", "virginica"]
    assert real["breast_cancer"]["class_names"] == ["malignant", "benign"]
    assert real["digits"]["image_shape"] == [8, 8] and real["iris"]["image_shape"] is None
    notes = (DATA / "README.md").read_text(encoding="utf-8")
    for d in real.values():
        assert not d["uses_n_noise"] and d["license"] and d["source"].startswith("https://")
        doi = re.search(r"https://doi\.org/\S+", d["citation"])
        assert doi and doi.group(0) in notes, d["name"]  # the citation is in the notes beside the files
    generated = [d for d in catalog["datasets"] if d["kind"] == "generated"]
    assert {"xor", "moons", "house_prices"} <= {d["name"] for d in generated}


def test_the_shipped_files_are_scikit_learns_rows(live_server: LiveServer) -> None:
    """Each file's rows arrive as the network's data: iris's first flower, digits' first picture."""
    iris = httpx.post(f"{live_server}/api/datasets/preview", json={"generator": "iris"}).json()
    raw = np.loadtxt(rows("iris.csv")[1:], delimiter=",")
    standardized = (raw[:, :4] - raw[:, :4].mean(axis=0)) / raw[:, :4].std(axis=0)
    assert np.allclose(iris["inputs"], standardized, atol=1e-12)
    assert [row.index(1.0) for row in iris["targets"]] == raw[:, 4].astype(int).tolist()
    assert iris["feature_names"][0] == "sepal length"
    assert iris["target_names"] == ["setosa", "versicolor", "virginica"]

    digits = httpx.post(f"{live_server}/api/datasets/preview", json={"generator": "digits", "n": 3}).json()
    pixels = np.loadtxt(rows("digits.csv.gz"), delimiter=",")
    assert len(digits["inputs"]) == 1797  # n does not apply: every row is used
    assert np.array_equal(np.array(digits["inputs"]) * 16, pixels[:, :64])
    assert digits["image_shape"] == [8, 8] and digits["class_names"] == [str(k) for k in range(10)]


@pytest.mark.parametrize(
    ("name", "layers", "epochs", "accuracy"),
    [
        ("iris", [4, 8, 3], 100, 0.9),
        ("wine", [13, 16, 3], 100, 0.9),
        ("breast_cancer", [30, 16, 1], 100, 0.9),
        ("digits", [64, 32, 10], 30, 0.9),
    ],
)
def test_a_real_dataset_trains_to_the_stated_accuracy(
    live_server: LiveServer, name: str, layers: list[int], epochs: int, accuracy: float
) -> None:
    network, last = train(live_server, classifier(name, layers), epochs)
    (listed,) = [d for d in httpx.get(f"{live_server}/api/catalog").json()["datasets"] if d["name"] == name]
    assert network["class_names"] == listed["class_names"] and network["task"] == listed["task"]
    assert last["val_accuracy"] >= accuracy and last["train_accuracy"] >= accuracy, last


def test_diabetes_learns_and_answers_in_its_own_units(live_server: LiveServer) -> None:
    spec = {
        "layers": [10, 16, 1],
        "activations": ["tanh", "linear"],
        "loss": "mse",
        "learning_rate": 0.01,
        "batch_size": 10,
        "validation_split": 0.2,
        "data": {"generator": "diabetes"},
    }
    network, last = train(live_server, spec, 100)
    assert last["val_loss"] < 0.6, last  # R² above 0.4 on standardized targets
    data = httpx.get(f"{live_server}/api/networks/{network['id']}/data").json()
    targets = np.loadtxt(rows("diabetes_target.csv.gz"))
    in_units = np.array(data["targets"])[:, 0] * data["target_std"][0] + data["target_mean"][0]
    assert np.allclose(in_units, targets) and network["target_mean"] == data["target_mean"]


def test_engineered_features_are_refused_on_real_data(live_server: LiveServer) -> None:
    spec = {**classifier("iris", [2, 8, 3]), "features": ["x1", "x2"]}
    response = httpx.post(f"{live_server}/api/networks", json=spec)
    assert response.status_code == 422 and "'iris' makes 4 column(s)" in response.json()["detail"]


def test_every_shipped_file_is_named_in_the_notes() -> None:
    notes = (DATA / "README.md").read_text(encoding="utf-8")
    files = [p.name for p in DATA.iterdir() if p.suffix in (".csv", ".gz")]
    assert len(files) == 6 and all(f"`{name}`" in notes for name in files)
    assert "BSD 3-Clause" in Path(DATA / "LICENSE-scikit-learn").read_text()
