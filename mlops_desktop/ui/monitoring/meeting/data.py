"""Meeting mode without Qt: what the board polls, the card texts, the simulator's inputs.

Everything here runs on a pool thread (``snapshot``, ``prepare_replay``) or is a pure function
of a ``BoardCard`` (the texts), so it is tested without a display.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_desktop.errors import InputError
from mlops_desktop.formatting import MISSING, local_time, number, operator, percent
from mlops_desktop.monitoring.board import BoardCard, board
from mlops_desktop.monitoring.trial import ArmQuality, TrialFigures, trial_figures
from mlops_desktop.training.metric_names import METRIC_LABELS
from mlops_desktop.ui.serving.model import ServiceInfo, service_info

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

LIGHT_WORDS = {"green": "Healthy", "amber": "Needs a look", "red": "Action needed"}
_PROGRESS = re.compile(r"([\d,]+) requests sent, ([\d,]+) failed")


@dataclass(frozen=True)
class ModelChoice:
    """What the simulator bar offers for one live model."""

    name: str
    live: str
    dataset: str | None  # the live version's training dataset (the default replay)
    columns: tuple[tuple[str, str], ...] = ()  # (input column, "numeric" | "categorical")


@dataclass(frozen=True)
class DriftHistory:
    """A model's latest drift windows (oldest first) and how its windows are cut."""

    shares: tuple[float, ...] = ()
    dataset_drift: tuple[bool, ...] = ()
    threshold: float = 0.5  # dataset drift from this share of drifted features
    kind: str = "count"
    size: int = 500
    freq: str = "1h"
    pending: int = 0  # scored requests since the last count window
    ends: tuple[float, ...] = ()  # when each window ended (its last request, count windows)
    drifted: tuple[tuple[str, ...], ...] = ()  # the features that drifted in each window

    def focus(self, recent: int = 3) -> str | None:
        """The feature the chart marks: drifted in the latest window, and in most of the
        latest ``recent`` (the one an alert would name), else None."""
        if not self.drifted or not self.drifted[-1]:
            return None
        latest = self.drifted[-recent:]
        return max(self.drifted[-1], key=lambda c: sum(c in cols for cols in latest))


@dataclass
class Snapshot:
    """One poll of the board: the cards, the service and the simulator's choices."""

    at: float
    cards: list[BoardCard] = field(default_factory=list)
    history: dict[str, DriftHistory] = field(default_factory=dict)
    service: ServiceInfo | None = None
    models: list[ModelChoice] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    trials: dict[str, TrialFigures] = field(default_factory=dict)  # models with a candidate


def _choice(ws: Workspace, name: str) -> ModelChoice:
    version = ws.models.get(f"{name}@live")
    dataset = None
    try:
        run = ws.runs.get(version.run_id)
        dataset = ws.datasets.get_by_id(run.dataset_version_id).ref
    except Exception:  # noqa: BLE001 - a missing run or dataset only loses the default
        dataset = None
    columns = []
    for spec in version.signature.get("inputs") or []:
        numeric = spec.get("type") == "numeric" and not spec.get("categories")
        columns.append((str(spec.get("name")), "numeric" if numeric else "categorical"))
    return ModelChoice(name, version.ref, dataset, tuple(columns))


def drift_history(ws: Workspace, name: str, last: int = 24) -> DriftHistory:
    """The latest ``last`` windows of ``name`` (of its window kind) and the pending traffic."""
    from mlops_desktop.monitoring.settings import get_settings

    settings = get_settings(ws, name)
    rows = ws.drift_windows.latest_share_rows(name, settings.kind, last)[::-1]
    pending = 0
    if settings.kind == "count":
        pending = ws.predictions.live_ok_count_after(ws.drift_windows.last_count_id(name), name)
    return DriftHistory(
        tuple(float(r[0] or 0.0) for r in rows),
        tuple(bool(r[1]) for r in rows),
        float(settings.drift_share),
        settings.kind,
        int(settings.size),
        settings.freq,
        int(pending),
        tuple(float(r[2]) for r in rows),
        tuple(tuple(r[3]) for r in rows),
    )


def snapshot(ws: Workspace, with_choices: bool = True) -> Snapshot:
    """Read the board (and, with ``with_choices``, the models and datasets to replay).

    The cards, their drift charts and the choices are read on one snapshot of the database,
    so a monitoring pass writing meanwhile cannot make the chart disagree with its card.
    """
    from mlops_desktop.registry.db import read
    from mlops_desktop.serving.process import find_service

    now = time.time()
    handle = find_service(ws)  # it may record a dead service: before the read-only snapshot
    with read(ws.db):
        shot = Snapshot(at=now, cards=board(ws, now=now, service=handle))
        shot.service = service_info(handle)
        shot.history = {card.model: drift_history(ws, card.model) for card in shot.cards}
        for card in shot.cards:
            trial = trial_figures(ws, card.model) if card.candidate else None
            if trial is not None:
                shot.trials[card.model] = trial
        if with_choices:
            shot.models = [_choice(ws, card.model) for card in shot.cards]
            shot.datasets = [v.ref for v in ws.datasets.list()]
    return shot


@dataclass(frozen=True)
class Replay:
    """Everything ``simulate`` needs, read from the workspace."""

    url: str
    model: str
    frame: Any  # pandas.DataFrame
    target: str | None
    token: str | None
    rows: str = ""  # which rows, in words: "the 200 held-out test rows of credit@1"


def prepare_replay(ws: Workspace, model: str, dataset: str) -> Replay:
    """The running service's address, the rows to replay and the live model's target."""
    from mlops_desktop.monitoring.replay import replay_rows
    from mlops_desktop.serving.process import find_service
    from mlops_desktop.serving.server import TOKEN_ENV

    handle = find_service(ws)
    if handle is None:
        raise InputError(
            "The scoring service is not running, so there is nothing to send traffic to. "
            "Start it here or on the Deploy page."
        )
    version = ws.models.get(f"{model}@live")
    target = (version.signature.get("output") or {}).get("name")
    frame, rows = replay_rows(ws, model, dataset)
    return Replay(handle.url, model, frame, target, os.environ.get(TOKEN_ENV) or None, rows)


# -- texts -------------------------------------------------------------------------------------


def metric_label(metric: str | None) -> str:
    return METRIC_LABELS.get(metric or "", metric or "quality")


def rollout_text(card: BoardCard) -> str:
    """The candidate line: canary share, shadow, or none."""
    if card.candidate and card.mode == "canary":
        return f"Canary: {card.candidate} gets {card.canary_percent:g}% of traffic"
    if card.candidate and card.mode == "shadow":
        return f"Shadow: {card.candidate} scores every request"
    return "No candidate on trial"


def quality_text(card: BoardCard) -> str:
    """E.g. ``ROC AUC 0.781 (gate ≥ 0.700)``."""
    q = card.quality or {}
    label = metric_label(q.get("metric"))
    value = q.get("value")
    if value is None:
        return f"{label}: not measured yet" if q.get("tested") else "Not tested yet"
    text = f"{label} {number(value)}"
    if q.get("threshold") is not None:
        op = operator(q.get("op", ""))
        return f"{text}  (gate {op} {number(q['threshold'])})"
    return f"{text}  (no gate set)"


def estimate_text(card: BoardCard) -> str:
    """The latest window's estimate, said to be one: ``estimated now ≈ 0.792 (95 % 0.74–0.84;
    CBPE, from the model's confidence, no labels)``; empty when there is none."""
    e = (card.quality or {}).get("estimate")
    if not e:
        return ""
    band = ""
    if e.get("low") is not None and e.get("high") is not None:
        band = f"95 % {number(e['low'])}–{number(e['high'])}; "
    return (
        f"estimated now ≈ {number(e['value'])} ({band}{e.get('method') or 'estimate'}, "
        "from the model's confidence, no labels)"
    )


def quality_source(card: BoardCard) -> str:
    """Where the quality figure comes from, in words (and the estimate, while outcomes lag)."""
    text = _measured_source(card)
    estimate = estimate_text(card)
    return f"{text} · {estimate}" if text and estimate else (text or estimate)


def _measured_source(card: BoardCard) -> str:
    q = card.quality or {}
    if q.get("source") == "realized":
        since = f" since {local_time(q['since'], now=time.time())}" if q.get("since") else ""
        return f"measured on the outcomes of the latest {q.get('n', 0):,} live predictions{since}"
    if q.get("source") == "test report":
        rows = f"{q['n']:,} held-out test rows" if q.get("n") else "its held-out test rows"
        of = f" of dataset {q['dataset']}" if q.get("dataset") else ""  # not a model version
        return f"measured on {rows}{of} (test report; too few real outcomes yet)"
    return ""


def drift_text(card: BoardCard) -> tuple[str, str]:
    """(headline, detail) of the drift status."""
    d = card.drift or {}
    if not d.get("windows"):
        return "No drift windows yet", "a window closes after enough scored requests"
    share = d.get("drift_share") or 0.0
    columns = d.get("drifted_columns") or []
    if d.get("dataset_drift"):
        head = f"Dataset drift: {share:.0%} of features"
    elif columns:
        head = f"{len(columns)} feature{'s' if len(columns) != 1 else ''} drifted ({share:.0%})"
    else:
        head = "Stable: no feature drifted"
    count = d["windows"]
    last = local_time(d.get("window_end"), now=time.time())
    detail = f"last window {last} · {count:,} window{'s' * (count != 1)}"
    if columns:
        shown = ", ".join(columns[:3]) + (" …" if len(columns) > 3 else "")
        detail = f"{shown} · {detail}"
    return head, detail


def cadence_text(history: DriftHistory) -> str:
    """How windows are cut, and how far the next one is (count windows)."""
    if history.kind == "count":
        pending = min(history.pending, history.size)
        return f"{history.size:,} rows per window · next: {pending:,}/{history.size:,}"
    return f"one window per {history.freq}"


def pace_text(history: DriftHistory | None, rate: float) -> str:
    """How often the simulator's ``rate`` (requests a second) closes a window of ``history``."""
    if history is None or rate <= 0:
        return ""
    if history.kind == "count":
        seconds = history.size / rate
        return f"a new window every {seconds:.0f} s at {rate:g}/s ({history.size:,} rows each)"
    return f"one window per {history.freq}, whatever the rate"


def _arm_quality(q: ArmQuality) -> str:
    if q.value is None:
        return f"{q.labelled:,} outcomes so far" if q.labelled else "no outcomes yet"
    return f"{metric_label(q.metric)} {number(q.value)} on {q.labelled:,} outcomes"


def trial_text(trial: TrialFigures | None) -> str:
    """The candidate against live since the trial started, in one or two lines."""
    if trial is None:
        return ""
    share = f"{trial.percent:g}% of traffic" if trial.mode == "canary" else "every request"
    since = local_time(trial.since, now=time.time())
    head = (
        f"{trial.mode.capitalize()} {trial.candidate} ({share}) vs live {trial.live}, since {since}"
    )
    cand, live = trial.candidate_arm, trial.live_arm
    requests = f"requests {cand.requests if cand else 0:,} vs {live.requests if live else 0:,}"
    errors = (
        f"errors {percent(cand.error_rate) if cand else MISSING} vs "
        f"{percent(live.error_rate) if live else MISSING}"
    )
    quality = f"{_arm_quality(trial.candidate_quality)} vs {_arm_quality(trial.live_quality)}"
    return f"{head}\n{requests} · {errors} · {quality}"


def short_reason(text: str, limit: int = 90) -> str:
    """A reason or alert message without its parenthesised evidence, at most ``limit`` chars."""
    text = text.split(" (")[0].strip().rstrip(".")
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def reasons_text(card: BoardCard, most: int = 3) -> str:
    """Why the light is amber or red, one short line per reason."""
    if not card.reasons:
        return "All checks pass: no open alert, no feature drifted, quality within its gate."
    lines = [f"•  {short_reason(r, 400)}" for r in card.reasons[:most]]  # the label wraps them
    if len(card.reasons) > most:
        lines.append(f"   and {len(card.reasons) - most} more")
    return f"Why {card.light}:\n" + "\n".join(lines)


def alerts_text(card: BoardCard) -> str:
    counts = card.alerts or {}
    parts = []
    for severity in ("critical", "warning", "info"):
        n = int(counts.get(severity, 0))
        if n:
            parts.append(f"{n} {severity}" + ("s" if n != 1 and severity == "warning" else ""))
    text = ("Open alerts: " + ", ".join(parts)) if parts else "No open alerts"
    if card.acknowledged:
        text += f" · {card.acknowledged} acknowledged"
    return text


def parse_progress(message: str) -> tuple[int, int] | None:
    """(sent, failed) from the simulator's progress message, or None."""
    match = _PROGRESS.search(message)
    if match is None:
        return None
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))
