"""Packaged resources: icons and the demo dataset."""
