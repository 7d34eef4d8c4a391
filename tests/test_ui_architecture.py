"""Every step's view-model in ``ui/`` is Qt-free (the import order inside ``ui/`` is checked by
tests/test_architecture.py)."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO_ROOT

UI = REPO_ROOT / "mlops_desktop" / "ui"
UI_STEPS = ("data", "training", "evaluation", "serving", "monitoring", "governance")
LAYER = {"kit": 0, "runtime": 1, **dict.fromkeys(UI_STEPS, 2), "shell": 3}


def _ui_imports(path) -> set[str]:
    """The ``mlops_desktop.ui.*`` names ``path`` imports anywhere (also inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.startswith("mlops_desktop.ui.")}


def test_every_ui_step_has_a_view_model_that_loads_without_qt():
    """``ui/<step>/model.py`` (what a page shows, computed from stores) never loads Qt, not even
    through what it imports, so it is tested without a display."""
    modules = [f"mlops_desktop.ui.{step}.model" for step in UI_STEPS]
    for step in UI_STEPS:
        assert (UI / step / "model.py").is_file(), step
    code = (
        "import importlib, sys;"
        "[importlib.import_module(m) for m in sys.argv[1:]];"
        "qt = sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'pyqtgraph', 'shiboken6'});"
        "assert not qt, qt"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *modules], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert result.returncode == 0, result.stderr
