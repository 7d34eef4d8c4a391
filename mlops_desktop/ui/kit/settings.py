"""Per-user GUI settings in QSettings: window geometry, last workspace, recent workspaces, the
scoring service's port (the Deploy page and the meeting board start the service on it) and the
Dask cluster that training and batch scoring may run on."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8
KEY_RECENT = "workspaces/recent"
KEY_LAST = "workspaces/last"
KEY_GEOMETRY = "window/geometry"
KEY_STATE = "window/state"
KEY_PAGE = "window/page"
KEY_PORT = "service/port"
KEY_CLUSTER = "cluster/address"  # a Dask scheduler or local[:N]; empty: this computer only
KEY_PORT_GROUP = "service_ports"  # one port per workspace, by a hash of its path
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

    def service_port(self, workspace: Path | None = None) -> int:
        """The port last chosen for ``workspace``'s scoring service; for a workspace without a
        choice (or None), the port last chosen for any (5151 until then)."""
        value = self.qsettings.value(KEY_PORT, DEFAULT_SERVICE_PORT)
        if workspace is not None:
            value = self.qsettings.value(_workspace_port_key(workspace), value)
        try:
            port = int(str(value))
        except ValueError:
            return DEFAULT_SERVICE_PORT
        return port if 1 <= port <= 65535 else DEFAULT_SERVICE_PORT

    def set_service_port(self, port: int, workspace: Path | None = None) -> None:
        """Remember ``port`` (for ``workspace``, and as the choice for workspaces without one):
        two workspaces serving at once need two ports."""
        self.qsettings.setValue(KEY_PORT, int(port))
        if workspace is not None:
            self.qsettings.setValue(_workspace_port_key(workspace), int(port))
        self.qsettings.sync()

    # -- the Dask cluster ------------------------------------------------------------------------

    def cluster_address(self) -> str | None:
        """The Dask cluster training and batch scoring may run on (None: this computer)."""
        value = self.qsettings.value(KEY_CLUSTER)
        return str(value).strip() or None if value else None

    def set_cluster_address(self, address: str | None) -> None:
        self.qsettings.setValue(KEY_CLUSTER, (address or "").strip())
        self.qsettings.sync()


def _workspace_port_key(workspace: Path) -> str:
    digest = hashlib.sha1(str(Path(workspace).resolve()).encode()).hexdigest()[:16]
    return f"{KEY_PORT_GROUP}/{digest}"
