"""Decode the prediction log's JSON columns into arrays, many requests at a time.

Each logged request holds ``inputs_json = {"columns": [...], "data": [[...], ...]}`` and
``outputs_json = {"predictions": [...], "probabilities": [[...]], "classes": [...]}``, written
by the service with compact separators in that key order. The fast path relies on that: when
every request of a batch starts with the same ``{"columns":[...]`` text, only the ``data``
parts are cut out (``str.find``) and joined into one JSON array parsed by one C call, so column
names are parsed once per batch, not once per request; outputs likewise parse only the parts
needed. Anything else (other column orders, hand-written rows) takes the general path: one
parse of the full texts. Rows become columns with one ``zip``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

_DATA = ',"data":'
_PROBA = ',"probabilities":'
_CLASSES = ',"classes":'
_PREDICTIONS = '{"predictions":'


def parse_many(texts: Sequence[str | None]) -> list:
    """``[json.loads(t) for t in texts]`` in one parse (None for missing texts)."""
    if not texts:
        return []
    if all(t is not None for t in texts):
        return json.loads("[" + ",".join(texts) + "]")
    return [json.loads(t) if t is not None else None for t in texts]


@dataclass
class LoggedInputs:
    """Logged inputs of many requests.

    In the service's format (one shared ``{"columns":[...]`` prefix) nothing is parsed yet:
    ``texts`` are kept with the offset of their data part and the rows per request are counted
    from the text. Otherwise ``data`` holds each request's parsed rows.
    """

    columns: list[tuple | None]
    counts: np.ndarray
    data: list[list] | None = None
    texts: list[str] | None = None
    start: int = 0

    @property
    def rows_per_request(self) -> np.ndarray:
        return self.counts

    def slice(self, lo: int, hi: int) -> LoggedInputs:
        return LoggedInputs(
            self.columns[lo:hi],
            self.counts[lo:hi],
            None if self.data is None else self.data[lo:hi],
            None if self.texts is None else self.texts[lo:hi],
            self.start,
        )

    def rows(self) -> list[list]:
        """Each request's rows (parsing the data parts now if they were not yet)."""
        if self.data is None:
            self.data = json.loads(
                "[" + ",".join(t[self.start : -1] for t in self.texts or []) + "]"
            )
        return self.data


def parse_inputs(texts: Sequence[str | None]) -> LoggedInputs:
    """Read logged inputs: counted but not parsed when all share one column list."""
    n = len(texts)
    if n and all(texts):
        first = texts[0]
        cut = first.find(_DATA)
        prefix = first[:cut] if cut > 0 else ""
        if prefix.startswith('{"columns":') and all(
            t.startswith(prefix) and t.startswith(_DATA, cut) for t in texts
        ):
            try:
                columns = tuple(json.loads(prefix + "}")["columns"])
            except (ValueError, KeyError, TypeError):
                columns = None
            if columns is not None:
                start = cut + len(_DATA)
                counts = np.fromiter(
                    (t.count("],[", start) + 1 for t in texts), dtype=np.int64, count=n
                )
                return LoggedInputs([columns] * n, counts, None, list(texts), start)
    docs = parse_many(texts)
    data = [(d.get("data") or []) if d else [] for d in docs]
    return LoggedInputs(
        [tuple(d.get("columns") or ()) if d else None for d in docs],
        np.fromiter(map(len, data), dtype=np.int64, count=len(data)),
        data,
    )


_ARROW_TYPES = {"numeric": "float64"}


def _arrow_frame(inputs: LoggedInputs, columns: list[str], types: dict[str, str]):
    """The rows via Arrow's CSV reader: a JSON row ``1.5,"a",null`` is a CSV line as long as
    no text holds a backslash escape. None when that does not hold or Arrow disagrees."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    texts, start = inputs.texts or [], inputs.start
    body = "\n".join(t[start + 2 : -3] for t in texts)
    if "\\" in body:
        return None
    body = body.replace("],[", "\n")
    logged = list(inputs.columns[0] or ())
    wanted = {c: pa.float64() if types.get(c) == "numeric" else pa.string() for c in logged}
    try:
        table = pcsv.read_csv(
            pa.py_buffer(body.encode()),
            read_options=pcsv.ReadOptions(column_names=logged, use_threads=False),
            parse_options=pcsv.ParseOptions(escape_char=False, newlines_in_values=False),
            convert_options=pcsv.ConvertOptions(
                null_values=["null"],
                quoted_strings_can_be_null=False,
                strings_can_be_null=True,
                column_types=wanted,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeEncodeError):
        return None
    if table.num_rows != int(inputs.counts.sum()):
        return None
    data = {}
    for c in columns:
        if c not in wanted:
            data[c] = np.full(table.num_rows, None, dtype=object)
        elif types.get(c) == "numeric":
            data[c] = table[c].to_numpy()
        else:
            values = table[c]
            if types.get(c) == "categorical":  # JSON 3.0 is the category "3", as in training
                values = pc.replace_substring_regex(values, r"^(-?\d+)\.0$", r"\1")
            data[c] = np.array(values.to_pylist(), dtype=object)
    return pd.DataFrame(data, columns=columns)


@dataclass
class DecodedInputs:
    """Rows of many requests: a frame plus, per row, the index of its request."""

    frame: pd.DataFrame
    request_index: np.ndarray  # position of each row's request in the input sequence
    rows_per_request: np.ndarray


def decode_inputs(
    texts: Sequence[str | None], columns: Sequence[str], types: dict[str, str] | None = None
) -> DecodedInputs:
    """Decode logged inputs into a frame with exactly ``columns`` (absent ones are missing)."""
    return to_frame(parse_inputs(texts), columns, types)


def to_frame(
    inputs: LoggedInputs, columns: Sequence[str], types: dict[str, str] | None = None
) -> DecodedInputs:
    """The rows of logged inputs as a frame named ``columns``.

    With ``types`` (signature types per column) inputs in the service's format are read by
    Arrow's CSV reader into typed columns; otherwise, or when that does not apply, every column
    is an object column of the JSON values.
    """
    columns = list(columns)
    counts = inputs.counts
    if types and inputs.texts is not None and len(counts) and counts.sum():
        frame = _arrow_frame(inputs, columns, types)
        if frame is not None:
            index = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
            return DecodedInputs(frame, index, counts)
    data_rows = inputs.rows()
    counts = np.fromiter(map(len, data_rows), dtype=np.int64, count=len(data_rows))
    groups: dict[tuple, list[int]] = {}
    for i, cols in enumerate(inputs.columns):
        if cols is not None and counts[i]:
            groups.setdefault(cols, []).append(i)
    parts = []
    for cols, members in groups.items():
        rows = list(chain.from_iterable(data_rows[i] for i in members))
        transposed = list(zip(*rows, strict=False)) if cols else []
        position = {c: j for j, c in enumerate(cols)}
        data = {}
        for c in columns:
            j = position.get(c)
            data[c] = (
                np.array(transposed[j], dtype=object)
                if j is not None and j < len(transposed)
                else np.full(len(rows), None, dtype=object)
            )
        index = np.repeat(np.asarray(members, dtype=np.int64), counts[members])
        parts.append((index, pd.DataFrame(data, columns=columns)))
    if not parts:
        empty = pd.DataFrame({c: np.array([], dtype=object) for c in columns})
        return DecodedInputs(empty, np.zeros(0, np.int64), counts)
    if len(parts) == 1:
        index, frame = parts[0]
    else:
        index = np.concatenate([p[0] for p in parts])
        order = np.argsort(index, kind="stable")
        frame = pd.concat([p[1] for p in parts], ignore_index=True).iloc[order]
        frame = frame.reset_index(drop=True)
        index = index[order]
    return DecodedInputs(frame, index, counts)


@dataclass
class DecodedOutputs:
    """The model's answers of many requests, one entry per scored row."""

    predictions: np.ndarray  # object array of labels or values
    probabilities: np.ndarray | None  # (rows, classes) when every request had them
    classes: list
    request_index: np.ndarray


def _fast_outputs(texts: Sequence[str], need_proba: bool):
    """(predictions per request, probabilities per request or None, classes) or None."""
    first = texts[0]
    if not first.startswith(_PREDICTIONS):
        return None
    has_proba = _PROBA in first
    if has_proba:
        cuts = [(t.find(_PROBA), t.find(_CLASSES)) for t in texts]
        if any(i < 0 or j < i for i, j in cuts):
            return None
        predictions = json.loads(
            "["
            + ",".join(t[len(_PREDICTIONS) : i] for t, (i, _) in zip(texts, cuts, strict=False))
            + "]"
        )
        j0 = cuts[0][1]
        classes = json.loads(first[j0 + len(_CLASSES) : -1])
        proba = None
        if need_proba:
            proba = json.loads(
                "["
                + ",".join(t[i + len(_PROBA) : j] for t, (i, j) in zip(texts, cuts, strict=False))
                + "]"
            )
        return predictions, proba, classes
    if any(_PROBA in t or not t.startswith(_PREDICTIONS) for t in texts):
        return None
    predictions = json.loads("[" + ",".join(t[len(_PREDICTIONS) : -1] for t in texts) + "]")
    return predictions, None, []


def decode_outputs(texts: Sequence[str | None], need_proba: bool = True) -> DecodedOutputs:
    """Decode logged outputs (requests without outputs contribute no rows)."""
    fast = None
    if texts and all(texts):
        try:
            fast = _fast_outputs(texts, need_proba)
        except ValueError:
            fast = None
    if fast is not None:
        per_request, proba_lists, classes = fast
    else:
        docs = [d or {} for d in parse_many(texts)]
        per_request = [d.get("predictions") or [] for d in docs]
        with_proba = [d for d in docs if d.get("predictions")]
        proba_lists, classes = None, []
        if with_proba and all(d.get("probabilities") for d in with_proba):
            classes = list(with_proba[0].get("classes") or [])
            proba_lists = [d.get("probabilities") or [] for d in docs]
    counts = np.fromiter(map(len, per_request), dtype=np.int64, count=len(per_request))
    predictions = np.array(list(chain.from_iterable(per_request)), dtype=object)
    probabilities = None
    if proba_lists is not None and need_proba:
        probabilities = np.array(list(chain.from_iterable(proba_lists)), dtype=float)
        if probabilities.ndim != 2 or probabilities.shape[0] != len(predictions):
            probabilities, classes = None, []
    return DecodedOutputs(
        predictions,
        probabilities,
        list(classes),
        np.repeat(np.arange(len(per_request), dtype=np.int64), counts),
    )


def reduce_outputs(outputs: DecodedOutputs, kind: str, positive_index: int | None) -> np.ndarray:
    """One value per row, like the reference predictions: probability, label text or value."""
    if kind == "probability" and outputs.probabilities is not None and positive_index is not None:
        return outputs.probabilities[:, positive_index]
    if kind == "numeric":
        return pd.to_numeric(pd.Series(outputs.predictions), errors="coerce").to_numpy(float)
    return np.array(
        [
            str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
            for v in outputs.predictions
        ],
        dtype=object,
    )
