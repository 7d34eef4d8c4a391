"""``data import | list | show`` through the CLI's own ``main``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.cli import main


@pytest.fixture
def wsdir(tmp_path):
    """A new workspace, created beforehand (a folder that does not exist needs --create)."""
    from mlops_desktop.registry.workspace import Workspace

    Workspace.open(tmp_path / "ws").close()
    return str(tmp_path / "ws")


def test_import_list_show(wsdir, data_dir, capsys):
    german = str(data_dir / "uci_statlog_german_credit.csv")
    code = main(
        [
            "--workspace",
            wsdir,
            "data",
            "import",
            german,
            "--name",
            "credit",
            "--target",
            "creditability",
            "--pii",
            "age_in_years,foreign_worker",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["status"] == "created" and out["ref"] == "credit@1"
    assert set(out["pii"]) == {"age_in_years", "foreign_worker"}
    assert (
        main(
            [
                "--workspace",
                wsdir,
                "data",
                "import",
                german,
                "--name",
                "credit",
                "--target",
                "creditability",
                "--pii",
                "age_in_years,foreign_worker",
            ]
        )
        == 0
    )
    assert "already stored as credit@1" in capsys.readouterr().out
    assert main(["--workspace", wsdir, "data", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["ref"] for r in listed] == ["credit@1"] and listed[0]["target"] == "creditability"
    assert main(["--workspace", wsdir, "data", "show", "credit@1"]) == 0
    text = capsys.readouterr().out
    assert "Dataset credit@1: 1,000 rows x 21 columns" in text and "age_in_years" in text
    table = text[text.index("COLUMN") :]
    assert table.index("status_of_existing") < table.index("creditability")  # file order kept
    assert main(["--workspace", wsdir, "data", "show", "credit@4"]) == 2
    assert "has no version 4" in capsys.readouterr().err


def test_blocked_import_exits_1_and_override_exits_0(wsdir, data_dir, capsys):
    bikes = str(data_dir / "uci_bikeshare_2011_hourly.csv")
    base = ["--workspace", wsdir, "data", "import", bikes, "--name", "bikes", "--target", "bikers"]
    assert main(base) == 1
    text = capsys.readouterr().out
    assert "Not saved: blocking findings" in text and "BLOCKING leakage" in text
    assert main(base + ["--allow-blocking"]) == 2
    assert "needs a written reason" in capsys.readouterr().err
    assert main(base + ["--allow-blocking", "--reason", "demo of the leak"]) == 0
    assert "overridden: demo of the leak" in capsys.readouterr().out


def test_types_and_read_options_from_the_command_line(wsdir, tmp_path, capsys):
    path = tmp_path / "semi.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame(
        {
            "zip": rng.choice(["01234", "98765"], 100),
            "amount": rng.normal(5, 1, 100),
            "y": rng.choice([0, 1], 100),
        }
    ).to_csv(path, index=False, sep=";", decimal=",")
    code = main(
        [
            "--workspace",
            wsdir,
            "data",
            "import",
            str(path),
            "--name",
            "semi",
            "--target",
            "y",
            "--type",
            "amount=numeric",
            "--delimiter",
            ";",
            "--split",
            "random",
            "--test-size",
            "0.3",
            "--seed",
            "5",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["schema"] == {
        "zip": "categorical",
        "amount": "numeric",
        "y": "boolean",
    }
    assert out["pii"]["zip"]["kind"] == "postcode"
    assert out["split"] == out["split"] | {"method": "random", "test_size": 0.3, "seed": 5}
    assert (
        main(
            [
                "--workspace",
                wsdir,
                "data",
                "import",
                str(path),
                "--name",
                "semi",
                "--target",
                "y",
                "--type",
                "zip",
            ]
        )
        == 2
    )
