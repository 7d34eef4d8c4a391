"""compare(): method choice, verdicts, edge cases, dtypes and the JSON round-trip."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.drift import (
    ColumnDrift,
    DriftInputError,
    DriftReport,
    DriftSettings,
    compare,
    prediction_drift,
)
from mlops_desktop.errors import InputError


def _frame(n: int, seed: int, shift: float = 0.0, mix: tuple = (0.5, 0.3, 0.2)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.normal(40 + shift * 10, 10, n),
            "income": rng.lognormal(10, 0.5, n),
            "colour": rng.choice(["red", "green", "blue"], n, p=list(mix)),
            "member": rng.random(n) < 0.3,
            "children": rng.integers(0, 4, n),  # 4 distinct values: categorical tests
        }
    )


@pytest.mark.parametrize("n", [600, 5000])
def test_same_distribution_does_not_drift(n: int) -> None:
    report = compare(_frame(n, 1), _frame(n, 2))
    assert report.drifted_columns == []
    assert report.drift_share == 0.0 and report.dataset_drift is False
    assert report.n_reference == n and report.n_current == n


def test_shift_and_category_mix_are_flagged() -> None:
    report = compare(_frame(5000, 1), _frame(5000, 2, shift=0.5, mix=(0.2, 0.3, 0.5)))
    assert set(report.drifted_columns) == {"age", "colour"}
    age = report.column("age")
    assert age.method == "wasserstein" and age.statistic >= 0.1 and age.p_value is None
    assert re.match(r"Mean of age moved from (39\.\d|40\.\d) to 4[45]", age.explanation)
    assert "Wasserstein distance" in age.explanation and "age drifted" in age.explanation
    colour = report.column("colour")
    assert colour.method == "jensenshannon" and colour.statistic >= 0.1
    assert "'red'" in colour.explanation or "'blue'" in colour.explanation
    assert report.drift_share == pytest.approx(2 / 5)
    assert report.dataset_drift is False
    assert compare(
        _frame(5000, 1),
        _frame(5000, 2, shift=0.5, mix=(0.2, 0.3, 0.5)),
        settings=DriftSettings(drift_share=0.4),
    ).dataset_drift


def test_small_sample_shift_is_flagged_by_tests() -> None:
    report = compare(_frame(500, 1), _frame(500, 2, shift=0.5, mix=(0.2, 0.3, 0.5)))
    age, colour = report.column("age"), report.column("colour")
    assert age.method == "ks" and age.p_value < 0.05 and age.drifted
    assert colour.method == "chisquare" and colour.p_value < 0.05 and colour.drifted
    assert age.statistic == age.stats["ks"] and age.p_value == age.stats["ks_p"]


def test_method_choice_flips_at_1000_reference_rows() -> None:
    cur = _frame(800, 9)
    small = compare(_frame(1000, 3), cur)
    large = compare(_frame(1001, 3), cur)
    assert [c.method for c in small.columns] == ["ks", "ks", "chisquare", "z", "chisquare"]
    assert [c.method for c in large.columns] == [
        "wasserstein",
        "wasserstein",
        "jensenshannon",
        "jensenshannon",
        "jensenshannon",
    ]
    assert [c.threshold for c in small.columns] == [0.05] * 5
    assert [c.threshold for c in large.columns] == [0.1] * 5
    assert large.column("member").kind == "boolean"
    assert set(small.column("member").stats) == {
        "chi2",
        "chi2_p",
        "jensen_shannon",
        "psi",
        "z",
        "z_p",
    }
    assert set(large.column("age").stats) == {
        "ks",
        "ks_p",
        "wasserstein",
        "wasserstein_norm",
        "jensen_shannon",
        "psi",
        "chi2",
        "chi2_p",
    }


def test_settings_override_method_and_threshold() -> None:
    settings = DriftSettings(method={"age": "psi", "colour": "chisquare"}, thresholds={"psi": 0.5})
    report = compare(_frame(3000, 1), _frame(3000, 2, shift=0.5), settings=settings)
    age = report.column("age")
    assert (age.method, age.threshold) == ("psi", 0.5)
    assert age.statistic == age.stats["psi"] and age.drifted == (age.statistic >= 0.5)
    assert report.column("colour").method == "chisquare"
    with pytest.raises(DriftInputError, match="Unknown drift method 'anova'"):
        DriftSettings(method={"age": "anova"})
    with pytest.raises(DriftInputError, match="cannot judge column 'colour'"):
        compare(_frame(100, 1), _frame(100, 2), settings=DriftSettings(method={"colour": "ks"}))


def test_missing_values_are_dropped_and_reported() -> None:
    ref, cur = _frame(3000, 1), _frame(3000, 2)
    cur.loc[cur.index[:600], "age"] = np.nan
    cur.loc[cur.index[:300], "colour"] = None
    report = compare(ref, cur)
    age = report.column("age")
    assert age.missing_current == pytest.approx(0.2) and age.missing_reference == 0.0
    assert age.n_current == 2400 and not age.drifted
    assert "missing values went from 0.0% to 20.0%" in age.explanation
    assert report.column("colour").missing_current == pytest.approx(0.1)


def test_constant_columns_never_give_nan_or_inf() -> None:
    ref = pd.DataFrame({"k": np.full(2000, 7.0), "s": ["x"] * 2000})
    same = compare(ref, ref.iloc[:500])
    for col in same.columns:
        assert not col.drifted and col.statistic == 0.0
        assert all(math.isfinite(v) for v in col.stats.values())
    cur = pd.DataFrame({"k": np.linspace(6.0, 8.0, 500), "s": ["x"] * 250 + ["y"] * 250})
    moved = compare(ref, cur)
    k = moved.column("k")
    assert k.method == "wasserstein"
    assert k.stats["wasserstein_norm"] == k.stats["wasserstein"]  # constant reference: scale 1
    assert k.drifted and "reference is constant" in k.explanation
    assert all(math.isfinite(v) for c in moved.columns for v in c.stats.values())


def test_unseen_categories_are_reported() -> None:
    ref = pd.DataFrame({"city": ["Paris", "Lyon"] * 1000})
    cur = pd.DataFrame({"city": ["Paris", "Lyon"] * 400 + ["Nice", "Lille"] * 100})
    col = compare(ref, cur).column("city")
    assert col.drifted
    assert col.current_summary["unseen_categories"] == 2
    assert col.current_summary["unseen_share"] == pytest.approx(0.2)
    assert set(col.current_summary["unseen_examples"]) == {"Nice", "Lille"}
    assert col.current_summary["categories"] == col.reference_summary["categories"]
    assert "2 categories not seen in the reference" in col.explanation


def test_input_errors_are_clear() -> None:
    ref = _frame(100, 1)
    with pytest.raises(DriftInputError, match="current data has no rows"):
        compare(ref, ref.iloc[:0])
    with pytest.raises(DriftInputError, match="reference data has no rows"):
        compare(ref.iloc[:0], ref)
    with pytest.raises(DriftInputError, match="'colour', 'age' are missing in the current"):
        compare(ref, ref.drop(columns=["age", "colour"]), columns=["colour", "age", "income"])
    with pytest.raises(DriftInputError, match="no column in common"):
        compare(ref, pd.DataFrame({"other": [1, 2]}))
    with pytest.raises(DriftInputError, match="kind must be one of"):
        compare(ref, ref, column_kinds={"age": "ordinal"})
    assert issubclass(DriftInputError, ValueError) and issubclass(DriftInputError, InputError)


def test_column_missing_entirely_on_one_side() -> None:
    ref = pd.DataFrame({"a": np.arange(100.0)})
    cur = pd.DataFrame({"a": [np.nan] * 50})
    col = compare(ref, cur).column("a")
    assert col.method == "missing_share" and col.drifted and col.statistic == 1.0
    assert "no values in the current data" in col.explanation


def test_dtypes_datetime_nullable_pyarrow_category() -> None:
    rng = np.random.default_rng(7)
    n = 1500

    def frame(offset_days: int, p_true: float) -> pd.DataFrame:
        start = pd.Timestamp("2024-01-01", tz="Europe/Paris") + pd.Timedelta(days=offset_days)
        ints = pd.array(rng.integers(0, 50, n), dtype="Int64")
        ints[:10] = pd.NA
        return pd.DataFrame(
            {
                "when": start + pd.to_timedelta(rng.integers(0, 86400 * 30, n), unit="s"),
                "count": ints,
                "flag": pd.array(rng.random(n) < p_true, dtype="boolean"),
                "name": pd.Series(rng.choice(["a", "b", "c"], n), dtype="string[pyarrow]"),
                "grade": pd.Categorical(rng.choice(["lo", "hi"], n), categories=["lo", "hi"]),
                "text": pd.Series(rng.choice(["x", "y"], n)).astype("str"),
            }
        )

    report = compare(frame(0, 0.3), frame(60, 0.6))
    kinds = {c.column: (c.kind, c.method) for c in report.columns}
    assert kinds == {
        "when": ("numeric", "wasserstein"),
        "count": ("numeric", "wasserstein"),
        "flag": ("boolean", "jensenshannon"),
        "name": ("categorical", "jensenshannon"),
        "grade": ("categorical", "jensenshannon"),
        "text": ("categorical", "jensenshannon"),
    }
    assert set(report.drifted_columns) == {"when", "flag"}
    when = report.column("when")
    assert when.reference_summary["datetime"] is True
    assert "2024-01" in when.explanation and "2024-03" in when.explanation
    assert report.column("count").missing_reference == pytest.approx(10 / n)
    assert report.column("flag").reference_summary["categories"] == ["False", "True"]


def test_report_round_trips_through_json() -> None:
    report = compare(
        _frame(2000, 1), _frame(1500, 2, shift=0.3, mix=(0.3, 0.3, 0.4)), multivariate=True
    )
    text = json.dumps(report.to_dict(), allow_nan=False)
    back = DriftReport.from_dict(json.loads(text))
    assert back == report
    assert back.drifted_columns == report.drifted_columns
    assert isinstance(back.columns[0], ColumnDrift)
    summary = back.column("age").reference_summary
    assert len(summary["edges"]) == len(summary["counts"]) + 1 <= 31
    assert sum(summary["counts"]) == 2000
    assert summary["q25"] < summary["median"] < summary["q75"]


def test_prediction_drift_probabilities_and_labels() -> None:
    rng = np.random.default_rng(8)
    proba_ref = rng.beta(2, 5, (3000, 2))
    proba_cur = rng.beta(5, 2, (3000, 2))
    proba = prediction_drift(proba_ref, proba_cur)
    assert (proba.column, proba.kind, proba.method) == ("prediction", "numeric", "wasserstein")
    assert proba.drifted
    labels = prediction_drift(rng.integers(0, 3, 3000), rng.integers(0, 3, 3000), column="label")
    assert (labels.kind, labels.method, labels.drifted) == ("categorical", "jensenshannon", False)
    small = prediction_drift(pd.Series(["yes", "no"] * 100), ["yes"] * 150 + ["no"] * 50)
    assert small.method == "z" and small.drifted
    forced = prediction_drift(rng.random(500), rng.random(500), kind="probability")
    assert forced.method == "ks" and not forced.drifted
    with pytest.raises(DriftInputError, match="current predictions are empty"):
        prediction_drift([0.1, 0.2], [])
