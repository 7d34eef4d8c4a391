"""Performance estimation without labels, against NannyML's CBPE on the same chunks.

Adult census income (in the repository): a histogram gradient boosting pipeline is trained on
30% of the rows and its holdout (20%) is the reference. The other half is the monitored period,
ordered by a noisy age, so chunk by chunk the people get older (covariate shift: the relation
between inputs and income is unchanged, as both estimators assume) and the model's accuracy
moves. Per chunk of ``--chunk-size`` rows: our estimate (``PerformanceEstimator``) and NannyML's
CBPE, each against the realized value computed from the chunk's labels.

NannyML is never a project dependency: install it in its own environment and name its Python
(its usage statistics are switched off):

    python3 -m venv /tmp/nanny && /tmp/nanny/bin/pip install nannyml statsmodels pyarrow
    /work/venv/bin/python benchmarks/estimation_bench.py --nannyml-python /tmp/nanny/bin/python [--seeds 0 1 2] [--repeat 3]

Printed per metric: mean absolute error of the estimate (vs realized) for both, coverage (how
often the realized value falls inside the band: ours is the 95% band, NannyML's its default
confidence band of 3 sampling errors), and the wall time of fit + estimate for both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlops_desktop.monitoring.estimation import (  # noqa: E402
    PerformanceEstimator,
    realized_classification,
)
from tests.datasets import ADULT, read_dataset  # noqa: E402

TARGET = "class"
POSITIVE = ">50K"
METRICS = ["roc_auc", "accuracy", "precision", "recall", "f1"]

NANNYML = textwrap.dedent(
    """
    import json, sys, time
    import pandas as pd
    import nannyml as nml

    folder = sys.argv[1]
    reference = pd.read_parquet(folder + "/reference.parquet")
    analysis = pd.read_parquet(folder + "/analysis.parquet")
    times = []
    for _ in range({repeat}):
        started = time.perf_counter()
        cbpe = nml.CBPE(
            y_pred_proba="p", y_pred="pred", y_true="y", problem_type="classification_binary",
            metrics={metrics!r}, chunk_size={chunk_size},
        )
        cbpe.fit(reference)
        result = cbpe.estimate(analysis).filter(period="analysis").to_df()
        times.append(time.perf_counter() - started)
    seconds = min(times)
    out = {{"seconds": seconds, "metrics": {{}}}}
    for m in {metrics!r}:
        out["metrics"][m] = {{
            "value": result[(m, "value")].tolist(),
            "low": result[(m, "lower_confidence_boundary")].tolist(),
            "high": result[(m, "upper_confidence_boundary")].tolist(),
        }}
    print(json.dumps(out))
    """
)


def _split(seed: int):
    """Train, holdout and the monitored period (older and older people, chunk by chunk)."""
    frame = read_dataset(ADULT).replace("?", np.nan)
    frame[TARGET] = frame[TARGET].str.strip().str.rstrip(".")
    rng = np.random.default_rng(seed)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    n = len(frame)
    train, holdout = frame.iloc[: int(0.3 * n)], frame.iloc[int(0.3 * n) : int(0.5 * n)]
    monitored = frame.iloc[int(0.5 * n) :].copy()
    monitored["_key"] = monitored["age"] + rng.normal(0, 8, len(monitored))
    monitored = monitored.sort_values("_key").drop(columns="_key").reset_index(drop=True)
    return train, holdout, monitored


def _pipeline(train: pd.DataFrame):
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    features = train.drop(columns=TARGET)
    text = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    encode = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    prepare = make_column_transformer((encode, text), remainder="passthrough")
    model = make_pipeline(prepare, HistGradientBoostingClassifier(random_state=0))
    return model.fit(features, train[TARGET])


class GivenOutputs:
    """The model's probabilities computed beforehand, looked up by row label: the estimation
    alone gets timed, from the same inputs NannyML gets."""

    def __init__(self, model, *frames: pd.DataFrame) -> None:
        self.classes_ = model.classes_
        self.proba = {id(f): pd.DataFrame(model.predict_proba(f), index=f.index) for f in frames}

    def bind(self, frame: pd.DataFrame) -> GivenOutputs:
        self.current = self.proba[id(frame)]
        return self

    def predict_proba(self, part: pd.DataFrame):
        return self.current.loc[part.index].to_numpy()


def ours(
    model, holdout, monitored, chunk_size: int, given: bool, repeat: int = 1
) -> tuple[list[dict], float]:
    """Our chunks and the seconds of fit + estimate (``given``: from precomputed outputs), the
    best of ``repeat`` runs (as NannyML's: the machine is shared)."""
    hold_x = holdout.drop(columns=TARGET)
    mon_x = monitored.drop(columns=TARGET).reset_index(drop=True)
    outputs = GivenOutputs(model, hold_x, mon_x) if given else None
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fitted = outputs.bind(hold_x) if given else model
        est = PerformanceEstimator.fit(fitted, hold_x, holdout[TARGET], "binary", POSITIVE)
        if given:
            est.pipeline = outputs.bind(mon_x)
        chunks = est.estimate(mon_x, chunk_size=chunk_size)
        times.append(time.perf_counter() - started)
    return chunks, min(times)


def nannyml(python: str, model, holdout, monitored, chunk_size: int, repeat: int = 1) -> dict:
    positive = list(model.classes_).index(POSITIVE)
    with tempfile.TemporaryDirectory() as folder:
        for name, part, labelled in (("reference", holdout, True), ("analysis", monitored, False)):
            p = model.predict_proba(part.drop(columns=TARGET))[:, positive]
            table = pd.DataFrame({"p": p, "pred": (p > 0.5).astype(int)})
            if labelled:
                table["y"] = (part[TARGET] == POSITIVE).astype(int).to_numpy()
            table.to_parquet(Path(folder) / f"{name}.parquet")
        code = NANNYML.format(metrics=METRICS, chunk_size=chunk_size, repeat=repeat)
        env = dict(os.environ, NML_DISABLE_USAGE_LOGGING="1", PYTHONPATH="")
        done = subprocess.run(
            [python, "-c", code, folder], capture_output=True, text=True, env=env, check=True
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def realized(model, monitored, chunk_size: int) -> list[dict]:
    positive = list(model.classes_).index(POSITIVE)
    classes = {c: i for i, c in enumerate(model.classes_)}
    out = []
    for start in range(0, len(monitored), chunk_size):
        part = monitored.iloc[start : start + chunk_size]
        proba = model.predict_proba(part.drop(columns=TARGET))
        index = part[TARGET].map(classes).to_numpy()
        out.append(realized_classification(proba, index, positive))
    return out


def _summary(name, values, lows, highs, truth) -> tuple[float, float]:
    values, lows, highs, truth = (np.asarray(a, dtype=float) for a in (values, lows, highs, truth))
    ok = np.isfinite(values) & np.isfinite(truth)
    mae = float(np.mean(np.abs(values[ok] - truth[ok])))
    inside = float(np.mean((lows[ok] <= truth[ok]) & (truth[ok] <= highs[ok])))
    return mae, inside


def run_seed(seed: int, chunk_size: int, python: str | None, repeat: int) -> dict:
    """One split of Adult: both estimators on the same chunks; MAE, coverage and seconds."""
    train, holdout, monitored = _split(seed)
    monitored = monitored.iloc[: len(monitored) // chunk_size * chunk_size]
    model = _pipeline(train)
    truth = realized(model, monitored, chunk_size)
    mine, my_seconds = ours(model, holdout, monitored, chunk_size, given=True, repeat=repeat)
    _, with_model = ours(model, holdout, monitored, chunk_size, given=False)
    theirs = nannyml(python, model, holdout, monitored, chunk_size, repeat) if python else None
    ages = [float(monitored["age"].iloc[c["start"] : c["end"]].mean()) for c in mine]
    accs = [t["accuracy"] for t in truth]
    print(
        f"\nseed {seed}: Adult, {len(train):,} training rows, {len(holdout):,} holdout rows, "
        f"{len(monitored):,} monitored rows in {len(mine)} chunks of {chunk_size:,} (ordered "
        f"by a noisy age: mean age {ages[0]:.0f} -> {ages[-1]:.0f}, realized accuracy "
        f"{accs[0]:.3f} -> {accs[-1]:.3f})"
    )
    out = {"metrics": {}, "ours_s": my_seconds, "with_model_s": with_model}
    for m in METRICS:
        t = [r.get(m, np.nan) for r in truth]
        rows = [
            (c["metrics"][m]["estimate"], c["metrics"][m]["low"], c["metrics"][m]["high"])
            for c in mine
        ]
        o = _summary("ours", *zip(*rows, strict=True), t)
        them = (np.nan, np.nan)
        if theirs is not None:
            n = theirs["metrics"][m]
            k = min(len(n["value"]), len(t))
            them = _summary("nannyml", n["value"][:k], n["low"][:k], n["high"][:k], t[:k])
        out["metrics"][m] = {"ours": o, "nannyml": them}
    out["nannyml_s"] = theirs["seconds"] if theirs is not None else np.nan
    _table(out)
    return out


def _table(result: dict) -> None:
    print(
        f"{'METRIC':<10} {'MAE ours':>9} {'MAE NannyML':>12} {'coverage ours':>14} "
        f"{'coverage NannyML':>17}"
    )
    for m, r in result["metrics"].items():
        (mine, mine_in), (theirs, theirs_in) = r["ours"], r["nannyml"]
        print(f"{m:<10} {mine:9.4f} {theirs:12.4f} {mine_in:14.0%} {theirs_in:17.0%}")
    speed = result["nannyml_s"] / result["ours_s"]
    print(
        f"fit + estimate from the model's outputs (best of the repeats): ours "
        f"{result['ours_s']:.2f} s, NannyML {result['nannyml_s']:.2f} s: {speed:.1f}x faster; "
        f"ours including the model's own predictions on every row {result['with_model_s']:.2f} s"
    )


def _paired(results: list[dict]) -> None:
    """Per metric, ours minus NannyML's MAE seed by seed: the mean and a 95% t-interval, so a
    gap can be read against the seed-to-seed noise (negative: ours is closer to the truth)."""
    from scipy import stats

    print("\nMAE ours - NannyML, paired by seed (mean, 95% interval over the seeds):")
    for m in METRICS:
        gaps = np.array(
            [r["metrics"][m]["ours"][0] - r["metrics"][m]["nannyml"][0] for r in results]
        )
        half = stats.t.ppf(0.975, len(gaps) - 1) * gaps.std(ddof=1) / np.sqrt(len(gaps))
        worse = int(np.sum(gaps > 0))
        print(
            f"{m:<10} {gaps.mean():+.4f} ({gaps.mean() - half:+.4f} to {gaps.mean() + half:+.4f});"
            f" ours worse in {worse} of {len(gaps)} seeds"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--repeat", type=int, default=3, help="timings: the best of N runs")
    parser.add_argument("--nannyml-python", metavar="PYTHON")
    args = parser.parse_args()
    results = [run_seed(s, args.chunk_size, args.nannyml_python, args.repeat) for s in args.seeds]
    if len(results) > 1:
        mean = {
            "metrics": {
                m: {
                    who: tuple(
                        float(np.mean([r["metrics"][m][who][i] for r in results])) for i in (0, 1)
                    )
                    for who in ("ours", "nannyml")
                }
                for m in METRICS
            },
            **{
                k: float(np.mean([r[k] for r in results]))
                for k in ("ours_s", "nannyml_s", "with_model_s")
            },
        }
        print(f"\nmean over seeds {args.seeds}:")
        _table(mean)
        if args.nannyml_python:
            _paired(results)
    print(f"machine: {os.cpu_count()} CPUs, shared; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
