"""The figures alert rules judge, read from stored windows and small, indexed queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mlops_desktop.formatting import counted, p_text
from mlops_desktop.monitoring.check import Check, _live, _windows
from mlops_desktop.monitoring.estimated_signal import check_estimated

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import AlertRule
    from mlops_desktop.registry.workspace import Workspace


def check_rule(ws: Workspace, rule: AlertRule, now: float) -> Check:
    """Evaluate one rule (see ``alerts`` for what each signal means)."""
    name, p = rule.model_name, rule.params
    version = _live(ws, name)
    if rule.signal in ("drift_share", "feature_drift", "prediction_drift"):
        if version is None:
            return Check(rule, "unknown", f"No version of {name} is live.")
        need = int(p.get("windows", 1))
        windows = _windows(ws, name, version.id, need)
        if len(windows) < need:
            return Check(
                rule, "unknown", f"{len(windows)} of {counted(need, 'window')} computed yet."
            )
        return _about(_DRIFT[rule.signal](rule, version.ref, windows), version.ref)
    if rule.signal in ("realized_metric", "estimated_metric"):
        if rule.signal == "realized_metric":
            check = _realized(ws, rule, version)
        else:
            check = check_estimated(ws, rule, version)
        return _about(check, version.ref) if version is not None else check
    if rule.signal in ("latency_p95", "error_rate"):
        return _operations(ws, rule, now)
    return _batch_feed(ws, rule, now)


def _about(check: Check, ref: str) -> Check:
    """``check`` judged the version ``ref`` (its alert retires when another version is live)."""
    check.details.setdefault("ref", ref)
    return check


def _drift_share(rule, ref: str, windows: list[dict]) -> Check:
    threshold = rule.params.get("threshold")
    shares = [w["share"] or 0.0 for w in windows]
    fired = [
        (s >= threshold) if threshold is not None else bool(w["dataset_drift"])
        for s, w in zip(shares, windows, strict=True)
    ]
    latest = windows[0]
    cols = latest.get("drifted_columns", [])
    limit = threshold if threshold is not None else latest.get("share_threshold", 0.5)
    details = {"windows": [w["id"] for w in windows], "drift_share": shares[0], "columns": cols}
    if all(fired):
        return Check(
            rule,
            "fire",
            f"Data drift on {ref}: {len(cols)} of {len(latest['features'])} features drifted "
            f"({shares[0]:.0%} ≥ {limit:.0%}) in the latest {counted(len(windows), 'window')}: "
            f"{', '.join(cols[:6])}{'…' if len(cols) > 6 else ''}. Compare the windows with "
            "training; if the new data is the new normal, retrain on recent data.",
            shares[0],
            details,
        )
    return Check(rule, "ok", f"drift share {shares[0]:.0%} (< {limit:.0%})", shares[0], details)


def _feature_drift(rule, ref: str, windows: list[dict]) -> Check:
    column = rule.params.get("column")
    sets = [set(w.get("drifted_columns", [])) for w in windows]
    persistent = set.intersection(*sets) if sets else set()
    if column is not None:
        persistent &= {column}
    latest = windows[0]
    details: dict = {
        "windows": [w["id"] for w in windows],
        "columns": sorted(persistent, key=latest["features"].index),
        "ref": ref,
    }
    if persistent:
        shown = details["columns"]
        i = latest["features"].index(shown[0])
        details.update(
            method=latest["method"][i], statistic=latest["statistic"][i], score=latest["score"][i]
        )
        details["figures"] = {c: _figure(latest, latest["features"].index(c)) for c in shown}
        return Check(
            rule,
            "fire",
            feature_drift_message(ref, shown, details["figures"][shown[0]], len(windows)),
            latest["score"][i],
            details,
        )
    what = f"'{column}'" if column else "no feature"
    return Check(
        rule,
        "ok",
        f"{what} drifted in all of the latest {counted(len(windows), 'window')}",
        None,
        details,
    )


def _figure(window: dict, i: int) -> str:
    """The evidence of feature ``i`` in ``window``: its test's p-value or its distance."""
    p_values = window.get("p_value") or []
    p_value = p_values[i] if i < len(p_values) else None
    if p_value is not None:
        return f"{window['method'][i]} {p_text(p_value)}, below {window['threshold'][i]:g}"
    return (
        f"{window['method'][i]} {window['statistic'][i]:.3g}, threshold {window['threshold'][i]:g}"
    )


def feature_drift_message(ref: str, columns: list[str], figure: str, windows: int) -> str:
    """The alert text for ``columns`` drifting in each of the latest ``windows`` windows."""
    return (
        f"Feature drift on {ref}: {', '.join(columns[:5])} drifted in each of the latest "
        f"{counted(windows, 'window')} ({figure}). Compare the window's distribution with training; "
        "retrain on recent data if the change is real."
    )


def _prediction_drift(rule, ref: str, windows: list[dict]) -> Check:
    preds = [w.get("prediction") or {} for w in windows]
    latest = preds[0]
    details = {
        "windows": [w["id"] for w in windows],
        **{k: latest.get(k) for k in ("method", "statistic", "mean")},
    }
    if all(p.get("drifted") for p in preds):
        why = str(latest.get("explanation") or latest.get("method")).rstrip(".")  # one stop
        return Check(
            rule,
            "fire",
            f"Prediction drift on {ref}: the model's answers changed in the latest "
            f"{counted(len(windows), 'window')} ({why}). "
            "Check the input drift and, when outcomes arrive, realized performance.",
            latest.get("score"),
            details,
        )
    return Check(rule, "ok", "prediction distribution as in training", latest.get("score"), details)


_DRIFT = {
    "drift_share": _drift_share,
    "feature_drift": _feature_drift,
    "prediction_drift": _prediction_drift,
}


def _realized(ws: Workspace, rule: AlertRule, version) -> Check:
    from mlops_desktop.monitoring.realized import gate_rules, recent_metrics
    from mlops_desktop.training.metric_names import HIGHER_IS_BETTER, PRIMARY

    p = rule.params
    if version is None:
        return Check(rule, "unknown", f"No version of {rule.model_name} is live.")
    recent = recent_metrics(ws, rule.model_name, int(p.get("sample", 500)))
    if recent["n"] < int(p.get("min_labels", 50)):
        return Check(
            rule,
            "unknown",
            f"{counted(recent['n'], 'labelled row')} so far; need {p.get('min_labels', 50)}.",
        )
    gates = gate_rules(ws, rule.model_name)
    task = (version.signature.get("output") or {}).get("task")
    metric = p.get("metric") or (next(iter(gates)) if gates else PRIMARY.get(task))
    value = recent["metrics"].get(metric)
    if value is None:
        return Check(rule, "unknown", f"{metric} cannot be computed on the labelled rows yet.")
    higher = HIGHER_IS_BETTER.get(metric, True)
    source = "rule"
    threshold = p.get("threshold")
    if threshold is None and metric in gates:
        threshold, source = gates[metric]["threshold"], "gate"
    if threshold is None:
        report = ws.reports.latest(version.id)
        band = ((report.summary if report else {}).get("metrics") or {}).get(metric) or {}
        threshold = band.get("ci_low" if higher else "ci_high")
        source = "test report CI"
    if threshold is None:
        return Check(rule, "unknown", f"No gate or tested value to compare {metric} with.")
    worse = value < threshold if higher else value > threshold
    details = {
        "metric": metric,
        "value": value,
        "threshold": threshold,
        "source": source,
        "n": recent["n"],
    }
    if worse:
        return Check(
            rule,
            "fire",
            f"Realized {metric} of {version.ref} is {value:.3f} on the latest {recent['n']} labelled "
            f"rows, {'below' if higher else 'above'} the {source} ({threshold:.3f}). Retrain on "
            "recent data, or roll back if an earlier version did better.",
            value,
            details,
        )
    return Check(
        rule, "ok", f"realized {metric} {value:.3f} vs {threshold:.3f} ({source})", value, details
    )


def _operations(ws: Workspace, rule: AlertRule, now: float) -> Check:
    p = rule.params
    since = now - 60.0 * float(p.get("minutes", 5))
    rows = ws.predictions.served_between(rule.model_name, since, now)
    minutes = p.get("minutes", 5)
    if len(rows) < int(p.get("min_requests", 20)):
        return Check(rule, "unknown", f"{counted(len(rows), 'request')} in the last {minutes} min.")
    status = np.array([r[0] for r in rows])
    if rule.signal == "error_rate":
        rate = float(np.mean(status != 200))
        details = {
            "requests": len(rows),
            "errors_4xx": int(((status >= 400) & (status < 500)).sum()),
            "errors_5xx": int((status >= 500).sum()),
        }
        if rate > float(p["threshold"]):
            return Check(
                rule,
                "fire",
                f"{rate:.1%} of the {len(rows)} requests to {rule.model_name} in the last {minutes} "
                f"min failed (limit {float(p['threshold']):.1%}; {details['errors_4xx']} refused "
                f"inputs, {details['errors_5xx']} service errors). See the service log and the "
                "refused requests.",
                rate,
                details,
            )
        return Check(rule, "ok", f"error rate {rate:.1%}", rate, details)
    latency = np.array([r[1] for r in rows if r[0] == 200 and r[1] is not None], float)
    if not latency.size:
        return Check(rule, "unknown", "no successful request to time.")
    p95 = float(np.percentile(latency, 95))
    if p95 > float(p["threshold_ms"]):
        return Check(
            rule,
            "fire",
            f"Requests to {rule.model_name} are slow: p95 latency {p95:.0f} ms over the last "
            f"{minutes} min (limit {float(p['threshold_ms']):.0f} ms). Check the machine's load "
            "or send fewer rows per request.",
            p95,
            {"p95_ms": p95, "requests": int(latency.size)},
        )
    return Check(rule, "ok", f"p95 latency {p95:.0f} ms", p95, {"p95_ms": p95})


def _batch_feed(ws: Workspace, rule: AlertRule, now: float) -> Check:
    p, name = rule.params, rule.model_name
    last = ws.predictions.latest_batch(name)
    failed_job = None
    for job in ws.jobs.list(50, ("succeeded", "failed"), kind="score_job"):
        ref = str((job.params or {}).get("ref", ""))
        if ref.split("@")[0] == name:
            failed_job = (job.finished_at, job.error) if job.status == "failed" else None
            break
    if failed_job and (last is None or (failed_job[0] or 0) > last.ts):
        return Check(
            rule,
            "fire",
            f"The latest batch scoring of {name} failed: {failed_job[1]}. Fix the input file "
            "and run it again.",
            None,
            {"error": failed_job[1]},
        )
    if last is None:
        return Check(rule, "unknown", "no batch scoring has run for this model.")
    if last.status != 200:
        return Check(
            rule,
            "fire",
            f"The latest batch scoring of {name} failed: {last.error}.",
            None,
            {"error": last.error},
        )
    out = last.outputs or {}
    total = (out.get("scored") or 0) + (out.get("rejected") or 0)
    share = (out.get("rejected") or 0) / total if total else 0.0
    details = {
        "rejected": out.get("rejected"),
        "scored": out.get("scored"),
        "file": out.get("file"),
    }
    if share > float(p.get("max_reject_share", 0.1)):
        return Check(
            rule,
            "fire",
            f"The latest batch feed of {name} rejected {share:.0%} of its rows (limit "
            f"{float(p['max_reject_share']):.0%}); the reasons are in {out.get('rejects_file')}.",
            share,
            details,
        )
    age_h = (now - last.ts) / 3600
    if p.get("max_age_hours") is not None and age_h > float(p["max_age_hours"]):
        return Check(
            rule,
            "fire",
            f"No batch scoring of {name} for {age_h:.1f} h (expected every "
            f"{float(p['max_age_hours']):g} h). Check the scheduled job.",
            age_h,
            details,
        )
    return Check(
        rule, "ok", f"latest batch rejected {share:.0%}, {age_h:.1f} h ago", share, details
    )
