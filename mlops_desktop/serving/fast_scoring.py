"""A lean scoring path for the pipelines the trainer builds, proven equal at load time.

Called on a small DataFrame, most of a training pipeline's time goes to pandas and scikit-learn
bookkeeping (column selection, feature-name checks, dtype probing), not arithmetic.
``compile_scorer`` feeds the fitted estimator the matrix of ``training.lean.LeanTransform``
(the same preprocessing on NumPy arrays and dict look-ups), then scores a set of probe rows
(edges, midpoints, missing and unseen values from the signature) both ways and keeps the lean
path only when every answer is bit-for-bit equal. Anything it does not recognise (datetime
features, sparse outputs, custom steps) keeps the pipeline's own path, and a batch the lean path
cannot take (e.g. text in a numeric column) falls back to the pipeline, which raises its usual,
specific error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mlops_desktop.training.lean import (
    LeanTransform,
    build_transform,
    probe_columns,
    same_answers,
)

__all__ = ["FastScorer", "compile_scorer", "probe_columns"]


class FastScorer:
    """Scores column lists with the pipeline's fitted transformers on NumPy arrays."""

    def __init__(self, transform: LeanTransform, estimator: Any, method: str) -> None:
        self.transform = transform
        self.estimator = estimator
        self.method = method

    def __call__(self, columns: dict[str, list]) -> np.ndarray:
        """``predict_proba`` (classifiers) or ``predict`` output for the rows in ``columns``."""
        return getattr(self.estimator, self.method)(self.transform(columns))


def compile_scorer(
    pipeline: Any, names: Sequence[str], signature: dict, method: str
) -> FastScorer | None:
    """A ``FastScorer`` for ``pipeline.<method>`` proven equal on probe rows, or None."""
    import pandas as pd

    transform = build_transform(pipeline, names)
    estimator = pipeline.steps[-1][1] if transform is not None else None
    if transform is None or not hasattr(estimator, method):
        return None
    scorer = FastScorer(transform, estimator, method)
    probe = probe_columns(signature, names)
    frame = pd.DataFrame(probe, columns=list(names))
    proven = same_answers(
        lambda: getattr(pipeline, method)(frame), lambda: scorer(probe), "lean scoring path"
    )
    return scorer if proven else None
