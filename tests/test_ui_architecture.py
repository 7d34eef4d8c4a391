"""Layout rules inside ``ui/``: every step's view-model is Qt-free, and the subpackages import
downwards only (kit < runtime < the step packages < shell), function-level imports included."""

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


def test_ui_subpackages_import_downwards_only():
    """kit < runtime < data, training, … (which share only each other's ``model.py``) < shell."""
    upward = []
    for path in UI.rglob("*.py"):
        parts = path.relative_to(UI).parts
        if len(parts) < 2:
            continue
        here = parts[0]
        for name in _ui_imports(path):
            there = name.split(".")[2]
            if there not in LAYER:
                continue
            other_step = LAYER[there] == LAYER[here] == 2 and there != here
            if LAYER[there] > LAYER[here] or (other_step and name.split(".")[3] != "model"):
                upward.append(f"{path.relative_to(REPO_ROOT)} imports {name}")
    assert upward == []
