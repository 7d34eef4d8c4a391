"""The window around the pages: main window, menus, navigation rail, status bar, workspace flow."""
