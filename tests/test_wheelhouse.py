"""The air-gapped install's lock: every dependency pinned exactly, and the markers evaluated for
the target OS (a Windows wheelhouse takes no uvloop), not for the machine that builds it."""

from __future__ import annotations

import importlib.util
import re

from tests.conftest import REPO_ROOT

spec = importlib.util.spec_from_file_location(
    "wheelhouse", REPO_ROOT / "packaging" / "wheelhouse.py"
)
wheelhouse = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wheelhouse)
LINES = wheelhouse.CONSTRAINTS.read_text().splitlines()


def _names(pins: list[str]) -> dict[str, str]:
    return dict(pin.split("==") for pin in pins)


def test_every_dependency_of_the_app_is_pinned_exactly():
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    block = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    quoted = [re.findall(r'"([^"]+)"', line.split("#", 1)[0]) for line in block.splitlines()]
    wanted = {re.split(r"[<>=!;\[ ]", q[0])[0].lower() for q in quoted if q}
    pins = [line for line in LINES if line and not line.startswith("#")]
    assert all("==" in line for line in pins)
    pinned = {line.split("==")[0].lower() for line in pins}
    assert wanted <= pinned, wanted - pinned


def test_markers_are_judged_for_the_target_not_for_this_machine():
    windows = _names(
        wheelhouse.requirements_for(wheelhouse.environment("windows", "AMD64", "3.11")[0], LINES)
    )
    linux = _names(
        wheelhouse.requirements_for(wheelhouse.environment("linux", "x86_64", "3.11")[0], LINES)
    )
    old = _names(
        wheelhouse.requirements_for(wheelhouse.environment("linux", "x86_64", "3.10")[0], LINES)
    )
    assert "uvloop" not in windows and "uvloop" in linux
    assert "pyside6-essentials" in windows and windows["numpy"] == linux["numpy"]
    assert old["numpy"] != linux["numpy"]  # one pin per Python where they differ
    assert len(set(old)) == len(old) and len(set(linux)) == len(linux)
