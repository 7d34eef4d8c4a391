"""The dark palette reaches everything drawn: report charts on the Test page are not white
panels, and an unticked check box is as visible as a ticked one."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton

from mlops_desktop.evaluation.charts import confusion_chart, roc_chart
from mlops_desktop.ui.evaluation.detail_views import SvgChart
from mlops_desktop.ui.kit.theme import THEME_ENV, ThemeManager, dark_palette, light_palette

CURVES = {"bad": {"roc": {"x": [0, 0.2, 1], "y": [0, 0.7, 1]}}}


@pytest.fixture
def dark_app(qapp, monkeypatch):
    monkeypatch.setenv(THEME_ENV, "dark")
    ThemeManager(qapp).apply()
    yield qapp
    qapp.setPalette(QPalette())


def lightness(image: QImage, x: int, y: int) -> int:
    return QColor(image.pixel(x, y)).lightness()


@pytest.mark.parametrize(
    "svg", [roc_chart(CURVES, {"bad": 0.8}), confusion_chart(["a", "b"], [[9, 1], [2, 8]])]
)
def test_report_charts_follow_the_palette(qtbot, svg):
    chart = SvgChart("roc", svg)
    qtbot.addWidget(chart)
    chart.resize(480, chart.heightForWidth(480))
    chart.setPalette(dark_palette())
    image = chart.grab().toImage()
    assert lightness(image, 3, 3) < 60  # the paper is the window's base, not white
    assert (
        max(lightness(image, x, y) for x in range(0, 480, 2) for y in range(8, 40)) > 180
    )  # the title is light
    chart.setPalette(light_palette())
    assert lightness(chart.grab().toImage(), 3, 3) > 240  # back to the report's paper


def test_an_unticked_check_box_is_visible_in_dark(qtbot, dark_app):
    box = QCheckBox("Show earlier jobs")
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    option = QStyleOptionButton()
    box.initStyleOption(option)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    image = box.grab().toImage()
    window = box.palette().color(QPalette.ColorRole.Window).lightness()
    edge = max(
        lightness(image, x, y)
        for x in range(rect.left(), rect.right() + 1)
        for y in range(rect.top(), rect.bottom() + 1)
    )
    assert edge - window > 60, (edge, window)  # its outline stands out from the window
