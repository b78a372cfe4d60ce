"""Lessons on deeper and wider outputs: vanishing gradients, softmax over three classes."""

from __future__ import annotations

from .compose import LOSS, SIGN, SIZE, ask, layer, patch, plot, reset, step, train
from .schemas import Ask, Lesson, LessonStep

NORMS = (
    "‖∂L/∂W‖ by layer, input side first: {backward.layers[0].grad_norm:.2e}, "
    "{backward.layers[1].grad_norm:.2e}, {backward.layers[2].grad_norm:.2e}, "
    "{backward.layers[3].grad_norm:.2e}, {backward.layers[4].grad_norm:.2e}, "
    "{backward.layers[5].grad_norm:.2e}."
)


def _gradients(said: str, prediction: Ask, save_as: str | None = None) -> list[LessonStep]:
    """Forward, loss and backward on one batch; the backward step quotes every layer's
    gradient norm, then ``said``."""
    return [
        step("Forward: a batch of {forward.batch_size} points through all six layers.", "forward"),
        step("The batch's loss: {loss.loss}.", "loss", target=LOSS),
        step(NORMS + " " + said, "backward", target=plot("gradient-norms"), ask=prediction, save_as=save_as),
    ]


VANISHING_GRADIENTS = Lesson(
    id="vanishing-gradients",
    title="Vanishing gradients",
    summary="Six sigmoid layers: the gradient norms fall by orders of magnitude toward the input. "
    "Then tanh, which suits the Xavier initialization, and the difference.",
    spec={
        "layers": [2, 8, 8, 8, 8, 8, 1],
        "activations": ["sigmoid"] * 6,
        "loss": "bce",
        "learning_rate": 0.5,
        "init": {"method": "xavier", "seed": 0},
        "data": {"generator": "circles", "n": 200, "noise": 0.1, "seed": 1},
        "batch_size": 20,
        "seed": 0,
    },
    steps=[
        step(
            "Six layers of sigmoids, {network.n_parameters} parameters, Xavier-initialized. Each "
            "layer the gradient passes on its way back multiplies it by σ′(z), which is at most ¼.",
            target=layer(1),
        ),
        *_gradients(
            "The first layer's is {backward.health.layers[0].ratio_to_output:.1e} of the "
            "output layer's, {compare(backward.health.layers[0].ratio_to_output, "
            "backward.health.thresholds.vanishing_ratio)} than the "
            "{backward.health.thresholds.vanishing_ratio} below which the server flags a layer's "
            "gradient as vanishing.",
            ask(
                "Will the first layer's ‖∂L/∂W‖ be larger or smaller than the output layer's?",
                SIZE,
                "compare(backward.layers[0].grad_norm, backward.layers[5].grad_norm)",
                "Between them lie five factors σ′(z) ≤ ¼ and five weight matrices: the product "
                "shrinks to {backward.layers[0].grad_norm / backward.layers[5].grad_norm:.1e}.",
            ),
            save_as="sigmoid",
        ),
        train(
            "{train.epochs_run} epochs: loss {train.history[-1].train_loss}, accuracy "
            "{train.history[-1].train_accuracy:.0%}. The first layer's mean gradient norm was "
            "{train.history[-1].grad_norms[0]:.2e}: its weights barely moved.",
            20,
            target=plot("gradient-norms"),
            save_as="sigmoid_run",
        ),
        patch(
            "Hidden layers now {network.activations[0]} (the output stays {network.activations[5]}). "
            "tanh has slope 1 at 0, and Xavier's weights keep its signals in that range.",
            activations=["tanh"] * 5 + ["sigmoid"],
        ),
        reset("Back to the same starting weights, history cleared."),
        *_gradients(
            "The first layer now gets {backward.health.layers[0].ratio_to_output:.2f} of the "
            "output layer's (it got {sigmoid.health.layers[0].ratio_to_output:.1e} with sigmoids).",
            ask(
                "With tanh, will the first layer's gradient norm be larger or smaller than it was "
                "with sigmoids?",
                SIZE,
                "compare(backward.layers[0].grad_norm, sigmoid.layers[0].grad_norm)",
                "{backward.layers[0].grad_norm:.2e} against {sigmoid.layers[0].grad_norm:.2e}: "
                "tanh′(0) = 1 where σ′(0) = ¼.",
            ),
        ),
        train(
            "{train.epochs_run} epochs: loss {train.history[-1].train_loss} (sigmoids: "
            "{sigmoid_run.history[-1].train_loss}), accuracy {train.history[-1].train_accuracy:.0%}. "
            "For ReLU the fitting initializer is He's: it doubles the variance to make up for the "
            "half of the inputs ReLU zeroes.",
            20,
        ),
    ],
)

SOFTMAX = Lesson(
    id="softmax",
    title="Softmax and three classes",
    summary="Three classes, one-hot targets, softmax with cross-entropy: ∂L/∂z = ŷ − y.",
    spec={
        "layers": [2, 4, 3],
        "activations": ["tanh", "softmax"],
        "loss": "cross_entropy",
        "learning_rate": 0.2,
        "data": {"generator": "multiclass_blobs", "n": 60, "noise": 0.1, "seed": 4, "classes": 3},
        "batch_size": 1,
        "seed": 0,
    },
    steps=[
        step(
            "Three output neurons, one per class ({network.target_names[0]}, {network.target_names[1]}, "
            "{network.target_names[2]}); softmax turns their z into probabilities.",
            target=layer(2),
        ),
        step(
            "z = ({forward.layers[1].z[0][0]}, {forward.layers[1].z[0][1]}, {forward.layers[1].z[0][2]}) "
            "→ ŷ = e^z / Σe^z = ({forward.output[0][0]}, {forward.output[0][1]}, "
            "{forward.output[0][2]}), which sum to {sum(forward.output[0]):.6f}. The network's guess is "
            "class {argmax(forward.output[0])}.",
            "forward",
            target=layer(2),
        ),
        step(
            "The target is one-hot: y = ({loss.targets[0][0]:.0f}, {loss.targets[0][1]:.0f}, "
            "{loss.targets[0][2]:.0f}), class {argmax(loss.targets[0])}. Cross-entropy keeps only the "
            "true class's probability: L = −log ŷ = {loss.loss}.",
            "loss",
            target=LOSS,
        ),
        step(
            "∂L/∂z = ŷ − y: ({backward.layers[1].dL_dz[0][0]}, {backward.layers[1].dL_dz[0][1]}, "
            "{backward.layers[1].dL_dz[0][2]}). Check: the true class is the output with y = 1, and "
            "there ŷ − y = {forward.output[0][argmax(loss.targets[0])] - 1}.",
            "backward",
            target=layer(2),
            ask=ask(
                "Will ∂L/∂z of the true class's neuron be positive or negative?",
                SIGN,
                "sign(backward.layers[1].dL_dz[0][argmax(loss.targets[0])])",
                "ŷ of the true class is below 1, so ŷ − 1 < 0: the update raises that z, and lowers "
                "the others (their ∂L/∂z = ŷ > 0).",
            ),
        ),
        train(
            "{train.epochs_run} epochs: loss {train.history[-1].train_loss}, accuracy "
            "{train.history[-1].train_accuracy:.0%}.",
            30,
            target=plot("boundary"),
        ),
    ],
)

LESSONS = [VANISHING_GRADIENTS, SOFTMAX]
