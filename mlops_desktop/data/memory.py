"""How much memory an import will need, and how much this machine can give it.

The import holds the parsed table, the typed DataFrame and the checks' working copies at once;
``PEAK_FACTOR`` times the DataFrame's size is the budget the benchmark holds it to.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlops_desktop.errors import InputError

#: Peak memory of an import, as a multiple of the DataFrame's in-memory size.
PEAK_FACTOR = 3.0
#: In-memory size of the DataFrame per byte of file, by format (CSV text parses to about its
#: own size; Parquet and .xlsx are compressed).
SIZE_PER_FILE_BYTE = {"csv": 1.2, "excel": 10.0, "parquet": 5.0}


def available_memory() -> int:
    """Bytes this process can still use: MemAvailable, capped by a cgroup limit if any."""
    candidates: list[int] = []
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    candidates.append(int(line.split()[1]) * 1024)
                    break
    except OSError:
        pass
    if not candidates:
        try:
            candidates.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            candidates.append(1 << 62)  # unknown platform: do not refuse
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        current = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if limit != "max":
            candidates.append(max(0, int(limit) - current))
    except (OSError, ValueError):
        pass
    return min(candidates)


def estimate_frame_bytes(path: Path, fmt: str, size: int) -> int:
    """The DataFrame's expected in-memory size, from the file size (or Parquet metadata)."""
    if fmt == "parquet":
        try:
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
            return int(sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)))
        except Exception:  # noqa: BLE001 - a damaged file is reported by the reader
            pass
    return int(size * SIZE_PER_FILE_BYTE.get(fmt, 1.2))


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def check_fits(path: Path, frame_bytes: int, limit: int | None = None) -> None:
    """Refuse, before reading, a file whose import would need more memory than is available."""
    available = available_memory() if limit is None else int(limit)
    needed = int(frame_bytes * PEAK_FACTOR)
    if needed > available:
        raise InputError(
            f"{path.name} is too large for the memory available: importing it needs about "
            f"{_gb(needed)} and only {_gb(available)} is free. Close other programs, or import "
            "a smaller extract (fewer rows or columns) of the file."
        )
