"""The real datasets the tests use, all inside the repository (credits in SOURCES.md).

German credit is the demo dataset in ``resources/``; Adult and Bikeshare are kept here
gzip-compressed. ``unpack`` writes all three as plain CSV files into one folder (the session
fixture ``data_dir`` does it once), ``read_dataset`` loads one as a DataFrame.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

GERMAN_CREDIT = "uci_statlog_german_credit.csv"
ADULT = "uci_adult_census_income.csv"
BIKESHARE = "uci_bikeshare_2011_hourly.csv"

#: The demo dataset, a plain CSV in the repository: usable as a path without unpacking.
GERMAN_CREDIT_CSV = HERE.parents[1] / "resources" / GERMAN_CREDIT


def stored(name: str) -> Path:
    """Where the repository keeps the dataset ``name`` (a plain or a gzip-compressed CSV)."""
    if name == GERMAN_CREDIT:
        return GERMAN_CREDIT_CSV
    path = HERE / f"{name}.gz"
    if not path.is_file():
        raise FileNotFoundError(f"no dataset {name!r} in {HERE}")
    return path


def read_dataset(name: str) -> pd.DataFrame:
    """The dataset ``name`` as pandas reads its CSV file."""
    return pd.read_csv(stored(name))


def unpack(folder: Path) -> Path:
    """Write the three datasets as plain CSV files into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (GERMAN_CREDIT, ADULT, BIKESHARE):
        source = stored(name)
        if source.suffix == ".gz":
            with gzip.open(source, "rb") as packed, open(folder / name, "wb") as plain:
                shutil.copyfileobj(packed, plain)
        else:
            shutil.copyfile(source, folder / name)
    return folder
