"""Train a small network on the two-moons data and print its losses, one line per epoch.

Nothing is plotted: each line is printed as the server finishes that epoch (the client streams
the run), then the final accuracy. Open the printed link (it carries the network's share
key) to see the trained network in the UI.

    python examples/train_loss_per_epoch.py [BASE_URL] [--epochs N]    (or BACKPROP_EXPLORER_URL)

Start a server first: `backprop-explorer serve` (default http://127.0.0.1:8000).
"""

from __future__ import annotations

import argparse
import os
import sys

from backprop_explorer import ApiError, Client
from backprop_explorer.results import HistoryEntry

SPEC = {
    "layers": [2, 8, 8, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "loss": "bce",  # sigmoid output + binary cross-entropy: the pairing for two classes
    "learning_rate": 0.1,
    "optimizer": {"name": "sgd"},
    "init": {"method": "xavier", "seed": 0},
    "data": {"generator": "moons", "n": 200, "noise": 0.1, "seed": 1},
    "batch_size": 10,
    "validation_split": 0.2,
    "seed": 0,
}


def print_epoch(entry: HistoryEntry) -> None:
    print(f"epoch {entry.epoch:4d}   train loss {entry.train_loss:.6f}   val loss {entry.val_loss:.6f}")


def main(base_url: str, epochs: int) -> None:
    with Client(base_url) as api:
        net = api.create(SPEC)
        print(f"network {net.id}: layers {net.info.layers}, {net.info.task}")
        result = net.train(epochs, on_epoch=print_epoch)
        last = result.history[-1]
        print(
            f"after {result.epochs_run} epochs: train accuracy {last.train_accuracy:.3f}, "
            f"validation accuracy {last.val_accuracy:.3f}"
        )
        if result.diverged:
            print(f"diverged: {result.diverged.detail}")
        # The network is this client's own: the link carries the key that lets a browser view it.
        print(f"see it: {net.share_link()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "base_url", nargs="?", default=os.environ.get("BACKPROP_EXPLORER_URL", "http://127.0.0.1:8000")
    )
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    try:
        main(args.base_url, args.epochs)
    except ApiError as error:  # an error answer, or no server there: one line
        sys.exit(str(error))
