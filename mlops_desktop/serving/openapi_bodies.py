"""The request bodies of the service's POST routes, as OpenAPI schemas (``openapi_extra``), so
generic clients and fuzzers see them; the limits quoted come from ``serving.limits``.

The handlers read raw bodies (413 before parsing, JSON errors in each protocol's shape), so these
schemas document the bodies; the handlers' own checks are what refuse a wrong one.
"""

from __future__ import annotations

from typing import Any

from mlops_desktop.serving.limits import (
    BODY_READ_TIMEOUT_S,
    MAX_DEPTH,
    MAX_ID_LENGTH,
    MAX_INT_DIGITS,
    MAX_OUTCOMES,
)

LIMITS = (
    f"Limits: the body must arrive within {BODY_READ_TIMEOUT_S:.0f} s (408) and stay under the "
    f"service's --max-body-mb (413); JSON nested at most {MAX_DEPTH} levels; integers must fit a "
    f"64-bit float and have at most {MAX_INT_DIGITS:,} digits; no lone surrogate escapes; an "
    f"id echoed in X-Request-ID is printable ASCII of at most {MAX_ID_LENGTH} characters."
)
_VALUE: dict[str, Any] = {
    "description": "a cell: number, text, true/false or null",
    "oneOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}, {"type": "null"}],
}
_RECORDS = {"type": "array", "items": {"type": "object", "additionalProperties": _VALUE}}
_ROWS = {"type": "array", "items": {"type": "array", "items": _VALUE}}
_SPLIT = {
    "type": "object",
    "required": ["data"],
    "properties": {"columns": {"type": "array", "items": {"type": "string"}}, "data": _ROWS},
}
_TENSOR_ROWS = {"oneOf": [_RECORDS, _ROWS]}
_ID = {"type": "string", "maxLength": MAX_ID_LENGTH, "pattern": "^[ -~]+$"}

MLFLOW = {
    "oneOf": [
        {
            "type": "object",
            "required": ["dataframe_split"],
            "properties": {"dataframe_split": _SPLIT},
        },
        {
            "type": "object",
            "required": ["dataframe_records"],
            "properties": {"dataframe_records": _RECORDS},
        },
        {"type": "object", "required": ["instances"], "properties": {"instances": _TENSOR_ROWS}},
        {"type": "object", "required": ["inputs"], "properties": {"inputs": _TENSOR_ROWS}},
    ]
}
V2 = {
    "type": "object",
    "required": ["inputs"],
    "properties": {
        "id": _ID,
        "parameters": {"type": "object"},
        "inputs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "shape", "datatype", "data"],
                "properties": {
                    "name": {"type": "string"},
                    "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                    "datatype": {
                        "type": "string",
                        "enum": ["BOOL", "INT64", "FP32", "FP64", "BYTES"],
                    },
                    "data": {"type": "array", "items": _VALUE},
                },
            },
        },
        "outputs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string", "enum": ["predict", "predict_proba"]}},
            },
        },
    },
}
V1 = {"type": "object", "required": ["instances"], "properties": {"instances": _TENSOR_ROWS}}
OUTCOMES = {
    "type": "object",
    "required": ["model", "outcomes"],
    "properties": {
        "model": {"type": "string"},
        "outcomes": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_OUTCOMES,
            "items": {
                "type": "object",
                "required": ["label"],
                "properties": {
                    "request_id": {"type": "string"},
                    "entity_key": {"type": "string"},
                    "label": _VALUE,
                    "observed_at": {
                        "description": "ISO date-time or epoch seconds, 1970..2100",
                        "oneOf": [{"type": "string"}, {"type": "number", "minimum": 0}],
                    },
                },
            },
        },
    },
}


def admin_body(needs: tuple[str, ...]) -> dict:
    """The schema of an admin operation's body: ``model`` and, for canary, ``percent``."""
    properties: dict[str, Any] = {
        "model": {"type": "string", "description": "NAME or NAME@VERSION"},
        "reason": {"type": "string"},
        "force": {"type": "boolean"},
    }
    if "percent" in needs:
        properties["percent"] = {"type": "number", "minimum": 0, "maximum": 100}
    return {"type": "object", "required": list(needs), "properties": properties}


#: What a scoring answer says about human review and the stop switch (``serving.oversight``).
REVIEW = (
    "Scored. When the model's review rules pick some rows of the request for a person (a score "
    'band, a random share drawn by request id, a slice), the answer carries "review": '
    '"pending", "review_rows" (their 0-based positions) and the header X-Review: pending; '
    'an answer nobody reviews has no "review" key.'
)
PAUSED = (
    "The model is paused (its stop switch): the JSON error names the reason, who paused it and "
    "when; answers resume when it is resumed."
)


def body(schema: dict, csv: bool = False) -> dict:
    """``openapi_extra`` for a scoring route whose JSON body follows ``schema`` (and CSV if
    ``csv``), with its review and paused answers described."""
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if csv:
        content["text/csv"] = {"schema": {"type": "string", "description": "a header row"}}
    return {
        "requestBody": {"required": True, "description": LIMITS, "content": content},
        "responses": {"200": {"description": REVIEW}, "503": {"description": PAUSED}},
    }
