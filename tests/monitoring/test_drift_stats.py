"""The vectorised statistics equal their scipy references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlops_desktop.drift import DriftSettings, column_drift
from mlops_desktop.drift import stats as st

TOL = 1e-9


def _ks(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float, float]:
    merged = st.ecdf_compare(np.sort(ref), None, np.sort(cur))
    d, p = st.ks_pvalue(merged.ks, len(ref), len(cur))
    return d, p, merged.wasserstein


@pytest.mark.parametrize(
    ("n1", "n2", "shift", "discrete"),
    [
        (40, 70, 0.0, False),  # exact, unequal sizes
        (500, 500, 0.3, False),  # exact, equal sizes
        (1000, 9000, 0.05, False),  # exact, the largest 'auto' still does exactly
        (1000, 9000, 0.0, True),  # exact, many ties
        (300, 20000, 0.1, False),  # asymptotic
        (30000, 40000, 0.02, False),  # asymptotic, p in the slow kstwo region
        (30000, 40000, 0.05, True),  # asymptotic with ties
        (20000, 20000, 0.3, False),  # asymptotic, tiny p (limiting-distribution shortcut)
    ],
)
def test_ks_and_wasserstein_equal_scipy(n1: int, n2: int, shift: float, discrete: bool) -> None:
    rng = np.random.default_rng(n1 + n2)
    ref = rng.normal(0, 1, n1)
    cur = rng.normal(shift, 1.2, n2)
    if discrete:
        ref, cur = np.round(ref * 3), np.round(cur * 3)
    d, p, w = _ks(ref, cur)
    expected = stats.ks_2samp(ref, cur)
    assert d == pytest.approx(expected.statistic, abs=TOL)
    assert p == pytest.approx(expected.pvalue, abs=TOL)
    assert w == pytest.approx(stats.wasserstein_distance(ref, cur), rel=TOL, abs=1e-12)


def test_ks_pvalue_shortcut_agrees_to_1e_12() -> None:
    for en, d in [(10_000, 0.06), (50_000, 0.02), (50_000, 0.084), (200_000, 0.03)]:
        n = 2 * en
        d_ours, p_ours = st.ks_pvalue(d, n, n)
        assert p_ours == pytest.approx(stats.kstwo.sf(d, en), abs=1e-12)
        assert d_ours == d


def test_column_stats_equal_scipy_with_missing_values() -> None:
    rng = np.random.default_rng(1)
    ref = rng.gamma(2.0, 3.0, 4000)
    cur = rng.gamma(2.2, 3.0, 3000)
    ref[::7] = np.nan
    cur[::5] = np.inf  # infinities count as missing
    result = column_drift(pd.Series(ref), pd.Series(cur), column="x")
    r, c = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    expected = stats.ks_2samp(r, c)
    assert result.stats["ks"] == pytest.approx(expected.statistic, abs=TOL)
    assert result.stats["ks_p"] == pytest.approx(expected.pvalue, abs=TOL)
    w = stats.wasserstein_distance(r, c)
    assert result.stats["wasserstein"] == pytest.approx(w, rel=TOL)
    assert result.stats["wasserstein_norm"] == pytest.approx(w / np.std(r), rel=TOL)
    assert result.missing_reference == pytest.approx(np.isnan(ref).mean())
    assert result.missing_current == pytest.approx(0.2)
    assert (result.n_reference, result.n_current) == (len(r), len(c))
    # Jensen-Shannon as Evidently: Sturges bins on the pooled data, natural log.
    edges = np.histogram_bin_edges(np.concatenate([r, c]), bins="sturges")
    js = jensenshannon(np.histogram(r, edges)[0] / len(r), np.histogram(c, edges)[0] / len(c))
    assert result.stats["jensen_shannon"] == pytest.approx(js, abs=TOL)


def test_categorical_stats_equal_scipy() -> None:
    rng = np.random.default_rng(2)
    ref = pd.Series(rng.choice(["a", "b", "c", "d"], 3000, p=[0.4, 0.3, 0.2, 0.1]))
    cur = pd.Series(rng.choice(["a", "b", "c", "e"], 2000, p=[0.3, 0.3, 0.3, 0.1]))
    result = column_drift(ref, cur, column="colour")
    cats = ["a", "b", "c", "d", "e"]
    rc = ref.value_counts().reindex(cats, fill_value=0).to_numpy()
    cc = cur.value_counts().reindex(cats, fill_value=0).to_numpy()
    chi2, p, _, _ = stats.chi2_contingency(np.vstack([rc, cc]))
    assert result.stats["chi2"] == pytest.approx(chi2, rel=TOL)
    assert result.stats["chi2_p"] == pytest.approx(p, abs=TOL)
    assert result.stats["jensen_shannon"] == pytest.approx(jensenshannon(rc, cc), abs=TOL)
    r, c = rc / rc.sum(), cc / cc.sum()
    r, c = np.where(r == 0, 1e-4, r), np.where(c == 0, 1e-4, c)
    assert result.stats["psi"] == pytest.approx(np.sum((r - c) * np.log(r / c)), rel=TOL)
    assert "z" not in result.stats


def test_chi2_with_two_categories_uses_yates_like_scipy() -> None:
    rc, cc = np.array([90, 10]), np.array([70, 30])
    chi2, p, _, _ = stats.chi2_contingency(np.vstack([rc, cc]))
    assert st.chi2_homogeneity(rc, cc) == pytest.approx((chi2, p), abs=TOL)
    assert st.chi2_homogeneity(np.array([5]), np.array([7])) == (0.0, 1.0)


def test_z_test_matches_evidently_formula() -> None:
    k1, n1, k2, n2 = 120, 800, 160, 700
    p1, p2, pp = k1 / n1, k2 / n2, (k1 + k2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
    z_ours, p_ours = st.z_test_proportions(k1, n1, k2, n2)
    assert z_ours == pytest.approx(z, rel=TOL)
    assert p_ours == pytest.approx(2 * (1 - stats.norm.cdf(abs(z))), abs=TOL)
    assert st.z_test_proportions(0, 10, 0, 20) == (0.0, 1.0)


def test_binning_helpers_equal_numpy() -> None:
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=5000), 1)
    edges = np.histogram_bin_edges(x, bins="sturges")
    assert np.array_equal(st.sturges_edges(x.min(), x.max(), x.size), edges)
    assert np.array_equal(st.sorted_bin_counts(np.sort(x), edges), np.histogram(x, edges)[0])
    qs = np.array([0.0, 0.1, 0.5, 0.93, 1.0])
    assert np.allclose(st.sorted_quantiles(np.sort(x), qs), np.quantile(x, qs), atol=1e-12)


def test_psi_uses_pooled_quantile_bins() -> None:
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(0, 1, 5000), rng.normal(0.5, 1, 5000)
    result = column_drift(pd.Series(ref), pd.Series(cur), column="x")
    pooled = np.sort(np.concatenate([ref, cur]))
    cuts = pooled[np.arange(1, 10) * len(pooled) // 10 - 1]  # lower pooled deciles
    rc = np.bincount(np.searchsorted(cuts, ref, side="left"), minlength=10)
    cc = np.bincount(np.searchsorted(cuts, cur, side="left"), minlength=10)
    r, c = rc / rc.sum(), cc / cc.sum()
    assert result.stats["psi"] == pytest.approx(np.sum((r - c) * np.log(r / c)), rel=TOL)
    assert result.stats["psi"] > 0.1


def test_large_reference_compression_is_bounded_and_off_by_default() -> None:
    rng = np.random.default_rng(5)
    ref, cur = rng.standard_t(3, 20_000), rng.standard_t(3, 5_000) + 0.05
    exact = stats.ks_2samp(ref, cur)
    # Default settings: exact up to 1,000,000 reference rows.
    default = column_drift(pd.Series(ref), pd.Series(cur), column="x")
    assert default.stats["ks"] == pytest.approx(exact.statistic, abs=TOL)
    # Forced compression: within 1 / max_bins of the exact KS statistic.
    settings = DriftSettings(exact_max_rows=10_000, max_bins=200)
    approx = column_drift(pd.Series(ref), pd.Series(cur), column="x", settings=settings)
    assert approx.stats["ks"] != exact.statistic
    assert abs(approx.stats["ks"] - exact.statistic) <= 1 / 200
    w = stats.wasserstein_distance(ref, cur)
    assert abs(approx.stats["wasserstein"] - w) <= (ref.max() - ref.min()) / 200
    assert approx.n_reference == len(ref)
