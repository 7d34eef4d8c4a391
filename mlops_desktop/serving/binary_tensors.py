"""The Open Inference binary tensor data extension (what tritonclient sends by default).

A request's body is its JSON header (``Inference-Header-Content-Length`` bytes) followed by the
raw data of each input that carries ``parameters.binary_data_size``, in the inputs' order:
little-endian, row major; BOOL one byte; BYTES a 4-byte length before each element. Outputs go
back the same way when the request asks (``binary_data_output``, or ``binary_data`` on one
output): their data leaves the JSON and follows it.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from mlops_desktop.serving.validation import RequestError

HEADER = "inference-header-content-length"
NUMPY_TYPES = {
    "BOOL": "<u1",
    "UINT8": "<u1",
    "UINT16": "<u2",
    "UINT32": "<u4",
    "UINT64": "<u8",
    "INT8": "<i1",
    "INT16": "<i2",
    "INT32": "<i4",
    "INT64": "<i8",
    "FP16": "<f2",
    "FP32": "<f4",
    "FP64": "<f8",
}


def split_body(body: bytes, header_length: str) -> tuple[bytes, bytes]:
    """``(JSON header, binary data)`` of a body sent with ``Inference-Header-Content-Length``."""
    text = header_length.strip()
    if not text.isascii() or not text.isdigit():
        raise RequestError(
            f"Inference-Header-Content-Length must be a number of bytes; got {text[:40]!r}."
        )
    size = int(text)
    if size > len(body):
        raise RequestError(
            f"Inference-Header-Content-Length is {size:,} bytes but the body has {len(body):,}."
        )
    return body[:size], body[size:]


def attach_inputs(payload: Any, binary: bytes) -> Any:
    """Put each binary input's values into its ``data`` (the JSON form the parsers read)."""
    inputs = payload.get("inputs") if isinstance(payload, dict) else None
    if not isinstance(inputs, list):
        return payload  # the JSON parser says what is wrong with it
    offset = 0
    for i, tensor in enumerate(inputs):
        size = _binary_size(tensor, i)
        if size is None:
            continue
        if offset + size > len(binary):
            raise RequestError(
                f"inputs[{i}] says binary_data_size {size:,} but only "
                f"{len(binary) - offset:,} bytes of binary data are left in the body."
            )
        tensor["data"] = _decode(tensor, binary[offset : offset + size], i)
        offset += size
    if offset != len(binary):
        raise RequestError(
            f"The body has {len(binary) - offset:,} bytes of binary data that no input's "
            "binary_data_size accounts for."
        )
    return payload


def _binary_size(tensor: Any, i: int) -> int | None:
    params = tensor.get("parameters") if isinstance(tensor, dict) else None
    if not isinstance(params, dict) or "binary_data_size" not in params:
        return None
    size = params["binary_data_size"]
    if type(size) is not int or size < 0:
        raise RequestError(f"inputs[{i}].parameters.binary_data_size must be a whole number.")
    if "data" in tensor:
        raise RequestError(f"inputs[{i}] has both binary data and 'data'; send one of them.")
    return size


def _decode(tensor: dict, raw: bytes, i: int) -> list:
    datatype = tensor.get("datatype")
    if datatype == "BYTES":
        return _decode_bytes(raw, i)
    if datatype not in NUMPY_TYPES:
        raise RequestError(
            f"inputs[{i}].datatype {datatype!r} cannot be sent as binary data "
            f"({', '.join(['BYTES', *NUMPY_TYPES])})."
        )
    width = np.dtype(NUMPY_TYPES[datatype]).itemsize
    if len(raw) % width:
        raise RequestError(
            f"inputs[{i}] has {len(raw):,} bytes of {datatype}, not a whole number of "
            f"{width}-byte values."
        )
    values = np.frombuffer(raw, dtype=NUMPY_TYPES[datatype])
    if datatype == "BOOL":
        return [bool(v) for v in values.tolist()]
    return values.tolist()


def _decode_bytes(raw: bytes, i: int) -> list[str]:
    values, offset = [], 0
    while offset < len(raw):
        if offset + 4 > len(raw):
            raise RequestError(f"inputs[{i}]: a BYTES element's 4-byte length is cut off.")
        (length,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        if offset + length > len(raw):
            raise RequestError(f"inputs[{i}]: a BYTES element runs past the tensor's data.")
        try:
            values.append(raw[offset : offset + length].decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise RequestError(f"inputs[{i}]: a BYTES element is not UTF-8 text.") from exc
        offset += length
    return values


# -- answers ------------------------------------------------------------------------------------


def wants_binary(payload: Any, output_name: str) -> bool:
    """Whether the request asks for ``output_name`` as binary data."""
    params = payload.get("parameters") if isinstance(payload, dict) else None
    default = bool(isinstance(params, dict) and params.get("binary_data_output") is True)
    for requested in payload.get("outputs") or [] if isinstance(payload, dict) else []:
        if isinstance(requested, dict) and requested.get("name") == output_name:
            flag = (requested.get("parameters") or {}).get("binary_data")
            if isinstance(flag, bool):
                return flag
    return default


def detach_outputs(outputs: list[dict], payload: Any) -> bytes:
    """Move the data of the outputs asked for as binary out of ``outputs``; their bytes."""
    chunks = []
    for output in outputs:
        if not wants_binary(payload, output["name"]):
            continue
        raw = _encode(output["datatype"], output.pop("data"))
        output["parameters"] = {**output.get("parameters", {}), "binary_data_size": len(raw)}
        chunks.append(raw)
    return b"".join(chunks)


def _encode(datatype: str, data: list) -> bytes:
    if datatype == "BYTES":
        parts = []
        for value in data:
            text = value if isinstance(value, bytes) else str(value).encode("utf-8")
            parts.append(struct.pack("<I", len(text)) + text)
        return b"".join(parts)
    return np.asarray(data, dtype=NUMPY_TYPES[datatype]).tobytes()
