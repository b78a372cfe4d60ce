"""Property tests: for random architectures the API reports exactly what the engine computes."""

from __future__ import annotations

import numpy as np
import pytest
from backprop_explorer.app.config import Settings
from backprop_explorer.app.main import create_app
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_explorer import engine

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]


@st.composite
def setups(draw):
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    loss = draw(st.sampled_from(["half_sse", "mse", "bce", "cross_entropy"]))
    if loss == "cross_entropy":
        sizes[-1] = max(sizes[-1], 2)
        output = "softmax"
    else:
        output = draw(st.sampled_from(["sigmoid", "linear"] if loss != "bce" else ["sigmoid"]))
    activations = [draw(st.sampled_from(HIDDEN)) for _ in sizes[1:-1]] + [output]
    batch = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**16))
    return sizes, activations, loss, batch, seed


@pytest.mark.slow  # 25 generated networks, each stepped through a real app: seconds
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(setups())
def test_step_trace_equals_the_engine(tmp_path_factory, setup) -> None:
    sizes, activations, loss, batch, seed = setup
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, sizes[0]))
    if loss == "cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    else:
        Y = rng.uniform(size=(batch, sizes[-1]))
    spec = {
        "layers": sizes,
        "activations": activations,
        "loss": loss,
        "learning_rate": 0.3,
        "optimizer": {"name": "momentum"},
        "regularization": {"kind": "l2", "rate": 0.01},
        "init": {"method": "normal", "seed": seed, "scale": 0.5},
    }
    with TestClient(create_app(Settings(tmp_path_factory.mktemp("prop") / "p.db"))) as client:
        net = client.post("/api/networks", json=spec)
        assert net.status_code == 201, net.text
        params = net.json()["parameters"]
        response = client.post(
            f"/api/networks/{net.json()['id']}/step", json={"inputs": X.tolist(), "targets": Y.tolist()}
        )
        assert response.status_code == 200, response.text
        step = response.json()

    layers = [
        engine.Layer(np.array(W), np.array(b), act)
        for W, b, act in zip(params["weights"], params["biases"], activations, strict=True)
    ]
    enet = engine.Network(layers, loss, engine.Regularization("l2", 0.01))
    fwd = engine.forward(enet, X)
    lss = engine.loss(enet, fwd, Y)
    back = engine.backward(enet, fwd, lss)
    upd = engine.update(enet, engine.Optimizer("momentum", 0.3), back, X, Y)
    for got, layer in zip(step["forward"]["layers"], fwd.layers, strict=True):
        assert got["z"] == layer.z.tolist() and got["a"] == layer.a.tolist()
    assert step["loss"]["loss"] == lss.loss and step["loss"]["dL_da"] == lss.dL_da.tolist()
    for got, g in zip(step["backward"]["layers"], back.layers, strict=True):
        assert got["dL_dz"] == g.dL_dz.tolist() and got["dL_dW"] == g.dL_dW.tolist()
        assert got["da_dz"] == (None if g.da_dz is None else g.da_dz.tolist())
    for got, u in zip(step["update"]["layers"], upd.layers, strict=True):
        assert got["W_new"] == u.W_new.tolist() and got["step_b"] == u.step_b.tolist()
    assert step["update"]["loss_after"] == upd.loss_after
