"""The Qt desktop shell. The only package that imports PySide6 or pyqtgraph.

Entry point: ``mlops_desktop.ui.app.run_gui``. Pages live in ``mlops_desktop.ui.pages`` and read
everything through ``mlops_desktop.ui.workspace_model.WorkspaceModel``.
"""
