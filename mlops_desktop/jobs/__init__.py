"""Background work: plain functions taking a JobContext, run in worker processes."""

from mlops_desktop.jobs.context import JobContext
from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.jobs.pool import JobPool

__all__ = ["JobContext", "JobPool", "run_inline"]
