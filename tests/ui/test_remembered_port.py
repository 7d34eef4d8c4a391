"""The port chosen on the Deploy page is the one its example requests name while the service is
stopped, and the one the meeting board starts the service on."""

from __future__ import annotations

from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.monitoring.meeting.simulator import SimulatorBar
from tests.conftest import copy_workspace


def test_examples_and_the_board_use_the_chosen_port(qtbot, make_window, demo_template, tmp_path):
    window = make_window(copy_workspace(demo_template, tmp_path / "demo"))
    page = window.page("deploy")
    window.show_page("deploy")
    assert page.table.select_ref("credit@1")
    page.service_card.port.setValue(6124)
    caption = page.examples.caption.text()
    assert "Start service serves http://127.0.0.1:6124" in caption, caption
    assert "127.0.0.1:6124/invocations" in page.examples.curl.text.toPlainText()
    assert AppSettings().service_port() == 6124
    bar = SimulatorBar(tmp_path / "demo")
    qtbot.addWidget(bar)
    assert bar.service_port == 6124
