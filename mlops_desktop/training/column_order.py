"""The order of a model's input columns as the training frame had them.

A signature lists its inputs grouped by type (the pipeline's own order). Positional requests
(rows as lists, tensors, headerless CSV) and every listing a user reads follow the training
frame's order instead, kept in the signature as ``column_order``. Light on purpose: the window
and the service read it without loading pandas.
"""

from __future__ import annotations


def positional_names(signature: dict) -> list[str]:
    """The input column names in the training frame's order (the grouped order when unknown)."""
    return [spec["name"] for spec in ordered_inputs(signature)]


def ordered_inputs(signature: dict) -> list[dict]:
    """The signature's input specs in the training frame's column order."""
    inputs = list(signature.get("inputs") or [])
    order = signature.get("column_order")
    if not order:
        return inputs
    by_name = {spec["name"]: spec for spec in inputs}
    listed = [by_name[name] for name in order if name in by_name]
    known = set(order)
    return listed + [spec for spec in inputs if spec["name"] not in known]
