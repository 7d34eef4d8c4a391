"""Vectorised two-sample statistics on sorted arrays and count vectors.

Every function here is pure numpy/scipy and matches a scipy reference to floating-point
precision (see ``tests/monitoring``):

- :func:`ecdf_compare` gives the two-sample KS statistic of ``scipy.stats.ks_2samp`` and the
  first Wasserstein distance of ``scipy.stats.wasserstein_distance`` from one merge of the two
  sorted samples (the same ``searchsorted(..., side="right")`` ECDFs scipy evaluates).
- :func:`ks_pvalue` reproduces ``ks_2samp``'s default ``method="auto"`` p-value: exact when both
  samples have at most 10,000 values, else ``kstwo.sf(d, round(n1 * n2 / (n1 + n2)))``; when
  Massart's bound shows that value is below 1e-12 the fast limiting distribution is used
  instead (so p-values agree with scipy to 1e-12 absolute); in scipy's slow ``2 * smirnov``
  region (:func:`kstwo_sf`) the same sum is vectorised (agreeing to ~1e-11).
- :func:`jensen_shannon` equals ``scipy.spatial.distance.jensenshannon(p, q)`` with the natural
  logarithm, as Evidently calls it, so the distance lies in ``[0, sqrt(ln 2)] = [0, 0.833]``.
- :func:`chi2_homogeneity` equals ``scipy.stats.chi2_contingency`` on the 2 x k table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy import stats as sps

#: ``ks_2samp(method="auto")`` computes the exact p-value when both sizes are at most this.
KS_EXACT_MAX_N = 10_000

#: Below this p-value the asymptotic KS p-value may be replaced by the limiting Kolmogorov
#: distribution (both lie in [0, KS_TINY_P], so they agree to KS_TINY_P).
KS_TINY_P = 1e-12

#: Share given to an empty bin before the PSI logarithm (Evidently uses 1e-4 as well).
PSI_EPSILON = 1e-4

try:  # scipy's own exact two-sample KS probability, so our p-value is scipy's to the bit.
    from scipy.stats._stats_py import _attempt_exact_2kssamp
except ImportError:  # pragma: no cover - only on a scipy that renamed its internals
    _attempt_exact_2kssamp = None


@dataclass(frozen=True)
class EcdfComparison:
    """What one merge of the two sorted samples gives (see :func:`ecdf_compare`)."""

    ks: float
    wasserstein: float
    n_unique: int
    quantiles: np.ndarray


def ecdf_compare(
    ref_values: np.ndarray,
    ref_weights: np.ndarray | None,
    cur_sorted: np.ndarray,
    quantile_probs: np.ndarray | None = None,
) -> EcdfComparison:
    """KS statistic and Wasserstein-1 distance between two sorted samples.

    One stable argsort of the two concatenated sorted runs (a linear merge for timsort) gives
    the pooled order; cumulative counts at the last copy of each distinct pooled value are
    exactly the ``searchsorted(..., side="right")`` counts scipy uses, so the ECDFs, their
    differences and hence the KS statistic are bit-identical to ``scipy.stats.ks_2samp``.

    Parameters
    ----------
    ref_values : ndarray
        Sorted reference values, or the sorted atoms of a compressed reference.
    ref_weights : ndarray or None
        ``None`` for a plain sample; for a compressed reference the number of reference
        values each atom stands for.
    cur_sorted : ndarray
        Sorted current values.
    quantile_probs : ndarray, optional
        Probabilities of pooled-sample quantiles to return (lower quantiles: the smallest value
        ``x`` with ``F_pooled(x) >= q``).

    Returns
    -------
    EcdfComparison
        ``ks = max |F_ref - F_cur|`` as ``ks_2samp`` computes it (before the exact method's
        rounding, see :func:`ks_pvalue`); ``wasserstein = integral |F_ref - F_cur| dx`` as
        ``scipy.stats.wasserstein_distance``; ``n_unique`` distinct pooled values (atoms
        count as values); ``quantiles`` at ``quantile_probs``.
    """
    n_atoms, n_cur = ref_values.shape[0], cur_sorted.shape[0]
    n_all = n_atoms + n_cur
    # Few large temporaries (fresh pages cost as much as the arithmetic on a busy machine):
    # ``raw`` is reused as scratch once merged.
    raw = np.concatenate([ref_values, cur_sorted])
    order = np.argsort(raw, kind="stable")  # two sorted runs: timsort does one linear merge
    pooled = raw[order]
    # int32 running counts are ~8x faster than the int64 default of a boolean cumsum.
    count_type = np.int32 if n_all < 2**31 - 1 else np.int64
    atoms_up_to = np.cumsum(order < n_atoms, dtype=count_type)
    del order
    new_value = pooled[1:] != pooled[:-1]
    if new_value.all():  # no ties: every position is the last copy of its value
        distinct, up_to = pooled, None
        count_cur = np.arange(1, n_all + 1, dtype=count_type)
        count_cur -= atoms_up_to
    else:
        last = np.append(np.flatnonzero(new_value), n_all - 1)
        distinct = pooled[last]
        atoms_up_to = atoms_up_to[last]
        up_to = (last + 1).astype(count_type)
        count_cur = up_to - atoms_up_to
    if ref_weights is None:
        n_ref = n_atoms
        count_ref = atoms_up_to
    else:
        n_ref = float(ref_weights.sum())
        count_ref = np.concatenate([[0.0], np.cumsum(ref_weights)])[atoms_up_to]
    scratch = raw[: distinct.shape[0]]
    diffs = np.divide(count_ref, n_ref)  # F_ref - F_cur, rounded as scipy rounds it
    diffs -= np.divide(count_cur, n_cur, out=scratch)
    min_s = float(np.clip(-diffs.min(), 0, 1))
    max_s = float(diffs.max())
    ks = min_s if min_s > max_s else max_s
    # scipy's sum(|dF| * dx); np.dot would call a multi-threaded BLAS that stalls for
    # milliseconds on a busy machine.
    gaps = np.subtract(distinct[1:], distinct[:-1], out=scratch[:-1])
    gaps *= np.abs(diffs[:-1], out=diffs[:-1])
    wasserstein = float(np.sum(gaps))
    quantiles = np.empty(0)
    if quantile_probs is not None and len(quantile_probs):
        counts = count_ref + count_cur if ref_weights is not None else up_to
        quantiles = _pooled_quantiles(distinct, counts, n_ref + n_cur, quantile_probs, count_type)
    return EcdfComparison(ks, wasserstein, int(distinct.shape[0]), quantiles)


def _pooled_quantiles(
    distinct: np.ndarray,
    counts: np.ndarray | None,
    n_pooled: float,
    probs: np.ndarray,
    count_type: type,
) -> np.ndarray:
    """Lower quantiles of the pooled sample from its cumulative counts at each distinct value.

    ``counts`` is ``None`` when every pooled value is distinct (counts 1, 2, ..., n); integer
    counts are compared with ``ceil(target)`` without a float copy; float (weighted) counts as
    they are.
    """
    target = np.asarray(probs) * n_pooled - 1e-9
    if counts is None:  # pooled counts 1, 2, ..., n_all: the ceil(target)-th value
        pos = np.maximum(np.ceil(target).astype(np.int64) - 1, 0)
    elif counts.dtype.kind == "f":
        pos = np.searchsorted(counts, target, side="left")
    else:
        pos = np.searchsorted(counts, np.ceil(target).astype(count_type), side="left")
    return distinct[np.minimum(pos, distinct.shape[0] - 1)]


def compress_sorted(sorted_values: np.ndarray, n_atoms: int) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a sorted sample to ``n_atoms`` equal-mass atoms (NannyML's large-reference trick).

    The compressed ECDF is within ``1 / n_atoms`` of the true ECDF everywhere, so a KS
    statistic computed with it is within ``1 / n_atoms`` of the exact one, and a Wasserstein
    distance within ``(max - min) / n_atoms``.

    Returns
    -------
    values, weights : ndarray
        Atom values (sorted, distinct) and how many values of the sample each stands for.
    """
    n = sorted_values.shape[0]
    pos = np.ceil(np.arange(1, n_atoms + 1) * (n / n_atoms)).astype(np.int64) - 1
    pos = np.unique(np.clip(pos, 0, n - 1))
    values = np.unique(sorted_values[pos])
    # Counts up to each atom include all its ties, so the ECDF is exact at the atoms.
    counts = np.searchsorted(sorted_values, values, side="right")
    return values, np.diff(np.concatenate([[0], counts])).astype(float)


def ks_pvalue(d: float, n1: int, n2: int) -> tuple[float, float]:
    """Two-sided p-value of the two-sample KS test, as ``ks_2samp(method="auto")``.

    Returns
    -------
    d : float
        The statistic, rounded to the ``1 / lcm(n1, n2)`` grid when the exact method applies
        (scipy returns that rounded value too).
    p_value : float
    """
    if max(n1, n2) <= KS_EXACT_MAX_N and _attempt_exact_2kssamp is not None:
        g = math.gcd(n1, n2)
        with np.errstate(all="ignore"):
            success, d_exact, prob = _attempt_exact_2kssamp(n1, n2, g, d, "two-sided")
        if success:
            return float(d_exact), float(np.clip(prob, 0, 1))
        d = float(d_exact)
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = np.round(m * n / (m + n))
    if 2.0 * math.exp(-2.0 * en * d * d) < KS_TINY_P:
        # Massart's DKW bound puts kstwo.sf(d, en) below KS_TINY_P; kstwo.sf can take 30 ms
        # here, the limiting Kolmogorov distribution (also below the bound) microseconds.
        return float(d), float(special.kolmogorov(math.sqrt(en) * d))
    return float(d), float(np.clip(kstwo_sf(d, int(en)), 0, 1))


def kstwo_sf(d: float, n: int) -> float:
    """``scipy.stats.kstwo.sf(d, n)``, with its slow branch vectorised.

    For ``n > 140`` and ``2.2 <= n d^2 < 370`` scipy returns ``2 * special.smirnov(n, d)``,
    a loop over ``n (1 - d)`` terms that takes ~50 ms at n = 50,000; :func:`smirnov_sf` sums
    the same terms with numpy in ~2 ms (agreeing to ~1e-11, see the tests).
    """
    t = n * d
    if n > 140 and 1.0 < t < n - 1 and d < 0.5 and 2.2 <= t * d < 370.0:
        return min(1.0, max(0.0, 2.0 * smirnov_sf(n, d)))
    return float(sps.kstwo.sf(d, n))


def smirnov_sf(n: int, d: float) -> float:
    """``scipy.special.smirnov(n, d)``: P(D+_n >= d) by the Birnbaum-Tingey sum.

    ``d * sum_j C(n, j) (d + j/n)^(j-1) (1 - d - j/n)^(n-j)`` for ``j <= n (1 - d)``, each
    term in log space (``gammaln``), summed relative to the largest.
    """
    j = np.arange(math.floor(n * (1.0 - d)) + 1, dtype=float)
    p = d + j / n
    with np.errstate(divide="ignore", invalid="ignore"):
        log_terms = special.gammaln(n + 1.0) - special.gammaln(j + 1.0)
        log_terms -= special.gammaln(n - j + 1.0)
        log_terms += (j - 1.0) * np.log(p) + (n - j) * np.log1p(-p)
    top = float(log_terms.max())
    return float(d * math.exp(top) * np.sum(np.exp(log_terms - top)))


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon distance (natural log) between two count or share vectors."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    p = p / p.sum()
    q = q / q.sum()
    m = (p + q) / 2.0
    js = special.rel_entr(p, m).sum() + special.rel_entr(q, m).sum()
    return float(np.sqrt(max(js, 0.0) / 2.0))


def psi(ref_counts: np.ndarray, cur_counts: np.ndarray, eps: float = PSI_EPSILON) -> float:
    """Population stability index ``sum((r - c) * ln(r / c))`` on bin shares.

    Empty bins get the share ``eps`` (not renormalised), as Evidently does.
    """
    r = np.asarray(ref_counts, dtype=float)
    c = np.asarray(cur_counts, dtype=float)
    r = r / r.sum()
    c = c / c.sum()
    r = np.where(r == 0, eps, r)
    c = np.where(c == 0, eps, c)
    return float(np.sum((r - c) * np.log(r / c)))


def chi2_homogeneity(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[float, float]:
    """Chi-square test of homogeneity on the 2 x k table of category counts.

    Equal to ``scipy.stats.chi2_contingency`` (Yates' correction when there are two
    categories, as scipy's default). Categories absent from both samples must be dropped
    before the call; one category gives ``(0.0, 1.0)``.
    """
    r = np.asarray(ref_counts, dtype=float)
    c = np.asarray(cur_counts, dtype=float)
    keep = (r + c) > 0
    r, c = r[keep], c[keep]
    k = r.shape[0]
    if k < 2:
        return 0.0, 1.0
    table = np.vstack([r, c])
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    observed = table
    dof = k - 1
    if dof == 1:
        diff = expected - observed
        observed = observed + np.minimum(0.5, np.abs(diff)) * np.sign(diff)
    stat = float(np.sum((observed - expected) ** 2 / expected))
    return stat, float(sps.chi2.sf(stat, dof))


def z_test_proportions(k1: float, n1: int, k2: float, n2: int) -> tuple[float, float]:
    """Two-sided z-test for two proportions with a pooled variance (Evidently's z-test).

    ``k1`` of ``n1`` reference values and ``k2`` of ``n2`` current values are "the second
    category". When both samples hold one and the same category the p-value is 1.
    """
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if var <= 0:
        return 0.0, 1.0
    z = (p1 - p2) / math.sqrt(var)
    return float(z), float(2.0 * sps.norm.sf(abs(z)))


def sorted_bin_counts(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts in ``np.histogram`` bins ``[e0, e1), ..., [e_{k-1}, e_k]`` of a sorted array."""
    lo = np.searchsorted(sorted_values, edges[:-1], side="left")
    hi = np.append(lo[1:], np.searchsorted(sorted_values, edges[-1], side="right"))
    return hi - lo


def sorted_interval_counts(sorted_values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Counts in ``(-inf, c0], (c0, c1], ..., (c_last, inf)`` of a sorted array."""
    pos = np.searchsorted(sorted_values, cuts, side="right")
    return np.diff(np.concatenate([[0], pos, [sorted_values.shape[0]]]))


def sorted_value_counts(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """How often each of ``values`` (sorted, unique) occurs in a sorted array."""
    lo = np.searchsorted(sorted_values, values, side="left")
    hi = np.searchsorted(sorted_values, values, side="right")
    return hi - lo


def sturges_edges(vmin: float, vmax: float, n: int) -> np.ndarray:
    """``np.histogram_bin_edges(x, bins="sturges")`` from the range and size of ``x``."""
    if vmin == vmax:
        return np.array([vmin - 0.5, vmax + 0.5])
    width = (vmax - vmin) / (np.log2(n) + 1.0)
    n_bins = max(int(np.ceil((vmax - vmin) / width)), 1)
    return np.linspace(vmin, vmax, n_bins + 1, endpoint=True)


def sorted_quantiles(sorted_values: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """``np.quantile(x, qs)`` (linear method) of an already sorted array, without a copy."""
    n = sorted_values.shape[0]
    h = (n - 1) * np.asarray(qs, dtype=float)
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = h - lo
    return sorted_values[lo] + frac * (sorted_values[hi] - sorted_values[lo])
