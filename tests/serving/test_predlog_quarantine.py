"""The prediction log never stops: a row that cannot be written is quarantined, the rest written."""

from __future__ import annotations

import json

import httpx

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving import deployments as d
from mlops_desktop.serving.predlog import REFUSED_INPUTS_CAP, PredictionLog, stop_message
from mlops_desktop.serving.process import start_service, stop_service
from tests.serving.conftest import free_port, register_versions, rows


def _v2_body(record: dict, request_id: str) -> dict:
    return {
        "id": request_id,
        "parameters": {"content_type": "pd"},
        "inputs": [
            {
                "name": k,
                "shape": [1],
                "datatype": "BYTES" if isinstance(v, str) else "FP64",
                "data": [v],
            }
            for k, v in record.items()
        ],
    }


def test_a_lone_surrogate_id_is_refused_and_the_log_goes_on(tmp_path, trained, credit_frame):
    """The issue's request: an ``id`` holding a lone surrogate. It is refused with a 400 before
    scoring (tests/serving/test_hostile_input.py), and every later request is still logged; rows
    that cannot be written at all are quarantined (the PredictionLog tests below)."""
    ws = Workspace.open(tmp_path / "ws")
    register_versions(ws, trained)
    d.deploy(ws, "credit@1", force=True, reason="quarantine test")
    handle = start_service(ws, port=free_port())
    record = rows(credit_frame, 1)[0]
    # "\ud800" escaped in the JSON text: json.loads makes it a lone surrogate
    bad = json.dumps(_v2_body(record, "PLACEHOLDER")).replace("PLACEHOLDER", "bad\\ud800")
    with httpx.Client(base_url=handle.url, timeout=30) as http:
        refused = http.post("/v2/models/credit/infer", content=bad.encode())
        assert refused.status_code == 400 and "error" in refused.json()
        good = [f"good-{i}" for i in range(100)]
        for request_id in good:
            answer = http.post("/v2/models/credit/infer", json=_v2_body(record, request_id))
            assert answer.status_code == 200
    assert stop_service(ws, handle)  # SIGTERM

    logged = {r[0] for r in ws.db.execute("SELECT request_id FROM predictions")}
    assert set(good) <= logged
    statuses = [r[0] for r in ws.db.execute("SELECT status FROM predictions")]
    assert statuses.count(400) == 1  # the refusal is counted as a client error, not lost
    quarantined = ws.predictions.quarantined()
    stopped = handle.log_path.read_text().strip().splitlines()[-1]
    written = ws.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
    assert stopped == stop_message(
        {"written": written, "quarantined": len(quarantined), "dropped": 0, "pending": 0}
    )
    ws.close()


def test_a_value_json_cannot_encode_is_quarantined_not_retried(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    log = PredictionLog(ws.path / "registry.db", flush_interval=60)
    log.start()
    circular: list = []
    circular.append(circular)
    log.append("loop", "credit", None, "live", "v2", circular, None, 1.0, 200)
    for i in range(5):
        log.append(f"r{i}", "credit", None, "live", "v2", {"x": [i]}, None, 1.0, 200)
    log.close()
    assert log.counts() == {"written": 5, "quarantined": 1, "dropped": 0, "pending": 0}
    assert ws.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 5
    assert "circular" in ws.predictions.quarantined()[0][2].lower()
    ws.close()


def test_every_kind_of_bad_row_is_quarantined_and_the_good_ones_written(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    log = PredictionLog(ws.path / "registry.db", flush_interval=60)
    log.start()
    log.append("err", "credit", None, "live", "v2", None, None, 1.0, 500, error="boom \udfff")
    log.append("arm", "credit", None, "no-such-arm", "v2", None, None, 1.0, 200)  # CHECK fails
    log.append("odd", "credit", None, "live", "v2", None, None, object(), 200)  # cannot bind
    log.append("in", "credit", None, "live", "v2", {"x": ["\ud800"]}, None, 1.0, 200)
    for i in range(50):
        log.append(f"r{i}", "credit", None, "live", "v2", {"x": [i]}, None, 1.0, 200)
    log.close()
    assert log.counts() == {"written": 51, "quarantined": 3, "dropped": 0, "pending": 0}
    reasons = {q[0]: q[2] for q in ws.predictions.quarantined()}
    assert set(reasons) == {"err", "arm", "odd"}
    assert "CHECK" in reasons["arm"]
    escaped = ws.db.execute("SELECT inputs_json FROM predictions WHERE request_id = 'in'")
    assert json.loads(escaped.fetchone()[0]) == {"x": ["\ud800"]}  # JSON escapes it: kept
    ws.close()


def test_refused_inputs_are_stored_up_to_a_cap(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    log = PredictionLog(ws.path / "registry.db", flush_interval=60)
    log.start()
    big = {"columns": ["a"], "data": [["x" * 100] for _ in range(15_000)]}  # about 1.5 MB
    for i in range(10):
        log.append(f"r{i}", "credit", None, "live", "v2", big, None, 1.0, 400, error="bad")
    log.append("ok", "credit", None, "live", "v2", big, None, 1.0, 200)
    log.close()
    stored = dict(ws.db.execute("SELECT request_id, LENGTH(inputs_json) FROM predictions"))
    assert all(stored[f"r{i}"] <= REFUSED_INPUTS_CAP for i in range(10))
    assert sum(stored[f"r{i}"] for i in range(10)) < 50_000  # kilobytes, not megabytes
    assert stored["ok"] > 1_000_000  # answered requests keep their inputs (drift reads them)
    marker = json.loads(
        ws.db.execute("SELECT inputs_json FROM predictions WHERE request_id = 'r0'").fetchone()[0]
    )
    assert marker["truncated"] is True and marker["original_chars"] > 1_400_000
    ws.close()


def test_ten_refused_big_bodies_add_kilobytes_to_the_log(tmp_path, trained):
    ws = Workspace.open(tmp_path / "ws")
    register_versions(ws, trained)
    d.deploy(ws, "credit@1", force=True, reason="refused inputs test")
    handle = start_service(ws, port=free_port())  # 16 MB bodies allowed
    body = json.dumps({"dataframe_split": {"columns": ["nope"], "data": [["x" * 90]] * 15_000}})
    assert len(body) > 1_400_000
    with httpx.Client(base_url=handle.url, timeout=60) as http:
        for i in range(10):
            answer = http.post(
                "/invocations",
                content=body,
                headers={"Content-Type": "application/json", "X-Request-ID": f"big-{i}"},
            )
            assert answer.status_code == 400
    stop_service(ws, handle)
    sizes = [
        r[0]
        for r in ws.db.execute(
            "SELECT LENGTH(inputs_json) FROM predictions WHERE request_id LIKE 'big-%'"
        )
    ]
    assert len(sizes) == 10 and all(s is not None for s in sizes)
    assert sum(sizes) < 50_000, sizes
    ws.close()
