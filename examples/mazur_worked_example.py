"""Reproduce Matt Mazur's "A Step by Step Backpropagation Example" with the Python client.

A 2-2-2 sigmoid network, half squared error, learning rate 0.5, biases held fixed:
the total error before the update is 0.298371109, and after one update w5 = 0.35891648
and w1 = 0.149780716.

    python examples/mazur_worked_example.py [BASE_URL]     (or BACKPROP_EXPLORER_URL)

Start a server first: `backprop-explorer serve` (default http://127.0.0.1:8000).
"""

from __future__ import annotations

import os
import sys

from backprop_explorer import ApiError, Client

SPEC = {
    "layers": [2, 2, 2],
    "activations": ["sigmoid", "sigmoid"],
    "loss": "half_sse",  # E = ½ Σ (target − out)², the form the example uses
    "learning_rate": 0.5,
    # W[l][j][i]: from neuron i of the layer below into neuron j (w1 = W1[0][0], w5 = W2[0][0]).
    "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
    "biases": [[0.35, 0.35], [0.60, 0.60]],
    "trainable": {"weights": True, "biases": False},  # the example never updates b1, b2
}
INPUTS = [[0.05, 0.10]]
TARGETS = [[0.01, 0.99]]


def main(base_url: str) -> dict[str, float]:
    with Client(base_url) as api:
        net = api.create(SPEC)
        print(f"network {net.id}: layers {net.info.layers}, {net.info.raw['n_parameters']} parameters")

        forward = net.forward(INPUTS)
        for layer in forward.layers:
            print(f"layer {layer.index}: z = {layer.z[0]}, a = {layer.a[0]}")

        loss = net.loss(TARGETS)
        print(f"total error E = {loss.loss:.9f}   per output dE/da = {loss.dL_da[0]}")

        backward = net.backward()
        for layer in reversed(backward.layers):
            print(f"layer {layer.index}: delta = {layer.dL_dz[0]}, dE/dW = {layer.dL_dW.tolist()}")

        update = net.update()
        w5 = float(update.layer(2).W_new[0, 0])  # layer 2, the output, as the page numbers it
        w1 = float(update.layer(1).W_new[0, 0])
        print(f"after the update: w5 = {w5:.8f}, w1 = {w1:.9f}, E = {update.loss_after:.9f}")

        net.delete()
        return {"total_error": loss.loss, "w5": w5, "w1": w1}


if __name__ == "__main__":
    default = os.environ.get("BACKPROP_EXPLORER_URL", "http://127.0.0.1:8000")
    try:
        main(sys.argv[1] if len(sys.argv) > 1 else default)
    except ApiError as error:  # an error answer, or no server there: one line
        sys.exit(str(error))
