"""Retention: how long the prediction log, outcomes and the service log are kept, and enforcing it.

The settings live with the workspace settings (key ``retention``) and every change is audited.
The running service applies them hourly in a background thread; ``mlops-desktop retention apply``
applies them at once. Decision records (the prediction log) are kept at least six months: an
age below that is refused, and the row cap never deletes a row younger than that.

The service log is rotated by copy-and-truncate (``service.log`` → ``service.log.1`` ...): the
service writes it through a file opened for appending, so after truncation its writes land at
the new end and nothing has to reopen the file.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.errors import InputError

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

log = logging.getLogger(__name__)

SETTING_KEY = "retention"
DAY_S = 86_400.0
MIN_DECISION_DAYS = 183  # issue 14: decision records are kept at least six months
LOG_BACKUPS = 3
SERVICE_LOG = Path("logs") / "service.log"
ENFORCE_EVERY_S = 3600.0


@dataclass(frozen=True)
class RetentionSettings:
    """Ages in days, sizes in MB or rows; 0 rows means no row cap."""

    predictions_days: int = 190
    predictions_max_rows: int = 0
    outcomes_days: int = 400
    quarantine_days: int = 190
    log_mb: float = 10.0

    def __post_init__(self) -> None:
        if self.predictions_days < MIN_DECISION_DAYS:
            raise InputError(
                f"The prediction log is kept at least {MIN_DECISION_DAYS} days (six months: it "
                f"holds the decision records); {self.predictions_days} is too short."
            )
        for name in ("outcomes_days", "quarantine_days"):
            if getattr(self, name) < 1:
                raise InputError(f"{name.replace('_', ' ')} must be at least 1 day.")
        if self.predictions_max_rows < 0:
            raise InputError("The prediction log's row cap must be 0 (none) or more.")
        if not 0.1 <= self.log_mb <= 100_000:
            raise InputError("The service log size must be between 0.1 and 100,000 MB.")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RetentionReport:
    """What one pass deleted (or, in a dry run, would delete)."""

    predictions: int = 0
    predictions_over_cap: int = 0
    quarantined: int = 0
    outcomes: int = 0
    log_rotated: bool = False
    dry_run: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        verb = "Would delete" if self.dry_run else "Deleted"
        rotated = "would be rotated" if self.dry_run else "rotated"
        lines = [
            f"{verb} {self.predictions:,} prediction log rows past their age"
            f" and {self.predictions_over_cap:,} over the row cap",
            f"{verb} {self.quarantined:,} quarantined rows and {self.outcomes:,} outcomes",
            f"Service log: {rotated if self.log_rotated else 'within its size'}",
        ]
        return "\n".join(lines)


def get_retention(ws: Workspace) -> RetentionSettings:
    """The saved retention settings, or the defaults."""
    saved = ws.get_setting(SETTING_KEY) or {}
    names = {f.name for f in fields(RetentionSettings)}
    return RetentionSettings(**{k: v for k, v in saved.items() if k in names})


def save_retention(ws: Workspace, settings: RetentionSettings) -> RetentionSettings:
    """Store the settings and record the change in the audit trail."""
    before = get_retention(ws)
    ws.set_setting(SETTING_KEY, settings.to_dict())
    ws.audit.record(
        "retention.settings",
        "workspace",
        SETTING_KEY,
        {"settings": settings.to_dict(), "previous": before.to_dict()},
    )
    return settings


def with_overrides(settings: RetentionSettings, **values) -> RetentionSettings:
    """``settings`` with the given non-None values replaced (validated)."""
    given = {k: v for k, v in values.items() if v is not None}
    return replace(settings, **given) if given else settings


def apply_retention(
    ws: Workspace, settings: RetentionSettings, *, dry_run: bool = False, now: float | None = None
) -> RetentionReport:
    """Delete what is older (or beyond the caps) than ``settings`` say; audited when it deletes."""
    now = time.time() if now is None else now
    report = RetentionReport(dry_run=dry_run)
    cutoffs = {
        "predictions": now - settings.predictions_days * DAY_S,
        "prediction_quarantine": now - settings.quarantine_days * DAY_S,
        "outcomes": now - settings.outcomes_days * DAY_S,
    }
    store = ws.predictions
    if dry_run:
        report.predictions = store.count_before(cutoffs["predictions"])
        report.quarantined = store.count_before(
            cutoffs["prediction_quarantine"], "prediction_quarantine"
        )
        report.outcomes = ws.outcomes.count_before(cutoffs["outcomes"])
    else:
        report.predictions = store.delete_before(cutoffs["predictions"])
        report.quarantined = store.delete_before(
            cutoffs["prediction_quarantine"], "prediction_quarantine"
        )
        report.outcomes = ws.outcomes.delete_before(cutoffs["outcomes"])
    report.predictions_over_cap = _enforce_row_cap(ws, settings, now, dry_run)
    report.log_rotated = rotate_log(ws.path / SERVICE_LOG, settings.log_mb, dry_run=dry_run)
    deleted = report.predictions + report.predictions_over_cap + report.quarantined
    if not dry_run and (deleted + report.outcomes or report.log_rotated):
        ws.audit.record("retention.apply", "workspace", SETTING_KEY, report.to_dict())
    return report


def _enforce_row_cap(ws: Workspace, settings: RetentionSettings, now: float, dry_run: bool) -> int:
    """Delete the oldest rows beyond the cap, never one younger than six months."""
    if not settings.predictions_max_rows:
        return 0
    excess = ws.predictions.total() - settings.predictions_max_rows
    if excess <= 0:
        return 0
    protected_from = now - MIN_DECISION_DAYS * DAY_S
    if dry_run:
        return min(excess, ws.predictions.count_before(protected_from))
    return ws.predictions.delete_before(protected_from, limit=excess)


def rotate_log(
    path: Path, max_mb: float, backups: int = LOG_BACKUPS, dry_run: bool = False
) -> bool:
    """Copy ``path`` to ``path.1`` (older copies shifted, the oldest dropped) and truncate it when
    it is over ``max_mb``; return whether it was (or would be) rotated."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size <= max_mb * 1024 * 1024:
        return False
    if dry_run:
        return True
    for n in range(backups - 1, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{n + 1}"))
    shutil.copyfile(path, path.with_name(f"{path.name}.1"))
    with open(path, "r+b") as handle:
        handle.truncate(0)
    return True


class RetentionThread:
    """Applies the workspace's retention settings every ``every`` seconds, off the event loop."""

    def __init__(self, workspace_path: Path, every: float = ENFORCE_EVERY_S) -> None:
        self.workspace_path = workspace_path
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: RetentionReport | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self.run_once()
            if self._stop.wait(self.every):
                return

    def run_once(self) -> None:
        """One pass; a failure is logged and tried again at the next pass."""
        from mlops_desktop.registry.workspace import Workspace

        try:
            ws = Workspace.open(self.workspace_path, create=False)
            try:
                self.last = apply_retention(ws, get_retention(ws))
            finally:
                ws.close()
        except Exception:  # noqa: BLE001 - retention must never stop the service
            log.exception("retention pass failed; trying again in %.0f s", self.every)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
