"""Path-dependent TreeSHAP for our tree ensembles, in numpy (no extra dependency).

Each leaf of each tree is flattened once into the features on its path: for a feature ``j``
the interval ``lo < x <= hi`` a row must fall in to reach the leaf (every split on ``j`` merged),
whether a missing value gets there, and ``z_j``, the product of the cover fractions of the
path's edges on ``j``. With ``o_j(x)`` = 1 when ``x`` satisfies the leaf's condition on ``j``,
the path-dependent expectation of the tree given the features in ``S`` is
``sum_leaves v * prod_{j in path} (o_j if j in S else z_j)`` (Lundberg et al. 2020, Algorithm 2),
so each leaf is a product game over its own ``d`` path features and its Shapley values are

    phi_i = v * (o_i - z_i) * sum_k k! (d-1-k)! / d! * [t^k] prod_{j != i} (z_j + o_j t).

Leaves are grouped by ``d`` so every group is evaluated for many rows and leaves at once; the
polynomial ``prod_j (z_j + o_j t)`` is built once per (row, leaf) and each factor divided out.
The values sum with the base value (the cover-weighted mean leaf) to the raw output exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial, prod

import numpy as np
from scipy import sparse

#: Elements of the (rows x leaves x d [x d]) work arrays evaluated at once.
CHUNK_ELEMENTS = 2_000_000
#: A group whose every on/off pattern fits in this many values gets a table of its Shapley
#: weights (built once per model): a row then costs a lookup per leaf instead of the algebra.
TABLE_VALUES = 4_000_000


@dataclass(frozen=True)
class Tree:
    """One tree as flat node arrays (the shape both sklearn trees and HGB predictors give)."""

    left: np.ndarray  # child index, -1 at a leaf
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray  # x <= threshold goes left
    missing_left: np.ndarray  # bool: a missing value goes left
    cover: np.ndarray  # training weight reaching the node
    value: np.ndarray  # (nodes, outputs) leaf values, already scaled into the raw output


@dataclass(frozen=True)
class _Group:
    """The leaves whose paths hold ``d`` distinct features."""

    feature: np.ndarray  # (leaves, d) int
    lo: np.ndarray  # (leaves, d) codes: the row's code must be > lo and <= hi
    hi: np.ndarray
    nan_ok: np.ndarray  # (leaves, d) bool
    z: np.ndarray  # (leaves, d)
    #: (features * outputs, leaves * d): each leaf's value into its path features, stored
    #: transposed so a row's sum is a CSR product with no per-call transpose
    gather: sparse.csr_matrix
    table: np.ndarray | None = None  # (leaves * 2**d, d): weights per leaf and on/off pattern

    def inside(self, codes: np.ndarray, missing: np.ndarray | None) -> np.ndarray:
        """``o``: whether each row meets each leaf's condition on each path feature.

        ``codes`` are the rows' interval codes per feature (``TreeEnsemble.codes``),
        ``missing`` where the inputs are missing (None when nothing is)."""
        xs = codes[:, self.feature]  # (rows, leaves, d), small integers
        inside = (xs > self.lo) & (xs <= self.hi)
        if missing is not None and self.nan_ok.any():
            inside |= missing[:, self.feature] & self.nan_ok
        return inside

    def weights(self, codes: np.ndarray, missing: np.ndarray | None) -> np.ndarray:
        """``(o_i - z_i) * W_i`` per (row, leaf, path feature), flattened per row."""
        o = self.inside(codes, missing)
        n, leaves, d = o.shape
        if self.table is None:
            return _shapley(o.astype(np.float64), self.z).reshape(n, leaves * d)
        powers = (2.0 ** np.arange(d)).astype(np.float32)
        pattern = (o.astype(np.float32) @ powers).astype(np.int64)
        pattern += (np.arange(leaves) << d)[None, :]
        return np.take(self.table, pattern, axis=0).reshape(n, leaves * d)


@dataclass(frozen=True)
class TreeEnsemble:
    """An additive ensemble ready for TreeSHAP: raw output = base + sum of its trees."""

    n_features: int
    n_outputs: int
    base: np.ndarray  # (outputs,) expected raw output
    groups: tuple[_Group, ...]
    cuts: tuple[np.ndarray, ...]  # per feature: the sorted thresholds of every split on it
    float32_inputs: bool = False  # sklearn trees compare float32 copies of the inputs

    def codes(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:  # noqa: N803
        """Each value as the number of thresholds of its feature below it (``x <= cut[j]``
        exactly when the code is ``<= j``); a missing value gets a code beyond every leaf's."""
        codes = np.empty(X.shape, dtype=np.int32)
        for f, cuts in enumerate(self.cuts):
            codes[:, f] = np.searchsorted(cuts, X[:, f], side="left")
        missing = np.isnan(X)
        if not missing.any():
            return codes, None
        codes[missing] = np.iinfo(np.int32).max
        return codes, missing

    def shap_values(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """``(rows, features, outputs)`` contributions of the transformed inputs ``X``."""
        X = np.asarray(X, dtype=np.float64)  # noqa: N806
        if self.float32_inputs:
            X = X.astype(np.float32).astype(np.float64)  # noqa: N806
        out = np.zeros((len(X), self.n_features * self.n_outputs))
        codes, missing = self.codes(X)
        for group in self.groups:
            leaves, d = group.feature.shape
            work = leaves * d * (1 if group.table is not None else d + 1)
            per_row = max(1, CHUNK_ELEMENTS // work)
            for start in range(0, len(X), per_row):
                part = slice(start, start + per_row)
                phi = group.weights(codes[part], None if missing is None else missing[part])
                out[start : start + per_row] += (group.gather @ phi.T).T
        return out.reshape(len(X), self.n_features, self.n_outputs)


def _weights(d: int) -> np.ndarray:
    return np.array([factorial(k) * factorial(d - 1 - k) / factorial(d) for k in range(d)])


def _shapley(o: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``(o_i - z_i) * sum_k w_k [t^k] prod_{j != i} (z_j + o_j t)`` over the last axis (d).

    ``o`` is ``(rows, leaves, d)`` of 0/1, ``z`` broadcasts to it."""
    z = np.broadcast_to(z, o.shape)
    n, leaves, d = o.shape
    poly = np.zeros((n, leaves, d + 1))
    poly[..., 0] = 1.0
    for k in range(d):  # multiply by (z_k + o_k t)
        shifted = poly[..., :-1] * o[..., k : k + 1]
        poly *= z[..., k : k + 1]
        poly[..., 1:] += shifted
    # Divide out factor i for every i at once: q has shape (rows, leaves, d(i), d(coef)).
    p = poly[:, :, None, :]
    zi = z[..., None]
    q_zero = p[..., :d] / zi  # o_i = 0: the factor is the constant z_i
    q_one = np.empty((n, leaves, d, d))  # o_i = 1: synthetic division by (t + z_i)
    q_one[..., d - 1] = p[..., d]
    for j in range(d - 1, 0, -1):
        q_one[..., j - 1] = p[..., j] - zi[..., 0] * q_one[..., j]
    q = np.where(o[..., None] > 0, q_one, q_zero)
    return (o - z) * (q @ _weights(d))


def _table(z: np.ndarray) -> np.ndarray:
    """The Shapley weights of every on/off pattern of every leaf: ``(leaves * 2**d, d)``.

    The products ``P(p) = prod_j (z_j + o_j t)`` of all patterns are built by doubling (bit k
    of the pattern index is ``o_k``). Without ``i`` the product is ``P(p with o_i = 0) / z_i``,
    so every ``W_i`` is a lookup of ``S(p) = sum_k w_k [t^k] P(p)``: O(d 2**d) per leaf.
    """
    leaves, d = z.shape
    poly = np.zeros((leaves, 1, d + 1))
    poly[:, 0, 0] = 1.0
    for k in range(d):
        off = poly * z[:, k, None, None]  # o_k = 0: times z_k
        on = off.copy()
        on[..., 1:] += poly[..., :-1]  # o_k = 1: times (z_k + t)
        poly = np.concatenate([off, on], axis=1)
    summed = poly[..., :d] @ _weights(d)  # (leaves, 2**d)
    patterns = np.arange(2**d)
    table = np.empty((leaves, 2**d, d))
    for i in range(d):
        o_i = (patterns >> i) & 1
        without = summed[:, patterns & ~(1 << i)] / z[:, i, None]
        table[:, :, i] = (o_i[None, :] - z[:, i, None]) * without
    return table.reshape(leaves * 2**d, d)


def _leaf_paths(tree: Tree):
    """Yield ``(leaf, [(feature, went_left, fraction, missing_matches, threshold), ...])``."""
    stack = [(0, [])]
    while stack:
        node, path = stack.pop()
        if tree.left[node] < 0:
            yield node, path
            continue
        f, t, cover = int(tree.feature[node]), float(tree.threshold[node]), tree.cover[node]
        for child, left in ((tree.left[node], True), (tree.right[node], False)):
            step = (f, left, tree.cover[child] / cover, bool(tree.missing_left[node]) == left, t)
            stack.append((int(child), [*path, step]))


def _merge(path) -> dict[int, list]:
    """Per distinct feature: ``[lo, hi, nan_ok, z]`` over every split on it."""
    merged: dict[int, list] = {}
    for f, left, fraction, missing_ok, t in path:
        entry = merged.setdefault(f, [-np.inf, np.inf, True, 1.0])
        if left:
            entry[1] = min(entry[1], t)
        else:
            entry[0] = max(entry[0], t)
        entry[2] = entry[2] and missing_ok
        entry[3] *= fraction
    return merged


def build_ensemble(
    trees: list[Tree], n_features: int, base: np.ndarray, float32_inputs: bool = False
) -> TreeEnsemble:
    """Flatten ``trees`` into leaf groups; ``base`` is the raw output's constant (HGB's baseline
    prediction, 0 for a forest), the trees' expectations are added to it."""
    base = np.asarray(base, dtype=np.float64).copy()
    by_d: dict[int, list] = {}
    for tree in trees:
        for leaf, path in _leaf_paths(tree):
            merged = _merge(path)
            value = tree.value[leaf]
            base += value * prod(entry[3] for entry in merged.values())
            if merged:
                by_d.setdefault(len(merged), []).append((merged, value))
    cuts = _cuts(trees, n_features)
    groups = tuple(
        _group(d, leaves, n_features, len(base), cuts) for d, leaves in sorted(by_d.items())
    )
    return TreeEnsemble(n_features, len(base), base, groups, cuts, float32_inputs)


def _cuts(trees: list[Tree], n_features: int) -> tuple[np.ndarray, ...]:
    """Per feature, the sorted finite thresholds of every split on it."""
    internal = [t.left >= 0 for t in trees]
    features = np.concatenate([t.feature[m] for t, m in zip(trees, internal, strict=True)])
    thresholds = np.concatenate([t.threshold[m] for t, m in zip(trees, internal, strict=True)])
    finite = np.isfinite(thresholds)
    features, thresholds = features[finite], thresholds[finite].astype(np.float64)
    return tuple(np.unique(thresholds[features == f]) for f in range(n_features))


def _group(
    d: int, leaves: list, n_features: int, n_outputs: int, cuts: tuple[np.ndarray, ...]
) -> _Group:
    features = np.array([list(m) for m, _ in leaves], dtype=np.int64)
    entries = np.array([list(m.values()) for m, _ in leaves], dtype=np.float64)  # (L, d, 4)
    values = np.array([v for _, v in leaves], dtype=np.float64)  # (L, outputs)
    rows = np.repeat(np.arange(len(leaves) * d), n_outputs)
    cols = (features[..., None] * n_outputs + np.arange(n_outputs)).reshape(-1)
    data = np.repeat(values[:, None, :], d, axis=1).reshape(-1)
    gather = sparse.csr_matrix(
        (data, (cols, rows)), shape=(n_features * n_outputs, len(leaves) * d)
    )
    z = entries[..., 3]
    table = _table(z) if len(leaves) * 2**d * d <= TABLE_VALUES else None
    return _Group(
        feature=features,
        lo=_codes(features, entries[..., 0], cuts),
        hi=_codes(features, entries[..., 1], cuts),
        nan_ok=entries[..., 2] > 0,
        z=z,
        gather=gather,
        table=table,
    )


def _codes(features: np.ndarray, bounds: np.ndarray, cuts) -> np.ndarray:
    """Interval bounds as codes: a threshold's index among its feature's cuts; -inf -> -1,
    +inf -> the number of cuts (no value but a missing one is above it)."""
    out = np.empty(bounds.shape, dtype=np.int32)
    for f in np.unique(features):
        here = features == f
        values = bounds[here]
        codes = np.searchsorted(cuts[f], values).astype(np.int32)
        codes[values == -np.inf] = -1
        codes[values == np.inf] = len(cuts[f])
        out[here] = codes
    return out


# -- reading the fitted estimators ----------------------------------------------------------


def sklearn_tree(estimator, scale: float = 1.0, columns: slice | None = None) -> Tree:
    """A fitted DecisionTree's arrays; ``value`` is the per-node prediction (class fractions for
    a classifier, as ``predict_proba`` gives them) times ``scale``."""
    t = estimator.tree_
    value = t.value[:, :, 0] if t.value.shape[2] == 1 else t.value[:, 0, :]
    if t.value.shape[2] > 1:
        value = value / value.sum(axis=1, keepdims=True)
    if columns is not None:
        value = value[:, columns]
    missing = getattr(t, "missing_go_to_left", np.zeros(t.node_count, dtype=bool))
    return Tree(
        left=t.children_left,
        right=t.children_right,
        feature=t.feature,
        threshold=t.threshold,
        missing_left=np.asarray(missing, dtype=bool),
        cover=t.weighted_n_node_samples,
        value=value * scale,
    )


def forest_ensemble(forest, n_features: int, columns: slice | None = None) -> TreeEnsemble:
    """A random forest: the mean of its trees (probabilities or predictions)."""
    scale = 1.0 / len(forest.estimators_)
    trees = [sklearn_tree(e, scale, columns) for e in forest.estimators_]
    n_out = trees[0].value.shape[1]
    return build_ensemble(trees, n_features, np.zeros(n_out), float32_inputs=True)


def hgb_ensemble(model, n_features: int) -> TreeEnsemble:
    """A HistGradientBoosting model: baseline + one tree per output per iteration."""
    per_iteration = model.n_trees_per_iteration_
    trees = []
    for predictors in model._predictors:
        for k, predictor in enumerate(predictors):
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise NotImplementedError("native categorical splits are not explained")
            leaf = nodes["is_leaf"].astype(bool)
            value = np.zeros((len(nodes), per_iteration))
            value[:, k] = nodes["value"]
            trees.append(
                Tree(
                    left=np.where(leaf, -1, nodes["left"].astype(np.int64)),
                    right=np.where(leaf, -1, nodes["right"].astype(np.int64)),
                    feature=nodes["feature_idx"],
                    threshold=nodes["num_threshold"],
                    missing_left=nodes["missing_go_to_left"].astype(bool),
                    cover=nodes["count"].astype(np.float64),
                    value=value,
                )
            )
    base = np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1)
    return build_ensemble(trees, n_features, base)
