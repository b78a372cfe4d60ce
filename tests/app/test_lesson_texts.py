"""What some lessons' sentences claim, checked against the numbers the server computes: which
rows a step used, which loss a comparison reads, the δ recursion's convention; and the page an
unknown lesson's address gives a browser."""

from __future__ import annotations

import numpy as np
from backprop_explorer.app.lessons import LESSONS
from backprop_explorer.app.lessons.runner import LessonRun
from fastapi.testclient import TestClient

from .test_lessons import caller


def walk(client: TestClient, lesson_id: str) -> tuple[LessonRun, list[dict]]:
    run = LessonRun(LESSONS[lesson_id], caller(client))
    return run, run.run_all()


def test_house_prices_learns_from_training_houses_and_compares_training_losses(client: TestClient) -> None:
    run, rendered = walk(client, "house-prices")
    data = client.get(f"/api/networks/{run.network_id}/data").json()
    train, held_back = data["train_indices"], data["val_indices"]
    n_train = run.context["network"]["cursor"]["n_train"]
    assert n_train == len(train)
    # Step 2's house is the first the network learns from, not one held back.
    forward = run.responses[1]
    assert forward["indices"] == [train[0]] and train[0] not in held_back
    assert f"row {train[0]} of the data" in rendered[1]["text"]
    # Step 3's miss is that house's: its target, the squared miss of the untrained weights.
    loss = run.responses[2]
    assert loss["targets"] == [data["targets"][train[0]]]
    assert loss["loss"] == (loss["output"][0][0] - loss["targets"][0][0]) ** 2
    trained = run.context["train"]
    history = trained["history"]
    # Step 4 asks about the training houses and compares the training MSE after the first epoch
    # with the one after the last: the mean over exactly those houses at the trained weights.
    ask = rendered[3]["ask"]
    assert (
        ask["question"]
        == f"Training on the {n_train} training houses for a while: will their loss go up or down?"
    )
    W = np.array(trained["network"]["parameters"]["weights"][0])
    b = np.array(trained["network"]["parameters"]["biases"][0])
    X, Y = np.array(data["inputs"])[train], np.array(data["targets"])[train]
    mse = float(np.mean((X @ W.T + b - Y) ** 2))
    assert abs(mse - history[-1]["train_loss"]) <= 1e-9 * mse
    assert ask["why"] == (
        f"The training MSE over the {n_train} houses goes from {history[0]['train_loss']:.1f} k€² after the "
        f"first epoch to {mse:.1f} k€² after {trained['epochs_run']}."
    )
    assert ask["answer"] == "down"


def test_learning_rate_says_which_epoch_its_first_loss_is_after(client: TestClient) -> None:
    run, rendered = walk(client, "learning-rate")
    small = run.context["small"]
    first, last = small["history"][0]["train_loss"], small["history"][-1]["train_loss"]
    # The loss before any update is larger than after the first epoch: the text names the epoch.
    network_id = run.network_id
    client.post(f"/api/networks/{network_id}/reset")
    data = client.get(f"/api/networks/{network_id}/data").json()
    client.post(f"/api/networks/{network_id}/forward", json={"indices": data["train_indices"]})
    before = client.post(f"/api/networks/{network_id}/loss", json={}).json()["loss"]
    assert before > first
    text = rendered[1]["text"]
    assert f"from {first:.4g} after the first epoch to {last:.4g} after {small['epochs_run']}" in text


def test_autograds_delta_recursion_is_the_servers_convention(client: TestClient) -> None:
    run, rendered = walk(client, "autograd")
    k = next(i for i, out in enumerate(rendered) if "δ⁽¹⁾ = (δ⁽²⁾W⁽²⁾) ⊙ f′(z⁽¹⁾)" in out["text"])
    assert k == 4  # step 5
    backward, forward = run.context["backward"], run.context["forward"]
    delta_out = np.array(backward["layers"][1]["dL_dz"])  # one row per sample
    W2 = np.array(forward["layers"][1]["W"])  # out × in
    recursion = (delta_out @ W2) * np.array(backward["layers"][0]["da_dz"])
    assert np.allclose(recursion, backward["layers"][0]["dL_dz"], rtol=1e-12, atol=0)
    # The column convention of the same sentence: Wᵀδ.
    assert np.allclose((W2.T @ delta_out.T).T, delta_out @ W2)


def test_an_unknown_lessons_address_is_a_page_for_a_browser_and_json_for_a_client(client: TestClient) -> None:
    page = client.get("/lessons/nope", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    detail = client.get("/lessons/nope", headers={"Accept": "application/json"}).json()["detail"]
    assert detail.startswith("no lesson with id 'nope'")
    # The page says it in a sentence and lists the lessons as links (not the detail's Python list).
    assert '<p class="error" data-lesson-missing>There is no lesson with id &#39;nope&#39;.</p>' in page.text
    assert '<a href="/lessons" data-lessons-link>See all lessons</a>' in page.text
    for accept in ("application/json", "*/*"):
        answer = client.get("/lessons/nope", headers={"Accept": accept})
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/json"
        assert answer.json()["detail"] == detail
