"""The six pages of the loop, in navigation order."""

from mlops_desktop.ui.pages.base import Page
from mlops_desktop.ui.pages.data import DataPage
from mlops_desktop.ui.pages.deploy import DeployPage
from mlops_desktop.ui.pages.govern import GovernPage
from mlops_desktop.ui.pages.monitor import MonitorPage
from mlops_desktop.ui.pages.test import TestPage
from mlops_desktop.ui.pages.train import TrainPage

PAGE_CLASSES: tuple[type[Page], ...] = (
    DataPage,
    TrainPage,
    TestPage,
    DeployPage,
    MonitorPage,
    GovernPage,
)

__all__ = [
    "PAGE_CLASSES",
    "Page",
    "DataPage",
    "TrainPage",
    "TestPage",
    "DeployPage",
    "MonitorPage",
    "GovernPage",
]
