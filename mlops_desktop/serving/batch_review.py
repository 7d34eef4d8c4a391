"""Human review of batch decisions: a model's review rules applied to the rows of a batch run.

Each scored row of a run ``B`` is a decision of its own (request id ``B-n``), matched as the
service matches a one-row request (``serving.oversight``): it must be in the rule's slice when
one is set, and its score in the band or the share must draw it (``share_draw("B-n", 0)``,
the same draw every time); a slice alone picks every row in it. A picked row's entry is
``[row number, trigger, score, prediction]``, an unpicked row's ``None``: the entries ride in
the chunk's log record (one per row, so erasing a row drops its entry too) and become pending
reviews when the run is published (``BatchRowStore.queue_reviews``), all in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mlops_desktop.registry.batch_row_store import row_id
from mlops_desktop.serving.oversight import ReviewMatcher, share_draw
from mlops_desktop.serving.stats import positive_index

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import ModelVersion
    from mlops_desktop.registry.workspace import Workspace

#: What the output file's ``review`` column says of a row queued for a person.
PENDING = "pending"


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


class BatchReview:
    """One model's review rules, ready to pick the rows of a batch chunk."""

    def __init__(self, matcher: ReviewMatcher, signature: dict) -> None:
        self.matcher = matcher
        self.positive = positive_index(signature)

    @classmethod
    def for_model(cls, ws: Workspace, version: ModelVersion) -> BatchReview | None:
        """The rules of ``version``'s model, or None when it has none (nothing is reviewed)."""
        rule = ws.reviews.rule(version.name)
        return None if rule is None else cls(ReviewMatcher(rule), version.signature or {})

    def scores(self, labels, proba: np.ndarray | None) -> list[float | None]:
        """What a band applies to, per row (as ``oversight.row_score``)."""
        if proba is not None:
            proba = np.asarray(proba, dtype=float)
            picked = proba[:, self.positive] if self.positive is not None else proba.max(axis=1)
            return picked.tolist()
        return [
            float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
            for v in (_plain(x) for x in labels)
        ]

    def _slice(self, inputs: pd.DataFrame) -> np.ndarray:
        """Which rows are in the rule's slice (every row when it sets none)."""
        m = self.matcher
        if m.column is None:
            return np.ones(len(inputs), dtype=bool)
        if m.column not in inputs.columns:
            return np.zeros(len(inputs), dtype=bool)  # no such input: nothing is in the slice
        series = inputs[m.column]
        missing = series.isna().tolist()
        values = [None if gone else v for v, gone in zip(series.tolist(), missing, strict=True)]
        return np.array([m.in_slice(v) for v in values], dtype=bool)

    def entries(
        self, batch_id: str, inputs: pd.DataFrame, rows: np.ndarray, labels, proba
    ) -> list[list | None]:
        """One entry per row of ``inputs`` (file rows ``rows``): ``[row, trigger, score,
        prediction]`` for a row to review, None for the others."""
        m = self.matcher
        scores = self.scores(labels, proba)
        inside = self._slice(inputs)
        triggers: dict[int, str] = {}
        if m.everything_in_slice:
            triggers = dict.fromkeys(np.flatnonzero(inside).tolist(), "slice")
        if m.band is not None:
            values = np.array([np.nan if s is None else s for s in scores], dtype=float)
            banded = inside & (values >= m.band[0]) & (values <= m.band[1])
            triggers = dict.fromkeys(np.flatnonzero(banded).tolist(), "band")
        if m.share > 0 and not m.everything_in_slice:
            for i in np.flatnonzero(inside).tolist():
                if i not in triggers and share_draw(row_id(batch_id, int(rows[i])), 0) < m.share:
                    triggers[i] = "share"
        entries: list[list | None] = [None] * len(scores)
        for i, trigger in triggers.items():
            entries[i] = [int(rows[i]), trigger, scores[i], _plain(labels[i])]
        return entries


def review_column(entries: list[list | None], index: pd.Index) -> pd.Series:
    """The output file's ``review`` column: ``pending`` for the rows queued, empty otherwise
    (text in every part of a Parquet file, even one where no row was queued)."""
    return pd.Series([PENDING if e else None for e in entries], index=index, dtype="string")
