"""Networks as a resource: create, read, list, change, delete, parameters, reset, their logs,
their data, export and import."""

from __future__ import annotations

import copy
from collections.abc import Iterable

import numpy as np

from .. import costs, gate, serialize
from ..errors import InvalidInput, NotFound
from ..networks import codec, pairing, transfer, views
from ..networks.codec import Session
from ..schemas import (
    ExportDocument,
    GeneratorData,
    NetworkList,
    NetworkPatch,
    NetworkPublic,
    NetworkSpec,
    ParametersIn,
)
from .core import Core, next_step_cost


class Networks(Core):
    def create(self, spec: NetworkSpec, *, scratch: bool = False) -> NetworkPublic:
        # Generated data (within a few units) through initialized weights cannot overflow a step;
        # weights, biases or data given by hand can, and the first batch is run to know.
        generated = spec.data is None or isinstance(spec.data, GeneratorData)  # None: the default data
        by_hand = spec.weights is not None or spec.biases is not None or not generated
        session = self.open(codec.new_document(spec, self.limits))
        return self.insert(session, scratch=scratch, check_step=by_hand)

    def get(self, network_id: str) -> NetworkPublic:
        return views.network_public(self.read(network_id))

    def page(self, limit: int, offset: int, owner: str | None = None) -> NetworkList:
        """A page of ``owner``'s networks (None: everyone's), oldest first, from the store's
        summary columns."""
        store = self.store
        return NetworkList.model_validate(
            {
                "networks": store.list(owner=owner, limit=limit, offset=offset),
                "total": store.count(owner),
                "limit": limit,
                "offset": offset,
            }
        )

    def delete(self, network_id: str) -> None:
        self.require(network_id)
        with self.store.lock(network_id):
            self.sessions.drop(network_id)
            if not self.store.delete(network_id):
                raise NotFound(f"no network with id {network_id!r}")

    def patch(self, network_id: str, body: NetworkPatch) -> NetworkPublic:
        before: list[dict] = []  # the stored document, as it was

        def edit_doc(doc: dict) -> None:
            spec = codec.patched_spec(doc["spec"], body)
            before.append(copy.deepcopy(doc))
            if spec["optimizer"]["name"] != doc["spec"]["optimizer"]["name"]:
                # Momentum's velocity means nothing to Adam (and vice versa): start fresh.
                doc["optimizer_state"] = {"t": 0, "state": {}}
            doc["spec"] = spec
            doc["phase"], doc["pending"] = "ready", None

        def change(session: Session) -> NetworkPublic:
            if body.loss is not None or body.activations is not None:
                pairing.check_loss_fits(session.spec, session.dataset)
            # The rule every update passes (engine.divergence) holds for a change too: one that
            # would leave a next step that overflows, where there was none, is refused.
            error = codec.next_step_overflow(session)
            if error is not None and codec.next_step_overflow(self.open(before[0])) is None:
                raise InvalidInput(
                    f"with this change the next batch's {error.what} would overflow (not finite numbers), "
                    "so nothing was changed — keep the current settings, or reset the network",
                    "non_finite",
                )
            return views.network_public(session)

        return self.edit(network_id, edit_doc, change)

    def put_parameters(self, network_id: str, body: ParametersIn) -> NetworkPublic:
        def change(session: Session) -> NetworkPublic:
            layers = session.spec["layers"]
            kept = [(layer.W, layer.b) for layer in session.net.layers]  # replaced, not written into
            if body.weights is not None:
                codec.check_weights(body.weights, layers, "weights")
                for layer, W in zip(session.net.layers, body.weights, strict=False):
                    layer.W = np.array(W, dtype=np.float64)
            if body.biases is not None:
                codec.check_biases(body.biases, layers, "biases")
                for layer, b in zip(session.net.layers, body.biases, strict=False):
                    layer.b = np.array(b, dtype=np.float64)
            # As for a PATCH: parameters that leave a next step overflowing, where there was
            # none, are refused.
            error = codec.next_step_overflow(session)
            if error is not None and could_step(session, kept):
                raise InvalidInput(
                    f"with these parameters the next batch's {error.what} would overflow (not finite "
                    "numbers), so nothing was changed — choose smaller weights or biases",
                    "non_finite",
                )
            session.finish_step()
            return views.network_public(session)

        return self.mutate(network_id, change, cost=next_step_cost)

    def reset(self, network_id: str) -> NetworkPublic:
        def edit_doc(doc: dict) -> None:
            doc["parameters"] = codec.initial_parameters(doc["spec"])
            doc.update(codec.fresh_state())

        return self.edit(network_id, edit_doc, views.network_public, clear_logs=True)

    def history(self, network_id: str, since_step: int | None = None) -> dict:
        """Every epoch's summary; the step losses after `since_step` (all when None)."""
        self.require(network_id)
        entries: Iterable[dict] = self.store.history(network_id)
        return {
            "history": [serialize.history_entry(e) for e in entries],
            "steps": self.store.steps(network_id, since_step=since_step),
        }

    def data(self, network_id: str) -> dict:
        def cost(session: Session) -> int:
            dataset = session.dataset
            if dataset is None:
                return costs.stored(costs.shape_of(session))
            columns = 2 * dataset.X.shape[1] + dataset.Y.shape[1]  # inputs, raw inputs, targets
            return costs.rows(costs.shape_of(session), len(dataset.X), columns)

        session = self.read(network_id, cost)
        dataset, trainer = session.require_data()
        return {
            **self.datasets.dataset_out(dataset),
            "train_indices": serialize.indices(trainer.train_idx),
            "val_indices": serialize.indices(trainer.val_idx),
        }

    def export(self, network_id: str) -> dict:
        gate.reserve(costs.document(self.store.size(network_id) or 0), "this export")
        return transfer.export(
            self.load(network_id), self.store.history(network_id), self.store.steps(network_id)
        )

    def import_(self, body: ExportDocument) -> NetworkPublic:
        return self.insert(transfer.open_import(body, self.limits, self.datasets))


def could_step(session: Session, parameters: list) -> bool:
    """Whether the network ran its next step with ``parameters`` ([(W, b)] per layer), which are
    put back: the check is made only when the new parameters cannot."""
    for layer, (W, b) in zip(session.net.layers, parameters, strict=True):
        layer.W, layer.b = W, b
    return codec.next_step_overflow(session) is None
