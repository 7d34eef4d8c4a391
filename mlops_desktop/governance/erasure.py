"""Erasure (GDPR Art. 17): remove one person's data, found by a key column and its value, from
every place of the workspace; a dry run counts it per place.

``PLACES`` lists where a person's data lives (see ``erasure_files`` and ``erasure_rows``); a
place is an object with ``name``, ``count``, ``prepare``, ``erase`` and ``finish``. The real run:
new files first (dataset versions rewritten without the rows), then one database transaction
(superseded versions, deleted and rewritten rows, the erasure record, flags on the model
versions trained on erased data, one audit event), then the old files replaced or deleted.
The value is never stored: the records and the audit event hold a salted SHA-256 of it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from mlops_desktop.errors import InputError
from mlops_desktop.formatting import counted
from mlops_desktop.governance.erasure_artifacts import DriftReports, ModelFiles
from mlops_desktop.governance.erasure_files import (
    BatchOutputs,
    DatasetVersions,
    LogFiles,
    TestReports,
    finish_superseded,
)
from mlops_desktop.governance.erasure_rows import (
    AuditTrail,
    Outcomes,
    PredictionLog,
    Quarantine,
    RegistryText,
    Reviews,
)
from mlops_desktop.governance.erasure_target import MIN_TEXT, Place, Target
from mlops_desktop.registry.audit import os_user

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

SALT_KEY = "erasure_salt"
#: Where a person's data lives, in the order they are erased (the prediction log before the
#: outcomes that follow its request ids; the registry-wide text sweep after the rows it copies).
PLACES: tuple[Place, ...] = (
    DatasetVersions(),
    PredictionLog(),
    Quarantine(),
    Outcomes(),
    Reviews(),
    BatchOutputs(),
    LogFiles(),
    TestReports(),
    DriftReports(),
    RegistryText(),
    AuditTrail(),
    ModelFiles(),
)


@dataclass(frozen=True)
class ErasureResult:
    key: str
    value_hash: str
    dry_run: bool
    counts: dict[str, int]
    rewritten: list[tuple[str, str | None]] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    retrain: list[str] = field(default_factory=list)
    audit_kept: int = 0
    erasure_id: int | None = None
    model_files: list[str] = field(default_factory=list)
    short_value: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        verb = "Would erase" if self.dry_run else "Erased"
        lines = [
            f"{verb} the data of {self.key} = <the value> (salted hash {self.value_hash[:12]}…):"
        ]
        width = max((len(name) for name in self.counts), default=0)
        lines += [f"  {name:<{width}} {n:>9,}" for name, n in self.counts.items()]
        for old, new in self.rewritten:
            lines.append(f"{old} is superseded by {new}" if new else f"{old}: no row was left")
        if self.flagged:
            lines.append(f"Trained on erased data: {', '.join(self.flagged)}. Retrain:")
            lines += [f"  {hint}" for hint in self.retrain]
        if self.audit_kept:
            lines.append(
                f"{counted(self.audit_kept, 'audit event')} still hold the value: the audit "
                "chain is never rewritten."
            )
        if self.model_files:
            lines.append(
                f"The model files of {', '.join(self.model_files)} hold the value (a category "
                "they learned): retrain them without it."
            )
        if self.short_value:
            lines.append(
                f"The value is shorter than {MIN_TEXT} characters: it was matched in the key "
                "column only; free text (logs, reports, notes) was not searched for it."
            )
        if self.dry_run:
            lines.append("Nothing was changed (dry run).")
        return "\n".join(lines)


def value_hash(ws: Workspace, key: str, value: str) -> str:
    """SHA-256 of the key and value with the workspace's secret salt (made on first use)."""
    salt = ws.get_setting(SALT_KEY)
    if not salt:
        salt = secrets.token_hex(16)
        ws.set_setting(SALT_KEY, salt)
    return hashlib.sha256(f"{salt}\x1f{key}\x1f{value}".encode()).hexdigest()


def _check(key: str, value: str, reason: str | None, dry_run: bool) -> tuple[str, str, str]:
    key, value, reason = (key or "").strip(), (value or "").strip(), (reason or "").strip()
    if not key or not value:
        raise InputError("Give the key column and the value that identify the person.")
    if not dry_run and not reason:
        raise InputError("Give the reason for the erasure (--reason), e.g. the request's date.")
    if value in reason:
        raise InputError(
            "The reason holds the value being erased; describe the request without it "
            "(the reason is kept in the records)."
        )
    return key, value, reason


def erase(
    ws: Workspace,
    key: str,
    value: str,
    reason: str | None = None,
    *,
    dry_run: bool = False,
    places: tuple[Place, ...] = PLACES,
) -> ErasureResult:
    """Count (``dry_run``) or erase the rows where ``key`` is ``value`` in every place."""
    key, value, reason = _check(key, value, reason, dry_run)
    target = Target(ws, key, value)
    finish_superseded(ws)  # what a crash after an earlier erasure's commit left on disk
    counts = {p.name: p.count(target) for p in places}
    digest = value_hash(ws, key, value)
    if dry_run:
        return ErasureResult(
            key,
            digest,
            True,
            counts,
            audit_kept=counts.get(AuditTrail.name, 0),
            model_files=target.found.get("model_files", []),
            short_value=not target.free_text,
        )
    for place in places:
        place.prepare(target)
    erased = _commit(ws, target, places, digest, reason)
    for place in places:
        place.finish(target)
    ws.erasures.checkpoint()
    flagged = [ws.models.by_id(i).ref for i in target.found.get("flagged", [])]
    return ErasureResult(
        key,
        digest,
        False,
        erased,
        target.found.get("rewritten", []),
        flagged,
        retrain_hints(ws, target.found.get("flagged", [])),
        target.found.get("audit_kept", 0),
        target.erasure_id,
        target.found.get("model_files", []),
        not target.free_text,
    )


def _commit(
    ws: Workspace, target: Target, places: tuple[Place, ...], digest: str, reason: str
) -> dict[str, int]:
    """The database part, in one transaction with deleted content zeroed on disk."""
    ws.erasures.secure_delete(True)
    try:
        with ws.erasures.transaction():
            target.erasure_id = ws.erasures.add(target.key, digest, reason, {}, os_user())
            erased = {p.name: p.erase(target) for p in places}
            ws.erasures.set_counts(target.erasure_id, erased)
            ws.audit.record(
                "data.erase",
                "erasure",
                f"erasure#{target.erasure_id}",
                {
                    "key_column": target.key,
                    "value_hash": digest,
                    "reason": reason,
                    "counts": erased,
                    "superseded": target.found.get("rewritten", []),
                    "flagged_model_version_ids": target.found.get("flagged", []),
                },
            )
    finally:
        ws.erasures.secure_delete(False)
    return erased


def retrain_hints(ws: Workspace, model_version_ids: list[int]) -> list[str]:
    """One ``mlops-desktop retrain`` command per flagged model version, on the version that
    replaced its training data."""
    hints = []
    for version_id in model_version_ids:
        version = ws.models.by_id(version_id)
        dataset_id = ws.runs.get(version.run_id).dataset_version_id
        replaced = ws.datasets.superseded_by(dataset_id)
        dataset = replaced or ws.datasets.get_by_id(dataset_id).name
        hints.append(f"mlops-desktop retrain {version.ref} --dataset {dataset}")
    return hints


def erased_training(ws: Workspace) -> dict[int, str]:
    """``{model version id: "trained on erased data (name@N)"}`` for the listings."""
    flags: dict[int, str] = {}
    for flag in ws.erasures.erased_training():
        ref = ws.datasets.get_by_id(flag.dataset_version_id).ref
        flags.setdefault(flag.model_version_id, f"trained on erased data ({ref})")
    return flags
