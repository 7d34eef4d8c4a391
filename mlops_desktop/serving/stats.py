"""Figures from the prediction log for the Deploy page: per-arm live figures, shadow agreement.

Both read at most the last ``limit`` rows of a model's log, so the panels stay quick however
long the service has run.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

DEFAULT_WINDOW_S = 3600.0
ROW_LIMIT = 50_000


@dataclass(frozen=True)
class ArmFigures:
    """One arm (live, canary, shadow, batch) of one model version over the window."""

    arm: str
    version: str | None
    requests: int
    errors: int
    rows_scored: int
    error_rate: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    positive_rate: float | None = None  # share of rows predicted as the positive class
    mean_score: float | None = None  # mean positive-class probability (or mean prediction)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ShadowAgreement:
    """How the shadow candidate's answers compare with live's on the same requests."""

    model: str
    pairs: int
    rows: int
    agreement_rate: float | None
    mean_abs_difference: float | None
    p95_abs_difference: float | None
    histogram_edges: list[float] = field(default_factory=list)
    histogram_counts: list[int] = field(default_factory=list)
    live_version: str | None = None
    shadow_version: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def positive_index(signature: dict) -> int | None:
    """Index of the positive class among a binary model's classes, else None."""
    output = signature.get("output") or {}
    classes = output.get("classes") or []
    if output.get("task") != "binary" or len(classes) != 2:
        return None
    positive = output.get("positive_class")
    return classes.index(positive) if positive in classes else 1


def _refs(ws: Workspace, ids) -> dict[int, tuple[str, dict]]:
    out = {}
    for vid in ids:
        if vid is not None:
            version = ws.models.by_id(vid)
            out[vid] = (version.ref, version.signature or {})
    return out


def _pct(values: np.ndarray, q: float) -> float | None:
    return float(np.percentile(values, q)) if len(values) else None


def arm_figures(
    ws: Workspace, name: str, since: float | None = None, limit: int = ROW_LIMIT
) -> list[ArmFigures]:
    """Requests, errors, latency percentiles and answer mix per (arm, version) since ``since``."""
    since = time.time() - DEFAULT_WINDOW_S if since is None else since
    rows = ws.predictions.arm_rows(name, since, limit)
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault((row[0], row[1]), []).append(row)
    refs = _refs(ws, {key[1] for key in groups})
    figures = []
    for (arm, vid), items in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        ok = [r for r in items if r[2] == 200]
        latencies = np.array([r[3] for r in ok if r[3] is not None], dtype=float)
        ref, signature = refs.get(vid, (None, {}))
        pos = positive_index(signature)
        labels, scores = [], []
        for r in ok:
            out = json.loads(r[4]) if r[4] else {}
            labels.extend(out.get("predictions") or [])
            if pos is not None and out.get("probabilities"):
                scores.extend(p[pos] for p in out["probabilities"])
            elif pos is None and all(
                isinstance(v, (int, float)) for v in out.get("predictions", [])
            ):
                scores.extend(out.get("predictions") or [])
        positive = (signature.get("output") or {}).get("classes", [None, None])
        positive_label = positive[pos] if pos is not None else None

        figures.append(
            ArmFigures(
                arm=arm,
                version=ref,
                requests=len(items),
                errors=len(items) - len(ok),
                rows_scored=len(labels),
                error_rate=(len(items) - len(ok)) / len(items),
                latency_p50_ms=_pct(latencies, 50),
                latency_p95_ms=_pct(latencies, 95),
                latency_p99_ms=_pct(latencies, 99),
                positive_rate=(
                    sum(1 for v in labels if v == positive_label) / len(labels)
                    if labels and positive_label is not None
                    else None
                ),
                mean_score=float(np.mean(scores)) if scores else None,
            )
        )
    return figures


def _difference(live: dict, shadow: dict, pos: int | None) -> list[float]:
    lp, sp = live.get("probabilities"), shadow.get("probabilities")
    if lp and sp:
        if pos is not None:
            return [s[pos] - v[pos] for v, s in zip(lp, sp, strict=False)]
        return [
            0.5 * sum(abs(a - b) for a, b in zip(v, s, strict=False))
            for v, s in zip(lp, sp, strict=False)
        ]
    return [
        float(s) - float(v)
        for v, s in zip(
            live.get("predictions") or [], shadow.get("predictions") or [], strict=False
        )
        if isinstance(v, (int, float)) and isinstance(s, (int, float))
    ]


def shadow_agreement(
    ws: Workspace, name: str, since: float | None = None, bins: int = 20, limit: int = ROW_LIMIT
) -> ShadowAgreement:
    """Agreement rate of labels and the distribution of score differences (shadow − live)."""
    since = time.time() - DEFAULT_WINDOW_S if since is None else since
    pairs = ws.predictions.shadow_pairs(name, since, limit)
    if not pairs:
        return ShadowAgreement(name, 0, 0, None, None, None)
    refs = _refs(ws, {p[2] for p in pairs} | {p[3] for p in pairs})
    live_ref, signature = refs[pairs[0][2]]
    pos = positive_index(signature)
    task = (signature.get("output") or {}).get("task")
    same, total, diffs = 0, 0, []
    for live_json, shadow_json, _, _ in pairs:
        live, shadow = json.loads(live_json), json.loads(shadow_json)
        for a, b in zip(
            live.get("predictions") or [], shadow.get("predictions") or [], strict=False
        ):
            total += 1
            same += int(a == b)
        diffs.extend(_difference(live, shadow, pos))
    values = np.array(diffs, dtype=float)
    low, high = (-1.0, 1.0) if pos is not None else (float(values.min()), float(values.max()))
    counts, edges = (
        np.histogram(values, bins=bins, range=(low, high if high > low else low + 1))
        if len(values)
        else (np.array([]), np.array([]))
    )
    return ShadowAgreement(
        model=name,
        pairs=len(pairs),
        rows=total,
        agreement_rate=same / total if total and task != "regression" else None,
        mean_abs_difference=float(np.abs(values).mean()) if len(values) else None,
        p95_abs_difference=float(np.percentile(np.abs(values), 95)) if len(values) else None,
        histogram_edges=[float(e) for e in edges],
        histogram_counts=[int(c) for c in counts],
        live_version=live_ref,
        shadow_version=refs[pairs[0][3]][0],
    )
