"""Sniffing and reading CSV/TSV/Excel/Parquet, type inference, hashing and profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.data import readers
from mlops_desktop.data.hashing import content_hash
from mlops_desktop.data.profile import profile
from mlops_desktop.data.readers import preview, read_frame
from mlops_desktop.data.schema import apply_schema, infer_schema
from mlops_desktop.data.sniff import sniff
from mlops_desktop.errors import JobCancelled
from mlops_desktop.jobs.context import JobContext


def test_semicolon_and_decimal_comma_are_sniffed(tmp_path):
    path = tmp_path / "euro.csv"
    path.write_text(
        "Betrag;Kunde;Datum\n1,5;Müller;2024-01-03\n12,25;Schulz;2024-02-04\n"
        "3,0;Meier;2024-03-05\n",
        encoding="utf-8",
    )
    options = sniff(path)
    assert (options.delimiter, options.decimal, options.encoding) == (";", ",", "utf-8")
    df, _ = read_frame(path)
    assert df["Betrag"].tolist() == [1.5, 12.25, 3.0]
    assert infer_schema(df) == {"Betrag": "numeric", "Kunde": "categorical", "Datum": "datetime"}


def test_tsv_cp1252_quoted_newlines_and_overrides(tmp_path):
    path = tmp_path / "notes.tsv"
    path.write_bytes('id\tnote\tscore\n1\t"two\nlines"\t3\n2\tCafé\t4\n'.encode("cp1252"))
    options = sniff(path)
    assert (options.delimiter, options.encoding) == ("\t", "cp1252")
    df, _ = read_frame(path)
    assert df["note"].tolist() == ["two\nlines", "Café"]
    assert df["score"].tolist() == [3, 4]
    df, _ = read_frame(path, {"delimiter": ",", "encoding": "cp1252"})
    assert df.shape[1] == 1  # the user's choice wins over the guess


def test_no_header_and_blank_or_duplicate_names(tmp_path):
    path = tmp_path / "nohead.csv"
    path.write_text("1,2,3\n4,5,6\n")
    df, options = read_frame(path)
    assert options.header is False and list(df.columns) == ["column_1", "column_2", "column_3"]
    path.write_text("a,,b\n1,2,3\n")
    df, _ = read_frame(path)
    assert list(df.columns) == ["a", "column_2", "b"]


def test_na_tokens_and_types_that_change_after_the_first_block(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK_SIZE", 1 << 12)  # many small blocks
    rows = [f"{i},{i % 7},N/A" if i % 5 else f"{i},{i % 7},?" for i in range(3000)]
    rows[2500] = "2500,x7,1.5"  # column b turns to text, column c to numbers late
    path = tmp_path / "late.csv"
    path.write_text("a,b,c\n" + "\n".join(rows) + "\n")
    df, _ = read_frame(path)
    assert len(df) == 3000
    assert df["b"].iloc[2500] == "x7" and str(df["b"].iloc[0]) == "0"
    assert df["c"].notna().sum() == 1 and df["c"].dropna().iloc[0] == 1.5


def test_excel_and_parquet_read_to_the_same_content(tmp_path):
    df = pd.DataFrame(
        {
            "n": [1.5, 2.0, np.nan, 4.25],
            "k": ["a", "b", None, "a"],
            "flag": ["yes", "no", "yes", "no"],
            "y": [0, 1, 0, 1],
        }
    )
    csv, xlsx, parquet = tmp_path / "d.csv", tmp_path / "d.xlsx", tmp_path / "d.parquet"
    df.to_csv(csv, index=False)
    df.to_excel(xlsx, index=False, sheet_name="data")
    df.to_parquet(parquet)
    hashes = set()
    for path in (csv, xlsx, parquet):
        raw, options = read_frame(path)
        schema = infer_schema(raw)
        assert schema == {"n": "numeric", "k": "categorical", "flag": "boolean", "y": "boolean"}
        hashes.add(content_hash(apply_schema(raw, schema)))
    assert len(hashes) == 1
    assert sniff(xlsx).format == "excel" and sniff(parquet).format == "parquet"
    with pytest.raises(Exception, match="has no sheet 'other'. Its sheets: data"):
        read_frame(xlsx, {"sheet": "other"})


def test_leading_zeros_are_kept_as_codes(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("plz,n\n01067,1\n10115,2\n80331,3\n")
    df, _ = read_frame(path)
    assert df["plz"].tolist() == ["01067", "10115", "80331"]
    assert infer_schema(df)["plz"] == "categorical"


def test_preview_reads_only_the_first_rows(tmp_path):
    path = tmp_path / "long.csv"
    pd.DataFrame({"x": range(100_000)}).to_csv(path, index=False)
    head, _ = preview(path, rows=10)
    assert head["x"].tolist() == list(range(10))


def test_cancel_stops_the_read(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK_SIZE", 1 << 14)
    path = tmp_path / "long.csv"
    pd.DataFrame({"x": range(100_000), "y": 1}).to_csv(path, index=False)
    ctx = JobContext("j", None, lambda message: None, lambda: True)
    with pytest.raises(JobCancelled):
        read_frame(path, progress=ctx.report)


def test_content_hash_ignores_index_but_not_values_names_or_types():
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "x"]})
    h = content_hash(df)
    assert content_hash(df.set_axis([10, 11, 12])) == h
    assert content_hash(df.assign(a=[1, 2, 4])) != h
    assert content_hash(df.rename(columns={"a": "A"})) != h
    assert content_hash(df.astype({"a": "float64"})) != h
    assert content_hash(df.astype({"b": "category"})) != h


def test_profile_histograms_and_top_values():
    df = pd.DataFrame(
        {
            "n": np.arange(1000, dtype=float),
            "c": ["a"] * 700 + ["b"] * 300,
            "t": pd.date_range("2024-01-01", periods=1000, freq="h"),
        }
    )
    df.loc[0, "n"] = np.nan
    prof = profile(df, {"n": "numeric", "c": "categorical", "t": "datetime"})
    n = prof["columns"]["n"]
    assert n["missing_share"] == 0.001 and n["unique"] == 999 and n["min"] == 1.0
    assert len(n["histogram"]["counts"]) == 30 and sum(n["histogram"]["counts"]) == 999
    assert prof["columns"]["c"]["top_values"] == [
        {"value": "a", "count": 700},
        {"value": "b", "count": 300},
    ]
    assert prof["columns"]["t"]["min"].startswith("2024-01-01")
