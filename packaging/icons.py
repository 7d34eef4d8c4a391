"""Render the app icon (resources/icons/mlops-desktop.svg) in the sizes desktops use.

Writes ``packaging/linux/icons/hicolor/NxN/apps/mlops-desktop.png`` (16 to 512 px, the
freedesktop icon theme layout, plus the SVG as ``scalable``), ``packaging/windows/mlops-desktop.ico``
(16 to 256 px) and ``packaging/macos/mlops-desktop.icns`` (16 to 1024 px). The ICO and ICNS files
hold PNG images, which every supported Windows and macOS release reads; they are written here
byte by byte, so no image library beyond Qt is needed.

    QT_QPA_PLATFORM=offscreen python packaging/icons.py
"""

from __future__ import annotations

import shutil
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVG = HERE.parent / "resources" / "icons" / "mlops-desktop.svg"
LINUX_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: ICNS entry types holding PNG data, by pixel size.
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}
ICNS_TYPES_2X = {1024: b"ic10"}


def render(size: int) -> bytes:
    """The icon as PNG bytes, ``size`` x ``size`` pixels (antialiased, transparent corners)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(images: dict[int, bytes]) -> bytes:
    """An ICO file of PNG images (Windows Vista and later read PNG entries)."""
    head = struct.pack("<HHH", 0, 1, len(images))
    offset = len(head) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in sorted(images.items()):
        edge = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return head + entries + blobs


def icns(images: dict[int, bytes]) -> bytes:
    """An ICNS file of PNG images (OS X 10.7 and later)."""
    body = b""
    for size, png in sorted(images.items()):
        kind = ICNS_TYPES.get(size) or ICNS_TYPES_2X[size]
        body += kind + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    sizes = sorted(set(LINUX_SIZES) | set(ICO_SIZES) | set(ICNS_TYPES) | set(ICNS_TYPES_2X))
    images = {size: render(size) for size in sizes}
    theme = HERE / "linux" / "icons" / "hicolor"
    for size in LINUX_SIZES:
        folder = theme / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "mlops-desktop.png").write_bytes(images[size])
    (theme / "scalable" / "apps").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SVG, theme / "scalable" / "apps" / "mlops-desktop.svg")
    (HERE / "windows").mkdir(exist_ok=True)
    (HERE / "windows" / "mlops-desktop.ico").write_bytes(ico({s: images[s] for s in ICO_SIZES}))
    (HERE / "macos").mkdir(exist_ok=True)
    mac = {s: images[s] for s in (*ICNS_TYPES, *ICNS_TYPES_2X)}
    (HERE / "macos" / "mlops-desktop.icns").write_bytes(icns(mac))
    del app
    print(f"Wrote {len(LINUX_SIZES)} PNG sizes, an ICO and an ICNS under {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
