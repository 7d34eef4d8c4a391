"""A workspace where one person of the real Adult census data lives everywhere: three dataset
versions (two hold the person), models trained on them, a test report, the prediction log (a
multi-row request, a request by entity key, a refused request), quarantine, outcomes, a batch
scoring output and the service log. For the erasure tests and benchmark."""

from __future__ import annotations

import gzip
import io
import json
import time
import zlib
from pathlib import Path

import pandas as pd

from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.registry.workspace import Workspace

KEY = "person_id"
PERSON = "P000007"  # among the first rows, so the profile's top values name it too
NEIGHBOUR = "P000008"
TARGET = "class"


def adult_with_ids(data_dir: Path, rows: int) -> pd.DataFrame:
    frame = pd.read_csv(data_dir / "uci_adult_census_income.csv").head(rows).copy()
    frame.insert(0, KEY, [f"P{i:06d}" for i in range(len(frame))])
    return frame


def _import(ws: Workspace, frame: pd.DataFrame, folder: Path, part: str) -> None:
    from mlops_desktop.data.importer import import_dataset

    path = folder / f"adult-{part}.csv"
    frame.to_csv(path, index=False)
    run_inline(
        ws,
        import_dataset,
        {"path": str(path), "name": "adult", "target": TARGET, "id_cols": [KEY], "seed": 3},
    )


def _train(ws: Workspace, dataset: str) -> str:
    from mlops_desktop.training.jobs import train_model

    _, result = run_inline(
        ws, train_model, {"dataset": dataset, "model": "logreg", "cv_folds": 2, "register": "adult"}
    )
    return result["registered"]


def build(path: Path, data_dir: Path, folder: Path) -> None:
    """Datasets adult@1 (rows 0-2999), adult@2 (0-2499), adult@3 (1000-2999, not the person);
    adult model @1 on adult@1, @2 on adult@3; adult@1 tested (an HTML report stored)."""
    from mlops_desktop.evaluation.jobs import test_model

    frame = adult_with_ids(data_dir, 3000)
    with Workspace.open(path) as ws:
        _import(ws, frame, folder, "1")
        _import(ws, frame.head(2500), folder, "2")
        _import(ws, frame.iloc[1000:], folder, "3")
        assert _train(ws, "adult@1") == "adult@1"
        assert _train(ws, "adult@3") == "adult@2"
        run_inline(ws, test_model, {"model_ref": "adult@1", "resamples": 20})
        traces(ws, frame, folder)


def _request(frame: pd.DataFrame, ids: list[str], drop: tuple[str, ...] = (TARGET,)) -> dict:
    rows = frame[frame[KEY].isin(ids)].drop(columns=list(drop))
    return {"columns": list(rows.columns), "data": rows.astype(object).values.tolist()}


def traces(ws: Workspace, frame: pd.DataFrame, folder: Path) -> None:
    """The person's traces outside the datasets (the log, outcomes, batch output, service log)."""
    from mlops_desktop.serving.batch import score
    from mlops_desktop.serving.outcomes import record_outcomes

    version = ws.models.get("adult@1")
    now = time.time()
    log = ws.predictions
    # before the entity's request is logged: unmatched, so the summary names the key
    record_outcomes(ws, "adult", [{"entity_key": PERSON, "label": ">50K"}], key_kind="entity")
    both = _request(frame, [PERSON, NEIGHBOUR])
    log.add(
        "req-both",
        now,
        "adult",
        version.id,
        "live",
        "v1",
        both,
        {"predictions": ["<=50K", ">50K"]},
        3.0,
        200,
    )
    log.add(
        "req-entity",
        now,
        "adult",
        version.id,
        "live",
        "v1",
        _request(frame, [PERSON], (TARGET, KEY)),
        {"predictions": [">50K"]},
        2.0,
        200,
        entity_key=PERSON,
    )
    log.add(
        "req-refused",
        now,
        "adult",
        version.id,
        "live",
        "v1",
        f'{{"person_id": "{PERSON}", "age": "x',
        None,
        1.0,
        400,
        f"unknown column(s) 'person_id' (got {PERSON!r})",
    )
    log.add(
        "req-other",
        now,
        "adult",
        version.id,
        "live",
        "v1",
        _request(frame, [NEIGHBOUR]),
        {"predictions": [">50K"]},
        2.0,
        200,
    )
    log.quarantine([(("req-q", now, "adult", json.dumps({KEY: PERSON})), "ValueError: surrogate")])
    record_outcomes(
        ws,
        "adult",
        [
            {"request_id": "req-both", "label": ["<=50K", "<=50K"]},
            {"request_id": "req-entity", "label": ">50K"},
            {"request_id": "req-other", "label": ">50K"},
        ],
    )
    batch_in = folder / "to-score.csv"
    frame.head(50).drop(columns=[TARGET]).to_csv(batch_in, index=False)
    score(ws, "adult@1", batch_in, folder / "scored.csv")
    # a drift window as the engine stores it (detail gzipped in the artifact store), whose
    # detail names the person among a column's unseen categories
    detail = {"report": {"columns": [{"column": KEY, "unseen_examples": [PERSON]}]}}
    digest = ws.artifacts.put_bytes(gzip.compress(json.dumps(detail).encode(), 6))
    ws.drift_windows.insert(
        "adult",
        version.id,
        "count",
        1.0,
        now,
        4,
        results_json=json.dumps({"report": digest, "columns": {}}),
    )
    logs = ws.path / "logs"
    logs.mkdir(exist_ok=True)
    (logs / "service.log").write_text(
        f"INFO request req-entity entity {PERSON} answered 200\nINFO request req-other 200\n"
        f"WARNING refused: unknown column(s) 'person_id' (got '{PERSON}')\n",
        encoding="utf-8",
    )


def readable_forms(path: Path) -> list[bytes]:
    """The bytes of a file and, where compressed or encoded, its content as text."""
    data = path.read_bytes()
    forms = [data]
    if data[:2] == b"\x1f\x8b":
        forms.append(gzip.decompress(data))
    if data[:4] == b"PAR1":
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data)).to_pandas()
        forms.append(table.to_csv(index=False).encode())
    for start in range(0, min(len(data), 64)):
        try:
            forms.append(zlib.decompressobj().decompress(data[start:]))
        except zlib.error:
            continue
    return forms


def files_holding(root: Path, value: str, extra: tuple[Path, ...] = ()) -> list[str]:
    """Every file under ``root`` (and ``extra``) holding ``value``, raw or decompressed."""
    needles = (value.encode(), value.encode("utf-16-le"))
    found = []
    for path in [*root.rglob("*"), *extra]:
        if path.is_file() and any(n in form for form in readable_forms(path) for n in needles):
            found.append(str(path))
    return found
