"""A Python client for the REST API: every phase, training and history, with NumPy arrays back.

    from backprop_explorer import Client

    with Client("http://127.0.0.1:8000") as api:
        net = api.create({"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                          "data": {"generator": "xor"}})
        trace = net.step()                      # forward, loss, backward, update
        trace.backward.layer(1).dL_dW           # layer 1 as the page numbers it: (4, 2)
        result = net.train(200)
        result.history.train_loss               # ndarray, one value per epoch

``Client()`` without an address reads ``BACKPROP_EXPLORER_URL`` (default
http://127.0.0.1:8000) and ``BACKPROP_EXPLORER_TOKEN``. Arrays go out as nested lists
(anything ``numpy.asarray`` takes) and come back as float64 ndarrays with the API's shapes
(batch-first; ``W[l]`` is ``(n_l, n_{l-1})``); ``layer(l)`` is layer ``l`` as the page and the
API number it (``layers[l - 1]``). Field names are the API's. An error answer raises an
:class:`ApiError` of its kind (:mod:`backprop_explorer.errors`), and so does a server that
cannot be reached. Every result keeps the decoded JSON in ``raw``. In a notebook a
:class:`Network` draws itself (``_repr_html_``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from .analysis import DatasetInfo
from .errors import ApiError, UnreachableError, error_for
from .network import Network
from .results import Json, NetworkInfo
from .wire import as_json, code_of, detail_of

__all__ = ["ApiError", "Client", "Network"]

DEFAULT_URL = "http://127.0.0.1:8000"
URL_VARIABLE, TOKEN_VARIABLE = "BACKPROP_EXPLORER_URL", "BACKPROP_EXPLORER_TOKEN"


class Client:
    """One HTTP connection pool to a Backprop Explorer server; use it as a context manager.

    ``url`` defaults to ``BACKPROP_EXPLORER_URL``, then http://127.0.0.1:8000; ``token`` (a
    server other machines can reach needs one) to ``BACKPROP_EXPLORER_TOKEN``, or the
    ``?token=`` of an address the server printed. ``headers`` are sent with every request.

    The networks a client creates belong to its ``owner_key`` (sent as ``X-Owner-Key``):
    another owner, a browser included, gets 404 for them unless given a network's share link
    (:meth:`Network.share_link`). By default each client makes up a key of its own; pass the
    same key again (keep it secret: it is the key to those networks) to open them from
    another run.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 300.0,
        owner_key: str | None = None,
    ) -> None:
        base, in_url = _split_token(url or os.environ.get(URL_VARIABLE) or DEFAULT_URL)
        self.url = base
        self.token = token or in_url or os.environ.get(TOKEN_VARIABLE) or None
        self.owner_key = owner_key or secrets.token_urlsafe(24)
        sent = {"X-Owner-Key": self.owner_key, **(headers or {})}
        if self.token:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        self.http = httpx.Client(base_url=base, timeout=timeout, headers=sent)

    def __repr__(self) -> str:
        return f"Client({self.url!r}{', token=…' if self.token else ''})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (leaving a ``with`` block does it)."""
        self.http.close()

    @contextmanager
    def _reaching(self, method: str, path: str) -> Iterator[None]:
        """Turn a failed connection into one :class:`UnreachableError` line, without httpx's chain."""
        try:
            yield
        except httpx.TimeoutException:
            timeout = self.http.timeout.read
            raise UnreachableError(
                None, f"the server at {self.url} did not answer within {timeout:g} s "
                "(a long train may need Client(timeout=…))", method, path,
            ) from None  # fmt: skip
        except httpx.TransportError as error:
            raise UnreachableError(
                None, f"cannot reach a server at {self.url} ({error or type(error).__name__}): start one "
                f"with `backprop-explorer serve`, or set {URL_VARIABLE}", method, path,
            ) from None  # fmt: skip

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """The decoded JSON answer (``None`` for 204); an :class:`ApiError` of its kind for a
        4xx or 5xx, :class:`UnreachableError` when no answer came."""
        with self._reaching(method, path):
            response = self.http.request(
                method, path, json=None if body is None else as_json(body), params=params or None
            )
        if response.is_error:
            raise error_for(response.status_code, detail_of(response), method, path, code_of(response))
        return response.json() if response.content else None

    def health(self) -> Json:
        """``{"status": "ok", "version": …}``: the server answers (no token needed)."""
        return self.request("GET", "/api/health")

    def catalog(self) -> Json:
        """Activations, losses, optimizers, initializers, datasets, phases and the limits in force."""
        return self.request("GET", "/api/catalog")

    def create(self, spec: Mapping[str, Any]) -> Network:
        """A new network from a spec (the API's fields; ndarrays allowed for weights and data)."""
        return Network(self, NetworkInfo.from_json(self.request("POST", "/api/networks", spec)))

    def network(self, network_id: str) -> Network:
        """The stored network with this id."""
        return Network(self, NetworkInfo.from_json(self.request("GET", f"/api/networks/{network_id}")))

    def networks(self) -> list[Json]:
        """A summary of every stored network, oldest first (the server pages them; this
        fetches every page)."""
        return self._every("/api/networks", "networks")

    def import_network(self, document: Mapping[str, Any]) -> Network:
        """A new network from a document :meth:`Network.export` returned."""
        return Network(self, NetworkInfo.from_json(self.request("POST", "/api/networks/import", document)))

    # --- uploaded datasets -----------------------------------------------------------------

    def upload_csv(
        self,
        path: str | os.PathLike[str],
        *,
        features: Sequence[str] | None = None,
        targets: Sequence[str] | None = None,
        standardize: bool = True,
        standardize_targets: bool = False,
        task: str = "auto",
        index_column: str = "auto",
    ) -> DatasetInfo:
        """Upload the CSV file at ``path`` (a header row, then rows). By default the last column
        is the target and the others features; a target column of labels (strings, or integers
        0…K−1 or 1…K) is a classification target, ``task="classification"`` or
        ``"regression"`` forces one. ``standardize`` scales each feature to mean 0, std 1
        (the answer keeps ``means`` and ``stds``); ``index_column="auto"`` leaves out an
        unnamed first column (pandas' index), ``"ignore"`` any first column, ``"keep"`` none.
        Use the answer as ``"data": {"dataset_id": info.dataset_id}`` in a spec."""
        file = Path(path)
        form: dict[str, str] = {
            "standardize": str(standardize).lower(),
            "standardize_targets": str(standardize_targets).lower(),
            "task": task,
            "index_column": index_column,
        }
        if features:
            form["features"] = ",".join(features)
        if targets:
            form["targets"] = ",".join(targets)
        with self._reaching("POST", "/api/datasets"):
            response = self.http.post(
                "/api/datasets", files={"file": (file.name, file.read_bytes(), "text/csv")}, data=form
            )
        if response.is_error:
            raise error_for(
                response.status_code, detail_of(response), "POST", "/api/datasets", code_of(response)
            )
        return DatasetInfo.from_json(response.json())

    def datasets(self) -> list[DatasetInfo]:
        """Every uploaded dataset, oldest first, with its file name and shape (not its rows)."""
        return [DatasetInfo.from_json(d) for d in self._every("/api/datasets", "datasets")]

    def dataset(self, dataset_id: str) -> DatasetInfo:
        """One uploaded dataset with its stored rows (``inputs``, ``targets``)."""
        return DatasetInfo.from_json(self.request("GET", f"/api/datasets/{dataset_id}"))

    def delete_dataset(self, dataset_id: str) -> None:
        """Delete an uploaded dataset (a :class:`ConflictError` while a network uses it)."""
        self.request("DELETE", f"/api/datasets/{dataset_id}")

    def _every(self, path: str, key: str) -> list[Json]:
        items: list[Json] = []
        while True:  # 100 a page: the most either listing gives at once
            page = self.request("GET", path, limit=100, offset=len(items))
            items.extend(page[key])
            if not page[key] or len(items) >= page["total"]:
                return items


def _split_token(url: str) -> tuple[str, str | None]:
    """(the address without ``?token=…``, that token): an address the server printed works as is."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    token = dict(query).get("token")
    rest = urlencode([(k, v) for k, v in query if k != "token"])
    return urlunsplit(parts._replace(query=rest, fragment="")).rstrip("/"), token
