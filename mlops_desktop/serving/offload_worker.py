"""What runs inside a scoring process (``serving.offload``): a request body read, checked and
scored exactly as the service's own path does it, and only the outcome sent back."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_desktop.registry.prediction_text import LoggedJSON, payload_json
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.batching import ModelError, score_tables
from mlops_desktop.serving.bodies import parse_body
from mlops_desktop.serving.models import load_model
from mlops_desktop.serving.validation import RequestError, validate_table

MODELS_KEPT = 4  # model versions a scoring process keeps loaded


def one_thread_per_predict() -> None:
    """Score each micro-batch on one core. OpenMP's thread team costs more than it saves on
    batches this small, and spins when other processes want the cores: measured here, a one-row
    HistGradientBoosting ``predict_proba`` took 197 ms of CPU with the default team and 4.5 ms
    on one thread, on a busy 2-core machine."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # read when the OpenMP runtime loads
    try:
        import sklearn.utils._openmp_helpers  # noqa: F401 - loads the OpenMP runtime now
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # acts only on runtimes already loaded, hence the import above
    except ImportError:  # pragma: no cover - both come with scikit-learn
        pass


@dataclass(frozen=True)
class Offloaded:
    """What a scoring process sends back for one request.

    ``outcome`` is ``scored`` (``predictions`` and ``proba`` set), ``unreadable`` (the body
    could not be read: nothing to log but the error) or ``refused`` (read, then refused by the
    checks or the model: logged with its inputs). ``inputs`` is the log's JSON of the rows.
    """

    outcome: str
    predictions: list | None = None
    proba: Any = None
    inputs: LoggedJSON | None = None
    status: int = 200
    code: str = ""
    message: str = ""


_MODELS: dict[tuple[str, int], Any] = {}


def start_process() -> None:
    """A scoring process's start: one OpenMP thread per predict, as in the service, and an exit
    as soon as the service process is gone (killed, it cannot stop its scoring processes)."""
    one_thread_per_predict()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    multiprocessing.connection.wait([parent.sentinel])  # ready once the parent has exited
    os._exit(0)


def _model(workspace: str, version_id: int) -> Any:
    key = (workspace, version_id)
    model = _MODELS.get(key)
    if model is None:
        ws = Workspace.open(Path(workspace), create=False)
        try:
            model = load_model(ws, ws.models.by_id(version_id))
        finally:
            ws.close()
        if len(_MODELS) >= MODELS_KEPT:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[key] = model
    return model


def warm(workspace: str, version_id: int) -> bool:
    """Load a model version in this process (before requests need it)."""
    _model(workspace, version_id)
    return True


def score_body(
    workspace: str, version_id: int, body: bytes, content_type: str, style: str, names: list
) -> Offloaded:
    """Read, check and score one request body as the service would, in a scoring process."""
    model = _model(workspace, version_id)
    try:
        table, _ = parse_body(body, content_type, style, False, names)
    except RequestError as exc:
        return Offloaded("unreadable", status=exc.status, code=exc.code, message=exc.message)
    try:
        clean = validate_table(table, model.signature, model.ref)
        (result,) = score_tables(model, [clean])
        if isinstance(result, Exception):
            raise result
    except RequestError as exc:  # refused: logged with the rows as sent, as the service does
        return _refused(payload_json(table), exc.status, exc.code, exc.message)
    except ModelError as exc:
        return _refused(payload_json(table), 500, "INTERNAL_ERROR", str(exc))
    inputs = LoggedJSON(payload_json(clean))
    return Offloaded("scored", result.predictions, result.proba, inputs)


def _refused(inputs: str | None, status: int, code: str, message: str) -> Offloaded:
    logged = None if inputs is None else LoggedJSON(inputs)
    return Offloaded("refused", inputs=logged, status=status, code=code, message=message)
