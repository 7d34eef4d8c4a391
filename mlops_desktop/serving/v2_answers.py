"""Open Inference v2 answers and metadata: the outputs of a scored request, and how a model's
inputs are published (``/v2/models/NAME``)."""

from __future__ import annotations

from typing import Any

from mlops_desktop.serving.protocols import Scored
from mlops_desktop.serving.validation import RequestError


def v2_outputs(scored: Scored, requested: Any) -> list[dict]:
    n = len(scored.predictions)
    kinds = [type(p) for p in scored.predictions[:1]]
    label_type = "BYTES" if kinds and kinds[0] is str else "FP64"
    outputs = [
        {"name": "predict", "datatype": label_type, "shape": [n], "data": scored.predictions}
    ]
    if scored.proba is not None:
        k = len(scored.classes or [])
        flat = [p for row in scored.proba for p in row]
        outputs.append(
            {
                "name": "predict_proba",
                "datatype": "FP64",
                "shape": [n, k],
                "data": flat,
                "parameters": {"classes": scored.classes},
            }
        )
    if isinstance(requested, list) and requested:
        wanted = {o.get("name") for o in requested if isinstance(o, dict)}
        unknown = wanted - {o["name"] for o in outputs}
        if unknown:
            raise RequestError(
                f"Unknown output(s) {', '.join(map(str, sorted(map(str, unknown))))}; this model "
                f"gives: {', '.join(o['name'] for o in outputs)}."
            )
        outputs = [o for o in outputs if o["name"] in wanted]
    return outputs


V2_TYPES = {"numeric": "FP64", "boolean": "BOOL", "categorical": "BYTES", "datetime": "BYTES"}


MATRIX_INPUT = "input-0"


def v2_inputs(inputs: list[dict]) -> list[dict]:
    """One ``[-1]`` tensor per column, or for an all-numeric model one ``[-1, k]`` FP64 tensor
    (as Triton's FIL backend, MLServer and KServe's sklearn server publish), its columns named
    in order. Either form is accepted by ``parse_v2``."""
    if inputs and all(spec.get("type") == "numeric" for spec in inputs):
        columns = [spec["name"] for spec in inputs]
        return [
            {
                "name": MATRIX_INPUT,
                "datatype": "FP64",
                "shape": [-1, len(columns)],
                "parameters": {"columns": columns},
            }
        ]
    return [
        {"name": spec["name"], "datatype": V2_TYPES.get(spec.get("type"), "BYTES"), "shape": [-1]}
        for spec in inputs
    ]


def v2_metadata(name: str, versions: list[int], signature: dict) -> dict:
    output = signature.get("output") or {}
    task = output.get("task")
    outputs = [
        {
            "name": "predict",
            "datatype": "FP64" if task == "regression" else "BYTES",
            "shape": [-1],
        }
    ]
    if task != "regression":
        outputs.append(
            {
                "name": "predict_proba",
                "datatype": "FP64",
                "shape": [-1, len(output.get("classes") or [])],
            }
        )
    return {
        "name": name,
        "versions": [str(v) for v in versions],
        "platform": "sklearn",
        "inputs": v2_inputs(signature.get("inputs") or []),
        "outputs": outputs,
    }
