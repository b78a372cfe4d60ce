"""The Python client (``from backprop_explorer import Client``) and the examples built on it,
against a real uvicorn server."""

from __future__ import annotations

import base64
import math
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest

from backprop_explorer import ApiError, Client, Network
from backprop_explorer.analysis import decode_map
from backprop_explorer.results import HistoryEntry
from tests.conftest import ROOT, LiveServer, start_server, stop_server

EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
W_MAZUR = [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]
B_MAZUR = [[0.35, 0.35], [0.60, 0.60]]
MAZUR = {
    "layers": [2, 2, 2],
    "activations": ["sigmoid", "sigmoid"],
    "loss": "half_sse",
    "learning_rate": 0.5,
    "weights": W_MAZUR,
    "biases": B_MAZUR,
    "trainable": {"weights": True, "biases": False},
}
X, Y = [0.05, 0.10], [0.01, 0.99]
XOR = {
    "layers": [2, 4, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "learning_rate": 0.5,
    "init": {"method": "xavier", "seed": 0},
    "data": {"generator": "xor"},
    "batch_size": 2,
}
MOONS = {
    "layers": [2, 5, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "learning_rate": 0.2,
    "data": {"generator": "moons", "n": 60, "noise": 0.1, "seed": 4},
    "batch_size": 8,
    "validation_split": 0.25,
}


@pytest.fixture
def api(live_server: LiveServer):
    with Client(live_server.url) as client:
        yield client


@dataclass
class ByHand:
    z: list[list[float]]
    a: list[list[float]]
    E: float
    dE_da: list[float]
    delta: list[list[float]]
    dW: list[list[list[float]]]
    W_new: list[list[list[float]]]


def mazur_by_hand() -> ByHand:
    """The worked example in plain Python, one scalar at a time, as the blog post writes it."""

    def sigmoid(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    (W1, W2), (b1, b2), eta = W_MAZUR, B_MAZUR, 0.5
    z1 = [sum(W1[j][i] * X[i] for i in range(2)) + b1[j] for j in range(2)]
    a1 = [sigmoid(z) for z in z1]
    z2 = [sum(W2[k][j] * a1[j] for j in range(2)) + b2[k] for k in range(2)]
    a2 = [sigmoid(z) for z in z2]
    E = sum(0.5 * (Y[k] - a2[k]) ** 2 for k in range(2))
    dE_da2 = [a2[k] - Y[k] for k in range(2)]
    d2 = [dE_da2[k] * a2[k] * (1 - a2[k]) for k in range(2)]
    dW2 = [[d2[k] * a1[j] for j in range(2)] for k in range(2)]
    d1 = [sum(W2[k][j] * d2[k] for k in range(2)) * a1[j] * (1 - a1[j]) for j in range(2)]
    dW1 = [[d1[j] * X[i] for i in range(2)] for j in range(2)]
    W2_new = [[W2[k][j] - eta * dW2[k][j] for j in range(2)] for k in range(2)]
    W1_new = [[W1[j][i] - eta * dW1[j][i] for i in range(2)] for j in range(2)]
    return ByHand([z1, z2], [a1, a2], E, dE_da2, [d1, d2], [dW1, dW2], [W1_new, W2_new])


def test_the_worked_example_phase_by_phase_to_1e_12(api: Client) -> None:
    expected = mazur_by_hand()
    net = api.create(MAZUR)
    assert isinstance(net, Network) and net.info.phase == "ready"
    assert [w.shape for w in net.parameters.weights] == [(2, 2), (2, 2)]

    forward = net.forward([X])
    assert isinstance(forward.output, np.ndarray) and forward.output.dtype == np.float64
    for layer, z, a in zip(forward.layers, expected.z, expected.a):
        np.testing.assert_allclose(layer.z, [z], rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer.a, [a], rtol=0, atol=1e-12)

    loss = net.loss(np.array([Y]))
    assert abs(loss.loss - expected.E) < 1e-12
    assert round(loss.loss, 9) == 0.298371109  # the published figure
    np.testing.assert_allclose(loss.dL_da, [expected.dE_da], rtol=0, atol=1e-12)

    backward = net.backward()
    assert [layer.index for layer in backward.layers] == [1, 2]
    for layer, delta, dW in zip(backward.layers, expected.delta, expected.dW):
        np.testing.assert_allclose(layer.dL_dz, [delta], rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer.dL_dW, dW, rtol=0, atol=1e-12)
        assert layer.da_dz is not None and layer.da_dz.shape == (1, 2)

    update = net.update()
    for layer, W_new in zip(update.layers, expected.W_new):
        np.testing.assert_allclose(layer.W_new, W_new, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(layer.b_new, layer.b_old)  # biases frozen
    w5, w1 = update.layers[1].W_new[0, 0], update.layers[0].W_new[0, 0]
    assert round(float(w5), 8) == 0.35891648 and round(float(w1), 9) == 0.149780716
    assert update.step == 1 and net.refresh().step == 1
    np.testing.assert_array_equal(net.parameters.weights[1], update.layers[1].W_new)


def test_step_returns_the_four_phases_of_the_same_numbers(api: Client) -> None:
    by_phase = api.create(MAZUR)
    by_phase.forward([X]), by_phase.loss([Y]), by_phase.backward()
    phased = by_phase.update()
    step = api.create(MAZUR).step([X], [Y])
    assert abs(step.loss.loss - mazur_by_hand().E) < 1e-12
    for a, b in zip(step.update.layers, phased.layers):
        np.testing.assert_array_equal(a.W_new, b.W_new)
        np.testing.assert_array_equal(a.step_W, b.step_W)


def test_errors_carry_the_status_code_and_the_servers_detail_and_code(
    api: Client, live_server: LiveServer
) -> None:
    net = api.create(MAZUR)
    with pytest.raises(ApiError) as out_of_order:
        net.backward()
    # The same request as the client's owner (its networks are its own).
    answer = httpx.post(
        f"{live_server}/api/networks/{net.id}/backward", json={}, headers={"X-Owner-Key": api.owner_key}
    )
    assert out_of_order.value.status_code == answer.status_code == 409
    assert out_of_order.value.detail == answer.json()["detail"] and "forward" in out_of_order.value.detail
    assert out_of_order.value.code == answer.json()["code"] == "phase_order"

    with pytest.raises(ApiError) as unknown:
        api.network("no-such-network")
    assert unknown.value.status_code == 404 and isinstance(unknown.value.detail, str)
    assert unknown.value.code == "network_not_found"

    with pytest.raises(ApiError) as invalid:
        api.create({**MAZUR, "loss": "no_such_loss"})
    assert invalid.value.status_code == 422 and invalid.value.code == "validation_error"

    limit = api.catalog()["limits"]["max_epochs"]
    for on_epoch in (None, print):  # refused before training starts, streamed or not
        with pytest.raises(ApiError) as too_many:
            net.train(limit + 1, on_epoch=on_epoch)
        assert too_many.value.status_code == 413 and not too_many.value.streamed
        assert too_many.value.code == "too_large"
    with pytest.raises(ApiError) as no_data:  # refused once the stream began: its error event
        net.train(3, on_epoch=print)
    assert no_data.value.streamed and no_data.value.status_code == 200
    assert no_data.value.code == "invalid_input" and "no training data" in no_data.value.detail

    net.delete()
    with pytest.raises(ApiError) as gone:
        net.refresh()
    assert gone.value.status_code == 404 and gone.value.code == "network_not_found"


def test_train_and_history(api: Client, live_server: LiveServer) -> None:
    net = api.create(MOONS)
    seen: list[HistoryEntry] = []
    streamed = net.train(6, on_epoch=seen.append)
    plain = net.train(4)
    assert streamed.epochs_run == 6 and plain.epochs_run == 4 and streamed.diverged is None
    assert [entry.epoch for entry in seen] == [1, 2, 3, 4, 5, 6]
    assert net.info.epoch == 10 == plain.network.epoch

    history = net.history()
    raw = api.http.get(f"/api/networks/{net.id}/history").json()  # as the client's owner
    assert len(history.epochs) == 10
    np.testing.assert_array_equal(history.epochs.epoch, np.arange(1, 11))
    np.testing.assert_array_equal(history.epochs.train_loss, [e["train_loss"] for e in raw["history"]])
    np.testing.assert_array_equal(history.epochs.val_accuracy, [e["val_accuracy"] for e in raw["history"]])
    assert history.epochs.grad_norms.shape == (10, 2)
    np.testing.assert_array_equal(history.epochs.grad_norms[:6], [e.grad_norms for e in seen])
    np.testing.assert_array_equal(streamed.history.train_loss, [e.train_loss for e in seen])
    np.testing.assert_array_equal(plain.history.val_loss, history.epochs.val_loss[6:])
    assert history.epochs.train_loss[-1] < history.epochs.train_loss[0]

    batches = math.ceil(45 / 8)  # 60 samples, a quarter held out
    assert len(history.step_loss) == 10 * batches
    np.testing.assert_array_equal(history.step, np.arange(1, 10 * batches + 1))
    np.testing.assert_array_equal(history.step_loss, [s["loss"] for s in raw["steps"]])
    later = net.history(since_step=int(history.step[-3]))
    np.testing.assert_array_equal(later.step_loss, history.step_loss[-2:])

    epoch = net.epoch()
    assert epoch.epochs_run == 1 and epoch.history[0].epoch == 11 and net.info.epoch == 11


def test_leaving_a_streamed_train_stops_it_and_keeps_its_epochs(api: Client) -> None:
    net = api.create({**MOONS, "data": {"generator": "moons", "n": 2000, "noise": 0.1, "seed": 3},
                      "batch_size": 1})  # fmt: skip

    def interrupt(entry: HistoryEntry) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        net.train(5000, on_epoch=interrupt)
    # The server notices the closed stream after its current epoch and saves what it trained;
    # the next request on the network waits for that.
    net.step()
    assert 1 <= net.refresh().epoch < 5000
    assert len(net.history().epochs) == net.info.epoch


def test_regression_history_has_no_accuracy(api: Client) -> None:
    net = api.create({"layers": [1, 4, 1], "activations": ["tanh", "linear"], "loss": "mse",
                      "data": {"generator": "sine", "n": 20, "seed": 1}, "batch_size": 5})  # fmt: skip
    result = net.train(3)
    assert np.isnan(result.history.train_accuracy).all() and np.isnan(result.history.val_loss).all()
    assert np.isfinite(result.history.train_loss).all()


def test_set_parameters_predict_and_gradcheck(api: Client) -> None:
    net = api.create({**XOR, "data": None, "layers": [2, 3, 1]})
    rng = np.random.default_rng(7)
    weights = [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))]
    biases = [rng.normal(size=3), rng.normal(size=1)]
    info = net.set_parameters(weights, biases)
    for sent, stored in zip(weights, info.parameters.weights):
        np.testing.assert_array_equal(stored, sent)  # floats survive JSON exactly

    inputs = rng.uniform(-1, 1, size=(5, 2))
    prediction = net.predict(inputs)
    hidden = np.tanh(inputs @ weights[0].T + biases[0])
    output = 1 / (1 + np.exp(-(hidden @ weights[1].T + biases[1])))
    np.testing.assert_allclose(prediction.outputs, output, rtol=1e-13)
    np.testing.assert_allclose(prediction.activations[0], hidden, rtol=1e-13)
    assert prediction.axes is None and prediction.maps is None

    grid = net.predict(grid={"resolution": 7})
    assert grid.axes is not None and grid.axes[0].shape == (7,) and grid.outputs.shape == (49, 1)
    assert [a.shape for a in grid.activations] == [(49, 3), (49, 1)]

    check = net.gradcheck(inputs, np.ones((5, 1)))
    assert check.passed and check.max_rel_error < check.tolerance
    assert check.layers[0].numeric_W.shape == (3, 2)
    np.testing.assert_allclose(check.layers[1].numeric_W, check.layers[1].backprop_W, rtol=1e-6, atol=1e-9)


def test_rows_in_the_datas_units_and_a_stop_at_full_accuracy(api: Client) -> None:
    net = api.create({"layers": [4, 5, 3], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
                      "data": {"generator": "iris"}})  # fmt: skip
    scale = net.refresh().raw
    in_cm = net.data().inputs[:2] * scale["feature_std"] + np.array(scale["feature_mean"])
    prediction = net.predict(in_cm, units="data")
    np.testing.assert_allclose(prediction.raw["inputs"], net.data().inputs[:2], rtol=1e-12)
    assert prediction.data_outputs is not None  # classes: the outputs themselves
    np.testing.assert_array_equal(prediction.data_outputs, prediction.outputs)
    assert net.forward(in_cm, units="data").raw["data_inputs"] == in_cm.tolist()

    xor = api.create({"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                      "learning_rate": 0.5, "batch_size": 1, "data": {"generator": "xor"}})  # fmt: skip
    result = xor.train(200, stop_at_accuracy=1.0)
    assert (result.epochs_run, result.stopped_early, result.stopped_by) == (35, True, "train_accuracy")
    assert result.history.train_accuracy[-1] == 1.0 and (result.history.train_accuracy[:-1] < 1).all()


def test_compact_maps_decode_neuron_major_to_points_by_neurons() -> None:
    # A compact grid answer as the API contract spells it: per layer, each neuron's bytes in
    # turn (neuron-major), scaled to that neuron's [min, max].
    rng = np.random.default_rng(3)
    a = rng.uniform(-2, 2, size=(9, 3))  # 9 grid points, 3 neurons
    low, high = a.min(axis=0), a.max(axis=0)
    codes = np.rint((a - low) / (high - low) * 255).astype(np.uint8)
    layer = {"index": 1, "min": low.tolist(), "max": high.tolist(),
             "data": base64.b64encode(codes.T.tobytes()).decode()}  # fmt: skip
    decoded = decode_map(layer)
    assert decoded.shape == (9, 3)
    np.testing.assert_allclose(decoded, a, rtol=0, atol=((high - low) / 510).max() + 1e-15)
    np.testing.assert_array_equal(decoded.min(axis=0), low)
    np.testing.assert_array_equal(decoded.max(axis=0), high)


def test_configure_reset_export_import(api: Client) -> None:
    net = api.create(XOR)
    initial = net.info.parameters
    net.train(5)
    assert net.configure(learning_rate=0.05).learning_rate == 0.05

    document = net.export()
    copy = api.import_network(document)
    assert copy.id != net.id and copy.info.epoch == 5 and copy.info.learning_rate == 0.05
    for a, b in zip(copy.parameters.weights, net.parameters.weights):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(copy.history().epochs.train_loss, net.history().epochs.train_loss)
    # Both continue identically: the optimizer state and data cursor came along.
    np.testing.assert_array_equal(copy.step().update.layers[0].W_new, net.step().update.layers[0].W_new)

    reset = net.reset()
    assert reset.epoch == 0 and reset.step == 0 and len(net.history().epochs) == 0
    for a, b in zip(reset.parameters.weights, initial.weights):
        np.testing.assert_array_equal(a, b)
    assert any(summary["id"] == copy.id for summary in api.networks())
    assert api.health()["status"] == "ok" and "limits" in api.catalog()


def run_example(path: Path, server: LiveServer, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(path), server.url, *args],
        cwd=ROOT.parent,  # not the checkout: the example finds the installed package
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_runs_against_a_live_server(path: Path, live_server: LiveServer) -> None:
    assert "from backprop_explorer import" in path.read_text()  # built on the client
    assert run_example(path, live_server).strip()


def test_the_mazur_example_prints_the_published_figures(live_server: LiveServer) -> None:
    out = run_example(ROOT / "examples" / "mazur_worked_example.py", live_server)
    assert "E = 0.298371109" in out
    assert "w5 = 0.35891648" in out and "w1 = 0.149780716" in out


def test_the_training_example_prints_the_servers_loss_per_epoch(live_server: LiveServer) -> None:
    out = run_example(ROOT / "examples" / "train_loss_per_epoch.py", live_server, "--epochs", "7")
    found = re.search(r"network (\S+):", out)
    assert found, out
    network_id = found.group(1)
    printed = [float(x) for x in re.findall(r"train loss (\S+)", out)]
    # The printed link carries the share key: with it, anyone may read the script's network.
    link = re.search(r"see it: (\S+)", out)
    assert link and f"/#net={network_id}&share=" in link.group(1), out
    share = {"X-Share-Key": link.group(1).rsplit("share=", 1)[1]}
    stranger = {"X-Owner-Key": "another-owner-0123456789"}
    url = f"{live_server}/api/networks/{network_id}/history"
    assert httpx.get(url, headers=stranger).status_code == 404
    stored = httpx.get(url, headers={**stranger, **share}).json()["history"]
    assert len(printed) == len(stored) == 7
    np.testing.assert_allclose(printed, [e["train_loss"] for e in stored], rtol=0, atol=5e-7)


def test_networks_lists_every_page(tmp_path: Path) -> None:
    """The server pages its list (100 by default); the client's list is every network."""
    server = start_server(tmp_path / "paged.db")
    try:
        with Client(server.url) as client:
            ids = [client.create({"layers": [2, 1]}).id for _ in range(105)]
            listed = [summary["id"] for summary in client.networks()]
            first_page = client.request("GET", "/api/networks")
    finally:
        stop_server(server)
    assert len(first_page["networks"]) == 100 and first_page["total"] == 105
    assert len(listed) == 105 and set(listed) == set(ids)  # none missing, none twice


def test_snapshots_and_the_network_carry_the_cursor_and_the_epoch_s_end(api: Client) -> None:
    """Each snapshot's ``cursor`` and ``epoch_end_step``, and the network's ``epoch_end_step``,
    are the server's counters: an epoch's end, an update of the next epoch (the cursor one batch
    on), and an update on a chosen row after it (the cursor where it was)."""
    net = api.create(MOONS)  # 45 training rows in batches of 8: 6 updates an epoch
    assert net.info.epoch_end_step == 0
    net.train(1)
    net.step()
    net.step(indices=[3])
    info = net.refresh()
    assert (info.epoch, info.step, info.epoch_end_step) == (1, 8, 6)
    assert info.epoch_end_step == info.raw["epoch_end_step"]
    kept = net.snapshots()
    first, epoch_1, update, chosen = kept[0], kept[-3], kept[-2], kept[-1]
    assert (first.kind, first.step, first.cursor, first.epoch_end_step) == ("epoch", 0, 0, 0)
    assert (epoch_1.kind, epoch_1.step, epoch_1.cursor, epoch_1.epoch_end_step) == ("epoch", 6, 0, 6)
    assert (update.kind, update.step, update.cursor, update.epoch_end_step) == ("step", 7, 8, 6)
    assert (chosen.kind, chosen.step, chosen.cursor, chosen.epoch_end_step) == ("step", 8, 8, 6)
    listed = api.request("GET", f"/api/networks/{net.id}/snapshots")["snapshots"]
    assert [(s.cursor, s.epoch_end_step) for s in kept] == [
        (s["cursor"], s["epoch_end_step"]) for s in listed
    ]
    preview = net.snapshot(step=7)
    assert (preview.snapshot.cursor, preview.snapshot.epoch_end_step) == (8, 6)
    assert preview.network.epoch_end_step == 6 and preview.network.step == 7


def test_timeline_preview_rewind_and_replay(api: Client) -> None:
    net = api.create(MOONS)
    net.train(2)
    net.step()
    now = net.refresh()
    kept = net.snapshots()
    assert [(s.kind, s.epoch) for s in kept if s.kind == "epoch"][-2:] == [("epoch", 1), ("epoch", 2)]
    assert kept[-1].kind == "step" and kept[-1].step == now.step
    assert kept[-1].settings["learning_rate"] == now.learning_rate  # what that update ran with

    # The rest of the run from epoch 1, recorded, then replayed after a rewind.
    after_epoch_1 = net.snapshot(epoch=1)
    assert after_epoch_1.network.epoch == 1 and 0 < after_epoch_1.network.step < now.step
    later = now.step - after_epoch_1.network.step
    assert (after_epoch_1.drops_updates, after_epoch_1.drops_epochs) == (later, 1)
    final = net.export()["parameters"]
    rewound = net.rewind(epoch=1)
    for got, want in zip(rewound.parameters.weights, after_epoch_1.network.parameters.weights, strict=True):
        np.testing.assert_array_equal(got, want)
    grid = {"resolution": 5}
    at_snapshot = net.predict(grid=grid, snapshot={"epoch": 1}).outputs
    np.testing.assert_array_equal(net.predict(grid=grid).outputs, at_snapshot)
    net.train(1)
    net.step()
    assert net.export()["parameters"] == final
    with pytest.raises(TypeError):
        net.rewind()


def test_landscape_slope_and_gradient_shares_match_the_backward_pass(api: Client) -> None:
    net = api.create({**MOONS, "validation_split": 0.0})
    net.forward()
    net.loss()
    backward = net.backward()
    weight = {"layer": 1, "name": "W", "index": [2, 1]}
    along = net.landscape([weight], points=41, radius=1e-3, data="batch")
    assert along.loss.shape == (41,) and along.trajectory_values.shape[1] == 1
    # The curve's central difference at the middle point is the backward pass's ∂L/∂w.
    slope = (along.loss[21] - along.loss[19]) / (along.axes[0][21] - along.axes[0][19])
    dL_dW = backward.layers[0].dL_dW[2, 1]
    assert along.gradient[0] == pytest.approx(dL_dW, rel=1e-12)
    assert slope == pytest.approx(dL_dW, rel=1e-5, abs=1e-9)

    shares = net.gradient_shares(1, "W", [2, 1])
    assert shares.batch_size == MOONS["batch_size"] and not shares.cut
    assert shares.terms.sum() + shares.penalty_gradient == pytest.approx(dL_dW, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(shares.terms, shares.dL_dz * shares.a_prev, rtol=1e-12)

    plane = net.landscape([weight, {"layer": 2, "name": "b", "index": [0]}], points=5)
    assert plane.loss.shape == (5, 5) and plane.value.shape == (2,)
