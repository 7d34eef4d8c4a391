"""Layout rules that keep the loop's steps Qt-free and testable without a display."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from tests.architecture_graph import cycles, import_edges
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


#: The layers, lowest first. A module may import its own package and any lower layer, never a
#: higher one nor another package of its own layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("(root)", "errors", "paths", "assets", "formatting", "json_steps", "fast_json", "resources"),
    ("registry", "drift"),
    ("data", "jobs"),
    ("training",),
    ("evaluation",),
    ("serving",),
    ("monitoring",),
    ("governance",),
    ("demo",),
    ("notebook",),
    ("ui",),
    ("cli",),
    ("__main__",),
)
#: Inside ui/: the kit, then what keeps the window live, then the pages of the steps, then the shell.
UI_LAYERS: tuple[tuple[str, ...], ...] = (
    ("(root)", "kit"),
    ("runtime",),
    ("data", "training", "evaluation", "serving", "monitoring", "governance"),
    ("shell",),
)
#: The one edge allowed upward: ``mlops_desktop.register`` (the package's notebook entry point)
#: imports ``mlops_desktop.notebook`` inside the function, so only when a notebook calls it.
FACADE = ("mlops_desktop", "mlops_desktop.notebook")
STEP_VIEW_MODEL = "model"  # a step page may read another step's Qt-free view-model, nothing else


def _package(module: str, depth: int) -> str:
    parts = module.split(".")
    return parts[depth] if len(parts) > depth else "(root)"


def _layer(package: str, layers: tuple[tuple[str, ...], ...]) -> int:
    for number, members in enumerate(layers):
        if package in members:
            return number
    raise AssertionError(f"{package} has no layer: add it to the layer table")


def _crossings(edges, depth: int, layers) -> tuple[list[str], list[str]]:
    """Edges to a higher layer, and edges to another package of the same layer."""
    upward, sideways = [], []
    for edge in edges:
        source, target = _package(edge.source, depth), _package(edge.target, depth)
        if source == target:
            continue
        source_layer, target_layer = _layer(source, layers), _layer(target, layers)
        if target_layer > source_layer:
            upward.append(str(edge))
        elif target_layer == source_layer and source_layer > 0:
            sideways.append(str(edge))
    return upward, sideways


def test_every_package_has_a_layer():
    for path in PACKAGE.iterdir():
        name = path.stem if path.suffix == ".py" else path.name
        if path.is_dir() and not (path / "__init__.py").exists():
            continue
        if name != "__init__":
            _layer(name, LAYERS)


def test_lower_layers_never_import_higher_ones():
    """Every import counts: module-level, function-level, and job references by name."""
    upward, sideways = _crossings(_package_edges(), 1, LAYERS)
    assert upward == []
    assert sideways == []


def test_ui_pages_sit_between_the_kit_and_the_shell():
    edges = [
        e
        for e in import_edges(PACKAGE)
        if e.source.startswith("mlops_desktop.ui.") and e.target.startswith("mlops_desktop.ui.")
    ]
    upward, sideways = _crossings(edges, 2, UI_LAYERS)
    assert upward == []
    model = f".{STEP_VIEW_MODEL} "
    assert [edge for edge in sideways if not (edge + " ").endswith(model)] == []


def test_there_are_no_import_cycles():
    """No two modules import each other, directly or around a circle, at any depth."""
    assert cycles(_package_edges()) == []


def _package_edges() -> list:
    return [e for e in import_edges(PACKAGE) if (e.source, e.target) != FACADE]


def test_the_graph_sees_function_level_imports_and_job_references(tmp_path):
    """The checks above cannot pass by missing the imports they are about."""
    package = tmp_path / "mlops_desktop"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("")
    (package / "high.py").write_text("import mlops_desktop.low.a\n")
    (package / "low" / "a.py").write_text("def f():\n    from mlops_desktop import high\n")
    (package / "low" / "b.py").write_text("JOB = 'mlops_desktop.high:run'\n")
    edges = {(e.source, e.target) for e in import_edges(package)}
    assert ("mlops_desktop.low.a", "mlops_desktop.high") in edges
    assert ("mlops_desktop.low.b", "mlops_desktop.high") in edges
    assert cycles(import_edges(package)) == [["mlops_desktop.high", "mlops_desktop.low.a"]]


def test_one_subpackage_per_step():
    for step in STEPS + ("ui", "cli", "drift"):
        assert (PACKAGE / step / "__init__.py").is_file(), step
    for step in ("data", "training", "evaluation", "serving", "monitoring", "governance"):
        assert (PACKAGE / "ui" / step / "__init__.py").is_file(), f"ui/{step}"


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
