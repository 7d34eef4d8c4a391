"""Micro-batching on a real pipeline: concurrent requests share one predict call, a bad one is
isolated, large batches go to a worker thread, and answers match scoring each request alone."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.serving.batching import INLINE_ROWS, Batcher
from mlops_desktop.serving.models import load_model
from mlops_desktop.serving.validation import RequestError, Table
from tests.serving.conftest import TARGET


@pytest.fixture
def loaded(model_ws):
    return load_model(model_ws, model_ws.models.get("credit@2"))


def _table(frame: pd.DataFrame) -> Table:
    return Table({c: frame[c].tolist() for c in frame.columns}, len(frame))


def test_concurrent_requests_share_a_batch_and_match_single_scoring(loaded, credit_frame):
    features = credit_frame.drop(columns=[TARGET])
    tables = [_table(features.iloc[i : i + 1]) for i in range(40)]
    bad = dict(tables[7].columns)
    bad["age_in_years"] = ["not a number"]  # slipped past validation: the model itself refuses
    tables[7] = Table(bad, 1)

    async def run():
        with ThreadPoolExecutor(1) as pool:
            batcher = Batcher(loaded, pool)
            futures = [batcher.submit(t) for t in tables]
            results = await asyncio.gather(*futures, return_exceptions=True)
        return batcher, results

    batcher, results = asyncio.run(run())
    assert batcher.requests == 40 and batcher.batches < 40
    assert isinstance(results[7], RequestError) and "age_in_years" in results[7].message
    expected = loaded.pipeline.predict_proba(features.iloc[:40])
    for i, result in enumerate(results):
        if i == 7:
            continue
        assert np.allclose(result.proba, expected[i : i + 1])
        assert result.predictions == [loaded.classes[int(np.argmax(expected[i]))]]


def test_a_batch_larger_than_the_inline_limit_scores_in_the_worker(loaded, credit_frame):
    repeats = INLINE_ROWS // len(credit_frame) + 1
    features = pd.concat([credit_frame.drop(columns=[TARGET])] * repeats, ignore_index=True)
    assert len(features) > INLINE_ROWS

    async def run():
        with ThreadPoolExecutor(1, thread_name_prefix="score") as pool:
            batcher = Batcher(loaded, pool)
            return await batcher.submit(_table(features))

    result = asyncio.run(run())
    assert len(result.predictions) == len(features)
    assert np.allclose(result.proba, loaded.pipeline.predict_proba(features))
