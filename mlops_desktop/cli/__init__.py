"""``mlops-desktop``: the GUI's headless twin, one module per step.

``entry`` builds the parser and dispatches; ``output`` holds what every command shares (printing,
JSON, exit codes, opening the workspace); ``data``, ``training``, ``evaluation``, ``serving``,
``monitoring`` and ``monitor`` add each step's commands.
"""

from mlops_desktop.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]
