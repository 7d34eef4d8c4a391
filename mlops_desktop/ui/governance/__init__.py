"""The Govern page: its overview and empty state (a Qt-free view-model in ``model.py``)."""
