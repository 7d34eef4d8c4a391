"""Per-user GUI settings in QSettings: window geometry, last workspace, recent workspaces, and
the scoring service's port (the Deploy page and the meeting board start the service on it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8
KEY_RECENT = "workspaces/recent"
KEY_LAST = "workspaces/last"
KEY_GEOMETRY = "window/geometry"
KEY_STATE = "window/state"
KEY_PAGE = "window/page"
KEY_PORT = "service/port"
DEFAULT_SERVICE_PORT = 5151  # as serving.server.DEFAULT_PORT (Qt-free modules keep theirs)


def _as_list(value: object) -> list[str]:
    # QSettings' INI backend returns a str for a one-item list and None for an empty one.
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]  # type: ignore[union-attr]


class AppSettings:
    """Typed access to the app's QSettings (organisation and app name set by ``run_gui``)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.qsettings = settings or QSettings()

    # -- workspaces ------------------------------------------------------------------------------

    def recent_workspaces(self) -> list[Path]:
        """Most recent first, at most MAX_RECENT."""
        return [Path(p) for p in _as_list(self.qsettings.value(KEY_RECENT))][:MAX_RECENT]

    def add_recent(self, path: Path) -> None:
        """Put ``path`` first in the recent list and remember it as the last workspace."""
        text = str(path)
        recent = [str(p) for p in self.recent_workspaces() if str(p) != text]
        self.qsettings.setValue(KEY_RECENT, [text, *recent][:MAX_RECENT])
        self.qsettings.setValue(KEY_LAST, text)
        self.qsettings.sync()

    def remove_recent(self, path: Path) -> None:
        recent = [str(p) for p in self.recent_workspaces() if p != path]
        self.qsettings.setValue(KEY_RECENT, recent)
        if self.last_workspace() == path:
            self.qsettings.remove(KEY_LAST)
        self.qsettings.sync()

    def clear_recent(self) -> None:
        self.qsettings.setValue(KEY_RECENT, [])
        self.qsettings.sync()

    def last_workspace(self) -> Path | None:
        value = self.qsettings.value(KEY_LAST)
        return Path(str(value)) if value else None

    # -- window ----------------------------------------------------------------------------------

    def window_geometry(self) -> QByteArray | None:
        value = self.qsettings.value(KEY_GEOMETRY)
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self.qsettings.value(KEY_STATE)
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray, page: str) -> None:
        self.qsettings.setValue(KEY_GEOMETRY, geometry)
        self.qsettings.setValue(KEY_STATE, state)
        self.qsettings.setValue(KEY_PAGE, page)
        self.qsettings.sync()

    def last_page(self) -> str | None:
        value = self.qsettings.value(KEY_PAGE)
        return str(value) if value else None

    # -- the scoring service ---------------------------------------------------------------------

    def service_port(self) -> int:
        """The port the user last chose for the scoring service (5151 until then)."""
        try:
            port = int(str(self.qsettings.value(KEY_PORT, DEFAULT_SERVICE_PORT)))
        except ValueError:
            return DEFAULT_SERVICE_PORT
        return port if 1 <= port <= 65535 else DEFAULT_SERVICE_PORT

    def set_service_port(self, port: int) -> None:
        self.qsettings.setValue(KEY_PORT, int(port))
        self.qsettings.sync()
