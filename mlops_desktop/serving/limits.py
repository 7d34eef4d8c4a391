"""The service's limits on what one request may hold, in one place (the README and the OpenAPI
descriptions quote them), and the checks that enforce them on decoded JSON.

Every limit is a client mistake when exceeded: a 4xx with the protocol's JSON error body.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from typing import Any

import orjson

from mlops_desktop import json_steps
from mlops_desktop.serving.validation import RequestError

MAX_DEPTH = 64  # JSON nesting (objects and lists) in any body
MAX_INT_DIGITS = 4300  # Python's own int-from-text limit; longer integers are refused
MAX_ID_LENGTH = 200  # a request id, echoed into the X-Request-ID header
MAX_OUTCOMES = 10_000  # outcome rows per POST /outcomes
OBSERVED_AT_RANGE = (0.0, 4_102_444_800.0)  # observed_at: 1970-01-01 .. 2100-01-01 (epoch s)


#: One thread for the heavy part of big requests (decode, validate, encode the answer): big
#: requests take turns, so the event loop competes for the GIL with one busy thread, not three.
_BIG_WORK = ThreadPoolExecutor(1, thread_name_prefix="big-request")


async def off_loop(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` on the big-request thread, awaited without blocking the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_BIG_WORK, fn, *args)


def _seconds(variable: str, default: float) -> float:
    """A positive number of seconds from the environment variable, else ``default``."""
    try:
        value = float(os.environ.get(variable, ""))
    except ValueError:
        return default
    return value if 0 < value < 3600 else default


# The whole body must arrive within this (else 408); the headers within this (else 408, closed).
BODY_READ_TIMEOUT_S = _seconds("MLOPS_DESKTOP_BODY_TIMEOUT_S", 30.0)
HEADER_READ_TIMEOUT_S = _seconds("MLOPS_DESKTOP_HEADER_TIMEOUT_S", 10.0)
OFF_LOOP_BYTES = 1024 * 1024  # bodies larger than this are decoded in a worker thread
OFF_LOOP_ROWS = 2000  # requests with more rows are validated and answered in a worker thread

_LONG_DIGITS = re.compile(rb"[0-9]{300,}")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# digits as '0', every other byte as 'x': runs of digits are then found by bytes.find
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= i <= 0x39 else 0x78 for i in range(256))
_RUN_19 = b"0" * 19  # a run that may be an integer past 64 bits
_INTEGER_STARTS = frozenset(b":[,")  # what stands before an integer token (spaces aside)
_ID_TEXT = re.compile(r"[\x20-\x7e]+")
TOO_DEEP = f"The request body is nested deeper than {MAX_DEPTH} levels; send flatter JSON."


_COUNTED_BYTES = 64 * 1024


def _checked_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise RequestError(
            f"The request holds an integer with {digits:,} digits (more than "
            f"{MAX_INT_DIGITS:,} digits are refused)."
        )
    value = int(text)
    try:
        float(value)
    except OverflowError:
        raise RequestError(
            f"The request holds an integer too large for a 64-bit float ({digits} digits)."
        ) from None
    return value


def _children(level: list) -> chain:
    """Every element of the lists and every value of the objects in ``level``, lazily."""
    return chain.from_iterable(item.values() if type(item) is dict else item for item in level)


def _depth_ok(value: Any) -> bool:
    """True when no list or object in ``value`` is nested deeper than MAX_DEPTH (no recursion):
    one level at a time. Each level's element types are collected at C speed first; the
    containers of the next level are gathered only when there are any."""
    level = [value]
    for _ in range(MAX_DEPTH):
        kinds = set(map(type, _children(level)))
        if dict not in kinds and list not in kinds:
            return True
        level = [c for c in _children(level) if type(c) is dict or type(c) is list]
    return False


def _search(pattern: re.Pattern, body: bytes, width: int, step: int = 256 * 1024) -> bool:
    """Whether ``pattern`` (matching at most ``width`` bytes' worth of context) occurs in
    ``body``, searched a slice at a time: one regex call over 16 MB holds the GIL for long."""
    if len(body) <= step:
        return pattern.search(body) is not None
    return any(
        pattern.search(body, start, start + step + width) is not None
        for start in range(0, len(body), step)
    )


def _orjson_edges(body: bytes) -> bool:
    """Whether ``body`` may hold what orjson reads differently from json: a long integer or a
    lone surrogate escape (json's path then checks them)."""
    # a single-byte search first: it runs at memchr speed, ``b"\\u" in body`` a hundred times slower
    if b"\\" in body and _search(_SURROGATE_ESCAPE, body, 6):
        return True
    return _long_integer(body)


def _long_integer(body: bytes) -> bool:
    """Whether an integer token of 19 digits or more occurs (orjson reads one past 64 bits as a
    float, json as an int). Runs of 19 digits in fractions (``0.0012…``) are passed over: the
    byte before such a run is '.', never ':', '[' or ','."""
    digits = body.translate(_DIGITS_AS_ZERO)
    start = digits.find(_RUN_19)
    while start >= 0:
        i = start - 1
        if i >= 0 and body[i] == 0x2D:  # '-'
            i -= 1
        while i >= 0 and body[i] in b" \t\r\n":
            i -= 1
        if i < 0 or body[i] in _INTEGER_STARTS:
            return True
        end = digits.find(b"x", start)
        start = -1 if end < 0 else digits.find(_RUN_19, end)
    return False


def _depth_checked(payload: Any, body: bytes) -> Any:
    # Counting brackets spares small bodies the walk; a big one holds more than MAX_DEPTH of
    # them anyway, so it is walked at once (counting 1 MB costs about what walking it does).
    few = len(body) <= _COUNTED_BYTES and body.count(b"[") + body.count(b"{") <= MAX_DEPTH
    if isinstance(payload, (list, dict)) and not few:
        if not _depth_ok(payload):
            raise RequestError(TOO_DEEP)
    return payload


def loads(body: bytes) -> Any:
    """``json.loads`` within the limits: depth, integer size, valid Unicode (RequestError)."""
    if len(body) <= OFF_LOOP_BYTES and not _orjson_edges(body):
        try:  # no long integer, no surrogate escape: orjson reads it as json would
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # NaN, a syntax error...: json reads it or says where it is broken
        else:
            return _depth_checked(payload, body)
    hook = _checked_int if _search(_LONG_DIGITS, body, 300) else None
    try:
        if len(body) > OFF_LOOP_BYTES:  # decoded in a worker thread: let the loop run too
            payload = json_steps.loads_bytes(body, parse_int=hook)
        else:
            payload = json.loads(body, parse_int=hook)
    except RecursionError:
        raise RequestError(TOO_DEEP) from None
    _depth_checked(payload, body)
    if _search(_SURROGATE_ESCAPE, body, 6):
        try:
            json.dumps(payload, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise RequestError(
                "The request holds a lone surrogate escape (such as \\ud800), which is not "
                "valid Unicode text."
            ) from None
    return payload


def checked_id(value: str, where: str) -> str:
    """``value`` when it can be echoed in a header (printable ASCII, at most MAX_ID_LENGTH)."""
    if len(value) > MAX_ID_LENGTH or not _ID_TEXT.fullmatch(value):
        shown = repr(value[:40]) + ("..." if len(value) > 40 else "")
        raise RequestError(
            f"{where} must be printable ASCII text (no control characters, no accents) of at "
            f"most {MAX_ID_LENGTH} characters; got {shown}.",
            code="INVALID_PARAMETER_VALUE",
        )
    return value
