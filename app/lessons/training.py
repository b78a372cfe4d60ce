"""Lessons on training runs: batches and epochs, a regression in its units, the learning
rate, overfitting."""

from __future__ import annotations

import numpy as np

from .compose import LOSS, UP_DOWN, ask, epoch, patch, plot, reset, step, train, weight
from .schemas import Lesson

BATCHES_EPOCHS = Lesson(
    id="batches-epochs",
    title="Batches and epochs",
    summary="The same data with batch 1, a mini-batch and the full batch: what an epoch is, and "
    "the loss of each update against the loss of each epoch.",
    spec={
        "layers": [2, 4, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "bce",
        "learning_rate": 0.3,
        "data": {"generator": "moons", "n": 40, "noise": 0.15, "seed": 2},
        "batch_size": 1,
        "seed": 0,
    },
    steps=[
        step(
            "{network.cursor.n_train} training samples, batch size {network.cursor.batch_size}: "
            "one epoch is one pass over every sample, {network.cursor.batches_per_epoch} updates.",
            target=plot("step-losses"),
        ),
        step(
            "This forward pass takes {forward.batch_size} sample, dataset row {forward.indices[0]} "
            "(the order is reshuffled every epoch).",
            "forward",
        ),
        step(
            "One update on that one sample: its loss was {step.loss.loss} and is "
            "{step.update.loss_after} after the update. That is update {step.update.step} of epoch "
            "{step.update.epoch + 1}.",
            "step",
            target=LOSS,
        ),
        epoch(
            "The rest of the epoch ran: {epoch.network.step} updates in all, one per sample. The "
            "epoch's loss, over every training sample with the weights at its end, is "
            "{epoch.summary.train_loss}.",
            save_as="first",
        ),
        step(
            "The {len(history.steps)} update losses ranged from {min(column(history.steps, 'loss'))} to "
            "{max(column(history.steps, 'loss'))}: one sample at a time is noisy. The epoch loss "
            "{history.history[-1].train_loss} is one smooth point per epoch.",
            "history",
            target=plot("step-losses"),
        ),
        patch(
            "Mini-batches of {network.batch_size}: each update averages the gradient of that many "
            "samples, so an epoch now takes {network.cursor.batches_per_epoch} updates.",
            batch_size=8,
        ),
        epoch(
            "Epoch {epoch.summary.epoch}: loss {epoch.summary.train_loss} after "
            "{epoch.network.step - first.network.step} more updates.",
            ask=ask(
                "Another epoch, now with mini-batches: will the epoch loss go up or down?",
                UP_DOWN,
                "direction(epoch.summary.train_loss - first.summary.train_loss)",
                "Every update still steps downhill on average: {first.summary.train_loss} → "
                "{epoch.summary.train_loss}.",
            ),
            save_as="second",
        ),
        patch(
            "The full batch: all {network.batch_size} samples in every update, "
            "{network.cursor.batches_per_epoch} update per epoch — smooth, but one step per pass.",
            batch_size=40,
        ),
        epoch(
            "Epoch {epoch.summary.epoch}: loss {epoch.summary.train_loss} after a single update "
            "(it was {second.summary.train_loss}). Fewer, smoother steps: full-batch gradient descent "
            "needs more epochs, mini-batches make the best of each pass.",
        ),
    ],
)


def _houses(n: int = 60, seed: int = 7) -> dict:
    """Synthetic houses: features standardized (z-scores), the price kept in k€."""
    rng = np.random.default_rng(seed)
    size = rng.normal(120, 35, n).clip(35, None)  # m²
    location = rng.uniform(1, 10, n)  # score
    amenities = rng.integers(0, 6, n).astype(np.float64)
    price = 40 + 1.8 * size + 22 * location + 9 * amenities + rng.normal(0, 25, n)  # k€
    X = np.column_stack([size, location, amenities])
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return {
        "inputs": np.round(X, 4).tolist(),
        "targets": np.round(price, 1)[:, None].tolist(),
        "feature_names": ["size (z-score)", "location score (z-score)", "amenities (z-score)"],
        "target_names": ["price (k€)"],
    }


HOUSE_PRICES = Lesson(
    id="house-prices",
    title="House prices",
    summary="Size, location and amenities → price: a linear output and mean squared error, read in "
    "thousands of euros.",
    spec={
        "layers": [3, 1],
        "activations": ["linear"],
        "loss": "mse",
        "learning_rate": 0.05,
        "data": _houses(),
        "batch_size": 10,
        "validation_split": 0.2,
        "seed": 0,
    },
    steps=[
        step(
            "{network.cursor.n_train} houses to learn from, {network.cursor.n_validation} held back. "
            "Inputs: {network.feature_names[0]}, {network.feature_names[1]}, {network.feature_names[2]} "
            "(each in standard deviations from the average house); target: {network.target_names[0]}. "
            "One linear neuron: price = w₁·size + w₂·location + w₃·amenities + b.",
        ),
        step(
            "A first house: predicted {forward.output[0][0]:.1f} k€ by the untrained weights.",
            "forward",
            body={"indices": [0]},
            target=LOSS,
        ),
        step(
            "Its price is {loss.targets[0][0]:.1f} k€: the guess is off by "
            "{abs(loss.output[0][0] - loss.targets[0][0]):.1f} k€. "
            "MSE squares that miss: L = {loss.loss:.1f} k€², in squared units, so its square root "
            "{sqrt(loss.loss):.1f} k€ is the size of a typical miss.",
            "loss",
            target=LOSS,
        ),
        train(
            "After {train.epochs_run} epochs the training MSE is {train.history[-1].train_loss:.1f} k€² "
            "(a typical miss of {sqrt(train.history[-1].train_loss):.1f} k€) and the held-back houses' "
            "{train.history[-1].val_loss:.1f} k€² ({sqrt(train.history[-1].val_loss):.1f} k€).",
            60,
            ask=ask(
                "Training on every house for a while: will the loss go up or down?",
                UP_DOWN,
                "direction(train.history[-1].train_loss - loss.loss)",
                "From {loss.loss:.1f} k€² for the first house to {train.history[-1].train_loss:.1f} k€² "
                "over all of them.",
            ),
        ),
        step(
            "The weights read in k€: one standard deviation more size adds "
            "{train.network.parameters.weights[0][0][0]:.1f} k€, location "
            "{train.network.parameters.weights[0][0][1]:.1f} k€, amenities "
            "{train.network.parameters.weights[0][0][2]:.1f} k€; the bias "
            "{train.network.parameters.biases[0][0]:.1f} k€ is about the price of an average house.",
            target=weight(1, 0, 0),
        ),
    ],
)

LEARNING_RATE = Lesson(
    id="learning-rate",
    title="The learning rate",
    summary="Too small (slow), about right, too large: the loss climbs and the run diverges.",
    spec={
        "layers": [2, 1],
        "activations": ["linear"],
        "loss": "mse",
        "learning_rate": 0.01,
        "init": {"method": "xavier", "seed": 0},
        "data": {"generator": "linear", "n": 100, "noise": 0.1, "seed": 1},
        "batch_size": 10,
        "seed": 0,
    },
    steps=[
        step(
            "Linear regression, ŷ = w₁x₁ + w₂x₂ + b, on {network.cursor.n_train} points. η = "
            "{network.learning_rate}: each update moves every weight by η times its gradient.",
        ),
        train(
            "η = {train.network.learning_rate}: after {train.epochs_run} epochs the loss has only "
            "come down from {train.history[0].train_loss} to {train.history[-1].train_loss}. "
            "Tiny steps: slow.",
            20,
            save_as="small",
        ),
        patch("η = {network.learning_rate} now.", learning_rate=0.3),
        reset(
            "The weights are back where they started (same seed); the history is cleared.",
        ),
        train(
            "η = {train.network.learning_rate}: {train.history[0].train_loss} after the first epoch, "
            "{train.history[-1].train_loss} after {train.epochs_run} — the noise floor of this data.",
            20,
            ask=ask(
                "With a larger η, after the same number of epochs: will the loss be larger or smaller "
                "than with η = {small.network.learning_rate}?",
                ["larger", "smaller"],
                "compare(train.history[-1].train_loss, small.history[-1].train_loss)",
                "{train.history[-1].train_loss} against {small.history[-1].train_loss}: bigger steps "
                "downhill, as long as they do not overshoot.",
            ),
        ),
        patch("η = {network.learning_rate} now.", learning_rate=1.5),
        reset("Back to the starting weights."),
        epoch(
            "η = {network.learning_rate} overshoots: one epoch and the loss is {epoch.summary.train_loss}.",
            save_as="large",
        ),
        epoch(
            "Epoch {epoch.summary.epoch}: {epoch.summary.train_loss}. Each step lands further up the "
            "other side of the valley than it started.",
            ask=ask(
                "One more epoch with this η: will the loss go up or down?",
                UP_DOWN,
                "direction(epoch.summary.train_loss - large.summary.train_loss)",
                "Past η ≈ 2/curvature the slope at the landing point is steeper than where it "
                "started: {large.summary.train_loss} → {epoch.summary.train_loss}.",
            ),
        ),
        train(
            "The run diverged in epoch {train.diverged.epoch} and stopped there. The server's "
            "words: “{train.diverged.detail}”. The {train.epochs_run} epochs this run trained "
            "before it are kept: the loss curve shows the climb, up to {train.history[-1].train_loss}.",
            100,
        ),
    ],
)

OVERFITTING = Lesson(
    id="overfitting",
    title="Overfitting",
    summary="A big network on a few noisy points: the validation loss turns up while the training "
    "loss keeps falling; early stopping.",
    spec={
        "layers": [2, 32, 32, 1],
        "activations": ["tanh", "tanh", "sigmoid"],
        "loss": "bce",
        "learning_rate": 0.01,
        "optimizer": {"name": "adam"},
        "data": {"generator": "moons", "n": 30, "noise": 0.4, "seed": 1},
        "batch_size": 5,
        "validation_split": 0.5,
        "seed": 0,
    },
    steps=[
        step(
            "{network.n_parameters} parameters, {network.cursor.n_train} noisy training points, "
            "{network.cursor.n_validation} more held back to validate on: far more freedom than data.",
            target=plot("boundary"),
        ),
        train(
            "After {train.epochs_run} epochs: training loss {train.history[-1].train_loss}, validation "
            "loss {train.history[-1].val_loss}. The validation loss was lowest, "
            "{min(column(train.history, 'val_loss'))}, at epoch "
            "{argmin(column(train.history, 'val_loss')) + 1}, and has climbed since: the network is "
            "learning the training points' noise.",
            200,
            ask=ask(
                "Train for many epochs: will the validation loss end larger or smaller than its best?",
                ["larger", "smaller"],
                "compare(train.history[-1].val_loss, min(column(train.history, 'val_loss')))",
                "It ended at {train.history[-1].val_loss}, its best was "
                "{min(column(train.history, 'val_loss'))}: the fit to the training points got better "
                "and the fit to new points worse.",
            ),
            save_as="long",
        ),
        reset("Back to the starting weights, history cleared."),
        train(
            "Early stopping watches the validation loss and ends the run once it has not improved for "
            "a set number of epochs (the patience). This run ended after {train.epochs_run} epochs, "
            "where the run without it went on for {long.epochs_run}, with a validation loss of "
            "{train.history[-1].val_loss} instead of {long.history[-1].val_loss}.",
            200,
            early_stopping={"patience": 20},
        ),
    ],
)

LESSONS = [BATCHES_EPOCHS, HOUSE_PRICES, LEARNING_RATE, OVERFITTING]
