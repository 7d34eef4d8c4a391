"""The Qt desktop app. The only package that imports PySide6 or pyqtgraph.

Entry point: ``mlops_desktop.ui.shell.app.run_gui``. Subpackages import downwards only:
``kit`` (theme, icons, labels, tables, dialogs, charts, settings) < ``runtime`` (the workspace
model, background tasks, the Page base class, the Jobs panel) < one package per step (``data``,
``training``, ``evaluation``, ``serving``, ``monitoring``, ``governance``: its page, views,
dialogs and a Qt-free ``model.py``; a step uses another step's ``model.py`` only) < ``shell``
(the main window, which connects the pages' signals, and its menus and flows).
"""
