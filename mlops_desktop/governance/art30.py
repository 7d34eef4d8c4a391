"""The GDPR Art. 30 record of processing activities over a whole workspace, as CSV or HTML.

One row per dataset (a processing activity): its purpose and legal basis, the categories of
personal data and Art. 9 special categories across its versions, the models trained on it and
the personal columns they use, and how long the decision records are kept. What the workspace
cannot know (controller, recipients, transfers to third countries) is left for the controller
to fill in, and says so.
"""

from __future__ import annotations

import csv
import html
import io
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.data.special_categories import SPECIAL_CATEGORIES
from mlops_desktop.errors import InputError
from mlops_desktop.formatting import local_time
from mlops_desktop.governance.personal_data import dataset_inventory, model_features
from mlops_desktop.registry.personal_data_store import LEGAL_BASES

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

NOT_RECORDED = "not recorded in MLOps Desktop: to be completed by the controller"
FIELDS = (
    ("activity", "Processing activity (dataset)"),
    ("purpose", "Purpose of the processing"),
    ("legal_basis", "Legal basis (GDPR Art. 6)"),
    ("purpose_recorded", "Purpose recorded (version, by, when)"),
    ("dataset_versions", "Dataset versions"),
    ("personal_data", "Categories of personal data (columns)"),
    ("special_categories", "Special categories (GDPR Art. 9)"),
    ("unconfirmed", "Suggested, not yet confirmed"),
    ("models", "Models trained on it"),
    ("personal_features", "Personal data used as model inputs"),
    ("retention", "Time limits for erasure"),
    ("security", "Technical and organisational measures"),
    ("recipients", "Recipients and transfers"),
)
SECURITY = (
    "kept in a local workspace folder (no network); content-addressed artifacts verified by "
    "SHA-256 on load; every change recorded in a hash-chained audit trail"
)


def _models_by_dataset(ws: Workspace) -> dict[int, list[tuple[str, tuple[str, ...]]]]:
    """``{dataset version id: [(model ref, its input columns), …]}``."""
    found: dict[int, list] = {}
    for version in ws.models.list():
        run = ws.runs.get(version.run_id)
        found.setdefault(run.dataset_version_id, []).append(
            (version.ref, model_features(ws, version))
        )
    return found


def _retention(ws: Workspace) -> str:
    from mlops_desktop.serving.retention import get_retention

    settings = get_retention(ws)
    return (
        f"prediction log (decision records) {settings.predictions_days} days; outcomes "
        f"{settings.outcomes_days} days; dataset versions until erased"
    )


def _row(ws: Workspace, name: str, models: dict, retention: str) -> dict[str, str]:
    versions = ws.datasets.list(name)
    inventories = [dataset_inventory(ws, v) for v in versions]
    personal: dict[str, str] = {}
    special: dict[str, str] = {}
    unconfirmed: set[str] = set()
    for inv in inventories:
        for c in inv.personal:
            personal.setdefault(c.column, c.kind)
            if c.special:
                special[c.column] = SPECIAL_CATEGORIES[c.special]
        unconfirmed.update(c.column for c in inv.unconfirmed)
    used: dict[str, set[str]] = {}
    refs = []
    for version in versions:
        for ref, features in models.get(version.id, []):
            refs.append(ref)
            for column in personal:
                if column in features:
                    used.setdefault(column, set()).add(ref)
    purpose = inventories[-1].purpose
    return {
        "activity": name,
        "purpose": purpose.purpose if purpose else "not recorded yet",
        "legal_basis": LEGAL_BASES[purpose.legal_basis] if purpose else "not recorded yet",
        "purpose_recorded": (
            f"version {purpose.version}, {purpose.created_by}, {local_time(purpose.created_at)}"
            if purpose
            else ""
        ),
        "dataset_versions": ", ".join(v.ref for v in versions),
        "personal_data": "; ".join(f"{c} ({k.replace('_', ' ')})" for c, k in personal.items()),
        "special_categories": "; ".join(f"{c} ({s})" for c, s in special.items()) or "none",
        "unconfirmed": ", ".join(sorted(unconfirmed)) or "none",
        "models": ", ".join(refs) or "none",
        "personal_features": "; ".join(f"{c}: {', '.join(sorted(r))}" for c, r in used.items())
        or "none",
        "retention": retention,
        "security": SECURITY,
        "recipients": NOT_RECORDED,
    }


def record_rows(ws: Workspace) -> list[dict[str, str]]:
    """The record of processing: one row per dataset name, by name."""
    models = _models_by_dataset(ws)
    retention = _retention(ws)
    return [_row(ws, name, models, retention) for name in ws.datasets.names()]


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[key for key, _ in FIELDS])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def to_html(rows: list[dict[str, str]], workspace: str) -> str:
    """A self-contained HTML page: one table per processing activity."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        "<title>Record of processing activities (GDPR Art. 30)</title>",
        "<style>body{font-family:sans-serif;margin:24px;color:#222}"
        "table{border-collapse:collapse;margin-bottom:24px;width:100%}"
        "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#f2f2f2;width:28%}</style></head><body>",
        "<h1>Record of processing activities (GDPR Art. 30)</h1>",
        f"<p>Workspace {esc(workspace)}, written {esc(local_time(time.time()))}.</p>",
    ]
    if not rows:
        parts.append("<p>The workspace holds no datasets.</p>")
    for row in rows:
        parts.append(f"<h2>{esc(row['activity'])}</h2><table>")
        parts += [
            f"<tr><th>{esc(label)}</th><td>{esc(row[key])}</td></tr>" for key, label in FIELDS
        ]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def export_record(ws: Workspace, path: str | Path) -> dict:
    """Write the record to ``path`` (.csv or .html, by its suffix), audited."""
    target = Path(path).expanduser()
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".html", ".htm"):
        raise InputError(f"Cannot write '{target.name}': use a file name ending in .csv or .html.")
    if not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist; choose another.")
    rows = record_rows(ws)
    text = to_csv(rows) if suffix == ".csv" else to_html(rows, str(ws.path))
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot write {target}: {exc.strerror or exc}.") from exc
    ws.audit.record("pii.export", "workspace", "", {"path": str(target), "activities": len(rows)})
    return {"path": str(target), "format": suffix.lstrip(".")[:4], "activities": len(rows)}
