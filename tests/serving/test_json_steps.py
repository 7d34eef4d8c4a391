"""JSON in steps (for big bodies) decodes and encodes exactly as the json module does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlops_desktop import json_steps


def _documents() -> list:
    rng = np.random.default_rng(3)
    records = [
        {"age": int(a), "amount": float(b), "purpose": p, "flag": bool(a % 2), "none": None}
        for a, b, p in zip(
            rng.integers(18, 80, 3000),
            rng.normal(size=3000),
            ["car", "tv", "é\u2603"] * 1000,
            strict=True,
        )
    ]
    return [
        {"dataframe_records": records},
        {"dataframe_split": {"columns": ["a", "b"], "data": [[i, i / 3] for i in range(2500)]}},
        {"instances": [[1, 2.5, "x"]] * 1200, "params": {"deep": [[[1, [2]]]]}},
        {"inputs": [{"name": "a", "shape": [2], "datatype": "FP64", "data": [1.5, 2]}]},
        {"inputs": {"a": list(range(3000)), "b": ["s"] * 3000}},
        [],
        {},
        [1, {"a": []}, [[], {}]],
        "text",
        3.25,
        None,
    ]


@pytest.mark.parametrize("index", range(len(_documents())))
def test_loads_and_dumps_equal_the_json_modules(index):
    document = _documents()[index]
    text = json.dumps(document, indent=1 if index % 2 else None)  # with and without spaces
    assert json_steps.loads(text) == json.loads(text)
    assert json_steps.loads_bytes(text.encode("utf-16")) == json.loads(text)
    compact = json.dumps(document, separators=(",", ":"), default=str)
    assert json_steps.dumps(document) == compact


@pytest.mark.parametrize(
    "text",
    ['{"a": [1, 2', '{"a" 1}', '{"a": 1,}', "[1 2]", '{"a": 1} x', "", "[", "{1: 2}", "[1,]"],
)
def test_malformed_text_is_refused_as_the_json_module_refuses_it(text):
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        json_steps.loads(text)


def test_parse_int_applies_inside_walked_containers():
    seen = []
    json_steps.loads('{"rows": [{"a": 12}, [34]]}', parse_int=lambda t: seen.append(t) or int(t))
    assert sorted(seen) == ["12", "34"]
