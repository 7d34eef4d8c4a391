"""What the Govern page's Erasure tab shows (Qt-free): the key columns to choose from, the counts
per place of a dry run, the confirmation, the result, and the model versions trained on erased
data with the retrain each needs (the one ``mlops-desktop erase`` prints).

``read_view``, ``count`` and ``run`` read or change the registry: the tab runs them on a pool
thread (``BackgroundTasks``) with their own workspace connection, never on the GUI thread. The
value is passed to them as an argument and never stored (no job record holds it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops_desktop.formatting import count as count_text
from mlops_desktop.formatting import counted, local_time
from mlops_desktop.governance.erasure import ErasureResult, erase
from mlops_desktop.ui.kit.specs import Column

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

COUNT_COLUMNS = (Column("Place", width=360), Column("Rows or records", numeric=True))
HASH_SHOWN = 12
EMPTY = (
    "Choose the key column that identifies the person (e.g. a customer id), type their value "
    "and the reason, then Count (dry run). Nothing changes until you confirm Erase."
)


@dataclass(frozen=True)
class RetrainRow:
    """A model version trained on erased data and where to retrain it (``dataset`` is None
    when the erasure left no row of its training data)."""

    model_ref: str
    dataset: str | None
    erased_at: float
    retrained_as: str | None = None  # a child version already trained on ``dataset``

    @property
    def command(self) -> str:
        return f"mlops-desktop retrain {self.model_ref} --dataset {self.dataset}"

    def text(self) -> str:
        when = local_time(self.erased_at)
        if self.dataset is None:
            return f"{self.model_ref}: every row of its training data was erased ({when})"
        if self.retrained_as:
            return f"{self.model_ref}: trained on erased data ({when}); retrained as " + (
                f"{self.retrained_as} on {self.dataset}"
            )
        return f"{self.model_ref}: trained on erased data ({when}); retrain on {self.dataset}"


@dataclass(frozen=True)
class ErasureView:
    key_columns: list[str] = field(default_factory=list)
    retrain: list[RetrainRow] = field(default_factory=list)
    erasures: int = 0


def key_columns(ws: Workspace) -> list[str]:
    """Every column of the workspace's dataset versions, the id columns first."""
    ids: dict[str, None] = {}
    others: dict[str, None] = {}
    for version in ws.datasets.list():
        for column in version.roles.get("id_columns") or ():
            ids[column] = None
        for column in version.schema:
            others[column] = None
    return [*ids, *(c for c in others if c not in ids)]


def _replacement(ws: Workspace, dataset_version_id: int) -> str | None:
    """The latest version that replaced ``dataset_version_id`` (erasures can follow erasures)."""
    ref = ws.datasets.superseded_by(dataset_version_id)
    for _ in range(100):
        if not ref:
            return None
        later = ws.datasets.superseded_by(ws.datasets.get(ref).id)
        if later is None:
            return ref
        ref = later
    return ref


def _retrained_as(ws: Workspace, model_version_id: int, dataset: str | None) -> str | None:
    """The child version of ``model_version_id`` trained on ``dataset``, if there is one."""
    if not dataset:
        return None
    parent = ws.models.by_id(model_version_id)
    dataset_id = ws.datasets.get(dataset).id
    for version in ws.models.list(parent.name):
        if version.parent_id == parent.id:
            if ws.runs.get(version.run_id).dataset_version_id == dataset_id:
                return version.ref
    return None


def retrain_rows(ws: Workspace) -> list[RetrainRow]:
    """One row per model version trained on erased data, the latest flag first."""
    rows: dict[str, RetrainRow] = {}
    for flag in reversed(ws.erasures.erased_training()):
        if flag.model_ref not in rows:
            dataset = _replacement(ws, flag.dataset_version_id)
            child = _retrained_as(ws, flag.model_version_id, dataset)
            rows[flag.model_ref] = RetrainRow(flag.model_ref, dataset, flag.erased_at, child)
    return list(rows.values())


def read_view(ws: Workspace) -> ErasureView:
    return ErasureView(key_columns(ws), retrain_rows(ws), ws.erasures.count())


def count(ws: Workspace, key: str, value: str) -> ErasureResult:
    """The dry run: counts per place, nothing changed."""
    return erase(ws, key, value, dry_run=True)


def run(ws: Workspace, key: str, value: str, reason: str) -> ErasureResult:
    """The erasure itself."""
    return erase(ws, key, value, reason)


def count_rows(result: ErasureResult) -> list[tuple]:
    return [((name, name), (count_text(n), n)) for name, n in result.counts.items()]


def total(result: ErasureResult) -> int:
    return sum(result.counts.values())


def short_hash(result: ErasureResult) -> str:
    return result.value_hash[:HASH_SHOWN] + "…"


def dry_run_text(result: ErasureResult) -> str:
    found = sum(1 for n in result.counts.values() if n)
    head = (
        f"Dry run for {result.key} = <the value> (salted hash {short_hash(result)}): "
        f"{counted(total(result), 'record')} in {counted(found, 'place')}. "
        "Nothing was changed."
    )
    return " ".join([head, *_notes(result)])


def _notes(result: ErasureResult) -> list[str]:
    notes = []
    if result.short_value:
        notes.append("The value is short: it is matched in the key column only.")
    if result.model_files:
        notes.append(f"The model files of {', '.join(result.model_files)} hold it: retrain them.")
    return notes


def confirm_text(result: ErasureResult) -> str:
    """The confirmation dialog's question, naming the counts of the dry run."""
    places = [f"{name}: {count_text(n)}" for name, n in result.counts.items() if n]
    listed = "; ".join(places) if places else "nothing was found"
    return (
        f"Erase the data of {result.key} = <the value> from every place? {listed}. Dataset "
        "versions are rewritten without the rows and the old ones deleted; this cannot be undone."
    )


def result_text(result: ErasureResult) -> str:
    """What the tab says after the erasure (the hash shortened, never the value)."""
    lines = [
        f"Erased {counted(total(result), 'record')} of {result.key} = <the value> "
        f"(erasure #{result.erasure_id}, salted hash {short_hash(result)})."
    ]
    for old, new in result.rewritten:
        lines.append(f"{old} is superseded by {new}." if new else f"{old}: no row was left.")
    if result.audit_kept:
        lines.append(
            f"{counted(result.audit_kept, 'audit event')} still hold the value: the audit chain "
            "is never rewritten."
        )
    return " ".join([*lines, *_notes(result)])


def retrain_title(row: RetrainRow) -> str:
    return f"Retrain {row.model_ref} on {row.dataset}"
