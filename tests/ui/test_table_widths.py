"""Tables use the width they get: the descriptive column takes the room left, numbers and short
columns are as wide as their contents, names are not squeezed, at 1920 x 1080 and 1280 x 800."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTableView

from mlops_desktop.ui.kit.tables import text_cap
from tests.credit import build_credit_workspace


@pytest.fixture(scope="module")
def tested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("widths") / "ws"
    build_credit_workspace(path, test_resamples=100)
    return path


def contents(view: QTableView, col: int) -> int:
    """The width a column needs for its header and cells (what resizeColumnToContents gives)."""
    header = view.horizontalHeader()
    return max(view.sizeHintForColumn(col), header.sectionSizeHint(col))


def check_widths(view: QTableView, stretch: int, short: list[int], widest: bool) -> None:
    header = view.horizontalHeader()
    sizes = [header.sectionSize(c) for c in range(header.count())]
    room = view.viewport().width()
    if sizes[stretch] > header.minimumSectionSize():  # the descriptive column takes the rest
        assert abs(sum(sizes) - room) <= 2, (sizes, room)
    if widest:
        assert max(range(len(sizes)), key=sizes.__getitem__) == stretch, sizes
    for col in short:  # as wide as their contents, not the room left
        assert sizes[col] <= contents(view, col) + 2, (col, sizes)
    for col in set(range(len(sizes))) - {stretch}:  # not squeezed below contents (to the cap)
        assert sizes[col] >= min(contents(view, col), text_cap(view)) - 2, (col, sizes)


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_tables_stretch_the_descriptive_column(qtbot, make_window, tested, tmp_path, size):
    window = make_window(shutil.copytree(tested, tmp_path / "ws"))
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0], timeout=5_000)

    window.show_page("test")
    test = window.page("test")
    test.show_tab(test.slices_view)
    slices = test.slices_view.table
    qtbot.waitUntil(lambda: slices.source.rowCount() > 0, timeout=10_000)
    qtbot.wait(50)
    titles = [c.title for c in slices.columns]
    short = [titles.index("Flagged"), titles.index("Rows")]
    check_widths(slices, titles.index("Slice"), short, widest=size[0] >= 1920)

    window.show_page("data")
    data = window.page("data")
    qtbot.waitUntil(lambda: data.versions.model().rowCount() == 1, timeout=10_000)
    qtbot.wait(50)
    check_widths(data.versions, 0, list(range(1, 8)), widest=True)  # not "Created"
    profile = data.details.profile
    qtbot.waitUntil(lambda: profile.model().rowCount() > 0, timeout=10_000)
    header = profile.horizontalHeader()
    assert header.sectionSize(0) >= min(contents(profile, 0), text_cap(profile)) - 2  # names
    room = profile.viewport().width() - sum(header.sectionSize(c) for c in range(8))
    assert abs(header.sectionSize(8) - max(room, header.minimumSectionSize())) <= 2  # the rest
