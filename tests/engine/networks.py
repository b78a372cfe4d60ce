"""Small networks for the engine's tests, the same for the same seed: a random shape with a
random batch (:func:`random_case`), or a named shape on a generated dataset (:func:`seeded`)."""

from __future__ import annotations

import numpy as np
from backprop_explorer.engine import Dataset, Network, Regularization, build_network, generate


def random_case(
    rng: np.random.Generator,
    hidden: str,
    output: str,
    loss_name: str,
    regularization: Regularization,
    *,
    outputs: int | tuple[int, int],
    max_inputs: int,
    widths: tuple[int, int],
    scale: float,
    max_samples: int,
    binary: bool,
) -> tuple[Network, np.ndarray, np.ndarray]:
    """A network with ``hidden`` activations in one or two hidden layers and ``output`` at the
    end, and a batch for it (inputs X, targets Y), all drawn from ``rng`` in this order: the
    output width (``outputs``, or drawn from that inclusive range), the input width (1 to
    ``max_inputs``), the number of hidden layers and each one's width (``widths``, inclusive),
    the parameters (``init="normal"`` times ``scale``), the number of samples (1 to
    ``max_samples``), X (standard normal), then Y: one-hot classes for a softmax output, 0/1 for
    ``binary``, standard normal otherwise."""
    n_out = outputs if isinstance(outputs, int) else int(rng.integers(outputs[0], outputs[1] + 1))
    sizes = [int(rng.integers(1, max_inputs + 1))] + [
        int(rng.integers(widths[0], widths[1] + 1)) for _ in range(rng.integers(1, 3))
    ]
    sizes.append(n_out)
    acts = [hidden] * (len(sizes) - 2) + [output]
    net = build_network(
        sizes, acts, loss=loss_name, regularization=regularization, init="normal", scale=scale, rng=rng
    )
    n = int(rng.integers(1, max_samples + 1))
    X = rng.normal(size=(n, sizes[0]))
    if output == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, n)]
    elif binary:
        Y = rng.integers(0, 2, (n, n_out)).astype(float)
    else:
        Y = rng.normal(size=(n, n_out))
    return net, X, Y


def seeded(
    generator: str,
    sizes: list[int],
    activations: list[str],
    loss_name: str,
    regularization: str,
    *,
    seed: int,
    n: int = 37,
) -> tuple[Dataset, Network]:
    """``n`` samples from ``generator`` (noise 0.2) and a network of ``sizes`` and
    ``activations`` (a ``regularization`` penalty of rate 0.01), each drawn from ``seed``."""
    data = generate(generator, np.random.default_rng(seed), n=n, noise=0.2)
    net = build_network(
        sizes,
        activations,
        loss=loss_name,
        regularization=Regularization(regularization, 0.01),
        rng=np.random.default_rng(seed),
    )
    return data, net
