"""What the Data page shows, computed from the registry (Qt-free): the import wizard's choices,
finding counts, the rail badge, the dataset count and the empty state.

Everything here runs without a display, so it is tested without Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_desktop.registry.entities import DatasetVersion
from mlops_desktop.registry.refs import NAME_PATTERN
from mlops_desktop.ui.kit.specs import EmptyStateSpec

IMPORT_ACTION = "data:import"
CLI_IMPORT = "mlops-desktop data import FILE --name NAME --target COLUMN"
SEVERITIES = ("blocking", "warning", "info")
GROUP_TITLES = {"blocking": "Blocking", "warning": "Warnings", "info": "Information"}
CLASSIFICATION = ("binary", "multiclass")


@dataclass
class ImportChoices:
    """Everything the user decided so far; turned into the engine's keyword arguments."""

    path: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    inspection: dict[str, Any] | None = None
    generation: int = 0
    types: dict[str, str] = field(default_factory=dict)
    target: str = ""
    task: str | None = None
    id_cols: list[str] = field(default_factory=list)
    time_col: str | None = None
    group_col: str | None = None
    pii_cols: list[str] = field(default_factory=list)
    split: str = ""
    test_size: float = 0.2
    seed: int = 42
    name: str = ""

    def set_inspection(self, result: dict[str, Any]) -> None:
        """A new inspection: types start from the inferred ones."""
        self.inspection = result
        self.generation += 1
        self.types = dict(result.get("types", {}))

    @property
    def columns(self) -> list[str]:
        return list(self.inspection.get("columns", [])) if self.inspection else []

    def kept_columns(self) -> list[str]:
        return [c for c in self.columns if self.types.get(c) != "ignore"]

    def inferred_task(self, column: str | None = None) -> str | None:
        tasks = self.inspection.get("tasks", {}) if self.inspection else {}
        return tasks.get(column or self.target)

    @property
    def effective_task(self) -> str | None:
        return self.task or self.inferred_task()

    def changed_types(self) -> dict[str, str]:
        """Only the types the user changed; the engine infers the others on the full data."""
        inferred = self.inspection.get("types", {}) if self.inspection else {}
        return {c: t for c, t in self.types.items() if inferred.get(c) != t}

    def default_split(self) -> str:
        if self.time_col:
            return "time"
        if self.group_col:
            return "group"
        return "stratified" if self.effective_task in CLASSIFICATION else "random"

    def analyze_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by ``analyze`` and ``import_dataset``."""
        return {
            "path": self.path,
            "target": self.target,
            "types": self.changed_types(),
            "task": self.task,
            "time_col": self.time_col,
            "id_cols": list(self.id_cols),
            "group_col": self.group_col,
            "pii_cols": list(self.pii_cols),
            "split": self.split or self.default_split(),
            "test_size": float(self.test_size),
            "seed": int(self.seed),
            "read_options": dict(self.overrides) or None,
        }


def suggest_name(path: str, known_sources: dict[str, str]) -> str:
    """The dataset name a file was saved under before, else a valid name from its file name."""
    resolved = str(Path(path).expanduser().resolve())
    if resolved in known_sources:
        return known_sources[resolved]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).stem).strip("_.-")[:64]
    return stem if stem and NAME_PATTERN.match(stem) else "dataset"


def severity_counts(findings: list[dict]) -> dict[str, int]:
    """How many findings of each severity."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        severity = finding.get("severity", "info")
        counts[severity] = counts.get(severity, 0) + 1
    return counts


def counts_text(findings: list[dict]) -> str:
    """'2 blocking, 1 warning, 3 info' (or 'no findings')."""
    counts = severity_counts(findings)
    if not any(counts.values()):
        return "no findings"
    words = {"blocking": "blocking", "warning": "warning", "info": "info"}
    parts = []
    for severity in SEVERITIES:
        n = counts[severity]
        if n:
            plural = "s" if severity == "warning" and n != 1 else ""
            parts.append(f"{n} {words[severity]}{plural}")
    return ", ".join(parts)


def blocking_in_latest(versions: list[DatasetVersion]) -> int:
    """Blocking findings in the latest version of each dataset (the rail badge)."""
    latest: dict[str, DatasetVersion] = {}
    for version in versions:
        if version.name not in latest or version.number > latest[version.name].number:
            latest[version.name] = version
    return sum(1 for v in latest.values() for f in v.checks if f.get("severity") == "blocking")


def versions_text(versions: list[DatasetVersion]) -> str:
    """ "2 datasets, 3 versions": what the version list holds."""
    names = len({v.name for v in versions})
    return (
        f"{names:,} dataset{'s' if names != 1 else ''}, {len(versions):,} "
        f"version{'s' if len(versions) != 1 else ''}"
    )


def saved_text(ref: str, status: str) -> str:
    """The status bar's line after the wizard saved ``ref`` (or found it already saved)."""
    if status == "created":
        return f"Saved {ref}. Next: train a model on it."
    return f"This data was already saved as {ref}; nothing new was stored."


def roles_text(roles: dict) -> str:
    """The roles besides the target: "ID: a, b; time: t; group: g" (or "none")."""
    others = []
    if roles.get("id_columns"):
        others.append("ID: " + ", ".join(roles["id_columns"]))
    if roles.get("time_column"):
        others.append(f"time: {roles['time_column']}")
    if roles.get("group_column"):
        others.append(f"group: {roles['group_column']}")
    return "; ".join(others) or "none"


def pii_text(pii: dict) -> str:
    """The columns marked as personal data, with their kind (or "none marked")."""
    return ", ".join(f"{c} ({p.get('kind', 'personal')})" for c, p in pii.items()) or "none marked"


def column_label(name: str, roles: dict, pii: dict) -> str:
    """A profiled column's name with its roles: "age  (target, personal data)"."""
    tags = []
    if name == roles.get("target"):
        tags.append("target")
    if name in (roles.get("id_columns") or []):
        tags.append("ID")
    if name == roles.get("time_column"):
        tags.append("time")
    if name == roles.get("group_column"):
        tags.append("group")
    if name in pii:
        tags.append("personal data")
    return name + (f"  ({', '.join(tags)})" if tags else "")


#: While the demo builds, its dataset is a moment away: no import to ask the newcomer for.
DEMO_BUILDING = EmptyStateSpec(
    heading="Building the demo workspace…",
    text="The demo imports German credit, trains three models, tests them and deploys the best, "
    "then adds three days of traffic. Its dataset appears here as soon as it is imported; the "
    "Jobs panel shows the progress.",
    command="mlops-desktop demo",
)


def empty_spec(demo_building: bool = False) -> EmptyStateSpec:
    """What the Data page says before the first import (or while the demo is being built)."""
    if demo_building:
        return DEMO_BUILDING
    return EmptyStateSpec(
        heading="No datasets yet",
        text="Import a CSV, Excel or Parquet file to create your first dataset.",
        command=CLI_IMPORT,
        action_label="&Import Data…",
        action_page=IMPORT_ACTION,
    )
