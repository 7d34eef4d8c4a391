"""The six pages of the loop, in navigation order."""

from mlops_desktop.ui.data.page import DataPage
from mlops_desktop.ui.evaluation.page import TestPage
from mlops_desktop.ui.governance.page import GovernPage
from mlops_desktop.ui.monitoring.page import MonitorPage
from mlops_desktop.ui.runtime.page import Page
from mlops_desktop.ui.serving.page import DeployPage
from mlops_desktop.ui.training.page import TrainPage

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
