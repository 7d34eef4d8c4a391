"""Find packaged resources (icons, the demo dataset) in a wheel or in a source checkout.

The repository keeps them in the top-level ``resources/`` folder, which the wheel ships as the
package ``mlops_desktop.resources``; running from a checkout finds the folder directly.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import mlops_desktop

DEMO_DATASET = "uci_statlog_german_credit.csv"


def resource_path(name: str) -> Path:
    """Path of the resource ``name`` (e.g. ``"icons/app.svg"``); FileNotFoundError if absent."""
    checkout = Path(mlops_desktop.__file__).resolve().parent.parent / "resources" / name
    if checkout.exists():
        return checkout
    try:
        packaged = Path(str(resources.files("mlops_desktop.resources").joinpath(name)))
    except ModuleNotFoundError:
        packaged = None
    if packaged is not None and packaged.exists():
        return packaged
    raise FileNotFoundError(f"resource {name!r} is not installed with MLOps Desktop")
