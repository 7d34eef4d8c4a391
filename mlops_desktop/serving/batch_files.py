"""The files a batch scoring run writes: the output and the rejects, each written to a temporary
file beside it and put in place (renamed) only once the run has succeeded."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd


def rejects_path(out_path: Path) -> Path:
    """``OUT.rejects.csv`` beside the output (``scores.csv`` → ``scores.rejects.csv``)."""
    return out_path.with_name(out_path.stem + ".rejects.csv")


class Writer:
    """Writes output chunks to a temporary file, renamed into place at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}.tmp")
        self.parquet = path.suffix.lower() == ".parquet"
        self._writer = None
        self._started = False
        self._empty: pd.DataFrame | None = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.parquet and self._writer is None and len(frame) == 0:
            self._empty = frame  # an empty first part would fix the column types as null
            return
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self._writer is None:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                self._writer = pq.ParquetWriter(self.tmp, table.schema)
            else:
                table = pa.Table.from_pandas(frame, preserve_index=False).cast(
                    self._writer.schema, safe=False
                )
            self._writer.write_table(table)
        else:
            frame.to_csv(
                self.tmp, mode="a" if self._started else "w", header=not self._started, index=False
            )
        self._started = True

    def close(self) -> None:
        """Complete the temporary file (``place`` puts it where it belongs)."""
        if self.parquet and self._writer is None and self._empty is not None:
            self._empty.to_parquet(self.tmp, index=False)
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if not self.tmp.exists():  # the input had no rows
            pd.DataFrame().to_csv(self.tmp, index=False)

    def place(self) -> Path:
        """Put the completed file where it belongs; its path."""
        os.replace(self.tmp, self.path)
        return self.path

    def finish(self) -> None:
        self.close()
        self.place()

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.tmp.unlink(missing_ok=True)
