"""``mlops-desktop drift`` on real data: exit 1 on dataset drift, 0 without, 2 on bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mlops_desktop.cli.entry import main


@pytest.fixture
def bikeshare_parts(tmp_path, data_dir):
    frame = pd.read_csv(data_dir / "uci_bikeshare_2011_hourly.csv")
    paths = {
        "spring": tmp_path / "spring.csv",
        "spring_again": tmp_path / "spring_again.csv",
        "autumn": tmp_path / "autumn.parquet",
    }
    frame.iloc[:2000].to_csv(paths["spring"], index=False)
    frame.iloc[2000:4000].to_csv(paths["spring_again"], index=False)
    frame.iloc[6000:].to_parquet(paths["autumn"])
    return paths


def test_seasons_drift_and_exit_1(bikeshare_parts, capsys):
    code = main(["drift", str(bikeshare_parts["spring"]), str(bikeshare_parts["autumn"]), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["dataset_drift"] is True
    temp = next(c for c in report["columns"] if c["column"] == "temp")
    assert temp["drifted"] and temp["method"] == "wasserstein" and temp["threshold"] == 0.1


def test_stable_columns_exit_0_with_a_readable_table(bikeshare_parts, capsys):
    code = main(
        [
            "drift",
            str(bikeshare_parts["spring"]),
            str(bikeshare_parts["spring_again"]),
            "--columns",
            "hr,weekday,workingday",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "0 of 3 columns drifted" in out and "no dataset drift" in out
    assert out.splitlines()[0].split()[:4] == ["COLUMN", "KIND", "METHOD", "STATISTIC"]


def test_unknown_column_and_missing_file_exit_2(bikeshare_parts, tmp_path, capsys):
    spring = str(bikeshare_parts["spring"])
    assert main(["drift", spring, spring, "--columns", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["drift", spring, str(tmp_path / "missing.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_thresholds_are_editable_and_checked(bikeshare_parts, capsys):
    spring, autumn = str(bikeshare_parts["spring"]), str(bikeshare_parts["autumn"])
    main(["drift", spring, autumn, "--json"])
    temp = next(c for c in json.loads(capsys.readouterr().out)["columns"] if c["column"] == "temp")
    assert temp["drifted"]
    # A Wasserstein threshold above the column's distance: temp no longer counts as drifted.
    loose = f"wasserstein={temp['statistic'] * 1.5:.4f}"
    main(["drift", spring, autumn, "--json", "--threshold", loose])
    report = json.loads(capsys.readouterr().out)
    temp = next(c for c in report["columns"] if c["column"] == "temp")
    assert not temp["drifted"] and temp["threshold"] == pytest.approx(float(loose.split("=")[1]))

    assert main(["drift", spring, autumn, "--threshold", "kss=0.01"]) == 2
    assert "Unknown drift method 'kss'" in capsys.readouterr().err
    assert main(["drift", spring, autumn, "--threshold", "ks=5"]) == 2
    assert "is a p-value" in capsys.readouterr().err
    assert main(["drift", spring, autumn, "--threshold", "ks"]) == 2
    assert "METHOD=VALUE" in capsys.readouterr().err
