"""Widgets and helpers every page shares: theme, icons, labels, tables, dialogs, settings."""
