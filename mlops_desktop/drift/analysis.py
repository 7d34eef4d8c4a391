"""Every applicable statistic and a small summary for one column.

Numeric columns come sorted once per side (``profile.NumericSample``); KS, Wasserstein, the
pooled quantiles (PSI bins) and the distinct-value count all come from one merge of the two
sorted samples, every other count from ``searchsorted`` on them. Categorical columns come
as category counts (``profile.CategoricalSample``, one factorisation per side).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mlops_desktop.drift import stats as st
from mlops_desktop.drift.columns import label_text
from mlops_desktop.drift.methods import DriftSettings
from mlops_desktop.drift.profile import DISCRETE_MAX, NumericSample

#: Bins of the display histogram in numeric summaries.
SUMMARY_BINS = 30
#: Categories listed in categorical summaries.
SUMMARY_TOP = 20
_SUMMARY_QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


@dataclass
class Analysis:
    """Statistics of one column before a method judges it (internal)."""

    kind: str
    n_reference: int
    n_current: int
    missing_reference: float
    missing_current: float
    n_unique: int = 0
    stats: dict[str, float] = field(default_factory=dict)
    reference_summary: dict = field(default_factory=dict)
    current_summary: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)

    @property
    def empty_side(self) -> bool:
        return self.n_reference == 0 or self.n_current == 0


def analyse_numeric(
    reference: NumericSample, current: NumericSample, settings: DriftSettings
) -> Analysis:
    """Statistics of a numeric column from its two prepared (sorted) samples."""
    out = Analysis(
        kind="numeric",
        n_reference=reference.n,
        n_current=current.n,
        missing_reference=_share(reference.n_rows - reference.n, reference.n_rows),
        missing_current=_share(current.n_rows - current.n, current.n_rows),
    )
    if out.empty_side:
        return out
    sr, sc = reference.sorted, current.sorted
    n_r, n_c = out.n_reference, out.n_current

    compressed = n_r > settings.exact_max_rows
    atoms, weights = st.compress_sorted(sr, settings.max_bins) if compressed else (sr, None)
    psi_probs = np.arange(1, settings.psi_bins) / settings.psi_bins
    probs = np.concatenate([psi_probs, [0.005, 0.995]])
    merged = st.ecdf_compare(atoms, weights, sc, probs)
    pooled_q = merged.quantiles
    out.n_unique = n_unique = _n_unique(reference, current, merged, compressed)

    mean_r, std_r = reference.mean, reference.std
    constant = std_r <= 1e-12 * max(1.0, abs(mean_r))
    scale = 1.0 if constant else std_r
    s = out.stats
    s["ks"], s["ks_p"] = st.ks_pvalue(merged.ks, n_r, n_c)
    s["wasserstein"] = merged.wasserstein
    s["wasserstein_norm"] = merged.wasserstein / scale
    # PSI on pooled-quantile bins (-inf, q1], (q1, q2], ..., (q_last, inf).
    cuts = np.unique(pooled_q[: psi_probs.shape[0]])
    psi_r = st.sorted_interval_counts(sr, cuts)
    psi_c = st.sorted_interval_counts(sc, cuts)
    s["psi"] = st.psi(psi_r, psi_c)
    _count_statistics(s, reference, current, n_unique, (psi_r, psi_c))

    edges = _summary_edges(sr, sc, pooled_q, n_unique)
    out.reference_summary = _numeric_summary(sr, mean_r, std_r, edges, reference.datetime)
    out.current_summary = _numeric_summary(sc, current.mean, current.std, edges, reference.datetime)
    out.notes = {
        "mean_reference": mean_r,
        "mean_current": current.mean,
        "constant_reference": constant,
        "scale": scale,
        "compressed": compressed,
        "datetime": reference.datetime,
    }
    return out


def _n_unique(
    reference: NumericSample, current: NumericSample, merged: st.EcdfComparison, compressed: bool
) -> int:
    """Distinct values of both samples together."""
    if not compressed:
        return merged.n_unique
    distinct_r, distinct_c = reference.distinct_values(), current.distinct_values()
    common = np.minimum(np.searchsorted(distinct_r, distinct_c), distinct_r.shape[0] - 1)
    n_common = int(np.count_nonzero(distinct_r[common] == distinct_c))
    return int(distinct_r.shape[0] + distinct_c.shape[0] - n_common)


def _count_statistics(
    s: dict[str, float],
    reference: NumericSample,
    current: NumericSample,
    n_unique: int,
    psi_counts: tuple[np.ndarray, np.ndarray],
) -> None:
    """Jensen-Shannon, chi-square and (two values) the z-test of a numeric column, into ``s``.

    Jensen-Shannon is binned as Evidently bins it: per value while the reference has <= 20
    distinct values, else Sturges bins on the pooled range. Chi-square is per value for discrete
    columns, else on the PSI bins.
    """
    sr, sc = reference.sorted, current.sorted
    n_distinct_r = reference.n_distinct
    pooled_distinct = None
    if n_unique <= DISCRETE_MAX or n_distinct_r <= DISCRETE_MAX:
        pooled_distinct = np.union1d(reference.distinct_values(), current.distinct_values())
    if n_unique <= DISCRETE_MAX:
        value_r = st.sorted_value_counts(sr, pooled_distinct)
        value_c = st.sorted_value_counts(sc, pooled_distinct)
    if n_distinct_r > DISCRETE_MAX:
        edges = st.sturges_edges(min(sr[0], sc[0]), max(sr[-1], sc[-1]), reference.n + current.n)
        s["jensen_shannon"] = st.jensen_shannon(
            st.sorted_bin_counts(sr, edges), st.sorted_bin_counts(sc, edges)
        )
    elif n_unique <= DISCRETE_MAX:
        s["jensen_shannon"] = st.jensen_shannon(value_r, value_c)
    else:
        s["jensen_shannon"] = st.jensen_shannon(
            st.sorted_value_counts(sr, pooled_distinct), st.sorted_value_counts(sc, pooled_distinct)
        )
    if n_unique <= DISCRETE_MAX:
        s["chi2"], s["chi2_p"] = st.chi2_homogeneity(value_r, value_c)
    else:
        s["chi2"], s["chi2_p"] = st.chi2_homogeneity(*psi_counts)
    if n_unique <= 2:
        second = value_r[1] if n_unique == 2 else 0
        second_c = value_c[1] if n_unique == 2 else 0
        s["z"], s["z_p"] = st.z_test_proportions(
            float(second), reference.n, float(second_c), current.n
        )


def _summary_edges(
    sr: np.ndarray, sc: np.ndarray, pooled_q: np.ndarray, n_unique: int
) -> np.ndarray:
    """Shared histogram edges for the summaries: the pooled 0.5%-99.5% range, or the full one."""
    lo, hi = float(pooled_q[-2]), float(pooled_q[-1])
    if lo == hi:
        lo, hi = float(min(sr[0], sc[0])), float(max(sr[-1], sc[-1]))
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, min(SUMMARY_BINS, max(n_unique, 1)) + 1)


def _numeric_summary(
    sorted_values: np.ndarray, mean: float, std: float, edges: np.ndarray, datetime: bool
) -> dict:
    """Histogram on shared edges (end bins also hold values beyond them) and quantiles."""
    pos = np.searchsorted(sorted_values, edges[1:-1], side="left")
    counts = np.diff(np.concatenate([[0], pos, [sorted_values.shape[0]]]))
    qs = st.sorted_quantiles(sorted_values, np.array(list(_SUMMARY_QUANTILES.values())))
    summary = {
        "edges": [float(e) for e in edges],
        "counts": [int(k) for k in counts],
        "mean": mean,
        "std": std,
        "min": float(sorted_values[0]),
        "max": float(sorted_values[-1]),
    }
    summary.update({k: float(v) for k, v in zip(_SUMMARY_QUANTILES, qs, strict=True)})
    if datetime:
        summary["datetime"] = True
    return summary


def analyse_categorical(
    cnt_r: np.ndarray, cnt_c: np.ndarray, labels: list, kind: str, n_rows: tuple[int, int]
) -> Analysis:
    """Statistics of a categorical or boolean column from its category counts.

    ``cnt_r[i]``, ``cnt_c[i]`` count ``labels[i]`` in the reference and current samples of
    ``n_rows`` rows each (the rest are missing).
    """
    n_r, n_c = int(cnt_r.sum()), int(cnt_c.sum())
    out = Analysis(
        kind=kind,
        n_reference=n_r,
        n_current=n_c,
        missing_reference=_share(n_rows[0] - n_r, n_rows[0]),
        missing_current=_share(n_rows[1] - n_c, n_rows[1]),
    )
    if out.empty_side:
        return out
    present = (cnt_r + cnt_c) > 0
    cnt_r, cnt_c = cnt_r[present], cnt_c[present]
    texts = [label_text(lab) for lab, keep in zip(labels, present, strict=True) if keep]
    out.n_unique = len(texts)

    s = out.stats
    s["chi2"], s["chi2_p"] = st.chi2_homogeneity(cnt_r, cnt_c)
    s["jensen_shannon"] = st.jensen_shannon(cnt_r, cnt_c)
    s["psi"] = st.psi(cnt_r, cnt_c)
    if out.n_unique <= 2:
        order = sorted(range(out.n_unique), key=texts.__getitem__)
        second = order[1] if out.n_unique == 2 else None
        k_r = float(cnt_r[second]) if second is not None else 0.0
        k_c = float(cnt_c[second]) if second is not None else 0.0
        s["z"], s["z_p"] = st.z_test_proportions(k_r, n_r, k_c, n_c)

    share_r, share_c = cnt_r / n_r, cnt_c / n_c
    out.reference_summary, out.current_summary = _categorical_summaries(
        cnt_r, cnt_c, share_r, share_c, texts
    )
    unseen = np.flatnonzero((cnt_r == 0) & (cnt_c > 0))
    biggest = int(np.argmax(np.abs(share_c - share_r)))
    out.notes = {
        "category": texts[biggest],
        "share_reference": float(share_r[biggest]),
        "share_current": float(share_c[biggest]),
        "unseen": int(unseen.shape[0]),
        "unseen_share": float(share_c[unseen].sum()),
    }
    return out


def _categorical_summaries(
    cnt_r: np.ndarray,
    cnt_c: np.ndarray,
    share_r: np.ndarray,
    share_c: np.ndarray,
    texts: list[str],
) -> tuple[dict, dict]:
    """The top categories' shares on each side, and what the current side has that is new."""
    top = np.argsort(-(cnt_r + cnt_c), kind="stable")[:SUMMARY_TOP]
    names = [texts[i] for i in top]
    unseen = np.flatnonzero((cnt_r == 0) & (cnt_c > 0))
    reference = {
        "categories": names,
        "shares": [float(share_r[i]) for i in top],
        "other_share": float(max(0.0, 1.0 - share_r[top].sum())),
        "n_categories": int(np.count_nonzero(cnt_r)),
    }
    current = {
        "categories": names,
        "shares": [float(share_c[i]) for i in top],
        "other_share": float(max(0.0, 1.0 - share_c[top].sum())),
        "n_categories": int(np.count_nonzero(cnt_c)),
        "unseen_categories": int(unseen.shape[0]),
        "unseen_share": float(share_c[unseen].sum()),
        "unseen_examples": [texts[i] for i in unseen[np.argsort(-cnt_c[unseen])][:5]],
    }
    return reference, current


def _share(part: int, whole: int) -> float:
    return float(part / whole) if whole else 0.0
