"""Monitoring windows, the domain classifier and a real dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.drift import DriftInputError, compare, domain_classifier_auc, windows


def test_windows_by_count_follow_row_order() -> None:
    df = pd.DataFrame({"x": np.arange(25)})
    got = [(start, end, frame["x"].tolist()) for start, end, frame in windows(df, size=10)]
    assert [(s, e) for s, e, _ in got] == [(0, 10), (10, 20), (20, 25)]
    assert got[2][2] == [20, 21, 22, 23, 24]


def test_windows_by_count_with_time_sort_by_time() -> None:
    times = pd.to_datetime(["2024-01-03", "2024-01-01", "2024-01-02", None, "2024-01-04"])
    df = pd.DataFrame({"t": times, "x": [3, 1, 2, 0, 4]}, index=[7, 7, 8, 9, 9])
    got = list(windows(df, time_column="t", size=2))
    assert [frame["x"].tolist() for _, _, frame in got] == [[1, 2], [3, 4]]
    assert got[0][:2] == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02"))


def test_windows_by_time_are_half_open_and_skip_empty_days() -> None:
    df = pd.DataFrame(
        {
            "t": ["2024-01-01 00:00", "2024-01-01 23:59", "2024-01-02 00:00", "2024-01-04 12:00"],
            "x": [1, 2, 3, 4],
        }
    )
    got = list(windows(df, time_column="t", freq="D"))
    assert [(s.day, e.day, f["x"].tolist()) for s, e, f in got] == [
        (1, 2, [1, 2]),
        (2, 3, [3]),
        (4, 5, [4]),
    ]
    assert list(got[0][2].columns) == ["t", "x"]
    six_hours = list(windows(df, time_column="t", freq="6h"))
    assert [len(f) for _, _, f in six_hours] == [1, 1, 1, 1]
    assert six_hours[1][0] == pd.Timestamp("2024-01-01 18:00")


def test_windows_reject_bad_arguments() -> None:
    df = pd.DataFrame({"x": [1, 2]})
    with pytest.raises(DriftInputError, match="exactly one of size"):
        list(windows(df))
    with pytest.raises(DriftInputError, match="need a time_column"):
        list(windows(df, freq="D"))
    with pytest.raises(DriftInputError, match="not in the data"):
        list(windows(df, time_column="t", size=1))
    with pytest.raises(DriftInputError, match="at least 1 row"):
        list(windows(df, size=0))


def _mixed(n: int, seed: int, shift: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            # Shifted jointly: the marginals move only a little, the relation more.
            "a": a,
            "b": a * (1 - shift) + rng.normal(0, 1, n) * (0.3 + shift),
            "c": rng.choice(["u", "v", "w"], n),
        }
    )


def test_domain_classifier_auc_near_half_without_drift_and_high_with_it() -> None:
    kinds = {"a": "numeric", "b": "numeric", "c": "categorical"}
    same = domain_classifier_auc(_mixed(2000, 1, 0.0), _mixed(2000, 2, 0.0), kinds, seed=0)
    assert 0.45 <= same <= 0.56
    moved = domain_classifier_auc(_mixed(2000, 1, 0.0), _mixed(2000, 2, 1.0), kinds, seed=0)
    assert moved > 0.75
    again = domain_classifier_auc(_mixed(2000, 1, 0.0), _mixed(2000, 2, 1.0), kinds, seed=0)
    assert again == moved  # seeded


def test_compare_multivariate_flags() -> None:
    quiet = compare(_mixed(1500, 1, 0.0), _mixed(1500, 2, 0.0), multivariate=True)
    assert quiet.multivariate_drift is False and quiet.multivariate_auc < 0.65
    loud = compare(_mixed(1500, 1, 0.0), _mixed(1500, 2, 1.0), multivariate=True)
    assert loud.multivariate_drift is True
    assert compare(_mixed(100, 1, 0.0), _mixed(100, 2, 0.0)).multivariate_auc is None


def test_bikeshare_second_half_of_2011_drifts_in_temperature(data_dir) -> None:
    df = pd.read_csv(data_dir / "uci_bikeshare_2011_hourly.csv")
    half = len(df) // 2
    report = compare(df.iloc[:half], df.iloc[half:])
    temp = report.column("temp")
    assert temp.method == "wasserstein" and temp.drifted and temp.statistic > 0.3
    assert "Mean of temp moved from 0.435 to 0.543" in temp.explanation
    # Hour of day and weekday are the same mix in both halves of the year.
    assert not report.column("hr").drifted and not report.column("weekday").drifted
    # Within the first half, January against February: cold both times, less drift.
    jan, feb = df[df["mnth"] == "Jan"], df[df["mnth"] == "Feb"]
    assert compare(jan, feb, columns=["temp"]).column("temp").statistic < temp.statistic
