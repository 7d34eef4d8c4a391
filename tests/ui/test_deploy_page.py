"""The Deploy page on a real workspace and a real scoring service.

German credit is imported; credit@1 (logistic regression, tested and passing a lenient gate) and
credit@2 (gradient boosting, untested, so the promotion rule refuses it) are registered by the
engines' own job functions. The page starts a real service on a free port; every test stops it in
its fixture finalizer.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.exceptions import TimeoutError

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving import deployments as d
from mlops_desktop.serving.process import find_service
from mlops_desktop.ui.serving.model import start_local_service, stop_local_service
from mlops_desktop.ui.serving.page import DeployPage
from tests.credit import build_credit_workspace
from tests.datasets import GERMAN_CREDIT, read_dataset
from tests.serving.conftest import TARGET, free_port, rows

TIMEOUT_MS = 60_000
JOB_TIMEOUT_MS = 180_000
LENIENT = {"metrics": {"roc_auc": {">=": 0.6}}}


@pytest.fixture(scope="module")
def credit_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """German credit, credit@1 (logreg, tested: passes) and credit@2 (hgb, untested)."""
    path = tmp_path_factory.mktemp("deploy-page") / "ws"
    report = build_credit_workspace(path, ("logreg", "hgb"), gate=LENIENT, test_resamples=200)
    assert report["passed"], report
    return path


@pytest.fixture
def ws_path(credit_workspace: Path, tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    shutil.copytree(credit_workspace, path)
    return path


@pytest.fixture
def deploy_page(make_window, ws_path: Path):
    """The Deploy page of a window on a private copy; the service ALWAYS stops afterwards."""
    window = make_window(ws_path)
    window.show_page("deploy")
    page: DeployPage = window.page("deploy")
    page.service_card.port.setValue(free_port())
    yield window, page
    page.tasks.wait(TIMEOUT_MS)  # a start still under way finishes before we stop it
    with Workspace.open(ws_path) as ws:
        stop_local_service(ws)
        assert find_service(ws) is None


def idle(qtbot, page: DeployPage) -> None:
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)


def accept(qtbot, page: DeployPage) -> None:
    """Press the confirmation's accepting button (the dialog on screen)."""
    box = page.dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    yes = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
    qtbot.mouseClick(yes[0], Qt.MouseButton.LeftButton)


def click_anyway(qtbot, page: DeployPage) -> None:
    box = page.dialog
    assert isinstance(box, QMessageBox) and box.objectName() == "refusalBox"
    anyway = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.ActionRole]
    qtbot.mouseClick(anyway[0], Qt.MouseButton.LeftButton)


def live_of(page: DeployPage) -> str | None:
    return d.live_at(page.model.workspace, "credit").live


def serving_text(page: DeployPage, ref: str) -> str:
    for r in range(page.table.proxy.rowCount()):
        if page.table.proxy.index(r, 0).data() == ref:
            return page.table.proxy.index(r, 1).data()
    raise AssertionError(ref)


def release_slider_at(page: DeployPage, percent: int) -> None:
    """Drag-and-release as a user does: the share applies on release."""
    slider = page.canary.slider
    assert slider.isEnabled()
    slider.setSliderDown(True)
    slider.setValue(percent)
    assert page.dialog is None or not page.dialog.isVisible()  # nothing applied while dragging
    slider.setSliderDown(False)


def send(url: str, frame: pd.DataFrame, n: int, prefix: str, start: int = 0) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        for i, row in enumerate(rows(frame, n, start)):
            reply = client.post(
                "/invocations",
                json={"dataframe_records": [row]},
                headers={"X-Request-ID": f"{prefix}-{start + i}"},
            )
            assert reply.status_code == 200, reply.text


def traffic_until(qtbot, url: str, frame: pd.DataFrame, prefix: str, done, rounds: int = 8) -> None:
    """Send rounds of 10 requests until the page shows ``done()`` (the service follows a
    deployment change within a second, so the first requests may still go the old way)."""
    for r in range(rounds):
        send(url, frame, 10, prefix, start=10 * r)
        try:
            qtbot.waitUntil(done, timeout=4000)
            return
        except TimeoutError:
            continue
    raise AssertionError(f"the page did not show the traffic after {10 * rounds} requests")


def pairs(page: DeployPage) -> int:
    text = page.shadow.cards["pairs"].text()
    return 0 if text == "—" else int(text.replace(",", ""))


@pytest.fixture(scope="module")
def credit_frame() -> pd.DataFrame:
    return read_dataset(GERMAN_CREDIT)


def test_empty_state_points_to_train_with_a_placeholder_command(make_window, tmp_path):
    window = make_window(tmp_path / "empty")
    page = window.page("deploy")
    assert page.showing_empty_state()
    assert page.empty_state.heading.text() == "Nothing to deploy yet"
    assert page.empty_state.command.command() == "mlops-desktop deploy NAME@N"
    page.empty_state.action.click()  # nothing is trained yet: Train is where to start
    assert window.current_page_name() == "train"


def test_the_chosen_port_is_remembered_across_launches(make_window, tmp_path):
    window = make_window(tmp_path / "ws")
    card = window.page("deploy").service_card
    assert card.port.value() == 5151  # the first launch
    card.port.setValue(6123)
    window.close()
    again = make_window(tmp_path / "ws")
    assert again.page("deploy").service_card.port.value() == 6123
    assert again.settings.service_port() == 6123


@pytest.mark.slow
def test_deploy_canary_promote_and_roll_back_from_the_page(qtbot, deploy_page, credit_frame):
    window, page = deploy_page
    assert not page.showing_empty_state()
    assert "Nothing is deployed yet" in page.versions.hint.text()
    assert page.versions.hint_command.command().startswith("mlops-desktop deploy credit@")
    qtbot.waitUntil(lambda: page.monitor.polls > 0, timeout=TIMEOUT_MS)
    assert page.service is None and "not running" in window.status.service.label.text()

    # Deploy credit@1 (tested, passing): one click makes it live and starts the service.
    assert page.table.select_ref("credit@1")
    assert page.deploy_button.isDefault()
    qtbot.mouseClick(page.deploy_button, Qt.MouseButton.LeftButton)
    assert page.busy.startswith("Deploying credit@1 and starting the scoring service")
    idle(qtbot, page)
    assert page.last_error is None, page.last_error
    assert live_of(page) == "credit@1"
    assert serving_text(page, "credit@1") == "live"
    qtbot.waitUntil(lambda: page.service is not None, timeout=TIMEOUT_MS)
    url = page.service.url
    assert url == f"http://127.0.0.1:{page.service_card.port.value()}"
    assert page.service_card.state.text() == f"Running at {url}"
    assert window.status.service.label.text() == f"Scoring service: running at {url}"
    assert window.status.service.ok
    assert httpx.get(f"{url}/ping").status_code == 200
    answer = httpx.post(
        f"{url}/invocations", json={"dataframe_records": rows(credit_frame, 2)}, timeout=10
    )
    assert answer.status_code == 200 and answer.headers["X-Model-Version"] == "1"
    assert len(answer.json()["predictions"]) == 2
    # The copyable example is a request the service accepts.
    curl = page.examples.curl.text.toPlainText()
    assert url in curl and "X-Model-Name: credit" in curl
    body = curl.split("-d '", 1)[1].rsplit("'", 1)[0]
    example = httpx.post(
        f"{url}/invocations", content=body, headers={"Content-Type": "application/json"}
    )
    assert example.status_code == 200, example.text
    before_canary = time.time()
    qtbot.waitUntil(lambda: time.time() > int(before_canary) + 1.2, timeout=5000)

    # Canary 30 % for credit@2 from the slider, confirmed on release.
    assert page.table.select_ref("credit@2")
    release_slider_at(page, 30)
    assert "Send 30% of credit's traffic to credit@2?" in page.dialog.text()
    accept(qtbot, page)
    idle(qtbot, page)
    # credit@2 is untested: the promotion rule refuses the canary as it refuses a deploy.
    assert d.live_at(page.model.workspace, "credit").candidate is None
    assert "credit@2 may not get canary traffic" in page.dialog.text()
    assert "has not been tested" in page.dialog.informativeText()
    assert "--force" not in page.dialog.informativeText()  # the window offers its button
    click_anyway(qtbot, page)
    page.dialog.reason_edit.setPlainText("watch it on a share of the traffic first")
    qtbot.mouseClick(page.dialog.ok_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    state = d.live_at(page.model.workspace, "credit")
    assert (state.mode, state.candidate, state.canary_percent) == ("canary", "credit@2", 30.0)
    assert serving_text(page, "credit@2") == "candidate"
    assert "credit@2 gets 30% of credit's traffic" in page.canary.status.text()
    assert page.canary.slider.value() == 30
    newest = page.timeline.proxy.index(0, 2).data()
    assert newest == "canary 30%"
    assert window.badge("deploy") == 1
    assert page.canary.promote_button.isEnabled() and page.canary.abort_button.isEnabled()

    # Traffic flows: both columns of the side-by-side panel count requests.
    qtbot.waitUntil(
        lambda: page.figures is not None and page.figures.mode == "canary", timeout=TIMEOUT_MS
    )
    grid = page.canary.figures

    def both_arms_counted() -> bool:
        return grid.value("Requests", 0) not in ("0", "—") and grid.value("Requests", 1) not in (
            "0",
            "—",
        )

    traffic_until(qtbot, url, credit_frame, "canary", both_arms_counted)
    live_n = int(grid.value("Requests", 0).replace(",", ""))
    cand_n = int(grid.value("Requests", 1).replace(",", ""))
    assert grid.heads[0].text() == "credit@1 (live)" and grid.heads[1].text() == "credit@2 (canary)"
    assert grid.value("Error rate", 1) == "0.0%" and grid.value("Latency p50", 0).endswith("ms")
    assert 0 < cand_n < live_n + cand_n

    # Promote: credit@2 is untested, so the rule refuses; "Promote anyway…" needs a reason.
    qtbot.mouseClick(page.canary.promote_button, Qt.MouseButton.LeftButton)
    accept(qtbot, page)
    idle(qtbot, page)
    assert "credit@2 may not go live" in page.dialog.text()
    assert "has not been tested" in page.dialog.informativeText()
    click_anyway(qtbot, page)
    force = page.dialog
    assert not force.ok_button.isEnabled()
    force.reason_edit.setPlainText("canary figures look fine; tests follow")
    qtbot.mouseClick(force.ok_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert live_of(page) == "credit@2"
    assert window.badge("deploy") == 0
    event = next(e for e in page.model.workspace.audit.recent(5) if e.action == "deploy.promote")
    assert event.object_ref == "credit@2" and event.details["forced"]
    assert event.details["reason"] == "canary figures look fine; tests follow"

    # Roll back, with the confirmation accepted: live returns to credit@1.
    assert page.rollback_button.text() == "&Roll back to credit@1"
    qtbot.mouseClick(page.rollback_button, Qt.MouseButton.LeftButton)
    assert page.dialog.text() == "<b>Return credit to credit@1?</b>"
    assert page.dialog.informativeText().startswith("credit@2 stops serving")
    accept(qtbot, page)
    idle(qtbot, page)
    assert live_of(page) == "credit@1"
    assert serving_text(page, "credit@1") == "live"

    # Which version was live just before the canary started?
    page.tabs.setCurrentWidget(page.timeline)
    page.timeline.set_timestamp(before_canary)
    assert page.timeline.answer.text().startswith(
        time.strftime("At %Y-%m-%d %H:%M:%S", time.localtime(int(before_canary)))
    )
    assert "credit@1 was live." in page.timeline.answer.text()
    page.timeline.ask_now()
    assert "credit@1 was live." in page.timeline.answer.text()
    assert [page.timeline.proxy.index(r, 2).data() for r in range(4)] == [
        "live",
        "live",
        "canary 30%",
        "live",
    ]


@pytest.mark.slow
def test_promote_confirmation_says_when_the_candidate_is_worse_than_live(qtbot, deploy_page):
    window, page = deploy_page
    ws = page.model.workspace
    # credit@2 gets credit@1's report with a lower ROC AUC (a real row in the registry).
    one, two = ws.models.get("credit@1"), ws.models.get("credit@2")
    report = ws.reports.latest(one.id)
    summary = dict(report.summary)
    summary["metrics"] = dict(summary["metrics"])
    live_auc = summary["metrics"]["roc_auc"]["value"]
    summary["metrics"]["roc_auc"] = dict(summary["metrics"]["roc_auc"], value=live_auc - 0.076)
    ws.reports.add(two.id, summary, passed=True, gate_id=report.gate_id)
    d.deploy(ws, "credit@1")
    d.canary(ws, "credit@2", 10)
    page.reload()
    qtbot.waitUntil(lambda: page.canary.promote_button.isEnabled(), timeout=TIMEOUT_MS)
    qtbot.mouseClick(page.canary.promote_button, Qt.MouseButton.LeftButton)
    text = page.dialog.informativeText()
    expected = f"credit@2's ROC AUC {live_auc - 0.076:.3f} is below credit@1's {live_auc:.3f}."
    assert expected in text, text
    page.dialog.reject()
    assert d.live_at(ws, "credit").live == "credit@1"


def test_force_deploy_needs_a_reason_and_shadow_shows_agreement(qtbot, deploy_page, credit_frame):
    window, page = deploy_page
    assert page.table.select_ref("credit@2")
    assert "credit@2 has not been tested" in page.versions.gate_note.text()
    assert "mlops-desktop" not in page.versions.gate_note.text()  # beside the buttons: no CLI
    qtbot.mouseClick(page.deploy_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert live_of(page) is None  # refused: nothing changed, no service started
    assert page.service is None and find_service(page.model.workspace) is None
    assert page.dialog.objectName() == "refusalBox"
    click_anyway(qtbot, page)
    force = page.dialog
    assert force.objectName() == "forceDialog" and not force.ok_button.isEnabled()
    force.reason_edit.setPlainText("   ")
    assert not force.ok_button.isEnabled()  # blank is no reason
    force.reason_edit.setPlainText("hotfix approved by the risk team")
    assert force.ok_button.isEnabled()
    qtbot.mouseClick(force.ok_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert live_of(page) == "credit@2"
    qtbot.waitUntil(lambda: page.service is not None, timeout=TIMEOUT_MS)
    event = next(e for e in page.model.workspace.audit.recent(5) if e.action == "deploy.live")
    assert event.object_ref == "credit@2" and event.details["forced"]
    assert event.details["reason"] == "hotfix approved by the risk team"

    # Shadow credit@1 with the switch; requests fill the agreement panel and histogram.
    assert page.table.select_ref("credit@1")
    assert page.shadow.switch.isEnabled()
    page.shadow.switch.click()
    idle(qtbot, page)
    assert d.live_at(page.model.workspace, "credit").mode == "shadow"
    assert window.badge("deploy") == 1
    qtbot.waitUntil(
        lambda: page.figures is not None and page.figures.mode == "shadow", timeout=TIMEOUT_MS
    )
    traffic_until(qtbot, page.service.url, credit_frame, "shadow", lambda: pairs(page) > 0)
    assert sum(page.shadow.histogram_counts()) == pairs(page)  # one row per request
    assert page.shadow.cards["agreement"].text().endswith("%")
    # Switching it off ends the shadow; all traffic stays on live.
    page.shadow.switch.click()
    idle(qtbot, page)
    state = d.live_at(page.model.workspace, "credit")
    assert (state.mode, state.live, state.candidate) == ("live", "credit@2", None)
    assert window.badge("deploy") == 0


@pytest.mark.slow
def test_running_service_is_found_and_batch_scoring_rejects_a_bad_row(
    qtbot, make_window, ws_path, credit_frame, tmp_path
):
    from mlops_desktop.governance import review

    with Workspace.open(ws_path) as ws:
        d.deploy(ws, "credit@1")
        review.set_rules(ws, "credit", band="0:1")  # a person reviews every decision
        handle = start_local_service(ws, port=free_port())  # as another window would
    try:
        window = make_window(ws_path)
        window.show_page("deploy")
        page = window.page("deploy")
        qtbot.waitUntil(lambda: page.service is not None, timeout=TIMEOUT_MS)
        assert page.service.pid == handle.pid
        assert window.status.service.label.text() == f"Scoring service: running at {handle.url}"
        assert not page.service_card.banner.isVisible()

        frame = credit_frame.drop(columns=[TARGET]).head(10).astype({"age_in_years": object})
        frame.loc[3, "age_in_years"] = "forty"
        src = tmp_path / "loans.csv"
        frame.to_csv(src, index=False)
        dialog = page.open_batch_dialog()
        assert dialog.ref_box.currentText() == "credit@live"
        dialog.input.edit.setText(str(src))
        assert dialog.output.path() == str(tmp_path / "loans.scored.csv")
        qtbot.mouseClick(dialog.score_button, Qt.MouseButton.LeftButton)
        assert not dialog.score_button.isEnabled()
        qtbot.waitUntil(lambda: dialog.score_button.isEnabled(), timeout=JOB_TIMEOUT_MS)
        assert dialog.result is not None, dialog.status.text()
        assert (dialog.result["scored"], dialog.result["rejected"]) == (9, 1)
        assert "Scored 9 of 10 rows" in dialog.status.text()
        assert "loans.scored.rejects.csv</a>" in dialog.status.text()
        assert "9 rows queued for a person's review" in dialog.status.text()
        scored = pd.read_csv(tmp_path / "loans.scored.csv")
        assert len(scored) == 9 and set(scored["model_version"]) == {"credit@1"}
        assert set(scored["review"]) == {"pending"}
        rejects = pd.read_csv(tmp_path / "loans.scored.rejects.csv")
        assert rejects["row_number"].tolist() == [4] and "forty" in rejects["reason"][0]
        dialog.close()

        # Stop from the service card, confirmed: the card and the status bar follow.
        qtbot.mouseClick(page.service_card.stop_button, Qt.MouseButton.LeftButton)
        accept(qtbot, page)
        idle(qtbot, page)
        qtbot.waitUntil(lambda: page.service is None, timeout=TIMEOUT_MS)
        assert page.service_card.start_button.isVisible()
        assert window.status.service.label.text() == "Scoring service: not running"
    finally:
        with Workspace.open(ws_path) as ws:
            stop_local_service(ws)
            assert find_service(ws) is None


def test_service_card_warns_when_the_service_listens_beyond_this_machine(qtbot):
    from mlops_desktop.ui.serving.model import ServiceInfo
    from mlops_desktop.ui.serving.service_monitor import ServiceCard

    card = ServiceCard()
    qtbot.addWidget(card)
    card.show()
    card.set_service(ServiceInfo("http://127.0.0.1:5151", "127.0.0.1", 5151, 42, time.time(), True))
    assert card.state.text() == "Running at http://127.0.0.1:5151"
    assert not card.banner.isVisible() and card.stop_button.isVisible()
    card.set_service(ServiceInfo("http://0.0.0.0:5151", "0.0.0.0", 5151, 42, time.time(), False))
    assert card.banner.isVisible() and "other machines can reach it" in card.banner.text()
    card.set_service(None)
    assert not card.banner.isVisible() and card.start_button.isVisible()
    assert card.state.text() == "Scoring service: not running"


def test_a_damaged_version_is_refused_and_a_failed_load_shows_in_the_status_bar(
    qtbot, make_window, ws_path
):
    from mlops_desktop.errors import ArtifactIntegrityError
    from tests.serving.test_artifact_integrity import flip_byte, restore

    with Workspace.open(ws_path) as ws:
        d.deploy(ws, "credit@1")
        handle = start_local_service(ws, port=free_port())
        digest = ws.models.get("credit@2").artifact_hash
        original = flip_byte(ws, digest)
    try:
        window = make_window(ws_path)
        window.show_page("deploy")
        page = window.page("deploy")
        qtbot.waitUntil(lambda: page.service is not None, timeout=TIMEOUT_MS)
        assert page.table.select_ref("credit@2")
        qtbot.mouseClick(page.deploy_button, Qt.MouseButton.LeftButton)
        idle(qtbot, page)
        assert isinstance(page.last_error, ArtifactIntegrityError)
        assert "credit@2 cannot go live" in str(page.last_error)
        assert live_of(page) == "credit@1"

        # Damaged after it was checked: the service keeps credit@1, the status bar says why.
        page.model.workspace.models.set_alias("credit", "live", 2, reason="by hand")
        label = window.status.service.label
        qtbot.waitUntil(lambda: "could not be loaded" in label.text(), timeout=TIMEOUT_MS)
        assert label.text().startswith(f"Scoring service at {handle.url}: credit@2 could not")
        assert label.text().endswith("; serving credit@1") and not window.status.service.ok
        with Workspace.open(ws_path) as ws:
            restore(ws, digest, original)
        running = f"Scoring service: running at {handle.url}"
        qtbot.waitUntil(lambda: label.text() == running, timeout=TIMEOUT_MS)
        assert window.status.service.ok
    finally:
        with Workspace.open(ws_path) as ws:
            stop_local_service(ws)
            assert find_service(ws) is None
