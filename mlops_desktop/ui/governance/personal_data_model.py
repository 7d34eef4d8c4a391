"""What the Govern page's "Personal data" tab shows (Qt-free): one row per dataset (its latest
version) and per model version, the columns of the one selected, and the tab's jobs.

``load_overview`` reads the registry: the tab runs it off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.registry.personal_data_store import LEGAL_BASES

if TYPE_CHECKING:
    from mlops_desktop.governance.personal_data import ColumnEntry, DatasetInventory
    from mlops_desktop.jobs.context import JobContext
    from mlops_desktop.registry.workspace import Workspace

EMPTY_TEXT = (
    "No datasets yet. Import one on the Data page: the personal-data columns it suggests are "
    "listed here to confirm, with each dataset's purpose and legal basis."
)


@dataclass(frozen=True)
class ColumnRow:
    column: str
    kind: str
    personal: str
    special: str
    confirmed: str
    used: str
    flagged: bool  # an Art. 9 special category


@dataclass(frozen=True)
class InventoryRow:
    kind: str  # "dataset" or "model"
    ref: str
    dataset_name: str
    dataset_ref: str  # the dataset version whose columns ``columns`` are
    purpose: str
    legal_basis: str
    personal: str
    special: str
    note: str
    flagged: bool
    columns: tuple[ColumnRow, ...] = ()
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Overview:
    rows: tuple[InventoryRow, ...] = ()
    legal_bases: dict[str, str] = field(default_factory=lambda: dict(LEGAL_BASES))

    @property
    def empty(self) -> bool:
        return not self.rows

    def row(self, ref: str, kind: str) -> InventoryRow | None:
        return next((r for r in self.rows if r.ref == ref and r.kind == kind), None)


def _column_row(c: ColumnEntry, features: tuple[str, ...] | None) -> ColumnRow:
    from mlops_desktop.data.special_categories import SPECIAL_CATEGORIES

    if c.confirmed:
        confirmed = f"yes, {c.decision.decided_by}: {c.decision.reason}"
    else:
        confirmed = "suggested: " + (c.suggestion or c.special_reason)
    used = "" if features is None else ("yes" if c.column in features else "no")
    return ColumnRow(
        column=c.column,
        kind=c.kind.replace("_", " "),
        personal="yes" if c.personal else "no",
        special=SPECIAL_CATEGORIES.get(c.special or "", "") if c.personal else "",
        confirmed=confirmed,
        used=used,
        flagged=bool(c.personal and c.special),
    )


def _purpose_texts(inv: DatasetInventory) -> tuple[str, str]:
    if inv.purpose is None:
        return "not recorded", "not recorded"
    return inv.purpose.purpose, LEGAL_BASES[inv.purpose.legal_basis]


def _dataset_row(inv: DatasetInventory) -> InventoryRow:
    purpose, basis = _purpose_texts(inv)
    waiting = len(inv.unconfirmed)
    return InventoryRow(
        kind="dataset",
        ref=inv.ref,
        dataset_name=inv.name,
        dataset_ref=inv.ref,
        purpose=purpose,
        legal_basis=basis,
        personal=", ".join(c.column for c in inv.personal) or "none",
        special=", ".join(c.column for c in inv.special),
        note=f"{waiting} to confirm" if waiting else "all confirmed",
        flagged=bool(inv.special),
        columns=tuple(_column_row(c, None) for c in inv.columns),
    )


def _model_row(ws: Workspace, ref: str) -> InventoryRow:
    from mlops_desktop.governance.personal_data import model_inventory

    inv = model_inventory(ws, ref)
    purpose, basis = _purpose_texts(inv.dataset)
    little = [h.column for h in inv.hints if h.adds_little]
    note = f"adds little: {', '.join(little)}" if little else inv.hint_note
    return InventoryRow(
        kind="model",
        ref=inv.ref,
        dataset_name=inv.dataset.name,
        dataset_ref=inv.dataset.ref,
        purpose=purpose,
        legal_basis=basis,
        personal=", ".join(c.column for c in inv.used) or "none",
        special=", ".join(c.column for c in inv.used if c.special),
        note=note,
        flagged=any(c.special for c in inv.used),
        columns=tuple(_column_row(c, inv.features) for c in inv.dataset.columns),
        hints=tuple(h.text for h in inv.hints) + (inv.hint_note,),
    )


def load_overview(ws: Workspace) -> Overview:
    """The latest version of every dataset, then every model version (off the GUI thread)."""
    from mlops_desktop.governance.personal_data import dataset_inventory

    rows = [_dataset_row(dataset_inventory(ws, name)) for name in ws.datasets.names()]
    rows += [_model_row(ws, v.ref) for v in ws.models.list()]
    return Overview(rows=tuple(rows))


def save_purpose(ws: Workspace, name: str, purpose: str, basis: str, reason: str) -> int:
    """Record the purpose (off the GUI thread); the new purpose version."""
    from mlops_desktop.governance.personal_data import set_purpose

    return set_purpose(ws, name, purpose, basis, reason).version


def save_column(
    ws: Workspace, dataset_ref: str, column: str, personal: bool, special: str, reason: str
) -> str:
    """Record the decision on one column (off the GUI thread); the version it was made on."""
    from mlops_desktop.governance.personal_data import mark

    mark(ws, dataset_ref, column, personal=personal, special=special, reason=reason)
    return dataset_ref


def export_record_job(ctx: JobContext, path: str) -> dict[str, Any]:
    """Write the Art. 30 record of the workspace to ``path`` (.csv or .html)."""
    from mlops_desktop.governance.art30 import export_record

    ctx.report(0.1, f"Writing {Path(path).name}")
    result = export_record(ctx.workspace(), path)
    ctx.report(1.0, "Done")
    return result
