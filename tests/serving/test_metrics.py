"""``GET /metrics`` of a real service on 127.0.0.1: the figures Prometheus scrapes agree with
the requests sent and the drift windows stored."""

from __future__ import annotations

import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from mlops_desktop.registry.workspace import Workspace
from tests.serving.conftest import rows


def _samples(url: str) -> dict[str, list]:
    response = httpx.get(url + "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


def _value(samples: dict, name: str, **labels) -> float:
    return sum(
        s.value
        for s in samples.get(name, [])
        if all(s.labels.get(k) == v for k, v in labels.items())
    )


def _wait_for(url: str, name: str, wanted: float, **labels) -> dict:
    deadline = time.monotonic() + 20
    while True:  # counted when the prediction log flushes (every 0.2 s)
        samples = _samples(url)
        if _value(samples, name, **labels) >= wanted or time.monotonic() > deadline:
            return samples
        time.sleep(0.1)


def test_metrics_count_requests_errors_latency_and_classes(served, credit_frame):
    ws, handle, _ = served
    url = handle.url
    before = _samples(url)
    ok = dict(model="credit", version="1", arm="live", protocol="mlflow", status="200")
    start = _value(before, "mlops_requests_total", **ok)
    answers = []
    for i in range(5):
        body = {"dataframe_records": rows(credit_frame, 3, start=3 * i)}
        answer = httpx.post(url + "/invocations", json=body)
        assert answer.status_code == 200
        answers.extend(answer.json()["predictions"])
    refused = httpx.post(url + "/invocations", json={"dataframe_records": [{"nope": 1}]})
    assert refused.status_code == 400

    _wait_for(url, "mlops_requests_total", start + 5, **ok)
    bad = dict(model="credit", arm="live", protocol="mlflow", status="400")
    samples = _wait_for(url, "mlops_request_errors_total", 1, **bad)  # a later flush, maybe
    assert _value(samples, "mlops_requests_total", **ok) == start + 5
    assert _value(samples, "mlops_request_errors_total", **bad) >= 1
    assert _value(samples, "mlops_requests_total", **bad) >= 1
    latency = _value(samples, "mlops_request_latency_seconds_count", model="credit", arm="live")
    assert latency >= start + 5
    for label in set(answers):
        counted = _value(samples, "mlops_predictions_total", model="credit", **{"class": label})
        assert counted >= answers.count(label)


def test_metrics_publish_the_latest_drift_share(served):
    ws, handle, versions = served
    assert "mlops_drift_share" not in _samples(handle.url)  # no window stored yet
    with Workspace.open(ws.path, create=False) as writer:
        store = writer.drift_windows
        for start, share in ((0.0, 0.1), (50.0, 0.35)):  # as the monitor stores them
            store.insert(
                "credit",
                versions[0].id,
                "count",
                start,
                start + 50,
                50,
                results_json="{}",
                drift_share=share,
                dataset_drift=0,
            )
    samples = _samples(handle.url)
    shares = {
        (s.labels["model"], s.labels["window"]): s.value for s in samples["mlops_drift_share"]
    }
    assert shares == {("credit", "count"): 0.35}  # the latest window's share, read at the scrape
