"""A scoring request's body read into a ``Table``, in any protocol the service speaks.

Shared by the service's own path (``score_handler``) and the scoring processes
(``offload_worker``), so a body reads the same, and fails the same, wherever it is read.
"""

from __future__ import annotations

from mlops_desktop.serving import binary_tensors, protocols
from mlops_desktop.serving.http import JSON
from mlops_desktop.serving.validation import RequestError, Table


def parse_body(
    body: bytes,
    content_type: str,
    style: str,
    v2: bool,
    names: list[str],
    binary_header: str | None = None,
) -> tuple:
    """``(table, decoded JSON or None)`` of a scoring body, or RequestError (415 for CSV-less).
    ``binary_header`` is a v2 request's Inference-Header-Content-Length (binary tensors)."""
    if style == "mlflow" and content_type == "text/csv":
        return protocols.parse_csv(body, names), None
    if style == "mlflow" and content_type not in ("", JSON):
        raise RequestError(
            f"Content-Type '{content_type}' is not supported: send application/json or text/csv.",
            status=415,
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    if v2 and binary_header is not None:
        head, binary = binary_tensors.split_body(body, binary_header)
        payload = binary_tensors.attach_inputs(protocols.decode_json(head), binary)
    else:
        payload = protocols.decode_json(body)
    table: Table
    if v2:
        table, _ = protocols.parse_v2(payload, names)
    elif style == "mlflow":
        table, _ = protocols.parse_mlflow(payload, names)
    else:
        table = protocols.parse_v1(payload, names)
    return table, payload
