"""The demo workspace is built on first use from the shipped dataset, and only once."""

from __future__ import annotations

import json

from mlops_desktop.cli import main


def test_demo_is_built_once_and_populated(capsys):
    assert main(["--demo", "--json", "info"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["datasets"] == 1 and first["runs"] == 3 and first["model_versions"] == 1
    assert "demo-workspace" in first["path"]

    assert main(["--demo", "--json", "info"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["runs"] == 3 and second["jobs"] == first["jobs"]  # nothing rebuilt

    assert main(["--demo", "--json", "models", "list"]) == 0
    (version,) = json.loads(capsys.readouterr().out)
    assert version["ref"] == "credit@1" and version["aliases"] == ["live"]
    assert version["run"]["metrics"]["holdout"]["roc_auc"] > 0.7

    assert main(["--demo", "--json", "gate", "show", "credit"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 1
    assert main(["--demo", "--json", "history", "credit"]) == 0
    assert "credit@1" in capsys.readouterr().out
