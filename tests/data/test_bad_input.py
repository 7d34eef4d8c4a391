"""Every kind of unusable input gives a specific InputError and leaves the workspace unchanged."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.data.importer import import_dataset
from mlops_desktop.data.readers import read_frame
from mlops_desktop.errors import InputError
from mlops_desktop.jobs import run_inline
from tests.data.conftest import workspace_state


def _import(ws, path, target="y", **kwargs):
    return run_inline(
        ws, import_dataset, {"path": str(path), "name": "bad", "target": target, **kwargs}
    )


def _expect(ws, path, match, target="y", **kwargs):
    before = workspace_state(ws)
    with pytest.raises(InputError, match=match):
        _import(ws, path, target, **kwargs)
    after = workspace_state(ws)
    assert after[:2] == before[:2]  # no dataset version, no artifact
    assert after[2] == before[2]  # and no audit event
    job = ws.jobs.list(limit=1)[0]
    assert job.status == "failed" and job.error


def test_empty_file(ws, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _expect(ws, path, r"empty \(0 bytes\)")


def test_blank_lines_only(ws, tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("\n\n  \n")
    _expect(ws, path, "only blank lines")


def test_header_only(ws, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("a,b,y\n")
    _expect(ws, path, "header row .* but no data rows")


def test_binary_file(ws, tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(bytes(range(256)) * 40)
    _expect(ws, path, "binary file")


def test_wrong_encoding_given_by_the_user(ws, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,y\nCafé,1\nRésumé,0\nJosé,1\n".encode("latin-1"))
    _expect(ws, path, "not valid utf-8 text", read_options={"encoding": "utf-8"})


def test_sniffed_encoding_falls_back_when_late_bytes_are_not_utf8(tmp_path):
    path = tmp_path / "late.csv"
    body = "x,y\n" + "abc,1\n" * 60_000 + "Caf\xe9,0\n"  # é beyond the sniffed sample
    path.write_bytes(body.encode("latin-1"))
    df, options = read_frame(path)
    assert options.encoding == "cp1252" and df["x"].iloc[-1] == "Café"


def test_ragged_rows(ws, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,5,1\n5,6,0\n")
    _expect(ws, path, r"has 4 fields where the header has 3 \(\"3,4,5,1\"\)")


def test_target_with_one_class(ws, tmp_path):
    path = tmp_path / "one.csv"
    pd.DataFrame({"x": range(50), "y": ["yes"] * 50}).to_csv(path, index=False)
    _expect(ws, path, "only one value .*'yes'.* nothing to predict")


def test_target_with_missing_values(ws, tmp_path):
    path = tmp_path / "gaps.csv"
    pd.DataFrame({"x": range(50), "y": [1.0, np.nan] * 25}).to_csv(path, index=False)
    _expect(ws, path, "missing in 25 of 50 rows")


def test_target_not_in_file(ws, tmp_path):
    path = tmp_path / "ok.csv"
    pd.DataFrame({"x": range(50), "label": [0, 1] * 25}).to_csv(path, index=False)
    _expect(ws, path, "target column 'y' is not in the data")


def test_file_vanishes_before_reading(ws, tmp_path):
    path = tmp_path / "gone.csv"
    _expect(ws, path, "does not exist")


def test_file_vanishes_mid_read(ws, tmp_path):
    path = tmp_path / "moving.csv"
    pd.DataFrame({"x": np.arange(200_000), "y": [0, 1] * 100_000}).to_csv(path, index=False)
    before = workspace_state(ws)

    def delete_while_reading(fraction: float, message: str) -> None:
        if message.startswith("Read") and path.exists():
            os.unlink(path)

    with pytest.raises(InputError, match="disappeared or changed while it was being read"):
        run_inline(
            ws,
            import_dataset,
            {"path": str(path), "name": "bad", "target": "y"},
            on_progress=delete_while_reading,
        )
    assert workspace_state(ws) == before


def test_file_changes_mid_read(tmp_path):
    path = tmp_path / "growing.csv"
    pd.DataFrame({"x": np.arange(200_000), "y": [0, 1] * 100_000}).to_csv(path, index=False)

    def append(fraction: float, message: str) -> None:
        with open(path, "a") as handle:
            handle.write("1,1\n")

    with pytest.raises(InputError, match="changed while it was being read"):
        read_frame(path, progress=append)


def test_file_too_large_for_memory(ws, tmp_path):
    path = tmp_path / "big.csv"
    pd.DataFrame({"x": range(1000), "y": [0, 1] * 500}).to_csv(path, index=False)
    _expect(
        ws,
        path,
        "too large for the memory available: importing it needs about",
        memory_limit=10_000,
    )


def test_old_excel_and_archives_are_named(ws, tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    _expect(ws, xls, r"Excel 97-2003 \(.xls\)")
    gz = tmp_path / "data.csv.gz"
    gz.write_bytes(b"\x1f\x8b\x08" + b"\x00" * 100)
    _expect(ws, gz, "is compressed")


def test_override_needs_a_reason(ws, tmp_path):
    path = tmp_path / "ok.csv"
    pd.DataFrame({"x": range(50), "y": [0, 1] * 25}).to_csv(path, index=False)
    _expect(ws, path, "needs a written reason", allow_blocking=True, reason="  ")


def test_impossible_stratified_split(ws, tmp_path):
    path = tmp_path / "rare.csv"
    pd.DataFrame({"x": range(41), "y": ["a"] * 20 + ["b"] * 20 + ["c"]}).to_csv(path, index=False)
    _expect(ws, path, "Class 'c' of 'y' has only 1 row", split="stratified")


def test_bad_dataset_name_and_type(ws, tmp_path):
    path = tmp_path / "ok.csv"
    pd.DataFrame({"x": range(50), "y": [0, 1] * 25}).to_csv(path, index=False)
    before = workspace_state(ws)
    with pytest.raises(InputError, match="is not a valid dataset name"):
        run_inline(ws, import_dataset, {"path": str(path), "name": "a@b", "target": "y"})
    _expect(ws, path, "'number' is not a column type", types={"x": "number"})
    assert workspace_state(ws) == before


def test_duplicated_target_name_is_refused_not_renamed(ws, data_dir, tmp_path):
    """German credit with 'purpose' renamed to the target: the label must not leak as a feature."""
    path = tmp_path / "german_dup.csv"
    text = (data_dir / "uci_statlog_german_credit.csv").read_text()
    header, rest = text.split("\n", 1)
    path.write_text(header.replace(",purpose,", ",creditability,") + "\n" + rest)
    _expect(ws, path, r"duplicated column names: 'creditability' \(2 times\)", "creditability")


def test_duplicated_feature_names_are_refused_in_every_format(ws, tmp_path):
    csv = tmp_path / "dup.csv"
    csv.write_text("a,b,a,a,y\n" + "1,2,3,4,0\n5,6,7,8,1\n" * 30)
    _expect(ws, csv, r"duplicated column names: 'a' \(3 times\)")
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_arrays([pa.array([1, 2] * 30)] * 3, names=["x", "x", "y"])
    parquet = tmp_path / "dup.parquet"
    pq.write_table(table, parquet)
    _expect(ws, parquet, r"duplicated column names: 'x' \(2 times\)")
    xlsx = tmp_path / "dup.xlsx"
    pd.DataFrame([[1, 2, 0], [3, 4, 1]] * 30, columns=["x", "z", "y"]).rename(
        columns={"z": "x"}
    ).to_excel(xlsx, index=False)
    _expect(ws, xlsx, r"Sheet 'Sheet1' of dup.xlsx has duplicated column names: 'x'")


def test_a_wide_file_whose_lines_pass_the_csv_field_limit_is_sniffed_not_refused(tmp_path):
    """Lines longer than the csv module's field limit (thousands of columns) used to be refused
    as "a field is longer than 131,072 characters" while trying the other delimiters."""
    import csv

    from mlops_desktop.data.sniff import SNIFF_BYTES, sniff

    columns = csv.field_size_limit() // 4
    path = tmp_path / "wide.csv"
    header = ",".join(f"feature_{i}" for i in range(columns))
    row = ",".join(f"{i % 97}.25" for i in range(columns))
    path.write_text(f"{header}\n{row}\n{row}\n")
    assert len(header) > SNIFF_BYTES  # not even the header fits the usual sample
    assert len(row) > csv.field_size_limit()
    options = sniff(path)
    assert (options.delimiter, options.decimal, options.header) == (",", ".", True)
