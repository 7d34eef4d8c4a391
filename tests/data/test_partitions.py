"""A file split into partitions that other processes read on their own: the chunks cut from
them equal the stream's, on real data and on the awkward CSV a byte split breaks (a quoted
value holding a line break, CRLF, blank lines, a last row without a line break); a file the
scan cannot count as the reader does gets no plan, and a file changed after planning is
refused rather than read wrong."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_desktop.data.partitions import chunks_of, plan_partitions, read_partition
from mlops_desktop.data.sniff import ReadOptions
from mlops_desktop.data.stream import iter_frames
from mlops_desktop.errors import InputError
from tests.datasets import ADULT, GERMAN_CREDIT, read_dataset, unpack


def _same_chunks(path, options=None, per_partition=1000, rows=500):
    plan = plan_partitions(path, options, per_partition)
    assert plan is not None
    streamed = [chunk for chunk, _ in iter_frames(path, options, rows)]
    parted = [
        chunk
        for index in range(len(plan.partitions))
        for chunk in chunks_of(read_partition(plan, index), rows)
    ]
    assert len(parted) == len(streamed)
    for mine, theirs in zip(parted, streamed, strict=True):
        pd.testing.assert_frame_equal(mine, theirs)
    return plan


@pytest.fixture
def credit():
    return read_dataset(GERMAN_CREDIT)


def test_partitions_of_real_files_equal_the_stream(tmp_path):
    plan = _same_chunks(unpack(tmp_path) / ADULT, per_partition=5000, rows=1000)
    assert len(plan.partitions) == 10 and plan.rows == 48842  # Adult's "?" read as missing


def test_quoted_line_breaks_crlf_and_blank_lines_are_never_split(tmp_path, credit):
    frame = pd.concat([credit] * 4, ignore_index=True).astype({"age_in_years": object})
    frame["note"] = ['one\nsaid "two"' if i % 7 == 0 else "plain" for i in range(len(frame))]
    frame.loc[3100, "age_in_years"] = "forty"  # far down: the column is text for the file
    frame.loc[2500:2700, "duration_in_month"] = None  # a gap in one partition: float in all
    path = tmp_path / "awkward.csv"
    with open(path, "w", newline="") as handle:
        frame.to_csv(handle, index=False, lineterminator="\r\n")
    with open(path, "a", newline="") as handle:
        handle.write("\r\n\r\n")
    plan = _same_chunks(path)
    assert plan.rows == 4000 and len(plan.partitions) == 4
    text = tmp_path / "no_last_break.csv"
    text.write_text(frame.head(2345).to_csv(index=False).rstrip("\n"))
    assert _same_chunks(text).rows == 2345
    bare = tmp_path / "no_header.csv"
    pd.concat([credit] * 2).head(1500).to_csv(bare, index=False, header=False)
    assert _same_chunks(bare, ReadOptions(header=False)).rows == 1500


def test_parquet_partitions_cut_across_row_groups(tmp_path, credit):
    frame = pd.concat([credit] * 5, ignore_index=True)
    frame.loc[4321, "age_in_years"] = None
    path = tmp_path / "in.parquet"
    frame.to_parquet(path, row_group_size=777)
    assert _same_chunks(path).rows == 5000


def test_files_it_cannot_split_get_no_plan(tmp_path, credit):
    text = credit.head(1200).to_csv(index=False).replace("radio/television", 'radio 5" wide', 1)
    path = tmp_path / "stray.csv"  # a quote inside an unquoted value, which the reader keeps
    path.write_text(text)
    assert plan_partitions(path, None, 1000) is None  # the stream reads it instead
    wide = tmp_path / "utf16.csv"
    credit.head(50).to_csv(wide, index=False, encoding="utf-16")
    assert plan_partitions(wide, None, 1000) is None


def test_a_file_changed_after_planning_is_refused(tmp_path, credit):
    path = tmp_path / "in.csv"
    pd.concat([credit] * 2).to_csv(path, index=False)
    plan = plan_partitions(path, None, 1000)
    credit.head(10).to_csv(path, index=False)
    with pytest.raises(InputError, match="changed while it was being scored"):
        read_partition(plan, 1)
