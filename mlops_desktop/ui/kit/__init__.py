"""Widgets and helpers every page shares: theme, icons, labels, tables, dialogs, charts,
settings, and the Qt-free specs (empty states, table columns) view-models return."""
