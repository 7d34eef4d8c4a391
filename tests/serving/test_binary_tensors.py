"""Hand-built binary tensor bodies that are wrong get a specific 400, never a 500."""

from __future__ import annotations

import json
import struct

import httpx
import pytest


def _post(served, head: dict, binary: bytes, length: str | None = None) -> httpx.Response:
    text = json.dumps(head).encode()
    headers = {"Inference-Header-Content-Length": length or str(len(text))}
    return httpx.post(
        served[1].url + "/v2/models/credit/infer", content=text + binary, headers=headers
    )


def _one(datatype: str, size: int, shape=(2,)) -> dict:
    tensor = {"name": "age_in_years", "shape": list(shape), "datatype": datatype}
    return {"inputs": [tensor | {"parameters": {"binary_data_size": size}}]}


@pytest.mark.parametrize(
    ("head", "binary", "length", "says"),
    [
        (_one("FP64", 16), b"\0" * 16, "abc", "must be a number of bytes"),
        (_one("FP64", 16), b"\0" * 16, "999999", "but the body has"),
        (_one("FP64", 24), b"\0" * 16, None, "bytes of binary data are left"),
        (_one("FP64", 8), b"\0" * 16, None, "that no input's binary_data_size accounts for"),
        (_one("FP64", 12), b"\0" * 12, None, "not a whole number of 8-byte values"),
        (_one("BYTES", 6), struct.pack("<I", 9) + b"ab", None, "runs past the tensor's data"),
        (_one("BYTES", 5), struct.pack("<I", 1) + b"\xff", None, "is not UTF-8 text"),
        (_one("FP64", -1), b"", None, "must be a whole number"),
        (_one("STRING", 4), b"\0" * 4, None, "cannot be sent as binary data"),
    ],
)
def test_bad_binary_bodies_are_refused_with_the_reason(served, head, binary, length, says):
    response = _post(served, head, binary, length)
    assert response.status_code == 400, response.text
    assert says in response.json()["error"]
