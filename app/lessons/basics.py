"""Lessons on one step of one example: a neuron, the loss, the chain rule, the worked example."""

from __future__ import annotations

from ..examples import MAZUR_EXAMPLE
from .compose import LOSS, SIGN, SIZE, UP_DOWN, ask, layer, neuron, patch, step, train, weight
from .schemas import Lesson

ONE_NEURON = Lesson(
    id="one-neuron",
    title="One neuron",
    summary="A weighted sum, then an activation: how sigmoid, tanh and ReLU turn the same z into a.",
    spec={
        "layers": [2, 1],
        "activations": ["sigmoid"],
        "loss": "half_sse",
        "weights": [[[0.6, -0.9]]],
        "biases": [[0.1]],
        "data": {"inputs": [[0.5, 1.0]], "targets": [[1.0]]},
    },
    steps=[
        step(
            "A neuron multiplies each input by its weight, adds its bias and passes the sum z "
            "through an activation f: a = f(z). This one has w₁ = {network.parameters.weights[0][0][0]}, "
            "w₂ = {network.parameters.weights[0][0][1]}, b = {network.parameters.biases[0][0]} and "
            "the activation {network.activations[0]}.",
            target=neuron(1, 0),
        ),
        step(
            "Forward: the inputs are x₁ = {forward.inputs[0][0]} and x₂ = {forward.inputs[0][1]}. "
            "w₁·x₁ = {forward.layers[0].W[0][0] * forward.inputs[0][0]}, "
            "w₂·x₂ = {forward.layers[0].W[0][1] * forward.inputs[0][1]}, so "
            "z = w₁·x₁ + w₂·x₂ + b = {forward.layers[0].z[0][0]}.",
            "forward",
            target=neuron(1, 0),
            ask=ask(
                "Before the forward pass: will the weighted sum z be positive or negative?",
                SIGN,
                "sign(forward.layers[0].z[0][0])",
                "The negative product w₂·x₂ = {forward.layers[0].W[0][1] * forward.inputs[0][1]} "
                "outweighs the rest.",
            ),
            save_as="sigmoid",
        ),
        step(
            "Sigmoid squashes any z into (0, 1): a = 1/(1 + e^(−z)) = {forward.layers[0].a[0][0]}. "
            "A negative z gives an a below one half.",
            target=neuron(1, 0),
        ),
        patch(
            "The activation is now {network.activations[0]}; the weights did not change "
            "(w₁ = {network.parameters.weights[0][0][0]}).",
            activations=["tanh"],
        ),
        step(
            "Same z = {forward.layers[0].z[0][0]}, new activation: tanh(z) = {forward.layers[0].a[0][0]}. "
            "tanh squashes into (−1, 1) and is centred on 0, so a negative z stays negative.",
            "forward",
            target=neuron(1, 0),
            ask=ask(
                "With tanh instead of sigmoid, will a be larger or smaller?",
                SIZE,
                "compare(forward.layers[0].a[0][0], sigmoid.layers[0].a[0][0])",
                "σ({sigmoid.layers[0].z[0][0]}) = {sigmoid.layers[0].a[0][0]} is positive; "
                "tanh of a negative z is negative: {forward.layers[0].a[0][0]}.",
            ),
        ),
        patch("The activation is now {network.activations[0]}.", activations=["relu"]),
        step(
            "ReLU passes a positive z unchanged and turns a negative one into 0: "
            "relu({forward.layers[0].z[0][0]}) = {forward.layers[0].a[0][0]}. Its slope there is 0 "
            "too, so no gradient flows back through this neuron for this input.",
            "forward",
            target=neuron(1, 0),
        ),
    ],
)

LOSS_LESSON = Lesson(
    id="loss",
    title="The loss",
    summary="½(y−ŷ)², mean squared error and cross-entropy on the same output, and why training "
    "makes this one number smaller.",
    spec={
        "layers": [2, 1],
        "activations": ["sigmoid"],
        "loss": "half_sse",
        "learning_rate": 1.0,
        "weights": [[[0.4, -0.2]]],
        "biases": [[0.0]],
        "data": {"inputs": [[1.0, 2.0]], "targets": [[1.0]]},
    },
    steps=[
        step(
            "The network predicts ŷ = {forward.output[0][0]} for a sample whose target is 1. "
            "The loss turns that miss into one number.",
            "forward",
            target=LOSS,
        ),
        step(
            "Half squared error: L = ½(y − ŷ)² = {loss.loss}. Its slope ∂L/∂ŷ = ŷ − y = "
            "{loss.dL_da[0][0]} says which way ŷ should move (against the slope) and how hard.",
            "loss",
            target=LOSS,
            save_as="half_sse",
        ),
        patch("The loss is now {network.loss}; the weights are unchanged.", loss="mse"),
        step("Same output, ŷ = {forward.output[0][0]}.", "forward", target=LOSS),
        step(
            "Mean squared error over the {len(loss.targets[0])} output: L = (y − ŷ)² = {loss.loss}, "
            "twice the half version ({half_sse.loss}); ∂L/∂ŷ = 2(ŷ − y) = {loss.dL_da[0][0]}. "
            "The ½ only makes the slope tidier.",
            "loss",
            target=LOSS,
        ),
        patch("The loss is now {network.loss}.", loss="bce"),
        step("Same output again, ŷ = {forward.output[0][0]}.", "forward", target=LOSS),
        step(
            "Cross-entropy for a 0/1 target: L = −[y log ŷ + (1 − y) log(1 − ŷ)] = −log ŷ = {loss.loss}. "
            "It punishes a confident wrong answer without bound, and its slope "
            "∂L/∂ŷ = {loss.dL_da[0][0]} is steeper than squared error's.",
            "loss",
            target=LOSS,
            save_as="bce",
        ),
        step(
            "Training is making this number smaller: after one update the same sample's loss "
            "is {step.update.loss_after} (it was {step.loss.loss}), and ŷ moved toward 1.",
            "step",
            target=LOSS,
            ask=ask(
                "One update (forward, loss, backward, update) with η = {network.learning_rate}: will the "
                "loss go up or down?",
                UP_DOWN,
                "direction(step.update.loss_after - step.loss.loss)",
                "Each weight moved against its gradient, downhill on the loss: w₁ changed by "
                "−η·∂L/∂w₁ = {-step.update.layers[0].step_W[0][0]}.",
            ),
        ),
    ],
)

CHAIN_RULE = Lesson(
    id="chain-rule",
    title="The chain rule",
    summary="Two inputs, one sigmoid hidden neuron, one sigmoid output, cross-entropy: ∂L/∂w for a "
    "first-layer weight, written out factor by factor.",
    spec={
        "layers": [2, 1, 1],
        "activations": ["sigmoid", "sigmoid"],
        "loss": "bce",
        "learning_rate": 0.5,
        "weights": [[[0.5, -0.2]], [[0.8]]],
        "biases": [[0.1], [-0.2]],
        "data": {"inputs": [[1.0, 2.0]], "targets": [[1.0]]},
    },
    steps=[
        step(
            "x → h → ŷ: the hidden neuron h = σ(w₁x₁ + w₂x₂ + b₁) feeds the output ŷ = σ(v·h + b₂). "
            "We follow w₁ = {network.parameters.weights[0][0][0]}, the weight from x₁ into h.",
            target=weight(1, 0, 0),
        ),
        step(
            "Forward: z₁ = {forward.layers[0].z[0][0]}, h = σ(z₁) = {forward.layers[0].a[0][0]}; "
            "z₂ = v·h + b₂ = {forward.layers[1].z[0][0]}, ŷ = σ(z₂) = {forward.output[0][0]}.",
            "forward",
            target=layer(1),
        ),
        step(
            "Loss: the target is {loss.targets[0][0]}, so L = −log ŷ = {loss.loss}.",
            "loss",
            target=LOSS,
        ),
        step(
            "Backward, one factor per link of the chain x₁ → z₁ → h → z₂ → ŷ → L:\n"
            "∂L/∂ŷ = {backward.layers[1].dL_da[0][0]}\n"
            "∂ŷ/∂z₂ = σ′(z₂) = {backward.layers[1].da_dz[0][0]}\n"
            "∂z₂/∂h = v = {forward.layers[1].W[0][0]}\n"
            "∂h/∂z₁ = σ′(z₁) = {backward.layers[0].da_dz[0][0]}\n"
            "∂z₁/∂w₁ = x₁ = {forward.inputs[0][0]}\n"
            "Their product is ∂L/∂w₁ = {backward.layers[0].dL_dW[0][0]}.",
            "backward",
            target=weight(1, 0, 0),
            ask=ask(
                "Before the backward pass: will ∂L/∂w₁ be positive or negative?",
                SIGN,
                "sign(backward.layers[0].dL_dW[0][0])",
                "ŷ = {forward.output[0][0]} is below its target, so ∂L/∂z₂ is negative; v, σ′(z₁) and "
                "x₁ are all positive, so the product stays negative.",
            ),
        ),
        step(
            "Sigmoid with cross-entropy simplifies: ∂L/∂z₂ = ∂L/∂ŷ · σ′(z₂) = "
            "{backward.layers[1].dL_da[0][0] * backward.layers[1].da_dz[0][0]} is exactly "
            "ŷ − y = {backward.layers[1].dL_dz[0][0]}. Then δ₁ = ∂L/∂z₁ = ∂L/∂z₂ · v · σ′(z₁) = "
            "{backward.layers[0].dL_dz[0][0]}, and ∂L/∂w₁ = δ₁ · x₁.",
            target=neuron(1, 0),
        ),
        step(
            "w₁ ← w₁ − η·∂L/∂w₁ = {update.layers[0].W_old[0][0]} − {update.learning_rate} × "
            "{update.layers[0].dL_dW[0][0]} = {update.layers[0].W_new[0][0]}. The loss on this sample "
            "fell to {update.loss_after}.",
            "update",
            target=weight(1, 0, 0),
            ask=ask(
                "Will the update move w₁ up or down?",
                UP_DOWN,
                "direction(update.layers[0].W_new[0][0] - update.layers[0].W_old[0][0])",
                "The step is −η times the gradient, and ∂L/∂w₁ = {update.layers[0].dL_dW[0][0]}.",
            ),
        ),
    ],
)

# Matt Mazur, "A Step by Step Backpropagation Example" (2015). The lesson's figures for the
# forward pass, the backward pass and the updated weights are the article's, to every digit it
# prints. Its two error figures after updating are not: E_total after the update (0.291027924
# there) comes from hidden-layer gradients taken through the updated w₅⁺…w₈⁺, which the article
# says not to do (its own w⁺ give 0.291027774, as here), and its figure "after 10,000 updates"
# (0.0000351085) is the error after 9,999 (tests/engine/test_worked_example.py shows both).
WORKED_EXAMPLE = Lesson(
    id="worked-example",
    title="The worked example",
    summary="The published 2-2-2 example (Mazur), from the server: its forward pass, backward pass "
    "and updated weights to every digit, and why its two error figures after updating differ.",
    spec={**MAZUR_EXAMPLE, "batch_size": 1},
    steps=[
        step(
            "Inputs i₁, i₂; hidden h₁, h₂; outputs o₁, o₂; sigmoid everywhere. w₁…w₄ = "
            "{network.parameters.weights[0][0][0]}, {network.parameters.weights[0][0][1]}, "
            "{network.parameters.weights[0][1][0]}, {network.parameters.weights[0][1][1]}; w₅…w₈ = "
            "{network.parameters.weights[1][0][0]}, {network.parameters.weights[1][0][1]}, "
            "{network.parameters.weights[1][1][0]}, {network.parameters.weights[1][1][1]}; biases "
            "b₁ = {network.parameters.biases[0][0]}, b₂ = {network.parameters.biases[1][0]} (held fixed).",
        ),
        step(
            "net_h1 = w₁·i₁ + w₂·i₂ + b₁ = {forward.layers[0].z[0][0]:.4f}, "
            "out_h1 = {forward.layers[0].a[0][0]:.9f}, out_h2 = {forward.layers[0].a[0][1]:.9f}; "
            "net_o1 = {forward.layers[1].z[0][0]:.9f}, out_o1 = {forward.layers[1].a[0][0]:.8f}, "
            "out_o2 = {forward.layers[1].a[0][1]:.9f}.",
            "forward",
            target=layer(1),
        ),
        step(
            "E_o1 = ½(target − out)² = "
            "{(loss.targets[0][0] - loss.output[0][0]) * (loss.targets[0][0] - loss.output[0][0]) / 2:.9f}, "
            "E_o2 = "
            "{(loss.targets[0][1] - loss.output[0][1]) * (loss.targets[0][1] - loss.output[0][1]) / 2:.9f}, "
            "E_total = {loss.loss:.9f}.",
            "loss",
            target=LOSS,
        ),
        step(
            "∂E_total/∂out_o1 = {backward.layers[1].dL_da[0][0]:.8f}, "
            "∂out_o1/∂net_o1 = {backward.layers[1].da_dz[0][0]:.9f}, "
            "∂net_o1/∂w₅ = out_h1 = {forward.layers[0].a[0][0]:.9f}; their product "
            "∂E_total/∂w₅ = {backward.layers[1].dL_dW[0][0]:.9f}.",
            "backward",
            target=weight(2, 0, 0),
            ask=ask(
                "Will ∂E_total/∂w₅ be positive or negative?",
                SIGN,
                "sign(backward.layers[1].dL_dW[0][0])",
                "out_o1 = {forward.layers[1].a[0][0]:.8f} overshoots its target {loss.targets[0][0]}, "
                "and w₅ carries a positive out_h1 into it: more w₅, more error.",
            ),
        ),
        step(
            "Into the hidden layer: δ_o1 = ∂E/∂net_o1 = {backward.layers[1].dL_dz[0][0]:.9f}; "
            "∂E_total/∂out_h1 = δ_o1·w₅ + δ_o2·w₇ = {backward.layers[0].dL_da[0][0]:.9f}; "
            "∂out_h1/∂net_h1 = {backward.layers[0].da_dz[0][0]:.9f}; "
            "∂E_total/∂w₁ = {backward.layers[0].dL_dW[0][0]:.9f}.",
            target=weight(1, 0, 0),
        ),
        step(
            "w₅⁺ = w₅ − η·∂E/∂w₅ = {update.layers[1].W_new[0][0]:.8f}, "
            "w₆⁺ = {update.layers[1].W_new[0][1]:.9f}, w₇⁺ = {update.layers[1].W_new[1][0]:.9f}, "
            "w₈⁺ = {update.layers[1].W_new[1][1]:.9f}; w₁⁺ = {update.layers[0].W_new[0][0]:.9f}, "
            "w₂⁺ = {update.layers[0].W_new[0][1]:.8f}, w₃⁺ = {update.layers[0].W_new[1][0]:.8f}, "
            "w₄⁺ = {update.layers[0].W_new[1][1]:.8f}. Every new weight used the gradients of the old "
            "ones. E_total is now {update.loss_after:.9f}. The article prints another error here, "
            "from its seventh decimal on: it took the hidden layer's gradients through the new "
            "w₅⁺…w₈⁺, which it says not to do; the w⁺ it prints, these, give this error.",
            "update",
            target=weight(2, 0, 0),
            ask=ask(
                "Will w₅ move up or down?",
                UP_DOWN,
                "direction(update.layers[1].W_new[0][0] - update.layers[1].W_old[0][0])",
                "w₅ moves against its gradient: −η·∂E/∂w₅ = {-update.layers[1].step_W[0][0]:.9f}.",
            ),
        ),
        train(
            "After {train.network.step} updates in all, E_total = {train.history[-1].train_loss:.10f}. "
            "The figure the article gives for that many is the error one update earlier, "
            "{train.history[-2].train_loss:.10f}.",
            9999,
            ask=ask(
                "Repeat the update thousands of times: will the error keep going down?",
                UP_DOWN,
                "direction(train.history[-1].train_loss - update.loss_after)",
                "With one example and a small enough η every update goes downhill: E_total shrank "
                "by a factor of {update.loss_after / train.history[-1].train_loss:.0f}.",
            ),
        ),
    ],
)

LESSONS = [ONE_NEURON, LOSS_LESSON, CHAIN_RULE, WORKED_EXAMPLE]
