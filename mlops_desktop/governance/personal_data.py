"""The personal-data inventory of a dataset version and of a model version.

A dataset version's personal columns start as the import's suggestions (``DatasetVersion.pii``)
and Art. 9 special categories suggested from names and profiled values; a person confirms or
changes each with a reason (``mark``). A decision holds for later versions of the same dataset
until one of them decides otherwise. A model version's inventory says which personal columns
the model uses as features and, from its latest test report's permutation importance, which of
them add little (the data-minimisation hint, GDPR Art. 5(1)(c)).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from mlops_desktop.data.special_categories import SPECIAL_CATEGORIES, check_category
from mlops_desktop.data.special_categories import suggest_special as _suggest_special
from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.formatting import number
from mlops_desktop.registry.entities import DatasetVersion, ModelVersion
from mlops_desktop.registry.personal_data_store import (
    LEGAL_BASES,
    ColumnDecision,
    DatasetPurpose,
    check_legal_basis,
)
from mlops_desktop.registry.refs import parse_ref
from mlops_desktop.training.metric_names import METRIC_LABELS

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

LITTLE = 0.01  # a column adds little when shuffling it moves the metric by < 1% of its value


@dataclass(frozen=True)
class ColumnEntry:
    """One column of a dataset version that is, was suggested as, or was decided on personal."""

    column: str
    personal: bool
    kind: str = "personal"
    suggested: bool = False  # marked personal by the import
    suggestion: str = ""  # why the import suggested it
    special: str | None = None  # the Art. 9 category that holds
    special_suggested: str | None = None
    special_reason: str = ""
    decision: ColumnDecision | None = None
    decided_on: str | None = None  # the dataset version the holding decision was made on
    history: tuple[ColumnDecision, ...] = ()

    @property
    def confirmed(self) -> bool:
        return self.decision is not None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["confirmed"] = self.confirmed
        data["special_label"] = SPECIAL_CATEGORIES.get(self.special or "")
        return data


@dataclass(frozen=True)
class DatasetInventory:
    ref: str
    name: str
    number: int
    source: str
    rows: int
    purpose: DatasetPurpose | None
    purpose_history: tuple[DatasetPurpose, ...]
    columns: tuple[ColumnEntry, ...]

    @property
    def personal(self) -> list[ColumnEntry]:
        return [c for c in self.columns if c.personal]

    @property
    def special(self) -> list[ColumnEntry]:
        return [c for c in self.columns if c.personal and c.special]

    @property
    def unconfirmed(self) -> list[ColumnEntry]:
        return [c for c in self.columns if not c.confirmed]

    def to_dict(self) -> dict:
        return {
            "kind": "dataset",
            "ref": self.ref,
            "source": self.source,
            "rows": self.rows,
            "purpose": asdict(self.purpose) if self.purpose else None,
            "legal_basis_text": LEGAL_BASES.get(self.purpose.legal_basis) if self.purpose else None,
            "purpose_history": [asdict(p) for p in self.purpose_history],
            "personal_columns": [c.column for c in self.personal],
            "special_categories": {c.column: c.special for c in self.special},
            "unconfirmed_columns": [c.column for c in self.unconfirmed],
            "columns": [c.to_dict() for c in self.columns],
        }


@dataclass(frozen=True)
class MinimisationHint:
    column: str
    mean: float
    std: float
    adds_little: bool
    text: str


@dataclass(frozen=True)
class ModelInventory:
    ref: str
    dataset: DatasetInventory
    features: tuple[str, ...]
    used: tuple[ColumnEntry, ...]  # personal columns the model takes as inputs
    report_id: int | None = None
    hints: tuple[MinimisationHint, ...] = ()
    hint_note: str = ""
    importance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "kind": "model",
            "ref": self.ref,
            "dataset": self.dataset.to_dict(),
            "features": list(self.features),
            "personal_features": [c.column for c in self.used],
            "special_features": {
                c.column: SPECIAL_CATEGORIES[c.special] for c in self.used if c.special
            },
            "report_id": self.report_id,
            "minimisation": [asdict(h) for h in self.hints],
            "minimisation_note": self.hint_note,
        }


# -- dataset versions ------------------------------------------------------------------------


def _decided(ws: Workspace, version: DatasetVersion) -> dict[str, tuple[str, list]]:
    """``{column: (ref decided on, decisions there)}``: this version's own decisions, else the
    latest earlier version of the same dataset that decided on the column."""
    found: dict[str, tuple[str, list]] = {}
    earlier = [v for v in ws.datasets.list(version.name) if v.number <= version.number]
    for v in sorted(earlier, key=lambda v: -v.number):
        history: dict[str, list] = {}
        for decision in ws.personal_data.decisions(v.id):
            history.setdefault(decision.column_name, []).append(decision)
        for column, decisions in history.items():
            found.setdefault(column, (v.ref, decisions))
    return found


def _import_hint(version: DatasetVersion, column: str) -> dict:
    """What the import recorded about ``column`` (``{kind, reason, source}``), {} for nothing."""
    hint = (version.pii or {}).get(column)
    if hint and not isinstance(hint, dict):  # a bare list of kinds, as some callers store
        kinds = hint if isinstance(hint, list) else [hint]
        hint = {"kind": str(kinds[0]), "reason": "marked personal at import", "source": "user"}
    return hint or {}


def _entry(column: str, version: DatasetVersion, special: dict, decided: dict) -> ColumnEntry:
    hint = _import_hint(version, column)
    category, special_reason = special.get(column, (None, ""))
    base = ColumnEntry(
        column=column,
        personal=bool(hint) or category is not None,
        kind=hint.get("kind", "personal"),
        suggested=bool(hint),
        suggestion=hint.get("reason", ""),
        special=category,
        special_suggested=category,
        special_reason=special_reason,
    )
    if column not in decided:
        return base
    ref, history = decided[column]
    last = history[-1]
    return ColumnEntry(
        **{
            **asdict(base),
            "personal": bool(last.personal),
            "special": last.special_category,
            "decision": last,
            "decided_on": ref,
            "history": tuple(history),
        }
    )


def dataset_inventory(ws: Workspace, ref: str | DatasetVersion) -> DatasetInventory:
    """The inventory of one dataset version (``name@N``, or ``name`` for the latest)."""
    version = ws.datasets.get(ref) if isinstance(ref, str) else ref
    special = _suggest_special((version.profile or {}).get("columns") or {})
    decided = _decided(ws, version)
    names = list(dict.fromkeys([*(version.pii or {}), *special, *decided]))
    order = list((version.profile or {}).get("column_order") or version.schema or [])
    names.sort(key=lambda c: order.index(c) if c in order else len(order))
    return DatasetInventory(
        ref=version.ref,
        name=version.name,
        number=version.number,
        source=version.source,
        rows=version.rows,
        purpose=ws.personal_data.current_purpose(version.name),
        purpose_history=tuple(ws.personal_data.purposes(version.name)),
        columns=tuple(_entry(c, version, special, decided) for c in names),
    )


# -- changes ---------------------------------------------------------------------------------


def set_purpose(
    ws: Workspace, name: str, purpose: str, legal_basis: str, reason: str
) -> DatasetPurpose:
    """Record a new version of dataset ``name``'s purpose and legal basis (audited)."""
    parsed = parse_ref(name)
    if parsed.number is not None or parsed.alias is not None:
        raise InputError(
            f"A purpose belongs to the dataset, not to one version: write '{parsed.name}', "
            f"not '{name}'."
        )
    ws.datasets.get(parsed.name)  # NotFoundError naming the datasets there are
    return ws.personal_data.set_purpose(
        parsed.name, purpose, check_legal_basis(legal_basis), reason
    )


def _columns_of(version: DatasetVersion) -> list[str]:
    return list(
        dict.fromkeys([*(version.schema or {}), *(version.profile or {}).get("columns", {})])
    )


def mark(
    ws: Workspace,
    ref: str,
    column: str,
    *,
    personal: bool,
    special: str | None = None,
    reason: str,
) -> ColumnEntry:
    """Confirm or change whether ``column`` of dataset version ``ref`` is personal data.

    ``special``: an Art. 9 category (key or short name), ``"none"`` for none, or None to keep
    the category that holds now (the earlier decision's, else the suggested one).
    """
    version = ws.datasets.get(ref)
    if column not in _columns_of(version):
        raise InputError(
            f"{version.ref} has no column '{column}'. Its columns: "
            f"{', '.join(_columns_of(version)[:30])}."
        )
    current = next((c for c in dataset_inventory(ws, version).columns if c.column == column), None)
    none = special is not None and special.strip().lower() == "none"
    category = None if none else check_category(special)
    if category and not personal:
        raise InputError("A column that is not personal data cannot hold a special category.")
    if special is None and current is not None and personal:
        category = current.special
    suggestion = _import_hint(version, column)
    if current is not None and current.special_suggested:
        suggestion = {**suggestion, "special_category": current.special_suggested}
    ws.personal_data.decide_column(
        version.id,
        version.ref,
        column,
        personal=personal,
        special_category=category,
        reason=reason,
        suggestion=suggestion,
    )
    return next(c for c in dataset_inventory(ws, version).columns if c.column == column)


# -- model versions --------------------------------------------------------------------------


def model_features(ws: Workspace, version: ModelVersion) -> tuple[str, ...]:
    """The input columns of a model version (its signature, else its run's)."""
    signature = version.signature or ws.runs.get(version.run_id).config.get("signature") or {}
    return tuple(s["name"] for s in signature.get("inputs") or [])


def _hints(used: tuple[ColumnEntry, ...], importance: dict) -> tuple[MinimisationHint, ...]:
    metric = importance.get("metric", "")
    label = METRIC_LABELS.get(metric, metric)
    base = abs(float(importance.get("base") or 0.0))
    values = importance.get("columns") or {}
    hints = []
    for entry in used:
        value = values.get(entry.column)
        if value is None:
            continue
        mean, std = float(value["mean"]), float(value["std"])
        little = mean <= max(2 * std, LITTLE * base)
        effect = f"shuffling it moves {label} by {number(mean)} ± {number(std)}"
        text = (
            f"{entry.column} adds little the test data can show ({effect}): consider training "
            "without it."
            if little
            else f"{entry.column} matters to the model ({effect})."
        )
        hints.append(MinimisationHint(entry.column, mean, std, little, text))
    return tuple(sorted(hints, key=lambda h: h.mean))


def model_inventory(ws: Workspace, ref: str | ModelVersion) -> ModelInventory:
    """The inventory of a model version: its dataset's, the personal columns it uses, and the
    minimisation hint from its latest test report."""
    version = ws.models.get(ref) if isinstance(ref, str) else ref
    run = ws.runs.get(version.run_id)
    dataset = dataset_inventory(ws, ws.datasets.get_by_id(run.dataset_version_id))
    features = model_features(ws, version)
    used = tuple(c for c in dataset.personal if c.column in features)
    report = ws.reports.latest(version.id)
    importance = (report.summary.get("importance") or {}) if report else {}
    if report is None:
        note = f"Test {version.ref} to see which personal columns add little to it."
    elif not importance:
        note = f"Test {version.ref} again: its latest report predates permutation importance."
    else:
        note = (
            f"From test report {report.id}: permutation importance on {importance['rows']:,} "
            f"test rows, {importance['repeats']} repeats."
        )
    return ModelInventory(
        ref=version.ref,
        dataset=dataset,
        features=features,
        used=used,
        report_id=report.id if report else None,
        hints=_hints(used, importance) if importance else (),
        hint_note=note,
        importance=importance,
    )


def inventory(ws: Workspace, ref: str, kind: str | None = None):
    """A dataset's or a model's inventory for ``ref``: ``kind`` 'dataset' or 'model', or None
    for the dataset when one has that name, else the model."""
    parsed = parse_ref(ref)
    dataset_named = parsed.name in ws.datasets.names()
    model_named = parsed.name in ws.models.names()
    if kind == "model" or parsed.alias is not None or (not dataset_named and model_named):
        return model_inventory(ws, ref)
    if kind == "dataset" or dataset_named:
        return dataset_inventory(ws, ref)
    raise NotFoundError(f"No dataset or model named '{parsed.name}'.").hinted(
        "'mlops-desktop data list' and 'mlops-desktop models list' list them."
    )
