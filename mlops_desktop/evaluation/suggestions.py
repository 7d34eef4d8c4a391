"""Candidate behavioural tests drawn from the data, for the user to accept or dismiss.

- minimum: for each class, the real test row the model is most sure of and whose label agrees
  (for regression, the row nearest the median target, with a band of half a standard deviation);
- invariance: personal-data features (from the dataset's PII roles, or by name), which a fair
  model should barely depend on;
- directional: numeric features whose rank correlation with the target is clear in the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlops_desktop.evaluation.behavioural import plain

PERSONAL_WORDS = (
    "sex",
    "gender",
    "race",
    "ethnic",
    "religion",
    "nationality",
    "native",
    "foreign",
    "marital",
    "personal_status",
    "age",
)
MIN_CORRELATION = 0.1
MAX_DIRECTIONAL = 3
MAX_ROWS_SCORED = 2000


def _personal(name: str, roles: dict) -> bool:
    if name in (roles.get("pii_columns") or []):
        return True
    lowered = name.lower().replace("-", "_")
    return any(word in lowered.split("_") or lowered.startswith(word) for word in PERSONAL_WORDS)


def _minimum(frame, signature, pipeline, target) -> list[dict]:
    names = [s["name"] for s in signature["inputs"]]
    rows = frame.head(MAX_ROWS_SCORED).reset_index(drop=True)
    out = []
    if signature["output"].get("task") == "regression":
        y = pd.to_numeric(rows[target], errors="coerce")
        if y.notna().sum() < 2:
            return []
        i = int((y - y.median()).abs().idxmin())
        band = 0.5 * float(y.std())
        centre = float(y.iloc[i])
        return [
            {
                "kind": "minimum",
                "name": f"typical row scores near {centre:.4g}",
                "spec": {
                    "input": {c: plain(rows[c].iloc[i]) for c in names},
                    "expect": {"min": round(centre - band, 6), "max": round(centre + band, 6)},
                },
                "why": f"A real row with the median target {centre:.4g}; the band is half a "
                "standard deviation of the target either side.",
            }
        ]
    proba = np.asarray(pipeline.predict_proba(rows[names]), dtype=float)
    classes = [str(c) for c in pipeline.classes_]
    labels = rows[target].astype(str).to_numpy()
    for k, cls in enumerate(classes[:3]):
        agree = np.flatnonzero(labels == cls)
        if not len(agree):
            continue
        i = int(agree[np.argmax(proba[agree, k])])
        if proba[i, k] < 0.5:
            continue
        out.append(
            {
                "kind": "minimum",
                "name": f"clear case is '{cls}'",
                "spec": {
                    "input": {c: plain(rows[c].iloc[i]) for c in names},
                    "expect": {"class": cls},
                },
                "why": f"A real row labelled '{cls}' that the model scores {proba[i, k]:.0%} "
                f"'{cls}'. Later versions should still get it right.",
            }
        )
    return out


def _invariance(signature, roles) -> list[dict]:
    out = []
    for spec in signature["inputs"]:
        if not _personal(spec["name"], roles):
            continue
        if spec.get("type") == "categorical" and spec.get("categories"):
            values = spec["categories"][:10]
            body = {"feature": spec["name"], "values": values, "epsilon": 0.05}
        elif spec.get("type") == "numeric" and spec.get("min") is not None:
            body = {"feature": spec["name"], "range": [spec["min"], spec["max"]], "epsilon": 0.1}
        else:
            continue
        out.append(
            {
                "kind": "invariance",
                "name": f"'{spec['name']}' barely matters",
                "spec": body,
                "why": f"'{spec['name']}' is personal data; changing it alone should move the "
                f"score by at most {body['epsilon']:g} for most rows.",
            }
        )
    return out


def _directional(frame, signature, target, roles) -> list[dict]:
    output = signature["output"]
    y = frame[target]
    if output.get("task") == "regression":
        y_num = pd.to_numeric(y, errors="coerce")
    elif len(output.get("classes") or []) == 2:
        positive = output.get("positive_class") or output["classes"][1]
        y_num = (y.astype(str) == str(positive)).astype(float)
    else:
        return []
    found = []
    for spec in signature["inputs"]:
        if spec.get("type") != "numeric" or _personal(spec["name"], roles):
            continue
        x = pd.to_numeric(frame[spec["name"]], errors="coerce")
        if x.nunique() < 3:
            continue
        rho = x.corr(y_num, method="spearman")
        if pd.notna(rho) and abs(rho) >= MIN_CORRELATION:
            q1, q3 = x.quantile([0.25, 0.75])
            delta = float(q3 - q1) or float(x.std())
            found.append((abs(rho), spec["name"], "increase" if rho > 0 else "decrease", delta))
    out = []
    for rho, name, expect, delta in sorted(found, reverse=True)[:MAX_DIRECTIONAL]:
        delta = float(f"{delta:.3g}")
        out.append(
            {
                "kind": "directional",
                "name": f"more '{name}' does not {'lower' if expect == 'increase' else 'raise'} "
                "the score",
                "spec": {"feature": name, "expect": expect, "delta": delta, "epsilon": 0.0},
                "why": f"In the data, higher '{name}' goes with a "
                f"{'higher' if expect == 'increase' else 'lower'} target "
                f"(rank correlation {rho:.2f}); raising it by {delta:g} (its interquartile range) "
                "should not move the score the other way.",
            }
        )
    return out


def suggest_tests(
    frame: pd.DataFrame, signature: dict, pipeline, roles: dict | None = None
) -> list[dict]:
    """Candidates ``{"kind", "name", "spec", "why"}``; ``frame`` must hold the target column."""
    roles = roles or {}
    target = signature["output"].get("name")
    out = _invariance(signature, roles)
    if target in frame.columns and len(frame):
        out = _minimum(frame, signature, pipeline, target) + out
        out += _directional(frame, signature, target, roles)
    return out
