"""Direct loss estimation (DLE) for regressors, without labels.

A second model, fitted on the regressor's holdout, learns how wrong the regressor is for each
kind of row: one predicts the absolute error, one the squared error, from the regressor's own
features and its prediction. A window's estimated MAE is the mean predicted absolute error, its
RMSE the root of the mean predicted squared error. The 95% band comes from how far single rows'
errors stray from their predicted size on the holdout (out-of-fold), shrunk by the window's
row count.

Like CBPE it follows inputs that move and cannot see the outcome's relation to them change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

METRICS = ("mae", "rmse")
_Z = 1.959964


def _error_model(rows: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        max_iter=200,
        learning_rate=0.05,
        min_samples_leaf=max(20, rows // 50),
        l2_regularization=1.0,
        early_stopping=rows >= 1000,
        random_state=0,
    )


@dataclass
class ErrorModels:
    """The fitted absolute- and squared-error models and the holdout's residual spread."""

    absolute: Any
    squared: Any
    spread_abs: float  # sd of |error| - predicted |error| on the holdout (out of fold)
    spread_sq: float

    @classmethod
    def fit(cls, features: np.ndarray, errors: np.ndarray) -> ErrorModels:
        """Fit on the holdout's feature matrix (with the prediction) and its errors."""
        from sklearn.model_selection import KFold, cross_val_predict

        folds = KFold(5, shuffle=True, random_state=0) if len(errors) >= 50 else 2
        absolute, squared = np.abs(errors), errors**2
        fitted = []
        spreads = []
        for target in (absolute, squared):
            model = _error_model(len(target))
            out_of_fold = cross_val_predict(model, features, target, cv=folds)
            spreads.append(float(np.std(target - out_of_fold)))
            fitted.append(model.fit(features, target))
        return cls(fitted[0], fitted[1], spreads[0], spreads[1])

    def estimate(self, features: np.ndarray) -> dict[str, tuple[float, float, float]]:
        """``{metric: (estimate, low, high)}`` for the rows of ``features``."""
        n = len(features)
        mae = float(np.mean(np.maximum(self.absolute.predict(features), 0.0)))
        mse = float(np.mean(np.maximum(self.squared.predict(features), 0.0)))
        half_abs = _Z * self.spread_abs / np.sqrt(n)
        half_sq = _Z * self.spread_sq / np.sqrt(n)
        return {
            "mae": (mae, max(mae - half_abs, 0.0), mae + half_abs),
            "rmse": (
                float(np.sqrt(mse)),
                float(np.sqrt(max(mse - half_sq, 0.0))),
                float(np.sqrt(mse + half_sq)),
            ),
        }
