"""Every statistic of the fast engine equals scipy's (1e-9), with ties, NaNs, constant columns
and categories seen on one side only; a ReferenceProfile gives the same report as a frame."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlops_desktop.drift import ReferenceProfile, column_drift, compare
from mlops_desktop.drift import stats as st
from mlops_desktop.drift.columns import label_text, to_codes
from mlops_desktop.drift.profile import align_counts, categorical_sample

TOL = 1e-9


def _finite(x: np.ndarray) -> np.ndarray:
    return x[np.isfinite(x)]


def _assert_numeric_equals_scipy(ref: np.ndarray, cur: np.ndarray) -> None:
    result = column_drift(pd.Series(ref), pd.Series(cur), column="x")
    r, c = _finite(ref), _finite(cur)
    ks = stats.ks_2samp(r, c)
    s = result.stats
    assert s["ks"] == pytest.approx(ks.statistic, abs=TOL)
    assert s["ks_p"] == pytest.approx(ks.pvalue, abs=TOL)
    w = stats.wasserstein_distance(r, c)
    assert s["wasserstein"] == pytest.approx(w, rel=TOL, abs=1e-12)
    values = np.union1d(r, c)
    rc = np.searchsorted(np.sort(r), values, "right") - np.searchsorted(np.sort(r), values)
    cc = np.searchsorted(np.sort(c), values, "right") - np.searchsorted(np.sort(c), values)
    if values.size == 1:
        assert (s["chi2"], s["chi2_p"]) == (0.0, 1.0)
    elif values.size <= 20:  # discrete: chi-square per value
        chi2 = stats.chi2_contingency(np.vstack([rc, cc]))
        assert s["chi2"] == pytest.approx(chi2.statistic, rel=TOL, abs=1e-12)
        assert s["chi2_p"] == pytest.approx(chi2.pvalue, abs=TOL)
    if np.unique(r).size > 20:  # Evidently's JS: Sturges bins, else per-value shares
        edges = np.histogram_bin_edges(np.concatenate([r, c]), bins="sturges")
        rc, cc = np.histogram(r, edges)[0], np.histogram(c, edges)[0]
    assert s["jensen_shannon"] == pytest.approx(jensenshannon(rc, cc), abs=TOL)
    assert result.missing_reference == pytest.approx(1 - r.size / ref.size, abs=1e-15)
    assert result.missing_current == pytest.approx(1 - c.size / cur.size, abs=1e-15)


@pytest.mark.parametrize(
    ("n1", "n2", "shift", "decimals", "missing"),
    [
        (3000, 2000, 0.1, None, 0.1),  # exact p-value, NaNs and infinities
        (60_000, 50_000, 0.02, None, 0.05),  # asymptotic p in scipy's slow smirnov region
        (40_000, 30_000, 0.0, 0, 0.0),  # heavy ties, few distinct values
        (20_000, 15_000, 0.05, 1, 0.2),  # ties, many distinct values, NaNs
        (500, 700, 0.3, 0, 0.0),  # small, discrete
    ],
)
def test_numeric_statistics_equal_scipy(
    n1: int, n2: int, shift: float, decimals: int | None, missing: float
) -> None:
    rng = np.random.default_rng(n1 + n2)
    ref, cur = rng.normal(0, 1, n1), rng.normal(shift, 1, n2)
    if decimals is not None:
        ref, cur = np.round(ref, decimals), np.round(cur, decimals)
    ref[rng.random(n1) < missing] = np.nan
    cur[rng.random(n2) < missing] = np.inf
    _assert_numeric_equals_scipy(ref, cur)


def test_constant_columns_equal_scipy() -> None:
    same = column_drift(pd.Series(np.full(400, 2.0)), pd.Series(np.full(300, 2.0)), column="c")
    assert same.stats["ks"] == 0.0 and same.stats["wasserstein"] == 0.0
    assert not same.drifted
    _assert_numeric_equals_scipy(np.full(5000, 2.0), np.full(4000, 3.0))
    _assert_numeric_equals_scipy(np.full(5000, 2.0), np.r_[np.full(3000, 2.0), np.ones(900)])


def test_categories_seen_on_one_side_equal_scipy() -> None:
    rng = np.random.default_rng(11)
    ref = pd.Series(rng.choice(["a", "b", "c", "only_ref"], 5000, p=[0.4, 0.3, 0.2, 0.1]))
    cur = pd.Series(rng.choice(["a", "b", "c", "only_cur", None], 4000))
    result = column_drift(ref, cur, column="colour")
    cats = ["a", "b", "c", "only_ref", "only_cur"]
    rc = ref.value_counts().reindex(cats, fill_value=0).to_numpy()
    cc = cur.value_counts().reindex(cats, fill_value=0).to_numpy()
    chi2 = stats.chi2_contingency(np.vstack([rc, cc]))
    assert result.stats["chi2"] == pytest.approx(chi2.statistic, rel=TOL)
    assert result.stats["chi2_p"] == pytest.approx(chi2.pvalue, abs=TOL)
    assert result.stats["jensen_shannon"] == pytest.approx(jensenshannon(rc, cc), abs=TOL)
    assert result.missing_current == pytest.approx(cur.isna().mean())
    assert result.current_summary["unseen_categories"] == 1


def test_kstwo_sf_equals_scipy_in_every_branch() -> None:
    worst = 0.0
    for n in (100, 141, 1000, 9_999, 50_000, 200_000):
        for nxx in (0.01, 0.5, 1.2, 2.19, 2.2, 3.0, 5.0, 9.0, 14.0, 30.0, 369.0, 371.0):
            for d in (math.sqrt(nxx / n), 1.2 / n, 0.49, 0.6, 1 - 1.5 / n):
                worst = max(worst, abs(st.kstwo_sf(d, n) - float(stats.kstwo.sf(d, n))))
    assert worst < 1e-10


def test_fast_smirnov_matches_scipy() -> None:
    from scipy import special

    for n, d in [(1_000, 0.05), (50_000, 0.008), (250_000, 0.006)]:
        assert st.smirnov_sf(n, d) == pytest.approx(special.smirnov(n, d), rel=1e-8)


def test_separate_factorising_gives_the_pooled_categories() -> None:
    cases = [
        (pd.Series(["x", "y", None, "x"]), pd.Series(["z", "y", "w", "z"])),
        (pd.Series(pd.Categorical(["b", "a", "b"])), pd.Series(["a", "c", None], dtype="str")),
        (pd.Series([3, 1, 3, 2]), pd.Series([2.0, 5.0, np.nan, 1.0])),
        (pd.Series([True, False, None], dtype=object), pd.Series([False, False, True])),
    ]
    for ref, cur in cases:
        kind = "boolean" if ref.dtype == object and ref.dropna().map(type).eq(bool).all() else None
        kind = kind or "categorical"
        codes_r, codes_c, labels = to_codes(ref, cur, kind)
        pooled_r = np.bincount(codes_r[codes_r >= 0], minlength=len(labels))
        pooled_c = np.bincount(codes_c[codes_c >= 0], minlength=len(labels))
        cnt_r, cnt_c, ours = align_counts(
            categorical_sample(ref, kind), categorical_sample(cur, kind)
        )
        assert [label_text(x) for x in ours] == [label_text(x) for x in labels]
        assert cnt_r.tolist() == pooled_r.tolist() and cnt_c.tolist() == pooled_c.tolist()


def _frames(seed: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x": rng.normal(seed * 0.1, 1, rows),
            "ties": np.round(rng.normal(0, 2, rows)),
            "flag": rng.random(rows) < 0.3,
            "colour": pd.Series(rng.choice(["r", "g", "b", f"s{seed}"], rows), dtype="str"),
            "when": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 9e5, rows), "s"),
        }
    )
    frame.loc[frame.index[::9], "x"] = np.nan
    return frame


def test_reference_profile_gives_the_same_report() -> None:
    ref = _frames(0, 30_000)
    profile = ReferenceProfile(ref)
    for seed, rows in ((1, 20_000), (2, 800), (3, 60_000)):
        cur = _frames(seed, rows)
        assert compare(profile, cur).to_dict() == compare(ref, cur).to_dict()
    kinds = {"ties": "categorical"}
    assert (
        compare(profile, cur, column_kinds=kinds).to_dict()
        == compare(ref, cur, column_kinds=kinds).to_dict()
    )
    given_kinds = ReferenceProfile(ref, column_kinds=kinds)
    assert compare(given_kinds, cur).column("ties").kind == "categorical"
