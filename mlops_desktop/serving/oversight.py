"""Human oversight at scoring time: which decisions go to a person, and which models are paused.

The registry watcher refreshes ``Oversight`` with the other service settings (every 0.25 s):
each model's review rules compiled into a ``ReviewMatcher``, and the paused models. A request
for a model with no rules costs one dictionary lookup.

A row is queued for review when it is in the rule's slice (``COLUMN=VALUE``, when one is set)
and either its score lies in the band ``lo <= score <= hi`` or the random share draws it; a
rule with a slice and neither band nor share queues every decision in the slice. The score is
the positive-class probability of a binary classifier, the top class's probability of a
multiclass one, and the prediction of a regressor. The share draw is a hash of the request id
and row, so the same request is always drawn the same way (no ``random``).
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from mlops_desktop.formatting import local_time
from mlops_desktop.registry.review_store import ModelPause, ReviewRule
from mlops_desktop.serving.protocols import Scored
from mlops_desktop.serving.stats import positive_index
from mlops_desktop.serving.validation import RequestError, Table

log = logging.getLogger(__name__)

_SPAN = float(2**64)


def share_draw(request_id: str, row: int) -> float:
    """A stable position in [0, 1) for a request's row: the same id and row, the same draw."""
    digest = hashlib.blake2b(f"{request_id}\x1f{row}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SPAN


def share_draws(request_id: str, rows: list[int]) -> list[float]:
    """``share_draw`` of several rows of one request (the id hashed once)."""
    prefix = hashlib.blake2b(f"{request_id}\x1f".encode(), digest_size=8)
    out = []
    for row in rows:
        h = prefix.copy()
        h.update(str(row).encode())
        out.append(int.from_bytes(h.digest(), "big") / _SPAN)
    return out


def row_score(scored: Scored, i: int, positive: int | None) -> float | None:
    """The number a score band applies to (see the module's docstring), or None."""
    if scored.proba is not None:
        probabilities = scored.proba[i]
        return probabilities[positive] if positive is not None else max(probabilities)
    value = scored.predictions[i]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class ReviewMatcher:
    """One model's rules, ready to match a request's rows."""

    def __init__(self, rule: ReviewRule) -> None:
        self.rule = rule
        self.band = (rule.band_lo, rule.band_hi) if rule.band_lo is not None else None
        self.share = float(rule.share or 0.0)
        self.column = rule.slice_column
        self.text = rule.slice_value or ""
        self.number = _number(self.text)
        self.everything_in_slice = self.band is None and self.share <= 0

    def in_slice(self, value) -> bool:
        """Whether a row whose slice column holds ``value`` is in the rule's slice."""
        if isinstance(value, bool):
            return str(value).lower() == self.text.lower()
        if isinstance(value, (int, float)):
            return self.number is not None and float(value) == self.number
        if value is None:
            return self.text == ""
        return str(value) == self.text

    def match(
        self, request_id: str, clean: Table, scored: Scored, signature: dict
    ) -> list[tuple[int, str, float | None]]:
        """``(row, trigger, score)`` of each row to queue (band, share or slice), in row order."""
        rows = range(len(scored.predictions))
        if self.column is not None:
            values = clean.columns.get(self.column)
            if values is None:
                return []  # this version has no such input: nothing is in the slice
            rows = [i for i in rows if self.in_slice(values[i])]
        positive = positive_index(signature) if scored.proba is not None else None
        scores = {i: row_score(scored, i, positive) for i in rows}
        if self.everything_in_slice:
            return [(i, "slice", scores[i]) for i in rows]
        picked: dict[int, str] = {}
        if self.band is not None:
            lo, hi = self.band
            picked = {i: "band" for i, s in scores.items() if s is not None and lo <= s <= hi}
        if self.share > 0:
            rest = [i for i in rows if i not in picked]
            draws = share_draws(request_id, rest)
            picked.update((i, "share") for i, d in zip(rest, draws, strict=True) if d < self.share)
        return [(i, picked[i], scores[i]) for i in sorted(picked)]


@dataclass(frozen=True)
class Controls:
    """What the service knows of oversight at one moment (replaced whole on refresh)."""

    matchers: dict[str, ReviewMatcher]
    paused: dict[str, ModelPause]


class Oversight:
    """The service's copy of review rules and pauses, refreshed from the registry."""

    def __init__(self) -> None:
        self.controls = Controls({}, {})
        self._rules: dict[str, ReviewRule] = {}

    def refresh(self, ws) -> None:
        """Re-read rules and pauses (two small queries); recompile rules only when they changed."""
        rules = ws.reviews.rules()
        paused = ws.pauses.paused()
        matchers = self.controls.matchers
        if rules != self._rules:
            matchers = {name: ReviewMatcher(rule) for name, rule in rules.items()}
            self._rules = rules
        if matchers is not self.controls.matchers or paused != self.controls.paused:
            self.controls = Controls(matchers, paused)  # one assignment: readers see one state

    def check_open(self, name: str) -> None:
        """RequestError 503 naming the reason when ``name`` is paused."""
        pause = self.controls.paused.get(name)
        if pause is not None:
            raise RequestError(paused_message(pause), status=503, code="MODEL_PAUSED")

    def matches(
        self, name: str, request_id: str, clean: Table, scored: Scored, signature: dict
    ) -> list[tuple[int, str, float | None]] | None:
        """The rows of this answer to queue for review, or None (no rules, or none matched)."""
        matcher = self.controls.matchers.get(name)
        if matcher is None:
            return None
        return matcher.match(request_id, clean, scored, signature) or None


def paused_message(pause: ModelPause) -> str:
    """What a paused model answers (HTTP 503): that it is paused, why, by whom and since when."""
    reason = pause.reason.rstrip(".")
    return (
        f"Model '{pause.model_name}' is paused and gives no answers: {reason} (paused by "
        f"{pause.changed_by}, {local_time(pause.changed_at)}). Its answers resume once it is "
        "resumed."
    )
