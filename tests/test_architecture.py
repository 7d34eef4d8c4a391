"""Layout rules that keep the loop's steps Qt-free and testable without a display."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "mlops_desktop"
QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6", "superqt")
STEPS = (
    "data",
    "training",
    "evaluation",
    "serving",
    "monitoring",
    "governance",
    "registry",
    "jobs",
)


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_ui_package_imports_qt():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "ui":
            continue
        qt = [n for n in _imports(path) if n.split(".")[0] in QT_MODULES]
        if qt:
            offenders.append(f"{path.relative_to(REPO_ROOT)}: {qt}")
    assert offenders == []


def test_one_subpackage_per_step():
    for step in STEPS + ("ui",):
        assert (PACKAGE / step / "__init__.py").is_file(), step
    assert (PACKAGE / "cli.py").is_file()


def test_imports_are_absolute():
    relative = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        relative += [
            f"{path.name}:{n.lineno}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.level > 0
        ]
    assert relative == []


def test_headless_commands_do_not_load_qt(tmp_path):
    """`mlops-desktop info` must work on a server with no Qt libraries at all."""
    code = (
        "import sys; from mlops_desktop.cli.entry import main; main(['info', '--json', '--workspace', sys.argv[1]]);"
        "import mlops_desktop.jobs, mlops_desktop.registry;"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')];"
        "assert not loaded, loaded"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "ws")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_building_the_cli_parser_stays_light():
    """`mlops-desktop --help` must answer at once: no pandas, scikit-learn or Qt at parse time."""
    code = (
        "import sys; from mlops_desktop.cli.entry import build_parser; build_parser();"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'sklearn', 'PySide6', 'scipy'});"
        "assert not heavy, heavy"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert result.returncode == 0, result.stderr


def test_the_window_starts_without_scikit_learn():
    """The window opens fast: scikit-learn and scipy load in workers, or when a page needs them.

    (pandas and numpy are loaded by sqlite-utils itself, so they are not checked here.)
    """
    code = (
        "import sys; import mlops_desktop.ui.shell.main_window;"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'});"
        "assert not heavy, heavy"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr


def test_the_drift_package_names_load_without_pandas_or_scipy():
    """The settings dialog reads the drift methods' names and defaults on the GUI thread."""
    import subprocess
    import sys

    code = (
        "import sys; import mlops_desktop.drift.methods, mlops_desktop.monitoring.settings;"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'scipy', 'sklearn'});"
        "assert not heavy, heavy;"
        "from mlops_desktop.drift import compare, ReferenceProfile, METHODS;"
        "assert callable(compare) and 'ks' in METHODS"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
