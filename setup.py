"""Package discovery: the top-level resources/ folder ships as ``mlops_desktop.resources``.

Everything else about the build lives in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["mlops_desktop", "mlops_desktop.*"])
    + ["mlops_desktop.resources"],
    package_dir={"mlops_desktop.resources": "resources"},
)
