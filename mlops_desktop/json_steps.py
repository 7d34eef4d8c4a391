"""JSON for big bodies in many short steps, so the event loop keeps answering meanwhile.

``json.loads`` and ``json.dumps`` are C calls that hold the GIL from start to end: decoding one
16 MB body in a worker thread still froze the event loop (and /ping) for a quarter of a second
at a time. Here the outer containers of a document (the body, its ``dataframe_records`` or
``instances`` list, a ``dataframe_split``'s ``data`` rows) are walked in Python, and each element
is decoded or encoded by the C code on its own: many small calls, between which other threads
run. The results equal ``json.loads`` and ``json.dumps`` (tested).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")
SPLIT_DEPTH = 2  # containers above this depth are walked; at it, only arrays of containers
ENCODE_CHUNK = 500  # list items encoded per C call


def loads_bytes(body: bytes, parse_int: Callable[[str], Any] | None = None) -> Any:
    """``json.loads(body)`` for bytes in any JSON encoding (UTF-8, -16, -32), in steps."""
    return loads(body.decode(json.detect_encoding(body), "surrogatepass"), parse_int)


def loads(text: str, parse_int: Callable[[str], Any] | None = None) -> Any:
    """``json.loads(text, parse_int=parse_int)``, decoded element by element."""
    decoder = json.JSONDecoder(parse_int=parse_int)
    value, end = _value(text, _skip(text, 0), 0, decoder)
    end = _skip(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()


def _char(text: str, at: int) -> str:
    if at >= len(text):
        raise json.JSONDecodeError("Expecting value", text, at)
    return text[at]


def _walked(text: str, at: int, depth: int) -> bool:
    """Whether the container starting at ``at`` is walked rather than decoded in one call."""
    if depth < SPLIT_DEPTH:
        return True
    return text[at] == "[" and _char(text, _skip(text, at + 1)) in "[{"


def _value(text: str, at: int, depth: int, decoder: json.JSONDecoder) -> tuple[Any, int]:
    first = _char(text, at)
    if first in "[{" and _walked(text, at, depth):
        return _container(text, at, depth, decoder)
    return decoder.raw_decode(text, at)


def _container(text: str, at: int, depth: int, decoder: json.JSONDecoder) -> tuple[Any, int]:
    is_object = text[at] == "{"
    closing = "}" if is_object else "]"
    result: Any = {} if is_object else []
    at = _skip(text, at + 1)
    if _char(text, at) == closing:
        return result, at + 1
    while True:
        if is_object:
            if _char(text, at) != '"':
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, at
                )
            key, at = decoder.raw_decode(text, at)
            at = _skip(text, at)
            if _char(text, at) != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
            at = _skip(text, at + 1)
        value, at = _value(text, at, depth + 1, decoder)
        if is_object:
            result[key] = value
        else:
            result.append(value)
        at = _skip(text, at)
        separator = _char(text, at)
        if separator == closing:
            return result, at + 1
        if separator != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip(text, at + 1)


def big(value: Any) -> bool:
    """Whether ``value`` (a dict) holds a list long enough to encode in steps."""
    return isinstance(value, dict) and any(
        isinstance(v, list) and len(v) > ENCODE_CHUNK for v in value.values()
    )


def dumps(value: Any) -> str:
    """``json.dumps(value, separators=(",", ":"), default=str)``, long lists in chunks."""
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return "{" + ",".join(f"{_dump(k)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list) and len(value) > ENCODE_CHUNK:
        chunks = (value[i : i + ENCODE_CHUNK] for i in range(0, len(value), ENCODE_CHUNK))
        return "[" + ",".join(_dump(chunk)[1:-1] for chunk in chunks) + "]"
    return _dump(value)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)
