"""Resources ship with the app: the icon and the demo dataset are found from a checkout or a wheel."""

from __future__ import annotations

import pytest

from mlops_desktop.assets import DEMO_DATASET, resource_path


@pytest.mark.parametrize(
    "name", ["icons/mlops-desktop.svg", "icons/mlops-desktop-256.png", DEMO_DATASET]
)
def test_resources_are_found(name):
    path = resource_path(name)
    assert path.is_file() and path.stat().st_size > 100


def test_missing_resource_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="not installed"):
        resource_path("icons/nothing.svg")
