"""The meeting simulator replays rows no serving version trained on: after "Retrain on recent
data" from the demo's alert, the canary trained on logged traffic (the held-out rows the history
replayed), and the simulator leaves its training rows out, saying so in words."""

from __future__ import annotations

import json

import pytest

from mlops_desktop.cli import main
from tests.conftest import copy_workspace


@pytest.mark.slow
def test_a_canary_retrained_from_an_alert_is_never_replayed_its_training_rows(
    demo_template, tmp_path, capsys
):
    from mlops_desktop.monitoring.alerts import list_alerts
    from mlops_desktop.monitoring.replay import KEY_COLUMN, replay_rows, row_keys, trained_keys
    from mlops_desktop.registry.workspace import Workspace

    path = copy_workspace(demo_template, tmp_path / "demo")
    with Workspace.open(path, create=False) as ws:
        before, words = replay_rows(ws, "credit", "credit@1")
        assert len(before) == 200 and words == "the 200 held-out test rows of credit@1"
        alert = list_alerts(ws, "credit", states=("open",))[0]
    where = ["--workspace", str(path), "--json"]
    args = ["alerts", "retrain", str(alert.id), "--force", "--reason", "test the replay pool"]
    assert main([*args, *where]) == 0, capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    assert result["mode"] == "canary" and result["candidate"] == "credit@3"

    with Workspace.open(path, create=False) as ws:
        canary = ws.models.get("credit@3")
        data = ws.datasets.get(result["dataset"])
        assert data.roles["group_column"] == KEY_COLUMN  # a key, not a feature
        assert KEY_COLUMN not in {s["name"] for s in canary.signature["inputs"]}
        frame, test_mask = ws.datasets.load_frame(data)
        train, test = set(frame[~test_mask][KEY_COLUMN]), set(frame[test_mask][KEY_COLUMN])
        assert train and test and not train & test  # one row's replays on one side
        seen = trained_keys(ws, [canary])
        held_out = set(row_keys(before))
        assert seen == train and len(seen & held_out) > 100  # it trained on replayed rows

        rows, words = replay_rows(ws, "credit", "credit@1")
        keys = set(row_keys(rows))
        assert keys and not keys & seen  # none of the canary's training rows
        assert keys <= held_out  # nor the live version's
        assert len(rows) == len(held_out - seen)
        assert (
            words
            == f"the {len(rows)} held-out test rows of credit@1 that credit@3 did not train on"
        )
