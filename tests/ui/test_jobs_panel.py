"""The Jobs panel with real jobs run by the JobPool in worker processes."""

from __future__ import annotations

import threading
from dataclasses import replace

from PySide6.QtCore import Qt, QThread, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.runtime.job_table import COL_ELAPSED, COL_MESSAGE, COL_PROGRESS, JobRole
from tests import job_functions
from tests.ui.helpers import action_index, box_text, cell_text, status_of, visible_message_boxes


def test_job_progress_and_result_reach_the_panel_and_the_caller(make_window, qtbot):
    window = make_window()
    results = []
    job_id = window.model.submit(
        job_functions.count_to,
        {"n": 30, "delay": 0.05},
        title="Count to thirty",
        on_finished=results.append,
    )
    assert window.jobs_dock.isVisible()  # submitting shows the panel
    qtbot.waitUntil(lambda: status_of(window, job_id) == "Running", timeout=20_000)
    qtbot.waitUntil(
        lambda: 0 < window.jobs_dock.index_of(job_id).data(JobRole).progress < 1, timeout=10_000
    )
    assert "of 30" in cell_text(window, job_id, COL_MESSAGE)
    assert window.status.jobs_button.text() == "1 job running"
    qtbot.waitUntil(lambda: bool(results), timeout=20_000)
    job = results[0]
    assert job.status == "succeeded"
    assert job.result["counted"] == 30
    assert status_of(window, job_id) == "Succeeded"
    assert cell_text(window, job_id, COL_PROGRESS) == "100 %"
    assert cell_text(window, job_id, COL_ELAPSED)  # e.g. "0:01"
    assert window.status.jobs_button.text() == "No jobs running"
    assert "finished" in window.status.currentMessage()


def test_cancel_button_in_the_row_cancels_the_job(make_window, qtbot):
    window = make_window()
    job_id = window.model.submit(
        job_functions.wait_for_cancel, {"seconds": 30}, title="Wait for cancel"
    )
    qtbot.waitUntil(lambda: status_of(window, job_id) == "Running", timeout=20_000)
    index = action_index(window, job_id)
    assert index.data() == "Cancel"
    view = window.jobs_dock.view
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    qtbot.waitUntil(lambda: status_of(window, job_id) == "Cancelled", timeout=15_000)
    with Workspace.open(window.model.path) as ws:
        assert ws.jobs.get(job_id).status == "cancelled"
    assert action_index(window, job_id).data() == ""


def test_failed_job_shows_its_error_and_details(make_window, qtbot):
    window = make_window()
    job_id = window.model.submit(job_functions.crash, title="Crash on purpose")
    qtbot.waitUntil(lambda: status_of(window, job_id) == "Failed", timeout=20_000)
    assert "ZeroDivisionError: division by zero" in cell_text(window, job_id, COL_MESSAGE)
    index = action_index(window, job_id)
    assert index.data() == "Details…"
    view = window.jobs_dock.view
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    box = window.jobs_dock.details_box
    assert box is not None and box.isVisible()
    assert box.icon() == QMessageBox.Icon.Warning
    assert "Crash on purpose" in box.text() and "failed" in box.text()
    assert "division by zero" in box.informativeText()
    assert "Traceback" not in box.informativeText()  # the traceback stays behind Show Details
    assert "ZeroDivisionError" in box.detailedText()
    box.close()


def test_jobs_of_earlier_sessions_are_listed_when_asked(make_window, qtbot, tmp_path):
    with Workspace.open(tmp_path / "ws") as ws:
        old = ws.jobs.create("import", "Import last week's file")
        ws.jobs.finish(
            old.id, "failed", error="The file has no header row.", error_details="line 1 is empty"
        )
    window = make_window()
    dock = window.jobs_dock
    assert not dock.index_of(old.id).isValid()  # ended in an earlier session: hidden
    assert dock.summary_label.text() == "Nothing running, 1 earlier hidden."
    assert not dock.view.isVisible()
    qtbot.mouseClick(dock.earlier_box, Qt.MouseButton.LeftButton)
    assert dock.view.isVisible()
    assert status_of(window, old.id) == "Failed"
    assert cell_text(window, old.id, COL_MESSAGE) == "The file has no header row."
    box = window.jobs_dock.show_details(window.jobs_dock.index_of(old.id).data(JobRole))
    assert "line 1 is empty" in box.detailedText()
    box.close()


def test_job_signals_arrive_on_the_gui_thread(make_window, qtbot):
    window = make_window()
    seen: list[tuple[bool, int]] = []
    gui = QApplication.instance().thread()
    window.model.job_changed.connect(
        lambda job: seen.append((QThread.currentThread() is gui, threading.get_ident()))
    )
    job_id = window.model.submit(job_functions.count_to, {"n": 3}, title="Quick count")
    qtbot.waitUntil(lambda: status_of(window, job_id) == "Succeeded", timeout=20_000)
    assert len(seen) >= 3
    assert all(on_gui for on_gui, _ in seen)
    assert {ident for _, ident in seen} == {threading.main_thread().ident}


def test_closing_with_a_running_job_asks_first(make_window, qtbot):
    window = make_window()
    path = window.model.path
    job_id = window.model.submit(job_functions.wait_for_cancel, {"seconds": 30}, title="Long")
    qtbot.waitUntil(lambda: status_of(window, job_id) == "Running", timeout=20_000)
    answers = iter(["&Keep Running", "Cancel Jobs and Quit"])
    asked: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        asked.append(box_text(box))
        wanted = next(answers)
        next(b for b in box.buttons() if b.text() == wanted).click()

    QTimer.singleShot(0, answer)
    window.close()
    assert window.isVisible()  # kept running
    assert "1 job is still running" in asked[0]
    QTimer.singleShot(0, answer)
    window.close()
    assert not window.isVisible()
    assert not visible_message_boxes()
    from mlops_desktop.ui.runtime.workspace_model import wait_for_pool_shutdowns

    wait_for_pool_shutdowns()
    with Workspace.open(path) as ws:
        assert ws.jobs.get(job_id).status == "cancelled"


def test_quit_now_closes_without_asking_and_cancels_jobs(make_window, qtbot):
    window = make_window()
    path = window.model.path
    job_id = window.model.submit(job_functions.wait_for_cancel, {"seconds": 30}, title="Long")
    qtbot.waitUntil(lambda: status_of(window, job_id) == "Running", timeout=20_000)
    window.quit_now()  # what SIGTERM and Ctrl+C do
    assert not window.isVisible()
    assert not visible_message_boxes()
    from mlops_desktop.ui.runtime.workspace_model import wait_for_pool_shutdowns

    wait_for_pool_shutdowns()
    with Workspace.open(path) as ws:
        assert ws.jobs.get(job_id).status == "cancelled"


def test_the_panel_shrinks_to_what_runs_and_lists_jobs_of_other_processes(
    make_window, qtbot, tmp_path
):
    window = make_window()
    window.resize(1024, 768)
    dock = window.jobs_dock
    qtbot.waitUntil(lambda: dock.height() <= dock.fitted_height() + 4, timeout=5_000)
    empty_height = dock.height()
    assert empty_height < 90  # just the bar: nothing runs
    job_id = window.model.submit(
        job_functions.wait_for_cancel, {"seconds": 30}, title="Wait for cancel"
    )
    qtbot.waitUntil(lambda: status_of(window, job_id) == "Running", timeout=20_000)
    qtbot.waitUntil(lambda: dock.height() > empty_height + 20, timeout=5_000)
    assert dock.summary_label.text() == "1 running."
    # Another process (the CLI, a second window) starts a job: it is listed without a restart.
    with Workspace.open(window.model.path) as ws:
        other = ws.jobs.create("import", "Import from the command line")
    qtbot.waitUntil(lambda: dock.index_of(other.id).isValid(), timeout=10_000)
    window.model.cancel(job_id)
    qtbot.waitUntil(lambda: status_of(window, job_id) == "Cancelled", timeout=15_000)


def test_a_job_a_crashed_session_left_running_is_not_counted_or_docked(
    make_window, qtbot, tmp_path
):
    with Workspace.open(tmp_path / "ws") as ws:
        stale = ws.jobs.create("train", "Train before the crash", owner_pid=2**22 + 4321)
        ws.jobs.mark_running(stale.id, 2**22 + 4322)
    window = make_window(open_workspace=False)  # as the app starts: window first
    window.model.open(tmp_path / "ws")
    dock = window.jobs_dock
    # This session's pool marks it interrupted: it ran in an earlier session, so it is hidden.
    qtbot.waitUntil(lambda: dock.summary_label.text() == "Nothing running, 1 earlier hidden.")
    assert not dock.index_of(stale.id).isValid() and not dock.view.isVisible()
    # Whichever comes first, the session's start or the pool marking it: it stays hidden.
    since = dock.proxy.since
    late = replace(window.model.job(stale.id), created_at=since - 60, finished_at=since + 1)
    assert late.status == "interrupted" and dock.proxy.is_earlier(late)
    ours = replace(late, status="failed")  # started before, ended in this session: listed
    assert not dock.proxy.is_earlier(ours)


def test_the_summary_and_height_follow_jobs_that_end(make_window, qtbot):
    window = make_window()
    window.resize(1280, 800)
    dock = window.jobs_dock
    ids = [
        window.model.submit(job_functions.wait_for_cancel, {"seconds": 30}, title=f"Wait {i}")
        for i in range(2)
    ]
    qtbot.waitUntil(lambda: all(status_of(window, i) == "Running" for i in ids), timeout=20_000)
    qtbot.waitUntil(lambda: dock.summary_label.text() == "2 running.", timeout=5_000)
    qtbot.waitUntil(lambda: dock.height() >= dock.fitted_height() - 4, timeout=5_000)
    two_rows = dock.height()
    for job_id in ids:
        window.model.cancel(job_id)
    qtbot.waitUntil(lambda: all(status_of(window, i) == "Cancelled" for i in ids), timeout=15_000)
    qtbot.waitUntil(lambda: dock.summary_label.text() == "Nothing running.", timeout=5_000)
    assert dock.fitted_rows() == 1  # nothing runs: the newest job stays in view, no more
    qtbot.waitUntil(lambda: dock.height() < two_rows - 20, timeout=5_000)
