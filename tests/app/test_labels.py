"""CSV uploads as a newcomer writes them, against a real server: a target column of integer or
string labels is a classification target whose label names are kept; features are standardized
by default, and a warning says when unstandardized columns differ in scale; an unnamed first
column (pandas' index) is left out; the listing shows each upload's file name and shape."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from tests.conftest import LiveServer

SPECIES = ("setosa", "versicolor", "virginica")


def upload(server: str, text: str, name: str = "data.csv", **form: str) -> httpx.Response:
    return httpx.post(
        f"{server}/api/datasets", files={"file": (name, text.encode(), "text/csv")}, data=form, timeout=30
    )


def three_clusters(labels: tuple[str, str, str], n: int = 90, seed: int = 4) -> str:
    """Three separable clusters in (a, b), one per label, rows shuffled."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [2.0, 3.5]])
    which = rng.permutation(np.arange(n) % 3)
    points = centres[which] + rng.normal(0, 0.5, (n, 2))
    rows = [f"{x:.4f},{y:.4f},{labels[k]}" for (x, y), k in zip(points, which)]
    return "a,b,label\n" + "\n".join(rows) + "\n"


def train_softmax(server: str, dataset_id: str, n_classes: int) -> tuple[dict, dict]:
    spec = {
        "layers": [2, 8, n_classes],
        "activations": ["tanh", "softmax"],
        "loss": "cross_entropy",
        "learning_rate": 0.1,
        "batch_size": 10,
        "validation_split": 0.2,
        "data": {"dataset_id": dataset_id},
    }
    created = httpx.post(f"{server}/api/networks", json=spec)
    assert created.status_code == 201, created.text
    trained = httpx.post(
        f"{server}/api/networks/{created.json()['id']}/train", json={"epochs": 60}, timeout=60
    )
    assert trained.status_code == 200, trained.text
    return created.json(), trained.json()


@pytest.mark.parametrize(
    ("labels", "classes"),
    [
        (SPECIES, list(SPECIES)),
        (("2", "0", "1"), ["0", "1", "2"]),  # integers 0…K−1: labels, in numeric order
        (("3", "1", "2"), ["1", "2", "3"]),  # 1…K as well
    ],
    ids=["strings", "integers-from-0", "integers-from-1"],
)
def test_a_label_column_is_a_classification_target_a_softmax_net_learns(
    live_server: LiveServer, labels: tuple[str, str, str], classes: list[str]
) -> None:
    text = three_clusters(labels)
    response = upload(live_server, text, name="flowers.csv")
    assert response.status_code == 201, response.text
    info = response.json()
    assert info["task"] == "multiclass"
    assert info["class_names"] == classes and info["target_names"] == classes
    shape = (info["n_samples"], info["n_features"], info["n_outputs"])
    assert info["file_name"] == "flowers.csv" and shape == (90, 2, 3)

    stored = httpx.get(f"{live_server}/api/datasets/{info['dataset_id']}").json()
    targets = np.array(stored["targets"])
    assert targets.shape == (90, 3) and (targets.sum(axis=1) == 1).all()  # one-hot rows
    first_label = text.splitlines()[1].rsplit(",", 1)[1]
    assert classes[int(targets[0].argmax())] == first_label  # row 0's one-hot names its label

    network, trained = train_softmax(live_server, info["dataset_id"], 3)
    assert network["task"] == "multiclass" and network["class_names"] == classes
    assert network["target_names"] == classes  # the output neurons are named by their labels
    last = trained["history"][-1]
    assert last["train_accuracy"] >= 0.95 and last["val_accuracy"] >= 0.9, last
    data = httpx.get(f"{live_server}/api/networks/{network['id']}/data").json()
    assert data["class_names"] == classes


def test_two_string_labels_are_one_sigmoid_output_named_by_its_labels(live_server: LiveServer) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, 60)
    rows = [f"{v:.4f},{'yes' if v > 0 else 'no'}" for v in x]
    response = upload(live_server, "x,answer\n" + "\n".join(rows) + "\n")
    assert response.status_code == 201, response.text
    info = response.json()
    assert info["task"] == "binary" and info["n_outputs"] == 1
    assert info["target_names"] == ["answer"] and info["class_names"] == ["no", "yes"]  # y = 1 is "yes"
    stored = httpx.get(f"{live_server}/api/datasets/{info['dataset_id']}").json()
    assert [row[0] for row in stored["targets"]] == [1.0 if v > 0 else 0.0 for v in x]


def test_the_task_can_be_chosen(live_server: LiveServer) -> None:
    text = three_clusters(("1", "2", "3"))
    as_numbers = upload(live_server, text, task="regression").json()
    assert as_numbers["task"] == "regression" and as_numbers["class_names"] is None
    assert as_numbers["n_outputs"] == 1 and as_numbers["target_names"] == ["label"]

    sizes = "size,rooms,price\n50,2,100\n80,3,160\n80,3,100\n"
    assert upload(live_server, sizes).json()["task"] == "regression"  # prices are not labels
    forced = upload(live_server, sizes, task="classification").json()
    assert forced["task"] == "binary" and forced["class_names"] == ["100", "160"]

    refused = upload(live_server, three_clusters(SPECIES), task="regression")
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("line 2, column 3 ('label'): ")
    assert refused.json()["detail"].endswith("is not a number")

    one = upload(live_server, "a,label\n1,cat\n2,cat\n")
    assert one.status_code == 422 and "holds one class ('cat')" in one.json()["detail"]
    bad_choice = upload(live_server, sizes, task="clustering")
    assert bad_choice.status_code == 422


def test_too_many_classes_says_what_the_labels_allow(live_server: LiveServer) -> None:
    # 300 labels are more classes than an output layer may have (max_neurons=256 by default).
    rows = "".join(f"{k},{k % 7},cls{k}\n" for k in range(300))
    text = upload(live_server, "a,b,label\n" + rows)
    assert text.status_code == 422
    assert text.json()["detail"] == (
        "the target column 'label' holds 300 different values, more classes than an output layer may "
        "have (max_neurons=256); its labels are text, not numbers, so it cannot be a regression target "
        "either: upload a target column with at most 256 different labels"
    )
    # As the message says: asked for numbers, such a column is refused.
    as_numbers = upload(live_server, "a,b,label\n" + rows, task="regression")
    assert as_numbers.status_code == 422
    assert as_numbers.json()["detail"] == "line 2, column 3 ('label'): 'cls0' is not a number"

    # Labels that are numbers may be used as numbers instead: the message says how, and it works.
    numbers = "a,b,label\n" + "".join(f"{k},{k % 7},{k}\n" for k in range(300))
    classes = upload(live_server, numbers, task="classification")
    assert classes.status_code == 422
    assert classes.json()["detail"] == (
        "the target column 'label' holds 300 different values, more classes than an output layer may "
        "have (max_neurons=256): send task=regression to use them as numbers"
    )
    assert upload(live_server, numbers, task="regression").json()["task"] == "regression"


def test_features_are_standardized_by_default_and_the_scale_is_kept(live_server: LiveServer) -> None:
    text = "area,smoothness,label\n1000,0.10,1\n1500,0.08,0\n500,0.12,1\n2000,0.09,0\n"
    info = upload(live_server, text).json()
    assert info["standardized"] is True and info["warnings"] == []
    assert info["means"] == [1250.0, 0.0975]
    stored = np.array(httpx.get(f"{live_server}/api/datasets/{info['dataset_id']}").json()["inputs"])
    assert np.allclose(stored.mean(axis=0), 0) and np.allclose(stored.std(axis=0), 1)
    raw = stored * np.array(info["stds"]) + np.array(info["means"])  # reversible
    assert np.allclose(raw, [[1000, 0.10], [1500, 0.08], [500, 0.12], [2000, 0.09]])

    kept = upload(live_server, text, standardize="false").json()
    assert kept["standardized"] is False and kept["means"] is None
    (warning,) = kept["warnings"]
    ratio = np.std([1000, 1500, 500, 2000]) / np.std([0.10, 0.08, 0.12, 0.09])  # 37,796
    assert f"differ in scale by a factor of {ratio:,.0f}" in warning and "'area'" in warning
    assert "standardize=true" in warning


def test_an_unnamed_first_column_is_an_index_left_out_unless_kept(live_server: LiveServer) -> None:
    text = ",a,b,label\n0,1.5,2,x\n1,0.5,1,y\n2,2.5,0,x\n"  # pandas' to_csv writes this
    info = upload(live_server, text).json()
    assert info["index_column"] == "" and info["feature_names"] == ["a", "b"]
    assert info["class_names"] == ["x", "y"]
    kept = upload(live_server, text, index_column="keep").json()
    assert kept["index_column"] is None and kept["feature_names"] == ["column 1", "a", "b"]
    named = upload(live_server, "id,a,label\n7,1,0\n8,2,1\n", index_column="ignore").json()
    assert named["index_column"] == "id" and named["feature_names"] == ["a"]


def test_the_listing_shows_each_uploads_file_name_and_shape(live_server: LiveServer) -> None:
    created = upload(live_server, three_clusters(SPECIES, n=30), name="C:\\Users\\me\\iris small.csv").json()
    assert created["file_name"] == "iris small.csv"  # the name, not the folder it came from
    listed: list[dict] = []
    total = 1
    while len(listed) < total:  # every page: other tests upload too
        page = httpx.get(f"{live_server}/api/datasets", params={"limit": 100, "offset": len(listed)}).json()
        listed, total = listed + page["datasets"], page["total"]
    (entry,) = [d for d in listed if d["dataset_id"] == created["dataset_id"]]
    assert (entry["file_name"], entry["n_samples"], entry["n_features"], entry["n_outputs"]) == (
        "iris small.csv",
        30,
        2,
        3,
    )
    assert entry["class_names"] == sorted(SPECIES) and "inputs" not in entry
