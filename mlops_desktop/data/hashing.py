"""Content hash of a typed dataset: same names, dtypes and values give the same hash.

The hash does not depend on the file the data came from (CSV, Excel or Parquet with the same
content hash alike) nor on the row index; it does depend on column order and row order.
"""

from __future__ import annotations

import hashlib

import pandas as pd

CHUNK_ROWS = 250_000


def content_hash(df: pd.DataFrame) -> str:
    """SHA-256 over column names, dtypes and per-value hashes (``pd.util.hash_pandas_object``)."""
    digest = hashlib.sha256()
    digest.update(f"rows={len(df)};cols={df.shape[1]}\n".encode())
    for col in df.columns:
        series = df[col]
        digest.update(f"{col}\x1f{series.dtype}\x1e".encode())
        for start in range(0, len(series), CHUNK_ROWS):
            part = series.iloc[start : start + CHUNK_ROWS]
            digest.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
    return digest.hexdigest()
