"""Streaming a file in chunks gives the whole-file read, chunk by chunk, with its types."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_desktop.data import readers
from mlops_desktop.data.readers import read_frame
from mlops_desktop.data.sniff import ReadOptions
from mlops_desktop.data.stream import iter_frames
from mlops_desktop.errors import InputError
from tests.datasets import ADULT, BIKESHARE, GERMAN_CREDIT


@pytest.fixture
def small_blocks(monkeypatch):
    """64 kB blocks, so a real dataset arrives in many blocks (as a large file does)."""
    monkeypatch.setattr(readers, "BLOCK_SIZE", 64 << 10)


def _streamed(path, options, rows: int) -> tuple[list[pd.DataFrame], list[int], list[float]]:
    chunks = list(iter_frames(path, options, rows))
    return [c for c, _ in chunks], [len(c) for c, _ in chunks], [f for _, f in chunks]


def _same(chunks: list[pd.DataFrame], whole: pd.DataFrame) -> None:
    """Every chunk has the whole read's column types; together they hold its values."""
    for chunk in chunks:
        assert list(chunk.dtypes.astype(str)) == list(whole.dtypes.astype(str))
    streamed = pd.concat([c.astype(object) for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(streamed, whole.astype(object))


@pytest.mark.parametrize(
    ("name", "options"),
    [(ADULT, ReadOptions(na_values=("?",))), (BIKESHARE, None), (GERMAN_CREDIT, None)],
)
def test_a_real_dataset_streams_as_it_reads_whole(data_dir, small_blocks, name, options):
    path = data_dir / name
    whole, _ = read_frame(path, options)
    streamed, sizes, fractions = _streamed(path, options, 1000)
    assert sizes[:-1] == [1000] * (len(sizes) - 1) and sum(sizes) == len(whole)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    _same(streamed, whole)


def test_late_gaps_and_late_text_type_the_chunks_as_the_whole_file(tmp_path, small_blocks):
    """A gap in an integer column, a missing boolean and a text in a number column, all far
    down the file: early chunks are typed as the whole file is (float, object, text)."""
    n = 30_000
    frame = pd.DataFrame(
        {
            "count": [str(i) for i in range(n)],
            "flag": ["true" if i % 2 else "false" for i in range(n)],
            "amount": [f"{i * 0.5}" for i in range(n)],
            "city": ["Lyon" if i % 3 else "Oslo" for i in range(n)],
        }
    )
    frame.loc[n - 5, "count"] = ""
    frame.loc[n - 4, "flag"] = ""
    frame.loc[n - 3, "amount"] = "n/a (see notes)"
    path = tmp_path / "late.csv"
    frame.to_csv(path, index=False)
    whole, _ = read_frame(path)
    assert str(whole["count"].dtype) == "float64" and whole["flag"].dtype == object
    streamed, sizes, _ = _streamed(path, None, 7000)
    assert sizes == [7000] * 4 + [2000]
    _same(streamed, whole)


def test_parquet_streams_with_the_whole_files_types(tmp_path):
    frame = pd.DataFrame(
        {"n": pd.array([1, 2, None] * 50_000, dtype="Int64"), "t": ["a"] * 150_000}
    )
    path = tmp_path / "gaps.parquet"
    frame.to_parquet(path, index=False, row_group_size=20_000)
    whole, _ = read_frame(path)
    streamed, sizes, _ = _streamed(path, None, 40_000)
    assert sizes == [40_000] * 3 + [30_000]
    _same(streamed, whole)


@pytest.mark.parametrize(
    ("text", "message"),
    [("a,b\n", "has a header row \\(a, b\\) but no data rows"), ("a,a\n1,2\n", "a")],
)
def test_files_the_whole_read_refuses_are_refused(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_frame(path)
    with pytest.raises(InputError, match=message):
        list(iter_frames(path, None, 10))
