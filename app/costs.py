"""How much memory a request needs, from the shapes it works on: what the gate
(``app/gate.py``) reserves before the work allocates it.

Each figure is an upper bound of the growth of the server's resident memory while such a
request runs, checked against a real server (``bench/bench_memory.py --estimates`` prints
both, request by request). Three rates do most of the counting:

- :data:`ARRAY` bytes per number in a NumPy float64 array;
- :data:`ANSWER` bytes per number of a JSON answer at its peak: the Python float in a list,
  the response model's copy, the JSON text and its bytes, alive together for a moment;
- :data:`STORED` bytes per number of a network's stored state opened for a request: its JSON
  text, the parsed lists and the engine's arrays.

Shapes: ``sizes`` n_0 … n_L of the layers, ``neurons`` = n_1 + … + n_L, ``parameters`` the
weights and biases, ``slots`` the optimizer's arrays per parameter (SGD 0, momentum 1, Adam 2).
"""

from __future__ import annotations

from dataclasses import dataclass

ARRAY = 8
ANSWER = 120
STORED = 80
BASE = 4_000_000  # any request: its objects, the framework's
TRACE_ARRAYS = 6  # per neuron and sample in a traced step: z, a, dL_da, da_dz, dL_dz, a temporary
ANSWER_ARRAYS = 5  # per neuron and shown sample in a phase's answer: z, a, dL_da, da_dz, dL_dz
PARAMETER_ARRAYS = 6  # per parameter in a step: W_old, dL_dW, step_W, W_new, the update's temporaries


@dataclass(frozen=True)
class Shape:
    """What a network's memory use depends on."""

    sizes: tuple[int, ...]
    parameters: int
    slots: int = 0
    samples: int = 0  # rows of its data
    batch: int = 1  # its batch size

    @property
    def neurons(self) -> int:
        return sum(self.sizes[1:])

    @property
    def columns(self) -> int:
        """Numbers per sample in a trace: the inputs and every neuron."""
        return sum(self.sizes)


def shape_of(session: object) -> Shape:
    """The shape of an opened network (``app.networks.codec.Session``)."""
    net = session.net  # type: ignore[attr-defined]
    spec = session.spec  # type: ignore[attr-defined]
    dataset, trainer = session.dataset, session.trainer  # type: ignore[attr-defined]
    slots = {"sgd": 0, "momentum": 1}.get(spec["optimizer"]["name"], 2)
    return Shape(
        sizes=tuple(net.sizes),
        parameters=net.n_parameters,
        slots=slots,
        samples=0 if dataset is None else len(dataset.X),
        batch=1 if trainer is None else trainer.batch_size,
    )


def step_rows(session: object, inputs: list | None = None, indices: list | None = None) -> int:
    """Samples a phase computes on: the request's rows, else the larger of the step in progress
    and the next batch."""
    if inputs is not None:
        return len(inputs)
    if indices is not None:
        return len(indices)
    pending = session.doc.get("pending") or {}  # type: ignore[attr-defined]
    trainer = session.trainer  # type: ignore[attr-defined]
    batch = 1 if trainer is None else min(trainer.batch_size, max(1, trainer.n_train))
    return max(batch, len(pending.get("inputs") or pending.get("indices") or ()))


def stored(shape: Shape) -> int:
    """A network read from the store and opened (every request on a network)."""
    return BASE + STORED * shape.parameters * (1 + shape.slots)


def trace(shape: Shape, rows: int, shown: int) -> int:
    """A phase or a whole step over ``rows`` samples, ``shown`` of them in the answer."""
    engine = ARRAY * (TRACE_ARRAYS * rows * shape.columns + PARAMETER_ARRAYS * shape.parameters)
    answer = ANSWER * (ANSWER_ARRAYS * shown * shape.columns + 5 * shape.parameters)
    return stored(shape) + engine + answer


def epoch(shape: Shape) -> int:
    """Updates over the data, then the epoch's evaluation over every sample (``/epoch``, each
    epoch of ``/train``, a replay of the updates inside one)."""
    updates = ARRAY * TRACE_ARRAYS * shape.batch * shape.columns
    evaluation = ARRAY * 3 * shape.samples * shape.columns
    step_losses = 200 * shape.samples  # (step, epoch, loss) of each update until the commit
    snapshots = 2 * ARRAY * shape.parameters * (1 + shape.slots)
    return stored(shape) + updates + evaluation + step_losses + snapshots


def train(shape: Shape, snapshot_budget: int) -> int:
    """A training run: an epoch at a time, with the epochs' snapshots held until its next commit."""
    return epoch(shape) + snapshot_budget


def predict(shape: Shape, points: int, chunk_values: int, maps: bool) -> int:
    """Activations of ``points`` points: computed in chunks of ``chunk_values`` activations,
    answered as floats (points × neurons) or as one byte each (``maps``)."""
    work = ARRAY * 3 * min(points * shape.neurons, chunk_values + shape.neurons)
    if maps:
        # A byte per activation: the array, its bytes, base64 (4/3), its text and the JSON around it.
        answer = 6 * points * shape.neurons + ANSWER * points * shape.sizes[-1]
    else:
        answer = ARRAY * points * shape.neurons + ANSWER * points * (shape.neurons + shape.sizes[0])
    return stored(shape) + ARRAY * points * shape.sizes[0] + work + answer


def gradcheck(shape: Shape, rows: int) -> int:
    """Two forward passes per parameter over ``rows`` samples, one at a time, and the answer."""
    return stored(shape) + ARRAY * TRACE_ARRAYS * rows * shape.columns + ANSWER * 4 * shape.parameters


def landscape(shape: Shape, rows: int, points: int) -> int:
    """The loss at ``points`` grid points over ``rows`` samples: the layers below run once, the
    rest in chunks of stacked points (256 KiB arrays)."""
    below = ARRAY * 3 * rows * shape.columns
    chunks = 8 * 256 * 1024
    return stored(shape) + below + chunks + ANSWER * 2 * points


def rows(shape: Shape, count: int, columns: int) -> int:
    """An answer holding ``count`` rows of ``columns`` numbers (``GET …/data``: inputs, raw
    inputs and targets), from the network opened to read them."""
    return stored(shape) + (ANSWER + ARRAY) * count * columns


def document(size: int) -> int:
    """An answer built from ``size`` stored bytes (an export: the state, history and losses)."""
    return BASE + 16 * size


def upload(size: int) -> int:
    """Parsing and storing a CSV of ``size`` bytes: its text, the cells, the rows of floats,
    the arrays and the stored JSON."""
    return BASE + 24 * size


def body(size: int) -> int:
    """Parsing a JSON request body of ``size`` bytes into Python objects and the request model."""
    return BASE + 12 * size
