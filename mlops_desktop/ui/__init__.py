"""The Qt desktop shell. The only package that imports PySide6 or pyqtgraph.

Entry point: ``mlops_desktop.ui.shell.app.run_gui``. Pages live in ``mlops_desktop.ui.shell.pages`` and read
everything through ``mlops_desktop.ui.runtime.workspace_model.WorkspaceModel``.
"""
