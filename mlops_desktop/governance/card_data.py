"""What a model card says, gathered from the registry as plain JSON-safe sections, in the order
of the EU AI Act's Annex IV: intended purpose, data, development, evaluation, human oversight,
monitoring plan and change history. ``card.render_card`` draws them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.governance.personal_data import model_inventory
from mlops_desktop.registry.personal_data_store import LEGAL_BASES
from mlops_desktop.training.column_order import ordered_inputs
from mlops_desktop.training.families import family_label

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import DatasetVersion, ModelVersion, Run
    from mlops_desktop.registry.workspace import Workspace


def _purpose(ws: Workspace, version: ModelVersion, run: Run, dataset: DatasetVersion) -> dict:
    output = (version.signature or {}).get("output") or {}
    purpose = ws.personal_data.current_purpose(dataset.name)
    return {
        "model": version.ref,
        "description": version.description,
        "family": family_label(run.model_family),
        "task": output.get("task") or run.config.get("task"),
        "target": output.get("name"),
        "positive_class": output.get("positive_class"),
        "purpose": purpose.purpose if purpose else None,
        "legal_basis": LEGAL_BASES[purpose.legal_basis] if purpose else None,
        "purpose_version": purpose.version if purpose else None,
        "dataset_name": dataset.name,
    }


def _dataset_lineage(ws: Workspace, dataset: DatasetVersion) -> list[str]:
    chain, current = [], dataset
    while current.parent_id is not None:
        current = ws.datasets.get_by_id(current.parent_id)
        chain.append(current.ref)
    return chain


def _data(ws: Workspace, version: ModelVersion, dataset: DatasetVersion) -> dict:
    inv = model_inventory(ws, version)
    split = dataset.split or {}
    return {
        "dataset": dataset.ref,
        "source": Path(dataset.source).name if dataset.source else "",
        "rows": dataset.rows,
        "columns": dataset.columns,
        "content_hash": dataset.content_hash,
        "created_at": dataset.created_at,
        "created_by": dataset.created_by,
        "earlier_versions": _dataset_lineage(ws, dataset),
        "split": {k: split.get(k) for k in ("method", "test_size", "seed")},
        "checks": [
            {"severity": c.get("severity"), "title": c.get("title"), "check": c.get("check")}
            for c in dataset.checks or []
        ],
        "override_reason": dataset.override_reason,
        "personal": [
            {**c.to_dict(), "used": c.column in inv.features} for c in inv.dataset.columns
        ],
        "minimisation": [h.text for h in inv.hints],
        "minimisation_note": inv.hint_note,
    }


def _pipeline(ws: Workspace, version: ModelVersion) -> dict:
    """The pipeline's steps, its preprocessing groups and the estimator's own parameters."""
    from mlops_desktop.training.comparison import estimator_params

    pipeline = ws.artifacts.load_object(ws.models.bound_artifact(version))
    steps = [f"{name}: {type(step).__name__}" for name, step in getattr(pipeline, "steps", [])]
    prepare = dict(getattr(pipeline, "named_steps", {})).get("prepare")
    groups = [
        f"{name}: {len(cols)} columns"
        for name, _t, cols in getattr(prepare, "transformers_", []) or []
        if name != "remainder"
    ]
    return {"steps": steps, "preprocessing": groups, "estimator": estimator_params(pipeline)}


def _development(ws: Workspace, version: ModelVersion, run: Run) -> dict:
    config = run.config or {}
    inputs = ordered_inputs(version.signature or {})
    return {
        "run": run.id,
        "family": family_label(run.model_family),
        "seed": run.seed,
        "split_method": config.get("split_method"),
        "cv_folds": config.get("cv_folds"),
        "search": config.get("search"),
        "params": run.params or {},
        "fingerprint": run.fingerprint,
        "library_versions": run.library_versions or {},
        "features": [{"name": s.get("name"), "type": s.get("type")} for s in inputs],
        "cv_metrics": (run.metrics or {}).get("cv") or {},
        "parent": ws.models.by_id(version.parent_id).ref if version.parent_id else None,
        **_pipeline(ws, version),
    }


def _evaluation(ws: Workspace, version: ModelVersion) -> dict | None:
    report = ws.reports.latest(version.id)
    if report is None:
        return None
    s = report.summary
    slices = s.get("slices") or {}
    return {
        "report_id": report.id,
        "created_at": report.created_at,
        "rows": s.get("rows"),
        "primary_metric": s.get("primary_metric"),
        "bootstrap": s.get("bootstrap") or {},
        "metrics": s.get("metrics") or {},
        "baseline": (s.get("baseline") or {}).get("metrics") or {},
        "lift": (s.get("baseline") or {}).get("lift") or {},
        "gate": s.get("gate"),
        "slices": {
            "metric": slices.get("metric"),
            "overall": slices.get("overall"),
            "flagged": slices.get("flagged", 0),
            "max_gap": slices.get("max_gap"),
            "count": len(slices.get("rows") or []),
            "worst": (slices.get("rows") or [])[:8],
        },
        "behavioural": s.get("behavioural") or [],
        "contracts": s.get("contracts") or [],
    }


def _monitoring(ws: Workspace, name: str) -> dict:
    from mlops_desktop.monitoring.settings import get_settings
    from mlops_desktop.serving.retention import get_retention

    return {
        "windows": get_settings(ws, name).to_dict(),
        "alert_rules": [
            {"signal": r.signal, "params": r.params, "enabled": bool(r.enabled)}
            for r in ws.alerts.rules(name)
        ],
        "retention": get_retention(ws).to_dict(),
        "open_alerts": len(ws.alerts.list(name, states=("open",))),
    }


def _history(ws: Workspace, version: ModelVersion) -> dict:
    versions = {v.id: v.ref for v in ws.models.list(version.name)}
    aliases = [
        {
            "alias": h.alias,
            "version": versions.get(h.model_version_id, str(h.model_version_id)),
            "started_at": h.started_at,
            "ended_at": h.ended_at,
            "set_by": h.set_by,
            "reason": h.reason,
        }
        for h in ws.models.alias_history(version.name)
    ]
    promotions = []
    for ref in versions.values():
        for event in ws.audit.recent(limit=10_000, object_ref=ref):
            if event.action.startswith("deploy."):
                promotions.append(
                    {
                        "ts": event.ts,
                        "action": event.action.removeprefix("deploy."),
                        "version": ref,
                        "user": event.os_user,
                        "forced": bool(event.details.get("forced")),
                        "verdict": event.details.get("verdict", ""),
                        "reason": event.details.get("reason", ""),
                    }
                )
    promotions.sort(key=lambda p: p["ts"])
    return {"aliases": aliases, "promotions": promotions, "versions": list(versions.values())}


def card_data(ws: Workspace, ref: str, oversight: list[str]) -> dict[str, Any]:
    """Every section of the model card of ``ref`` (``oversight``: the human-oversight lines)."""
    version = ws.models.get(ref)
    run = ws.runs.get(version.run_id)
    dataset = ws.datasets.get_by_id(run.dataset_version_id)
    return {
        "model": version.ref,
        "workspace": str(ws.path),
        "purpose": _purpose(ws, version, run, dataset),
        "data": _data(ws, version, dataset),
        "development": _development(ws, version, run),
        "evaluation": _evaluation(ws, version),
        "oversight": list(oversight),
        "monitoring": _monitoring(ws, version.name),
        "history": _history(ws, version),
    }
