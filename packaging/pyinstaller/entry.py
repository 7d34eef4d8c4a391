"""The frozen desktop app's entry point: the ``mlops-desktop`` command, the scoring service
process (started by the app with ``SERVICE_ARG``) and the job pool's spawned workers."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a spawned job worker runs its task and exits here
    from mlops_desktop.serving.process import SERVICE_ARG

    if len(sys.argv) > 1 and sys.argv[1] == SERVICE_ARG:
        from mlops_desktop.serving.__main__ import main as serve

        sys.exit(serve(sys.argv[2:]))
    from mlops_desktop.cli import main

    sys.exit(main())
