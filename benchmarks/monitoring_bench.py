"""Monitoring at scale, and the drift engine against Evidently and NannyML.

Run: ``/work/venv/bin/python benchmarks/monitoring_bench.py [--rows 1000000] [--size 10000]``.

Part 1 (this interpreter): a real workspace (a synthetic 12-column dataset imported, logistic
regression trained and deployed), ``--rows`` logged predictions inserted directly (one
``executemany`` in one transaction). Times ``compute_windows`` over the whole log (windows of
``--size`` rows) and ``window_series`` (first call, then a refresh), each against a naive
baseline in this script: every logged row decoded with its own ``json.loads`` into a
DataFrame of records (windows), or every row's outputs and latency read and aggregated in
Python (series).

Part 2 (``--drift-rows`` x 20 columns: 15 numeric, 5 categorical, from ``drift_bench.py``):
our ``compare`` against Evidently's default ``DataDriftPreset`` report and NannyML's
``UnivariateDriftCalculator`` (fit on the reference, one chunk of current data, KS +
Wasserstein + Jensen-Shannon for continuous and chi2 + Jensen-Shannon for categorical
columns), on the same data in one script run. What is measured:

- ours, cold: ``compare(reference_df, current_df)`` from DataFrames, everything a user pays
  for one comparison (both sides converted, sorted and counted): per column KS statistic and
  p-value, Wasserstein (raw and normed), Jensen-Shannon, PSI, chi-square and p-value (z-test
  for two-valued columns), missing shares, summaries, verdict and explanation;
- ours, warm: the same with the reference prepared once (``ReferenceProfile``, as the
  monitor comparing many windows with one reference can), so only the current data is
  prepared;
- no domain classifier on either side: Evidently's ``DataDriftPreset`` has none for tabular
  columns and ours is opt-in (``multivariate=True``), so both are left out.

Ours runs in this interpreter (the project's environment) before and after the competitors,
best of all its runs. Evidently and NannyML are never project dependencies: when they are not
importable here they run in ``--bench-python`` (default ``/tmp/bench-venv/bin/python``; create
it with ``python -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install evidently nannyml
"pandas<3" scikit-learn``; Evidently 0.7 does not import under pandas 3), which also times our
cold ``compare`` once more under its pandas as a cross-check. Their telemetry is switched off
(``DO_NOT_TRACK``, ``EVIDENTLY_DISABLE_TELEMETRY``, ``NML_DISABLE_USAGE_LOGGING``). Times are
the best of ``--repeat`` runs (medians are printed too); the machine's other load moves all of
them, so compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.update(DO_NOT_TRACK="1", EVIDENTLY_DISABLE_TELEMETRY="1", NML_DISABLE_USAGE_LOGGING="1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


# -- part 1: the prediction log ------------------------------------------------------------------


def _dataset(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(i, 1 + i / 4, rows).round(3) for i in range(8)})
    for j, levels in enumerate((3, 5, 8, 12)):
        frame[f"c{j}"] = rng.choice([f"v{k}" for k in range(levels)], rows)
    logit = frame["x0"] - 0.5 * frame["x3"] + (frame["c0"] == "v1") * 1.5
    frame["y"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes_event", "no_event")
    return frame


def _workspace(root: Path):
    from mlops_desktop.data.importer import import_dataset
    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from mlops_desktop.training.jobs import train_model

    ws = Workspace.open(root / "ws")
    path = root / "synthetic.csv"
    _dataset(5000).to_csv(path, index=False)
    run_inline(ws, import_dataset, {"path": str(path), "name": "synth", "target": "y", "seed": 1})
    run_inline(
        ws,
        train_model,
        {"dataset": "synth@1", "model": "logreg", "cv_folds": 2, "register": "synth"},
    )
    deploy(ws, "synth@1", force=True, reason="benchmark")
    return ws


def _log(ws, rows: int, drift_from: float = 0.7) -> None:
    from mlops_desktop.registry.prediction_store import INSERT

    version = ws.models.get("synth@live")
    pipeline = ws.artifacts.load_object(version.artifact_hash)
    pool = _dataset(20_000, seed=7).drop(columns="y")
    shifted = pool.copy()
    shifted["x2"] += 1.5
    columns = list(pool.columns)
    texts, outs = {}, {}
    for name, frame in (("base", pool), ("drift", shifted)):
        proba = pipeline.predict_proba(frame)
        labels = pipeline.classes_[proba.argmax(axis=1)]
        classes = [str(c) for c in pipeline.classes_]
        texts[name] = [
            json.dumps({"columns": columns, "data": [list(r)]}, separators=(",", ":"))
            for r in frame.itertuples(index=False)
        ]
        outs[name] = [
            json.dumps(
                {"predictions": [str(lab)], "probabilities": [p.tolist()], "classes": classes},
                separators=(",", ":"),
            )
            for lab, p in zip(labels, proba, strict=True)
        ]
    rng = np.random.default_rng(3)
    pick = rng.integers(0, len(pool), rows)
    start = time.time() - rows * 0.001 - 60
    batch = []
    for i in range(rows):
        kind = "drift" if i >= rows * drift_from else "base"
        j = int(pick[i])
        status = 500 if i % 997 == 0 else 200
        batch.append(
            (
                f"r{i}",
                start + i * 0.001,
                "synth",
                version.id,
                "live",
                "mlflow",
                None,
                texts[kind][j],
                outs[kind][j] if status == 200 else None,
                2.0 + (i % 50) * 0.1,
                status,
                None if status == 200 else "boom",
            )
        )
    ws.db.conn.execute("BEGIN IMMEDIATE")
    ws.db.conn.executemany(INSERT, batch)
    ws.db.conn.execute("COMMIT")


def _naive_windows(ws, size: int) -> int:
    """The baseline: per-row json.loads, DataFrame from records, the same comparisons."""
    from mlops_desktop.drift import compare, prediction_drift
    from mlops_desktop.monitoring.reference import cast_like, reference_for

    rows = ws.db.execute(
        "SELECT id, model_version_id, inputs_json, outputs_json FROM predictions WHERE"
        " model_name = 'synth' AND arm = 'live' AND status = 200 ORDER BY id"
    ).fetchall()
    ref = reference_for(ws, rows[0][1])
    done = 0
    for lo in range(0, len(rows) - size + 1, size):
        records, positive = [], []
        for r in rows[lo : lo + size]:
            doc = json.loads(r[2])
            for values in doc["data"]:
                records.append(dict(zip(doc["columns"], values, strict=True)))
            out = json.loads(r[3])
            positive += [p[ref.positive_index] for p in out["probabilities"]]
        current = cast_like(pd.DataFrame.from_records(records), ref.types)
        compare(ref.frame, current, columns=ref.columns, column_kinds=ref.kinds)
        prediction_drift(ref.predictions, np.array(positive), "probability")
        done += 1
    return done


def _naive_series(ws, size: int) -> int:
    """The baseline: read every logged row, aggregate per window in Python."""
    rows = ws.db.execute(
        "SELECT status, latency_ms, outputs_json FROM predictions WHERE model_name = 'synth'"
        " AND arm = 'live' ORDER BY id"
    ).fetchall()
    windows = 0
    for lo in range(0, len(rows), size):
        part = rows[lo : lo + size]
        latency = np.array([r[1] for r in part if r[0] == 200])
        np.percentile(latency, [50, 95, 99])
        scores = [json.loads(r[2])["probabilities"][0][1] for r in part if r[2]]
        np.histogram(scores, bins=10, range=(0, 1))
        windows += 1
    return windows


def _decode_both(ws, size: int) -> tuple[float, float]:
    """Seconds to decode every logged row into typed windows: ours, then per-row json.loads."""
    from mlops_desktop.monitoring.logs import decode_outputs, parse_inputs, to_frame
    from mlops_desktop.monitoring.reference import cast_like, reference_for

    rows = ws.db.execute(
        "SELECT model_version_id, inputs_json, outputs_json FROM predictions WHERE"
        " model_name = 'synth' AND arm = 'live' AND status = 200 ORDER BY id"
    ).fetchall()
    ref = reference_for(ws, rows[0][0])
    chunks = [rows[lo : lo + size] for lo in range(0, len(rows), size)]
    start = time.perf_counter()
    for part in chunks:
        frame = to_frame(parse_inputs([r[1] for r in part]), ref.columns, ref.types).frame
        cast_like(frame, ref.types)
        decode_outputs([r[2] for r in part])
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for part in chunks:
        records = []
        for r in part:
            doc = json.loads(r[1])
            records += [dict(zip(doc["columns"], v, strict=True)) for v in doc["data"]]
        cast_like(pd.DataFrame.from_records(records), ref.types)
        [json.loads(r[2]) for r in part]
    return ours, time.perf_counter() - start


def part_logs(rows: int, size: int) -> dict:
    from mlops_desktop.monitoring.engine import compute_windows
    from mlops_desktop.monitoring.reference import reference_for
    from mlops_desktop.monitoring.series import window_series

    with tempfile.TemporaryDirectory(prefix="monitor-bench-") as tmp:
        ws = _workspace(Path(tmp))
        _, t_insert = _timed(_log, ws, rows)
        reference_for(ws, ws.models.get("synth@live").id)  # built once per process, not timed
        windows, t_ours = _timed(
            compute_windows, ws, "synth", size=size, multivariate=False, max_windows=10**6
        )
        n_naive, t_naive = _timed(_naive_windows, ws, size)
        t_decode, t_decode_naive = _decode_both(ws, size)
        series, t_series_cold = _timed(window_series, ws, "synth")
        _, t_series_warm = _timed(window_series, ws, "synth")
        _, t_series_naive = _timed(_naive_series, ws, size)
        db_mb = (Path(tmp) / "ws" / "registry.db").stat().st_size / 1e6
        ws.close()
    drifted = int(series.feature_drifted[series.features.index("x2")].sum())
    return {
        "rows": rows,
        "window_size": size,
        "windows": len(windows),
        "windows_naive": n_naive,
        "windows_with_x2_drift": drifted,
        "registry_mb": round(db_mb),
        "insert_s": t_insert,
        "compute_windows_s": t_ours,
        "naive_windows_s": t_naive,
        "compute_windows_speedup": t_naive / t_ours,
        "decode_s": t_decode,
        "naive_decode_s": t_decode_naive,
        "decode_speedup": t_decode_naive / t_decode,
        "window_series_first_s": t_series_cold,
        "window_series_refresh_s": t_series_warm,
        "naive_series_s": t_series_naive,
        "window_series_speedup_first": t_series_naive / t_series_cold,
        "window_series_speedup_refresh": t_series_naive / t_series_warm,
    }


# -- part 2: against Evidently and NannyML -------------------------------------------------------


def _make_data():
    spec = importlib.util.spec_from_file_location("drift_bench", HERE / "drift_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_data


def _best(fn, repeat: int) -> tuple[float, float]:
    """Best and median seconds of ``repeat`` calls."""
    times = sorted(_timed(fn)[1] for _ in range(repeat))
    return times[0], times[len(times) // 2]


def _ours(ref: pd.DataFrame, cur: pd.DataFrame, repeat: int) -> dict:
    """Our engine, cold (from DataFrames) and warm (reference prepared once)."""
    from mlops_desktop.drift import ReferenceProfile, compare

    compare(ref.iloc[:1000], cur.iloc[:1000])  # imports, scipy caches
    cold, cold_median = _best(lambda: compare(ref, cur), repeat)
    profile, prepare_s = _timed(lambda: ReferenceProfile(ref).prepare_all())
    warm, warm_median = _best(lambda: compare(profile, cur), repeat)
    report = compare(ref, cur)
    return {
        "cold_s": cold,
        "cold_median_s": cold_median,
        "warm_s": warm,
        "warm_median_s": warm_median,
        "prepare_reference_s": prepare_s,
        "drifted": report.drifted_columns,
    }


def _competitors(ref: pd.DataFrame, cur: pd.DataFrame, repeat: int) -> dict:
    """Evidently's default data-drift report and NannyML's univariate drift, if importable."""
    import warnings

    warnings.filterwarnings("ignore")
    numeric = [c for c in ref.columns if c.startswith("num_")]
    categorical = [c for c in ref.columns if c.startswith("cat_")]
    result: dict = {}
    try:
        import evidently
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)

        def run_evidently():
            report = Report([DataDriftPreset()])
            return report.run(
                current_data=Dataset.from_pandas(cur, data_definition=definition),
                reference_data=Dataset.from_pandas(ref, data_definition=definition),
            ).dict()

        result["evidently_version"] = evidently.__version__
        result["evidently_s"], result["evidently_median_s"] = _best(run_evidently, repeat)
    except ImportError as exc:
        result["evidently"] = f"not installed here: {exc}"
    try:
        import nannyml

        def run_nannyml():
            calc = nannyml.UnivariateDriftCalculator(
                column_names=numeric + categorical,
                treat_as_categorical=categorical,
                continuous_methods=["kolmogorov_smirnov", "wasserstein", "jensen_shannon"],
                categorical_methods=["chi2", "jensen_shannon"],
                chunk_number=1,
            )
            return calc.fit(ref).calculate(cur)

        result["nannyml_version"] = nannyml.__version__
        result["nannyml_s"], result["nannyml_median_s"] = _best(run_nannyml, repeat)
    except ImportError as exc:
        result["nannyml"] = f"not installed here: {exc}"
    return result


def _compare(ref: pd.DataFrame, cur: pd.DataFrame) -> object:
    from mlops_desktop.drift import compare

    return compare(ref, cur)


def _data(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    make_data = _make_data()
    return make_data(rows, 1, False), make_data(rows, 2, True)


def part_drift(rows: int, repeat: int, python: str | None = None) -> dict:
    """Ours here, before and after the competitors (here, or in ``python``)."""
    ref, cur = _data(rows)
    result: dict = {"rows": rows, "columns": ref.shape[1], "repeat": repeat}
    result["measured"] = (
        "best of repeat; ours cold = compare(reference_df, current_df), every statistic (KS+p, "
        "Wasserstein raw+normed, Jensen-Shannon, PSI, chi-square+p, missing shares, summaries); "
        "warm = the same with ReferenceProfile(reference) prepared once; no domain classifier "
        "(ours is opt-in, DataDriftPreset has none); Evidently DataDriftPreset report .dict(); "
        "NannyML UnivariateDriftCalculator fit+calculate"
    )
    first = _ours(ref, cur, repeat)
    if python is None:
        result.update(_competitors(ref, cur, repeat))
    else:
        result.update(_drift_elsewhere(python, rows, repeat))
    second = _ours(ref, cur, repeat)
    ours = {k: min(first[k], second[k]) for k in first if k.endswith("_s")}
    result.update({f"ours_{k}": v for k, v in ours.items()})
    result["ours_drifted"] = first["drifted"]
    for rival in ("evidently", "nannyml"):
        if f"{rival}_s" in result:
            result[f"speedup_vs_{rival}_cold"] = result[f"{rival}_s"] / ours["cold_s"]
            result[f"speedup_vs_{rival}_warm"] = result[f"{rival}_s"] / ours["warm_s"]
    return result


def _drift_elsewhere(python: str, rows: int, repeat: int) -> dict:
    if not Path(python).exists():
        return {"error": f"{python} does not exist: Evidently and NannyML were not measured."}
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    out = subprocess.run(
        [python, __file__, "--only-drift", "--drift-rows", str(rows), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--drift-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bench-python", default="/tmp/bench-venv/bin/python")
    parser.add_argument("--only-drift", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-logs", action="store_true")
    args = parser.parse_args()
    if args.only_drift:  # the competitors (and our cold compare once more) in this interpreter
        ref, cur = _data(args.drift_rows)
        found = _competitors(ref, cur, args.repeat)
        _compare(ref.iloc[:1000], cur.iloc[:1000])
        found["ours_here_cold_s"] = _best(lambda: _compare(ref, cur), args.repeat)[0]
        print(json.dumps(found))
        return
    report = {}
    if not args.skip_logs:
        report["prediction_log"] = part_logs(args.rows, args.size)
        print(json.dumps(report["prediction_log"], indent=2), flush=True)
    here = importlib.util.find_spec("evidently") and importlib.util.find_spec("nannyml")
    python = None if here else args.bench_python
    report["drift"] = part_drift(args.drift_rows, args.repeat, python)
    print(json.dumps(report["drift"], indent=2))


if __name__ == "__main__":
    main()
