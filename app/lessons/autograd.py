"""The lesson that joins the layers' backpropagation to an autograd library's graph."""

from __future__ import annotations

from .compose import SIGN, ask, graph, step, weight
from .schemas import Lesson

FROM_BACKPROP_TO_AUTOGRAD = Lesson(
    id="autograd",
    title="From backprop to autograd",
    summary="The same network as a graph of scalar operations, as micrograd builds it: each node's "
    "value going forward, each node's local rule going back, and the layers' δ on its boxes.",
    spec={
        "layers": [2, 2, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "bce",
        "learning_rate": 0.5,
        "weights": [[[0.5, -0.4], [0.3, 0.8]], [[0.7, -0.6]]],
        "biases": [[0.1, -0.2], [0.05]],
        "data": {"inputs": [[1.0, -0.5]], "targets": [[1.0]]},
        "batch_size": 1,
    },
    steps=[
        step(
            "The page draws this network twice: above as layers of neurons, below as a computational "
            "graph, one box per number: the inputs, each weight and its product w·a, each sum with its "
            "bias (z), each tanh and σ (a), the loss L_s and the root L_s / B. An autograd library such "
            "as micrograd or PyTorch sees only such a graph; each box shows its data and, after Backward, "
            "its grad.",
            target=graph(),
        ),
        step(
            "Forward fills every box's data, left to right: z₁⁽¹⁾ = w₁₁x₁ + w₁₂x₂ + b₁ = "
            "{forward.layers[0].W[0][0] * forward.inputs[0][0]} + "
            "{forward.layers[0].W[0][1] * forward.inputs[0][1]} + {forward.layers[0].b[0]} = "
            "{forward.layers[0].z[0][0]}, then a₁⁽¹⁾ = tanh(z₁⁽¹⁾) = {forward.layers[0].a[0][0]}. "
            "At the end, ŷ = σ(z₁⁽²⁾) = {forward.output[0][0]}.",
            "forward",
            target=graph("z1[0]"),
        ),
        step(
            "Loss: for the target y = {loss.targets[0][0]}, L_s = −log ŷ = {loss.per_sample[0]}. The "
            "batch has {len(loss.per_sample)} sample, so the root L_s / B is {loss.loss} too. "
            "Backpropagation starts at the root with grad 1: ∂L/∂L = 1.",
            "loss",
            target=graph("L_s"),
        ),
        step(
            "Backward visits the boxes from the root, and each hands its grad to its inputs by a local "
            "rule. σ with cross-entropy gives ∂L/∂z₁⁽²⁾ = ŷ − y = {backward.layers[1].dL_dz[0][0]}. "
            "A + node hands its grad to every input unchanged: each w·a product and the bias b₁⁽²⁾ get "
            "{backward.layers[1].dL_db[0]}. A × node hands each input the other input's data times its "
            "grad: the weight w₁₁⁽²⁾ gets a₁⁽¹⁾ · {backward.layers[1].dL_dz[0][0]} = "
            "{backward.layers[1].dL_dW[0][0]}, and a₁⁽¹⁾ gets w₁₁⁽²⁾ · "
            "{backward.layers[1].dL_dz[0][0]} = {backward.layers[0].dL_da[0][0]}.",
            "backward",
            target=graph("a1[0]"),
            ask=ask(
                "Before Backward: will the grad that reaches a₁⁽¹⁾ be positive or negative?",
                SIGN,
                "sign(backward.layers[0].dL_da[0][0])",
                "It is w₁₁⁽²⁾ × ∂L/∂z₁⁽²⁾ = {forward.layers[1].W[0][0]} × "
                "{backward.layers[1].dL_dz[0][0]}: ŷ is below its target, so ∂L/∂z₁⁽²⁾ is negative.",
            ),
        ),
        step(
            "tanh's local rule multiplies by its derivative 1 − a²: ∂L/∂z₁⁽¹⁾ = "
            "{backward.layers[0].dL_da[0][0]} × {backward.layers[0].da_dz[0][0]} = "
            "{backward.layers[0].dL_dz[0][0]}. That is the δ₁ the layers' backward pass computes "
            "(δ = (W·δ) ⊙ f′(z)): a neuron's δ is the grad of its + box. Through the × rule once more, "
            "∂L/∂w₁₁⁽¹⁾ = x₁ · δ₁ = {backward.layers[0].dL_dW[0][0]}: the ∂L/∂w the inspector shows "
            "for that weight.",
            target=graph("z1[0]"),
        ),
        step(
            "A script reads the same graph: POST /api/networks/<id>/graph answers with "
            "{len(graph.nodes)} nodes, each with its value and grad, and the order backpropagation "
            "visits them, starting at {graph.backward_order[0]}. The grad of the first weight box is "
            "{graph.nodes[2].grad}, the layers' ∂L/∂w₁₁⁽¹⁾ again.",
            "graph",
            target=graph("W1[0][0]"),
        ),
        step(
            "Update: every weight box moves against its grad, w ← w − η·grad: w₁₁⁽¹⁾ = "
            "{update.layers[0].W_old[0][0]} − {update.learning_rate} × {update.layers[0].dL_dW[0][0]} = "
            "{update.layers[0].W_new[0][0]}. The graph now holds the new weights and waits for the next "
            "Forward. That is all an autograd library does: it records the graph going forward and "
            "applies each box's local rule going back.",
            "update",
            target=weight(1, 0, 0),
        ),
    ],
)

LESSONS = [FROM_BACKPROP_TO_AUTOGRAD]
