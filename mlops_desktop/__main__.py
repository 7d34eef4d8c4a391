"""``python -m mlops_desktop`` is the same as the ``mlops-desktop`` command."""

import sys

from mlops_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
