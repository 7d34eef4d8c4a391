"""Time ``compare`` on 100,000 x 20 columns against a naive per-column scipy implementation.

Run: ``/work/venv/bin/python benchmarks/drift_bench.py [--rows 100000] [--repeat 3]
[--multivariate]``. Reference and current both have ``--rows`` rows: 15 numeric columns (5 of
them shifted, 2 with missing values, 2 integer-valued) and 5 categorical ``str`` columns (2 with
a changed mix). The baseline computes the same statistics the way one would by hand:
``ks_2samp``, ``wasserstein_distance``, ``jensenshannon`` on ``np.histogram`` shares, PSI on
``np.quantile`` bins and ``chi2_contingency`` per column, on ``value_counts`` for categories.

Timed: ``compare(reference, current)`` cold (from the DataFrames, on its threads and on one),
warm (``compare(ReferenceProfile(reference), current)`` with the reference prepared once, as
for a series of windows), and the naive baseline; no domain classifier unless
``--multivariate``. Against Evidently and NannyML see ``monitoring_bench.py`` (part 2).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlops_desktop.drift import ReferenceProfile, compare
from mlops_desktop.drift import api as compare_module

CATEGORIES = np.array([f"cat_{i:02d}" for i in range(12)])


def make_data(rows: int, seed: int, drift: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for i in range(15):
        shift = 0.15 * (i % 3 == 0) if drift else 0.0
        if i in (4, 5):
            data[f"num_{i}"] = np.round(rng.gamma(2.0 + shift, 10.0, rows))  # integer-valued
        else:
            data[f"num_{i}"] = rng.normal(shift, 1.0 + 0.1 * drift * (i == 7), rows)
    frame = pd.DataFrame(data)
    frame.loc[frame.index[::20], ["num_1", "num_2"]] = np.nan
    for j in range(5):
        weights = np.linspace(1.0, 2.0 if (drift and j < 2) else 1.5, CATEGORIES.size)
        frame[f"cat_{j}"] = pd.Series(
            rng.choice(CATEGORIES, rows, p=weights / weights.sum()), dtype="str"
        )
    return frame


def naive_numeric(ref: np.ndarray, cur: np.ndarray) -> dict[str, float]:
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    ks = stats.ks_2samp(ref, cur)
    wd = stats.wasserstein_distance(ref, cur)
    pooled = np.concatenate([ref, cur])
    edges = np.histogram_bin_edges(pooled, bins="sturges")
    js = jensenshannon(np.histogram(ref, edges)[0], np.histogram(cur, edges)[0])
    cuts = np.unique(np.quantile(pooled, np.linspace(0, 1, 11)))
    r, c = np.histogram(ref, cuts)[0], np.histogram(cur, cuts)[0]
    chi2 = stats.chi2_contingency(np.vstack([r, c]) + 0)
    r, c = np.maximum(r / r.sum(), 1e-4), np.maximum(c / c.sum(), 1e-4)
    psi = float(np.sum((r - c) * np.log(r / c)))
    return {
        "ks": ks.statistic,
        "ks_p": ks.pvalue,
        "wasserstein_norm": wd / max(np.std(ref), 1e-3),
        "jensen_shannon": js,
        "psi": psi,
        "chi2_p": chi2.pvalue,
    }


def naive_categorical(ref: pd.Series, cur: pd.Series) -> dict[str, float]:
    rc, cc = ref.value_counts(), cur.value_counts()
    cats = rc.index.union(cc.index)
    rc, cc = rc.reindex(cats, fill_value=0).to_numpy(), cc.reindex(cats, fill_value=0).to_numpy()
    chi2 = stats.chi2_contingency(np.vstack([rc, cc]))
    r, c = np.maximum(rc / rc.sum(), 1e-4), np.maximum(cc / cc.sum(), 1e-4)
    return {
        "chi2_p": chi2.pvalue,
        "jensen_shannon": jensenshannon(rc, cc),
        "psi": float(np.sum((r - c) * np.log(r / c))),
    }


def naive_compare(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, dict]:
    out = {}
    for name in reference.columns:
        if pd.api.types.is_numeric_dtype(reference[name].dtype):
            out[name] = naive_numeric(reference[name].to_numpy(), current[name].to_numpy())
        else:
            out[name] = naive_categorical(reference[name], current[name])
    return out


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--multivariate", action="store_true")
    args = parser.parse_args()

    reference = make_data(args.rows, 1, drift=False)
    current = make_data(args.rows, 2, drift=True)
    print(f"data: reference {reference.shape}, current {current.shape}")

    compare(reference.iloc[:1000], current.iloc[:1000])  # warm-up (imports, scipy caches)
    t_ours, report = timed(lambda: compare(reference, current), args.repeat)
    threads = compare_module.THREADS
    compare_module.THREADS = 1
    t_single, _ = timed(lambda: compare(reference, current), args.repeat)
    compare_module.THREADS = threads
    profile = ReferenceProfile(reference).prepare_all()
    t_warm, warm = timed(lambda: compare(profile, current), args.repeat)
    assert warm.to_dict() == report.to_dict(), "the profile changed a result"
    t_naive, naive = timed(lambda: naive_compare(reference, current), max(1, args.repeat // 2))

    # Statistics defined identically in both (the numeric PSI and chi-square bins differ:
    # ours are pooled lower quantiles, the baseline's np.quantile's interpolated ones).
    same = {"numeric": ("ks", "ks_p", "wasserstein_norm", "jensen_shannon")}
    worst = 0.0
    for col in report.columns:
        keys = same.get(col.kind, ("chi2_p", "jensen_shannon", "psi"))
        worst = max([worst] + [abs(col.stats[k] - naive[col.column][k]) for k in keys])

    print(f"compare(), {threads} threads  : {t_ours:8.3f} s  (median of {args.repeat})")
    print(f"compare(), 1 thread   : {t_single:8.3f} s")
    print(f"compare(), warm       : {t_warm:8.3f} s  (reference prepared once)")
    print(f"naive scipy per column: {t_naive:8.3f} s")
    print(f"speed-up vs naive     : {t_naive / t_ours:8.1f} x  ({t_naive / t_single:.1f} x single)")
    print(f"largest |ours - naive| over the statistics defined alike: {worst:.2e}")
    print(
        f"drifted: {len(report.drifted_columns)}/{len(report.columns)} columns "
        f"({', '.join(report.drifted_columns)}); dataset drift: {report.dataset_drift}"
    )
    if args.multivariate:
        t_mv, mv = timed(lambda: compare(reference, current, multivariate=True), 1)
        print(f"with multivariate     : {t_mv:8.3f} s  (AUC {mv.multivariate_auc:.3f})")


if __name__ == "__main__":
    main()
