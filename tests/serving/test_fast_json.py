"""orjson where it reads and writes what json does: the service's decoding equals json.loads
on the edges orjson treats differently, and the log's encoding means what json.dumps wrote."""

from __future__ import annotations

import datetime
import json
import math

import numpy as np
import pytest

from mlops_desktop import fast_json
from mlops_desktop.serving.protocols import decode_json
from mlops_desktop.serving.validation import RequestError

BODIES = [
    b'{"dataframe_records": [{"a": 1.5, "b": "x"}, {"a": null, "b": "y"}]}',
    b'{"instances": [[12345678901234567890123, "id"]]}',  # past 64 bits: an int, as json
    b'{"instances": [[-12345678901234567890123]]}',
    b'{"instances": [[18446744073709551615, 9223372036854775807]]}',  # the 64-bit edges
    b'{"instances": [[0.0041194957575429675, 1.12345678901234567890123]]}',  # long fractions
    b'{"a": "1234567890123456789012", "b": 1e20, "c": 5e-324, "d": 1e16}',
    b'{"a": NaN, "b": Infinity, "c": -Infinity}',  # orjson refuses these; json reads them
    '{"a": "caf\u00e9", "b": "\\u00e9", "c": "\\ud83d\\ude00"}'.encode(),
    b'{"a": 1, "a": 2}',  # the last duplicate wins in both
    b"[" * 64 + b"]" * 64,
    b"[" * 63 + b'"]]]]]]]]]]"' + b"]" * 63,  # brackets in text are not nesting
    b"[" * 63 + b'"[[[[\\"[[[[", "[[[["' + b"]" * 63,  # ... nor behind an escaped quote
    b'{"a": [' + b'"][", ' * 80 + b'{"b": [[1]]}]}',
    b'{"inputs": [{"name": "x", "shape": [2], "datatype": "FP64", "data": [1, 2]}]}',
]
REFUSED = [
    b"[" * 65 + b"]" * 65,  # deeper than MAX_DEPTH
    b'["]]]]", ' + b"[" * 64 + b"]" * 65,  # closing brackets in text hide no nesting
    b'["\\"]]]]", ' + b"[" * 64 + b"]" * 65,  # ... nor behind an escaped quote
    b'{"a": "\\ud800"}',  # a lone surrogate
    b'{"a": ' + b"9" * 400 + b"}",  # too large for a float
    b'{"a": ' + b"9" * 5000 + b"}",  # too many digits
    b'{"a": [1, 2}',  # broken
]


def _same(a, b) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and type(a) is type(b)


@pytest.mark.parametrize("body", BODIES)
def test_the_service_reads_bodies_as_json_does(body):
    assert _same(decode_json(body), json.loads(body))


@pytest.mark.parametrize("body", REFUSED)
def test_bodies_json_would_refuse_are_still_refused(body):
    with pytest.raises(RequestError):
        decode_json(body)


def test_long_integers_stay_integers():
    value = decode_json(b'{"ids": [12345678901234567890123, 7]}')["ids"]
    assert value == [12345678901234567890123, 7] and all(type(v) is int for v in value)


VALUES = [
    {"columns": ["a", "b"], "data": [[1.5, "x"], [None, "caf\u00e9"]]},
    {"a": [1.5, float("nan"), None], "b": float("inf")},
    {"a": np.float64(0.25), "b": np.int64(3)},
    {"a": 2**70, "b": datetime.date(2026, 1, 2), "c": (1, 2)},
    {"a": "\ud800"},
]


@pytest.mark.parametrize("value", VALUES)
def test_the_log_means_what_json_wrote(value):
    ours = json.loads(fast_json.dumps(value))
    theirs = json.loads(json.dumps(value, separators=(",", ":"), default=str))
    assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)


def test_nan_is_written_as_json_writes_it():
    text = fast_json.dumps({"a": [1.0, float("nan")]})
    assert "NaN" in text and math.isnan(json.loads(text)["a"][1])
