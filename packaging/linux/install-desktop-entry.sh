#!/usr/bin/env sh
# Add MLOps Desktop to the desktop's application menu for this user (after `pip install`):
# the .desktop entry, its icons in every size and the AppStream metadata. Undo with --remove.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
id=org.mlops_desktop.MLOpsDesktop
if [ "${1:-}" = "--remove" ]; then
  rm -f "$data/applications/$id.desktop" "$data/metainfo/$id.metainfo.xml"
  find "$data/icons/hicolor" -name 'mlops-desktop.*' -delete 2>/dev/null || true
  echo "Removed the MLOps Desktop menu entry."
  exit 0
fi
command -v mlops-desktop >/dev/null || echo "Note: mlops-desktop is not on PATH; the menu entry runs it by name."
mkdir -p "$data/applications" "$data/metainfo" "$data/icons"
cp "$here/$id.desktop" "$data/applications/"
cp "$here/$id.metainfo.xml" "$data/metainfo/"
cp -R "$here/icons/hicolor" "$data/icons/"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "MLOps Desktop is in the application menu (Development)."
