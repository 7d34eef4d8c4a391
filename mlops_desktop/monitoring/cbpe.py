"""Confidence-based performance estimation (CBPE) for classifiers, without labels.

A classifier whose probabilities are calibrated says how often it is right: a row scored 0.8
for the positive class is positive four times in five. Summing calibrated probabilities over a
window of rows gives the expected confusion matrix, and from it the expected accuracy,
precision, recall, F1 and ROC AUC the window's labels will show once they arrive.

- ``Calibrator`` maps the model's probabilities to calibrated ones: per class the average of
  the maps (the model's own probabilities, Platt's sigmoid, isotonic regression) that are not
  clearly worse than the best out of fold on the holdout (optionally with importance weights).
  On a holdout of a few thousand rows the three are usually within noise of each other, and
  picking one by a noisy score swings the estimate from holdout to holdout; their average
  does not (20 splits of Adult: ROC AUC's error 0.0088 averaged, 0.0095 with the model's own
  probabilities alone). A map clearly worse than the best (the model's own probabilities of
  a miscalibrated model, typically) is left out.
- ``expected_metrics`` gives the point estimates; ROC AUC counts the expected share of
  (positive, negative) pairs of distinct rows ranked in the right order (ties count half).
- ``simulated_bands`` gives the 95% interval from sampling error: labels are drawn from the
  calibrated probabilities many times and the realized metric computed for each draw, so the
  band is where the realized value falls if the probabilities are right.

The estimate assumes the relation between inputs and outcome is unchanged since the holdout:
it follows covariate shift (the inputs move), never concept drift (the outcome's meaning moves).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Metrics CBPE estimates, in the order they are shown.
METRICS = ("roc_auc", "accuracy", "precision", "recall", "f1")
#: Label draws behind each interval, and the cap on drawn values held at once.
DRAWS = 400
_MAX_CELLS = 4_000_000


@dataclass
class Calibrator:
    """Per-class calibration of the probabilities (one class's for a binary model)."""

    curves: list  # per calibrated column: a tuple of maps averaged (None: the model's own)
    binary: bool

    @classmethod
    def fit(
        cls, proba: np.ndarray, y_index: np.ndarray, weights: np.ndarray | None = None
    ) -> Calibrator:
        """Fit on the holdout's model probabilities (rows x classes) and true class indices:
        per class the maps (none, Platt's sigmoid, isotonic) not clearly worse by Brier score
        than the best on holdout rows they were not fitted on, to be averaged."""
        binary = proba.shape[1] == 2
        columns = [1] if binary else range(proba.shape[1])
        curves = []
        for k in columns:
            hit = (y_index == k).astype(float)
            kept = _plausible_curves(proba[:, k], hit, weights)
            curves.append(
                tuple(
                    None if make is None else make().fit(proba[:, k], hit, weights) for make in kept
                )
            )
        return cls(curves, binary)

    @property
    def calibrates(self) -> bool:
        """Whether any class's probabilities are changed (False: the model's own are kept)."""
        return any(maps != (None,) for maps in self.curves)

    def describe(self) -> str:
        """The calibration in words ("the average of the model's own, Platt's sigmoid and
        isotonic"); per class when the classes differ."""
        parts = [_described(maps) for maps in self.curves]
        if self.binary or len(set(parts)) == 1:
            return parts[0]
        return "; ".join(f"class {k + 1}: {text}" for k, text in enumerate(parts))

    def __call__(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (rows x classes, each row summing to one)."""
        if self.binary:
            p = _mapped(self.curves[0], proba[:, 1])
            return np.column_stack([1.0 - p, p])
        out = np.column_stack([_mapped(c, proba[:, k]) for k, c in enumerate(self.curves)])
        total = out.sum(axis=1, keepdims=True)
        flat = total[:, 0] <= 0  # no class calibrated above zero: keep the model's own
        out[flat] = proba[flat]
        total[flat] = proba[flat].sum(axis=1, keepdims=True)
        return out / total


_NAMES = {None: "the model's own", "Sigmoid": "Platt's sigmoid", "Isotonic": "isotonic"}


def _described(maps: tuple) -> str:
    names = [_NAMES[None if m is None else type(m).__name__] for m in maps]
    if len(names) == 1:
        return names[0] if maps[0] is not None else "the model's own probabilities"
    return "the average of " + ", ".join(names[:-1]) + " and " + names[-1]


def _mapped(maps: tuple, p: np.ndarray) -> np.ndarray:
    """``p`` through the class's maps, averaged."""
    total = np.zeros(len(p))
    for m in maps:
        total += p if m is None else m.predict(p)
    return np.clip(total / len(maps), 0.0, 1.0)


class Sigmoid:
    """Platt scaling: ``1 / (1 + exp(-(a * logit(p) + b)))``, two parameters, smooth; fitted
    by Newton's method on the (weighted) log loss, each step halved until the loss falls (an
    over-confident model's extreme probabilities would make a full step overshoot), with a
    tiny ridge that keeps it finite when the classes separate."""

    RIDGE = 1e-4
    STEPS = 50

    def fit(self, p: np.ndarray, hit: np.ndarray, weights: np.ndarray | None = None) -> Sigmoid:
        self.a, self.b = 1.0, 0.0
        if len(np.unique(hit)) < 2:
            return self
        x = np.column_stack([_logit(p), np.ones(len(p))])
        w = np.ones(len(p)) if weights is None else np.asarray(weights, dtype=float)
        ridge = self.RIDGE * np.diag([1.0, 0.0])  # as LogisticRegression(C=1e4): slope only

        def loss(theta: np.ndarray) -> float:
            z = x @ theta
            return float(w @ (np.logaddexp(0.0, z) - hit * z) + 0.5 * theta @ ridge @ theta)

        theta = np.array([1.0, 0.0])
        current = loss(theta)
        for _ in range(self.STEPS):
            q = _expit(x @ theta)
            gradient = x.T @ (w * (q - hit)) + ridge @ theta
            hessian = (x * (w * q * (1.0 - q))[:, None]).T @ x + ridge + 1e-12 * np.eye(2)
            step = np.linalg.solve(hessian, gradient)
            for _halving in range(30):
                trial = loss(theta - step)
                if trial <= current:
                    break
                step = step / 2
            else:
                break
            theta, current = theta - step, trial
            if np.max(np.abs(step)) < 1e-10:
                break
        self.a, self.b = float(theta[0]), float(theta[1])
        return self

    def predict(self, p: np.ndarray) -> np.ndarray:
        return _expit(self.a * _logit(p) + self.b)


def _expit(z: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow for large ``|z|``."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class Isotonic:
    """Isotonic regression (monotone steps), each step's rate shrunk towards the model's own
    mean probability in it by ``PRIOR_ROWS`` pseudo-rows: plain isotonic steps fitted on a few
    rows end at exactly 0 or 1, over-confident where the model is not."""

    PRIOR_ROWS = 10.0

    def fit(self, p: np.ndarray, hit: np.ndarray, weights: np.ndarray | None = None) -> Isotonic:
        from sklearn.isotonic import IsotonicRegression

        w = np.ones(len(p)) if weights is None else weights
        curve = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        steps = curve.fit(p, hit, sample_weight=w).predict(p)
        order = np.argsort(p, kind="stable")
        xs, levels = p[order], steps[order]
        starts = np.flatnonzero(np.r_[True, np.diff(levels) != 0])
        weight = np.add.reduceat(w[order], starts)
        rate = np.add.reduceat((w * hit)[order], starts) / weight
        own = np.add.reduceat((w * p)[order], starts) / weight
        shrunk = (weight * rate + self.PRIOR_ROWS * own) / (weight + self.PRIOR_ROWS)
        ends = np.r_[starts[1:], len(xs)] - 1
        knots_x = np.ravel(np.column_stack([xs[starts], xs[ends]]))
        knots_y = np.repeat(shrunk, 2)
        self.curve = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        self.curve.fit(knots_x, knots_y)
        return self

    def predict(self, p: np.ndarray) -> np.ndarray:
        return self.curve.predict(p)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def calibration_error(p: np.ndarray, hit: np.ndarray, w: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: the weighted gap between mean probability and hit rate in
    ``bins`` equally filled bins of ``p``."""
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    total = float(w.sum())
    gap = 0.0
    for b in range(bins):
        inside = index == b
        weight = float(w[inside].sum())
        if weight > 0:
            mean_p = float(np.sum(w[inside] * p[inside]) / weight)
            mean_hit = float(np.sum(w[inside] * hit[inside]) / weight)
            gap += abs(mean_p - mean_hit) * weight / total
    return gap


def _plausible_curves(
    p: np.ndarray, hit: np.ndarray, weights: np.ndarray | None, folds: int = 5
) -> list:
    """The maps (None: the model's own probabilities, ``Sigmoid``, ``Isotonic``) whose Brier
    score (a proper score: it rewards calibration and punishes over-confidence) on holdout rows
    they were not fitted on is not clearly above the best one's: by more than ``MARGIN_SE``
    standard errors of the rows' paired differences. Four: on a 10,000-row holdout of a
    well-calibrated model the three stay within 4 (20 splits of Adult: at most 3.8), while
    probabilities off by 0.05 everywhere are 5 to 7 away, squashed or stretched ones 8 or more."""
    w = np.ones(len(p)) if weights is None else weights
    order = np.random.default_rng(0).permutation(len(p))
    candidates = (None, Sigmoid, Isotonic)
    losses = {make: np.zeros(len(p)) for make in candidates}
    for part in np.array_split(order, folds):
        rest = np.setdiff1d(order, part, assume_unique=True)
        for make in candidates:
            fitted = (
                p[part]
                if make is None
                else make().fit(p[rest], hit[rest], w[rest]).predict(p[part])
            )
            losses[make][part] = (fitted - hit[part]) ** 2
    share = w / w.sum()
    best = min(candidates, key=lambda make: float(np.sum(share * losses[make])))
    return [
        make
        for make in candidates
        if make is best or not _clearly_lower(losses[best], losses[make], w)
    ]


MARGIN_SE = 4.0


def _clearly_lower(loss: np.ndarray, than: np.ndarray, w: np.ndarray) -> bool:
    """Whether the weighted mean of ``loss`` is below ``than``'s by more than MARGIN_SE
    standard errors of the paired per-row differences."""
    share = w / w.sum()
    gain = than - loss
    mean = float(np.sum(share * gain))
    spread = float(np.sqrt(np.sum(share * (gain - mean) ** 2) / max(len(gain) - 1, 1)))
    return mean > MARGIN_SE * spread


def _ratio(top: float, bottom: float) -> float:
    return float(top / bottom) if bottom > 0 else float("nan")


def _pairs_auc(scores: np.ndarray, p: np.ndarray) -> float:
    """Expected ROC AUC of ``scores`` when row i is positive with probability ``p[i]``."""
    groups, inverse = np.unique(scores, return_inverse=True)
    pos = np.bincount(inverse, weights=p, minlength=len(groups))
    neg = np.bincount(inverse, weights=1.0 - p, minlength=len(groups))
    below = np.cumsum(neg) - neg
    self_pairs = float(np.sum(p * (1.0 - p)))  # a row is never paired with itself
    top = float(np.sum(pos * (below + 0.5 * neg))) - 0.5 * self_pairs
    return _ratio(top, float(p.sum() * (1.0 - p).sum()) - self_pairs)


def _binary_counts(p: np.ndarray, said: np.ndarray) -> dict[str, float]:
    return {
        "tp": float(p[said].sum()),
        "fp": float((1.0 - p[said]).sum()),
        "fn": float(p[~said].sum()),
        "tn": float((1.0 - p[~said]).sum()),
    }


def _from_counts(tp, fp, fn, tn) -> dict[str, float]:
    n = tp + fp + fn + tn
    return {
        "accuracy": _ratio(tp + tn, n),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
    }


def expected_metrics(
    proba: np.ndarray, calibrated: np.ndarray, predicted: np.ndarray, positive: int = 1
) -> dict[str, float]:
    """Expected metrics of one chunk: the model's ``proba`` ranks rows, ``calibrated`` says
    how likely each class is, ``predicted`` holds the model's class index per row. Binary
    metrics refer to class ``positive``; multiclass ones are macro averages, as in the test
    report."""
    if proba.shape[1] == 2:
        p = calibrated[:, positive]
        counts = _binary_counts(p, predicted == positive)
        return {"roc_auc": _pairs_auc(proba[:, positive], p), **_from_counts(**counts)}
    n, k = proba.shape
    per_class = []
    for c in range(k):
        p = calibrated[:, c]
        per_class.append(
            {
                "roc_auc": _pairs_auc(proba[:, c], p),
                **_from_counts(**_binary_counts(p, predicted == c)),
            }
        )
    out = {m: float(np.nanmean([pc[m] for pc in per_class])) for m in METRICS}
    out["accuracy"] = float(calibrated[np.arange(n), predicted].sum() / n)
    return out


def _drawn_labels(calibrated: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` x rows class indices, each row's class drawn from its calibrated probabilities."""
    if calibrated.shape[1] == 2:  # one comparison per cell
        return (rng.random((draws, calibrated.shape[0])) < calibrated[:, 1]).astype(np.int8)
    cumulative = np.cumsum(calibrated, axis=1)[:, :-1]
    u = rng.random((draws, calibrated.shape[0]))
    return (u[:, :, None] > cumulative[None, :, :]).sum(axis=2)


def _drawn_binary(y: np.ndarray, said: np.ndarray, ranks: np.ndarray) -> dict[str, np.ndarray]:
    """Realized metrics of each draw (rows of boolean ``y``) for one class."""
    n = y.shape[1]
    pos = y.sum(axis=1).astype(float)
    tp = y[:, said].sum(axis=1).astype(float)
    fp = said.sum() - tp
    fn = pos - tp
    tn = n - tp - fp - fn
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (y @ ranks - pos * (pos + 1) / 2) / (pos * (n - pos))
        return {
            "roc_auc": auc,
            "accuracy": (tp + tn) / n,
            "precision": tp / (tp + fp),
            "recall": tp / (tp + fn),
            "f1": 2 * tp / (2 * tp + fp + fn),
        }


def _drawn_metrics(
    proba: np.ndarray, labels: np.ndarray, predicted: np.ndarray, positive: int
) -> dict[str, np.ndarray]:
    from scipy.stats import rankdata  # imported on use: the window starts without SciPy

    if proba.shape[1] == 2:
        return _drawn_binary(
            labels == positive, predicted == positive, rankdata(proba[:, positive])
        )
    per_class = [
        _drawn_binary(labels == c, predicted == c, rankdata(proba[:, c]))
        for c in range(proba.shape[1])
    ]
    with np.errstate(invalid="ignore"):
        out = {m: np.nanmean(np.stack([pc[m] for pc in per_class]), axis=0) for m in METRICS}
    out["accuracy"] = (labels == predicted[None, :]).mean(axis=1)
    return out


def simulated_bands(
    proba: np.ndarray,
    calibrated: np.ndarray,
    predicted: np.ndarray,
    positive: int = 1,
    *,
    draws: int = DRAWS,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """The 95% band of each metric's realized value when labels follow ``calibrated``."""
    rng = np.random.default_rng(seed)
    n, k = calibrated.shape
    block = max(1, min(draws, _MAX_CELLS // max(1, n * k)))
    drawn: dict[str, list] = {m: [] for m in METRICS}
    for start in range(0, draws, block):
        labels = _drawn_labels(calibrated, min(block, draws - start), rng)
        with np.errstate(invalid="ignore", divide="ignore"):
            for m, values in _drawn_metrics(proba, labels, predicted, positive).items():
                drawn[m].append(values)
    bands = {}
    for m, parts in drawn.items():
        values = np.concatenate(parts)
        values = values[np.isfinite(values)]
        if len(values) < draws // 2:
            bands[m] = (float("nan"), float("nan"))
        else:
            low, high = np.quantile(values, [0.025, 0.975])
            bands[m] = (float(low), float(high))
    return bands
