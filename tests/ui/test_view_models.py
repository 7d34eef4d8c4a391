"""The Qt-free view-models of the pages (``ui/<step>/model.py``): what a page shows, computed
from registry records and report summaries without a window."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mlops_desktop.formatting import MISSING
from mlops_desktop.monitoring.series import WindowSeries
from mlops_desktop.monitoring.settings import MonitorSettings
from mlops_desktop.registry.entities import Alert, DatasetVersion, WorkspaceSummary
from mlops_desktop.serving.deployments import LiveAt
from mlops_desktop.training.run_summary import LineageStep, RunRow
from mlops_desktop.ui.data import model as data_model
from mlops_desktop.ui.evaluation import model as test_model
from mlops_desktop.ui.governance import model as govern_model
from mlops_desktop.ui.monitoring import model as monitor_model
from mlops_desktop.ui.training import model as train_model


def version(name: str, number: int, checks: list[dict] | None = None, **fields) -> DatasetVersion:
    return DatasetVersion(
        id=number,
        name=name,
        number=number,
        content_hash="c",
        artifact_hash="a",
        rows=1000,
        columns=21,
        created_at=1_700_000_000.0 + number,
        created_by="ana",
        checks=checks or [],
        **fields,
    )


def summary(**counts: int) -> WorkspaceSummary:
    fields = dict.fromkeys(
        (
            "datasets",
            "dataset_versions",
            "runs",
            "model_versions",
            "deployments",
            "jobs",
            "open_alerts",
        ),
        0,
    )
    return WorkspaceSummary(path="/ws", schema_version=1, **{**fields, **counts})


# -- data ----------------------------------------------------------------------------------------


def test_the_data_badge_counts_blocking_findings_of_latest_versions_only():
    blocking = {"severity": "blocking"}
    versions = [
        version("credit", 1, [blocking, blocking]),
        version("credit", 2, [{"severity": "warning"}]),
        version("bikes", 1, [blocking]),
    ]
    assert data_model.blocking_in_latest(versions) == 1
    assert data_model.counts_text(versions[0].checks + versions[1].checks) == (
        "2 blocking, 1 warning"
    )
    assert data_model.counts_text([]) == "no findings"
    assert data_model.versions_text(versions) == "2 datasets, 3 versions"
    assert data_model.versions_text(versions[:1]) == "1 dataset, 1 version"


def test_data_texts_name_roles_personal_data_and_what_was_saved():
    roles = {"target": "risk", "id_columns": ["id"], "time_column": "t", "group_column": "g"}
    assert data_model.roles_text(roles) == "ID: id; time: t; group: g"
    assert data_model.roles_text({"target": "risk"}) == "none"
    assert data_model.pii_text({"age": {"kind": "age"}, "name": {}}) == "age (age), name (personal)"
    assert data_model.pii_text({}) == "none marked"
    assert data_model.column_label("id", roles, {"id": {}}) == "id  (ID, personal data)"
    assert data_model.column_label("amount", roles, {}) == "amount"
    assert data_model.saved_text("credit@2", "created").startswith("Saved credit@2.")
    assert "already saved as credit@2" in data_model.saved_text("credit@2", "existing")
    assert data_model.empty_spec().action_page == data_model.IMPORT_ACTION


def test_import_choices_pick_the_split_and_pass_only_changed_types():
    choices = data_model.ImportChoices(path="loans.csv", target="risk")
    choices.set_inspection(
        {"columns": ["risk", "age"], "types": {"risk": "category", "age": "numeric"},
         "tasks": {"risk": "binary"}}
    )  # fmt: skip
    choices.types["age"] = "category"
    assert choices.effective_task == "binary" and choices.default_split() == "stratified"
    assert choices.analyze_kwargs()["types"] == {"age": "category"}
    choices.time_col = "when"
    assert choices.analyze_kwargs()["split"] == "time"
    assert data_model.suggest_name("/data/My loans (2024).csv", {}) == "My_loans_2024"
    known = {str(Path("/data/x.csv").resolve()): "credit"}
    assert data_model.suggest_name("/data/x.csv", known) == "credit"


# -- training ------------------------------------------------------------------------------------


def run_row(**fields) -> RunRow:
    base = {"key": "r1", "status": "succeeded", "dataset": "credit@1", "family": "hgb"}
    return RunRow(**{**base, **fields})


def test_run_cells_sort_numbers_as_numbers_and_missing_values_last():
    done = run_row(run_id="r1", holdout=0.8123, cv_mean=0.8, cv_std=0.02, seed=7)
    waiting = run_row(key="j1", status="running", job_id="j1")
    assert "gradient boosting" in train_model.cell_text(done, train_model.COL_MODEL).lower()
    assert train_model.cell_text(done, train_model.COL_CV).startswith("0.8")
    assert " ± " in train_model.cell_text(done, train_model.COL_CV)
    assert train_model.cell_text(waiting, train_model.COL_RUN) == MISSING
    assert train_model.cell_text(waiting, train_model.COL_HOLDOUT) == MISSING
    assert train_model.sort_key(done, train_model.COL_HOLDOUT) == 0.8123
    assert train_model.sort_key(waiting, train_model.COL_HOLDOUT) == train_model.SORTS_LAST
    assert train_model.sort_key(done, train_model.COL_STATUS) == "succeeded"


def test_the_runs_filter_matches_every_word_status_and_dataset():
    row = run_row(run_id="r-abc", job_id="j-1")
    assert train_model.row_matches(row, "gradient credit", "", "")
    assert not train_model.row_matches(row, "forest", "", "")
    assert train_model.row_matches(row, "", "succeeded", "credit")
    assert not train_model.row_matches(row, "", "failed", "")
    assert not train_model.row_matches(row, "", "", "bikes")
    assert (
        train_model.count_text(3, 3) == "3 runs" and train_model.count_text(1, 3) == "1 of 3 runs"
    )
    assert (
        train_model.compare_text(1) == "C&ompare"
        and train_model.compare_text(2) == "C&ompare 2 runs"
    )
    assert train_model.dataset_names([row, run_row(dataset="bikes@2"), run_row(dataset="")]) == [
        "bikes",
        "credit",
    ]


def test_train_empty_states_point_to_data_or_to_the_latest_version():
    assert train_model.empty_spec(False, []).action_page == "data"
    spec = train_model.empty_spec(True, [version("credit", 1), version("credit", 3)])
    assert spec.command == "mlops-desktop train credit@3 --model hgb --register credit"
    assert "DATASET@N" in train_model.empty_spec(True, []).command


def test_run_details_explain_failures_and_lineage():
    failed = run_row(status="interrupted", note="the app <closed>", duration_s=2.0)
    assert train_model.failure_text(failed) == "<b>Interrupted:</b> the app &lt;closed&gt;"
    assert train_model.failure_text(run_row()) == ""
    subtitle = train_model.subtitle_text(failed)
    assert "gradient boosting on dataset credit@1 · " in subtitle.lower()
    assert " · interrupted in " in subtitle
    assert train_model.metric_rows(None) == []
    steps = [
        LineageStep("dataset", "credit@2", "1,000 rows"),
        LineageStep("parent", "credit@1", "", run_id="r-0"),
    ]
    html = train_model.lineage_html(run_row(), steps)
    assert html.startswith("Dataset: <b>credit@2</b>") and '<a href="r-0">credit@1</a>' in html
    assert "no run recorded" in train_model.lineage_html(run_row(), [])
    assert "import one on the Data page" in train_model.retrain_tip(run_row(), False)


# -- testing -------------------------------------------------------------------------------------


def test_the_verdict_banner_lists_failed_rules_first():
    assert test_model.verdict_texts(None) == ("none", "Not tested yet", "")
    assert test_model.verdict_texts({"gate": None})[1].startswith("No quality gate set")
    gate = {"passed": False, "version": 3, "lines": [
        {"rule": "roc_auc >= 0.7", "reason": "0.81", "passed": True},
        {"rule": "slice gap <= 0.1", "reason": "age 19-25 trails by 0.2", "passed": False},
    ]}  # fmt: skip
    state, heading, lines = test_model.verdict_texts({"gate": gate})
    assert state == "failed" and heading == "✘ Quality gate failed: 1 of 2 rules (gate version 3)"
    assert lines.split("<br>") == [
        "<b>✘ slice gap &lt;= 0.1: age 19-25 trails by 0.2</b>",
        "✔ roc_auc &gt;= 0.7: 0.81",
    ]


def test_report_glance_and_result_texts():
    summary = {
        "slices": {"flagged": 2, "rows": [{}, {}, {}]},
        "behavioural": [{"passed": True}, {"passed": False}],
        "contracts": [{"passed": True}],
    }
    assert test_model.glance_text(summary).startswith(
        "Slices: 2 flagged of 3 · Behavioural tests: 1 of 2 passed · Contract tests: 1 of 1 passed"
    )
    assert "none enabled" in test_model.glance_text({})
    assert test_model.behaviour_note(summary["behavioural"]) == "1 of 2 passed."
    assert test_model.behaviour_note([]).startswith("No behavioural tests were enabled")
    assert test_model.contracts_heading(summary["contracts"]).endswith("1 of 1 passed")
    assert [test_model.result_mark(p) for p in (True, False, None)] == [
        ("✔ pass", 1),
        ("✘ FAIL", 0),
        ("n/a", -1),
    ]
    intro = test_model.slices_intro({"metric": "roc_auc", "rows": [{}], "columns": ["age"]})
    assert intro.endswith("No gate sets a maximum slice gap, so nothing is flagged.")


# -- monitoring ----------------------------------------------------------------------------------


def alert(id_: int, state: str = "open", severity: str = "critical") -> Alert:
    return Alert(id_, "credit", "drift_share", severity, "7 of 20 features drifted", state, 1.0)


def test_monitor_texts_say_what_serves_and_how_the_windows_stand():
    snap = monitor_model.MonitorSnapshot(models=[], model=None)
    assert monitor_model.live_text(snap) == "Nothing is live"
    live = LiveAt("credit", 0.0, "credit@1", "credit@2", "canary", 20.0, "ana", None)
    series = WindowSeries("credit", "count", ids=np.arange(2), pending={"requests": 40})
    snap = monitor_model.MonitorSnapshot(
        models=["credit"], model="credit", live=live, settings=MonitorSettings(size=500),
        series=series,
    )  # fmt: skip
    assert monitor_model.live_text(snap) == "credit@1 live · credit@2 canary 20%"
    status = monitor_model.status_text(snap, computing_backlog=True).split(" · ")
    assert status[:3] == ["2 windows of 500 rows", "40 requests in the open window", (
        "computing the backlog in the Jobs panel")]  # fmt: skip
    assert status[-1].startswith("updated ")
    assert monitor_model.no_traffic_spec("credit").heading == "No traffic for credit yet"


def test_alert_texts_count_rank_and_announce():
    alerts = [alert(1), alert(2, "acknowledged"), alert(3, "resolved", "warning")]
    assert monitor_model.alert_counts_text(alerts) == "1 open · 1 acknowledged · 3 in all"
    assert monitor_model.alert_sort_key(alerts[0], 0) < monitor_model.alert_sort_key(alerts[2], 0)
    assert monitor_model.alert_sort_key(alerts[2], 5) == 2
    assert monitor_model.alert_title(alerts[0]) == "New critical alert on credit: dataset drift"


def test_retrain_outcomes_link_to_deploy_or_say_why_not():
    result = {"candidate": "credit@3", "mode": "canary", "percent": 20.0, "dataset": "credit@4",
              "rows": 1200, "test": {"passed": True}}  # fmt: skip
    text = monitor_model.retrain_text("succeeded", result, "")
    assert text.startswith("<b>credit@3 is a 20 % canary version.</b>")
    assert "passed its quality gate" in text and "<a href='deploy'>" in text
    assert monitor_model.retrain_text("cancelled", None, "") == "<b>Retraining was cancelled.</b> "
    assert "failed.</b> no &lt;outcomes&gt;" in monitor_model.retrain_text(
        "failed", None, "no <outcomes>"
    )


def test_a_click_on_a_drawn_window_finds_its_id_and_most_drifted_feature():
    scores = np.array([[0.5, 3.0], [2.0, 1.0]])
    series = WindowSeries("credit", "count", features=["age", "amount"], ids=np.array([11, 12]),
                          feature_score=scores)  # fmt: skip
    assert monitor_model.window_at(series, None, 0) == ("amount", 11)
    assert monitor_model.window_at(series, None, 1) == ("age", 12)
    assert monitor_model.window_at(series, "amount", 1) == ("amount", 12)
    assert monitor_model.window_at(series, None, 2) is None


# -- governance ----------------------------------------------------------------------------------


def test_govern_is_empty_until_a_dataset_or_model_version_exists():
    assert govern_model.nothing_recorded(None)
    assert govern_model.nothing_recorded(summary(deployments=1))
    assert not govern_model.nothing_recorded(summary(dataset_versions=1))
    assert not govern_model.nothing_recorded(summary(model_versions=1))
    assert set(govern_model.OVERVIEW) <= set(WorkspaceSummary.__dataclass_fields__)
    assert govern_model.empty_spec().command == "mlops-desktop audit list"


def test_empty_state_commands_are_real_cli_commands():
    """An empty page's 'Or from the command line' hint must parse (no made-up subcommands)."""
    import shlex

    from mlops_desktop.cli.entry import build_parser
    from mlops_desktop.ui.serving import model as serving_model

    commands = [
        govern_model.empty_spec().command,
        data_model.CLI_IMPORT,
        test_model.CLI_EXAMPLE,
        serving_model.CLI_EXAMPLE,
        monitor_model.empty_spec().command,
    ]
    for command in filter(None, commands):
        words = shlex.split(command)
        assert words[0] == "mlops-desktop", command
        build_parser().parse_args(words[1:])  # SystemExit(2) on an unknown command


def test_a_ready_banner_names_the_tests_that_failed_outside_the_gate():
    from mlops_desktop.ui.evaluation.model import failed_tests_note

    passed = {"passed": True}
    summary = {"behavioural": [passed] * 6 + [{"passed": False}], "contracts": [passed]}
    assert failed_tests_note(summary) == (
        " 1 of 7 behavioural tests failed; the gate does not require them (see Test results)."
    )
    assert failed_tests_note({"behavioural": [passed], "contracts": [passed]}) == ""
    assert failed_tests_note(None) == ""
