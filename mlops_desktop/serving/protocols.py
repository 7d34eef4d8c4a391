"""The request and answer formats real clients speak: MLflow scoring, Open Inference v2, KServe v1.

Parsers turn a decoded body into a ``Table`` (columns of values) and raise RequestError for a body
of the wrong shape; formatters turn scored rows into each protocol's answer. Extra fields in a
body are tolerated, as the reference servers' clients expect.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from mlops_desktop.serving import limits
from mlops_desktop.serving.validation import RequestError, Table

MLFLOW_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")
V2_DATATYPES = {
    "BOOL",
    "UINT8",
    "UINT16",
    "UINT32",
    "UINT64",
    "INT8",
    "INT16",
    "INT32",
    "INT64",
    "FP16",
    "FP32",
    "FP64",
    "BYTES",
}


@dataclass
class Scored:
    """What one request got back: labels (or values), and class probabilities when classified."""

    predictions: list
    proba: list[list[float]] | None = None
    classes: list | None = None

    def to_log(self) -> dict:
        out: dict = {"predictions": self.predictions}
        if self.proba is not None:
            out["probabilities"] = self.proba
            out["classes"] = self.classes
        return out


def decode_json(body: bytes) -> Any:
    """Decode a JSON body or raise RequestError saying where it is malformed."""
    if not body.strip():
        raise RequestError("The request body is empty. Send a JSON object.")
    try:
        return limits.loads(body)
    except UnicodeDecodeError as exc:
        raise RequestError(f"The request body is not UTF-8 text ({exc.reason}).") from exc
    except json.JSONDecodeError as exc:
        raise RequestError(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}."
        ) from exc
    except ValueError as exc:  # an integer beyond Python's digit limit, caught by json itself
        raise RequestError(f"The request body holds a number that cannot be read: {exc}.") from exc


# -- shapes shared by the protocols ----------------------------------------------------------


def _from_records(records: list, where: str) -> Table:
    if records and all(type(r) is dict for r in records):
        orders = set(map(tuple, map(dict.keys, records)))
        if len(orders) == 1:  # the usual case: the same keys in the same order, transposed in C
            columns = map(list, zip(*map(dict.values, records), strict=True))
            return Table(dict(zip(orders.pop(), columns, strict=True)), len(records))
        keys = records[0].keys()
        if all(r.keys() == keys for r in records):  # the same keys in another order
            return Table({k: list(map(itemgetter(k), records)) for k in keys}, len(records))
    columns: dict[str, list] = {}
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise RequestError(
                f"{where} must be a list of objects ({{column: value}}); item {i} is "
                f"{type(record).__name__}."
            )
        for key in record:
            if key not in columns:
                columns[key] = [None] * i
        for key, values in columns.items():
            values.append(record.get(key))
    return Table(columns, len(records))


def _from_rows(rows: list, names: list[str], where: str) -> Table:
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(names):
            got = f"{len(row)} values" if isinstance(row, list) else type(row).__name__
            raise RequestError(
                f"{where}: row {i} has {got} but {len(names)} columns are expected "
                f"({', '.join(names)})."
            )
    return Table({name: [row[j] for row in rows] for j, name in enumerate(names)}, len(rows))


def _from_columns(data: dict, where: str) -> Table:
    if all(isinstance(v, list) for v in data.values()):
        lengths = {len(v) for v in data.values()}
        if len(lengths) > 1:
            sizes = ", ".join(f"{k}: {len(v)}" for k, v in data.items())
            raise RequestError(f"{where}: the columns have different lengths ({sizes}).")
        return Table(dict(data), lengths.pop() if lengths else 0)
    if any(isinstance(v, list) for v in data.values()):
        raise RequestError(
            f"{where}: give every column a list of values, or every column one value."
        )
    return Table({k: [v] for k, v in data.items()}, 1)


def _tensor(value: Any, names: list[str], where: str) -> Table:
    """MLflow ``instances``/``inputs`` and KServe ``instances``: records, rows or columns."""
    if isinstance(value, dict):
        return _from_columns(value, where)
    if not isinstance(value, list):
        raise RequestError(f"{where} must be a list of rows or an object of columns.")
    if not value:
        return Table({n: [] for n in names}, 0)
    if all(isinstance(v, dict) for v in value):
        return _from_records(value, where)
    if all(isinstance(v, list) for v in value):
        return _from_rows(value, names, where)
    if len(names) == 1 and not any(isinstance(v, (list, dict)) for v in value):
        return Table({names[0]: list(value)}, len(value))
    raise RequestError(
        f"{where} must hold only objects ({{column: value}}) or only lists of "
        f"{len(names)} values in the order {', '.join(names)}."
    )


# -- KServe v1 ------------------------------------------------------------------------------


def parse_v1(payload: Any, names: list[str]) -> Table:
    """A KServe v1 ``:predict`` body: ``{"instances": [...]}`` (or ``{"inputs": [...]}``)."""
    if not isinstance(payload, dict) or ("instances" not in payload and "inputs" not in payload):
        raise RequestError('The body must be {"instances": [...]} (or {"inputs": [...]}).')
    key = "instances" if "instances" in payload else "inputs"
    return _tensor(payload[key], names, key)


# -- MLflow scoring server ------------------------------------------------------------------


def parse_mlflow(payload: Any, names: list[str]) -> tuple[Table, dict]:
    """A ``/invocations`` JSON body with exactly one of the four MLflow keys (plus ``params``)."""
    if not isinstance(payload, dict):
        raise RequestError(
            "The body must be a JSON object with one of: " + ", ".join(MLFLOW_KEYS) + "."
        )
    present = [k for k in MLFLOW_KEYS if k in payload]
    if len(present) != 1:
        what = "none" if not present else ", ".join(present)
        raise RequestError(
            f"The body must hold exactly one of {', '.join(MLFLOW_KEYS)}; it holds {what}. "
            'Example: {"dataframe_records": [{"column": 1.0}]}.'
        )
    key = present[0]
    params = payload.get("params") or {}
    if not isinstance(params, dict):
        raise RequestError("'params' must be a JSON object.")
    value = payload[key]
    if key == "dataframe_split":
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise RequestError(
                "'dataframe_split' must be an object with 'columns' and 'data' (a list of rows)."
            )
        columns = value.get("columns", names)
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise RequestError("'dataframe_split.columns' must be a list of column names.")
        return _from_rows(value["data"], columns, "dataframe_split.data"), params
    if key == "dataframe_records":
        if isinstance(value, dict):
            return _from_columns(value, "dataframe_records"), params
        if not isinstance(value, list):
            raise RequestError("'dataframe_records' must be a list of objects ({column: value}).")
        return _from_records(value, "dataframe_records"), params
    return _tensor(value, names, key), params


def parse_csv(body: bytes, names: list[str] | None = None) -> Table:
    """A ``text/csv`` body; empty cells are missing values. Its first row is the header unless
    it has one field per input and names none of them (``names``, the training frame's order):
    then every row is data, its fields in that order."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RequestError(f"The CSV body is not UTF-8 text ({exc.reason}).") from exc
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise RequestError(f"The CSV body cannot be read: {exc}.") from exc
    rows = [r for r in rows if r]
    if not rows:
        raise RequestError("The CSV body is empty. Send a header row and at least one row.")
    header, data, first = rows[0], rows[1:], 2
    if names and len(header) == len(names) and not set(header) & set(names):  # no header
        header, data, first = names, rows, 1
    for i, row in enumerate(data, start=first):
        if len(row) != len(header):
            expected = "the header has" if first == 2 else "the model takes"
            raise RequestError(
                f"CSV line {i} has {len(row)} fields but {expected} {len(header)}"
                + ("." if first == 2 else f" ({', '.join(names or [])}).")
            )
    return Table(
        {name: [row[j] if row[j] != "" else None for row in data] for j, name in enumerate(header)},
        len(data),
    )


def mlflow_answer(scored: Scored, name: str, version: int) -> dict:
    body: dict = {"predictions": scored.predictions}
    if scored.proba is not None:
        body["probabilities"] = scored.proba
        body["classes"] = scored.classes
    body["model_name"] = name
    body["model_version"] = str(version)
    return body


# -- Open Inference Protocol (v2) -----------------------------------------------------------


def _flatten(data: Any) -> list:
    if not isinstance(data, list):
        return [data]
    if not any(isinstance(v, list) for v in data):
        return data
    out: list = []
    for item in data:
        out.extend(_flatten(item))
    return out


def _v2_tensor(i: int, tensor: Any) -> tuple[str, list[int], list]:
    """``(name, shape, flat data)`` of ``inputs[i]``, checked against its shape and datatype."""
    if not isinstance(tensor, dict):
        raise RequestError(f"inputs[{i}] must be an object with name, shape, datatype, data.")
    missing = [k for k in ("name", "shape", "datatype", "data") if k not in tensor]
    if missing:
        raise RequestError(f"inputs[{i}] lacks {', '.join(missing)}.")
    shape = tensor["shape"]
    if (
        not isinstance(shape, list)
        or not shape
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    ):
        raise RequestError(f"inputs[{i}].shape must be a list of non-negative integers.")
    if not isinstance(tensor["name"], str):
        raise RequestError(f"inputs[{i}].name must be a string (a column name).")
    if not isinstance(tensor["datatype"], str) or tensor["datatype"] not in V2_DATATYPES:
        raise RequestError(
            f"inputs[{i}].datatype {tensor['datatype']!r} is not an Open Inference datatype "
            f"({', '.join(sorted(V2_DATATYPES))})."
        )
    data = _flatten(tensor["data"])
    size = 1
    for d in shape:
        size *= d
    if size != len(data):
        raise RequestError(
            f"inputs[{i}] ('{tensor['name']}') has shape {shape} ({size} values) but "
            f"{len(data)} values in data."
        )
    return tensor["name"], shape, data


def _v2_matrix(tensor: tuple[str, list[int], list], names: list[str]) -> Table:
    """One ``[n, k]`` input holding all ``k`` columns in the model's input order."""
    name, (n, k), data = tensor
    if k != len(names):
        raise RequestError(
            f"Input '{name}' has {k} columns per row but the model takes {len(names)} "
            f"({', '.join(names)})."
        )
    rows = [data[r * k : (r + 1) * k] for r in range(n)]
    return _from_rows(rows, names, f"inputs[0] ('{name}')")


def _v2_columns(tensors: list[tuple[str, list[int], list]]) -> Table:
    """One input per column, each of shape ``[n]`` or ``[n, 1]`` with the same ``n``."""
    columns: dict[str, list] = {}
    sizes = set()
    for name, shape, data in tensors:
        if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
            raise RequestError(
                f"Input '{name}' has shape {shape}; one column takes shape [n] or [n, 1]."
            )
        columns[name] = data
        sizes.add(shape[0])
    if len(sizes) > 1:
        raise RequestError(
            "The inputs have different numbers of rows: "
            + ", ".join(f"{n}: {len(d)}" for n, d in columns.items())
            + "."
        )
    return Table(columns, sizes.pop())


def parse_v2(payload: Any, names: list[str]) -> tuple[Table, dict]:
    """``{"id"?, "parameters"?, "inputs": [{name, shape, datatype, data}], "outputs"?}``.

    Each input is one column (shape ``[n]`` or ``[n, 1]``), or a single input of shape
    ``[n, k]`` holds all ``k`` columns in the model's input order.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("inputs"), list):
        raise RequestError(
            "The body must be a JSON object with 'inputs': a list of "
            '{"name", "shape", "datatype", "data"} tensors.'
        )
    if not payload["inputs"]:
        raise RequestError("'inputs' is empty. Send one tensor per column.")
    tensors = [_v2_tensor(i, tensor) for i, tensor in enumerate(payload["inputs"])]
    if len(tensors) == 1 and len(tensors[0][1]) == 2 and tensors[0][0] not in names:
        table = _v2_matrix(tensors[0], names)
    else:
        table = _v2_columns(tensors)
    params = payload.get("parameters") or {}
    if not isinstance(params, dict):
        raise RequestError("'parameters' must be a JSON object.")
    outputs = payload.get("outputs")
    if outputs is not None:
        if not isinstance(outputs, list):
            raise RequestError("'outputs' must be a list of {\"name\": ...} objects.")
        for i, output in enumerate(outputs):
            if not isinstance(output, dict) or not isinstance(output.get("name"), str):
                raise RequestError(f"outputs[{i}].name must be a string (an output's name).")
    return table, params
