"""``mlops-desktop --demo`` in the window: while the first-launch build runs the Data page says
the demo is being built (not "import a file"), and a built demo opens with its scoring service
running on the remembered port, which the Deploy page shows (a real service on 127.0.0.1)."""

from __future__ import annotations

import pytest

from mlops_desktop.paths import demo_workspace_dir
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.process import find_service
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.serving.model import stop_local_service
from mlops_desktop.ui.shell.app import open_start_workspace
from tests.conftest import copy_workspace
from tests.serving.conftest import free_port

TIMEOUT_MS = 60_000


def test_the_data_page_says_the_demo_is_being_built(qtbot, make_window):
    window = make_window(open_workspace=False)
    assert open_start_workspace(window, demo_workspace_dir(), demo=True)
    window.show_page("data")
    page = window.page("data")
    build = window.model.demo_build()
    assert build is not None
    assert page.showing_empty_state()
    assert page.empty_state.heading.text() == "Building the demo workspace…"
    assert "Import" not in page.empty_state.text.text()
    assert not page.empty_state.action.isVisible()  # no import asked of the newcomer
    assert window.demo_service.serve()  # the service waits for the build

    window.model.cancel(build.id)  # the build ends (here: cancelled): the page says so
    qtbot.waitUntil(lambda: window.model.demo_build() is None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: (
            not page.showing_empty_state()
            or page.empty_state.heading.text() != "Building the demo workspace…"
        ),
        timeout=TIMEOUT_MS,
    )
    assert window.demo_service.info is None and window.demo_service.waiting_for is None


@pytest.mark.slow
def test_a_built_demo_opens_with_its_service_running(qtbot, make_window, demo_template):
    path = copy_workspace(demo_template, demo_workspace_dir())
    port = free_port()
    AppSettings().set_service_port(port, path)
    window = make_window(open_workspace=False)
    assert open_start_workspace(window, path, demo=True)
    try:
        assert window.demo_service.serve()
        window.show_page("deploy")
        page = window.page("deploy")
        qtbot.waitUntil(lambda: page.service is not None, timeout=TIMEOUT_MS)
        url = f"http://127.0.0.1:{port}"
        assert window.demo_service.info.url == url
        assert page.service.url == url
        assert page.service_card.state.text() == f"Running at {url}"
        assert window.status.service.label.text() == f"Scoring service: running at {url}"
    finally:
        window.demo_service.wait(TIMEOUT_MS)
        with Workspace.open(path, create=False) as ws:
            stop_local_service(ws)
            assert find_service(ws) is None
