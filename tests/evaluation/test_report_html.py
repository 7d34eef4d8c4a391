"""Reports: JSON-safe summary, self-contained HTML that renders (Chromium and Qt), and a PDF."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.evaluation.gates import parse_gate
from mlops_desktop.evaluation.html import render_html
from mlops_desktop.evaluation.report import ReportInputs, build_report
from mlops_desktop.evaluation.suggestions import suggest_tests
from mlops_desktop.training.trainer import TrainConfig, train
from tests.datasets import BIKESHARE, read_dataset
from tests.evaluation.conftest import schema_of

GATE = {
    "metrics": {"roc_auc": {">=": 0.7}},
    "min_lift_over_baseline": 0.1,
    "max_slice_gap": 0.15,
    "min_slice_rows": 40,
    "require_contracts_pass": True,
}
PNG_DIR = Path(os.environ.get("EVAL_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(scope="module")
def report(credit_model):
    frame, mask, _schema, _roles, result, signature = credit_model
    test = frame[mask]
    return build_report(
        ReportInputs(
            result.pipeline,
            signature,
            test.assign(officer=test["creditability"].where(test["duration_in_month"] < 24, "bad")),
            frame.loc[~mask, "creditability"],
            meta={
                "model": {"ref": "credit@1", "family": "logreg"},
                "dataset": {"ref": "credit@1", "source": "uci_statlog_german_credit.csv"},
            },
            gate=parse_gate(GATE),
            gate_meta={"id": 1, "version": 1},
            tests=suggest_tests(test, signature, result.pipeline),
            current_decision_column="officer",
        )
    )


def test_summary_is_strict_json_with_the_documented_keys(report):
    text = json.dumps(report, allow_nan=False)
    assert len(text) < 200_000
    assert {
        "model",
        "dataset",
        "task",
        "metrics",
        "baseline",
        "current_decision",
        "charts",
        "slices",
        "behavioural",
        "contracts",
        "gate",
        "bootstrap",
    } <= set(report)
    assert report["bootstrap"]["resamples"] == 1000
    decision = report["current_decision"]
    assert decision["column"] == "officer" and "log_loss" not in decision["metrics"]
    assert decision["model_lift"]["roc_auc"]["value"] is not None
    assert len(report["charts"]["curves"]["bad"]["roc"]["x"]) <= 500


def test_html_is_self_contained(report):
    html = render_html(report)
    assert "http://" not in html and "https://" not in html
    assert "xmlns" not in html and "<script" not in html and "<link" not in html
    assert "url(" not in html and "@import" not in html
    assert html.count("<svg") == 5  # ROC, PR, calibration, confusion, slices
    assert "Hofmann, H. (1994). Statlog (German Credit Data)" in html
    assert "Quality gate" in html and "officer" in html
    assert len(html.encode()) < 400_000


def test_html_lists_the_feature_importance_largest_first(report):
    """The report's permutation importance is in its HTML (and so its PDF), not only its data."""
    import re
    from html import unescape

    from mlops_desktop.formatting import number

    importance = report["importance"]
    html = render_html(report)
    section = html.split("<h2>Feature importance</h2>", 1)[1].split("<h2>", 1)[0]
    cells = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td>", section)
    ranked = sorted(importance["columns"].items(), key=lambda kv: -kv[1]["mean"])
    assert [unescape(c) for c, _ in cells] == [c for c, _ in ranked]
    assert [unescape(v) for _, v in cells] == [number(e["mean"]) for _, e in ranked]
    assert f"{importance['rows']:,} test rows, {importance['repeats']} repeats" in section
    assert "Loss of ROC AUC when shuffled" in section
    bare = render_html({**report, "importance": {}})
    assert "This report has no feature importance" in bare


def test_html_stays_small_whatever_the_row_count(credit_model):
    frame, mask, _schema, _roles, result, signature = credit_model
    big = pd.concat([frame[mask]] * 40, ignore_index=True)  # ~12,000 rows
    summary = build_report(
        ReportInputs(result.pipeline, signature, big, frame.loc[~mask, "creditability"], n_boot=100)
    )
    assert len(render_html(summary).encode()) < 400_000


def _ink_share(path: Path) -> float:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull()
    step = 7
    dark = total = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            total += 1
            dark += image.pixelColor(x, y).lightness() < 200
    return dark / total


def test_html_renders_in_headless_chromium(report, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    shot = PNG_DIR / "mlops_eval_report_chromium.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,3000",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.is_file()
    assert _ink_share(shot) > 0.02  # text, tables and charts, not a blank page


def test_html_renders_in_qt_text_document(report):
    """Qt's rich text (the PDF path): charts become images, the text lays out on a page."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QImage, QPainter

    from mlops_desktop.ui.evaluation.pdf_export import report_document

    document = report_document(report)
    document.setPageSize(QSizeF(900, 2400))
    image = QImage(900, 2400, QImage.Format_RGB32)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    document.drawContents(painter)
    painter.end()
    shot = PNG_DIR / "mlops_eval_report_qt.png"
    assert image.save(str(shot))
    assert _ink_share(shot) > 0.02
    text = document.toPlainText()
    assert "Quality gate FAILED" in text and "ROC curve" not in text  # charts are images
    assert "Feature importance" in text and "Loss of ROC AUC when shuffled" in text


def test_pdf_is_written_by_qt_and_opens(report, tmp_path):
    from mlops_desktop.ui.evaluation.pdf_export import report_pdf_bytes

    data = report_pdf_bytes(report)
    assert data.startswith(b"%PDF") and b"%%EOF" in data[-64:]
    assert len(data) < 5_000_000
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(data)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    prefix = PNG_DIR / "mlops_eval_report_pdf"
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "3", str(pdf), str(prefix)],
        check=True,
        timeout=60,
    )
    pages = sorted(PNG_DIR.glob("mlops_eval_report_pdf-*.png"))
    assert pages and all(_ink_share(p) > 0.005 for p in pages)


def test_regression_report_draws_scatter_and_residuals():
    frame = read_dataset(BIKESHARE).drop(columns=["casual", "registered"])
    frame = frame.head(2000)
    mask = np.asarray(frame.index % 4 == 0)
    schema = schema_of(frame, "bikers")
    schema["bikers"] = "numeric"
    roles = {"target": "bikers", "task": "regression"}
    result = train(frame, mask, schema, roles, TrainConfig("linear", "regression", cv_folds=2),
                   lambda *_: None)  # fmt: skip
    summary = build_report(
        ReportInputs(
            result.pipeline,
            result.signature,
            frame[mask],
            frame.loc[~mask, "bikers"],
            gate=parse_gate({"metrics": {"rmse": {"<=": 1}}}),
            n_boot=200,
        )
    )
    assert summary["primary_metric"] == "rmse"
    assert summary["baseline"]["lift"]["rmse"]["value"] > 0  # better than predicting the mean
    assert summary["gate"]["passed"] is False
    html = render_html(summary)
    assert "Predicted vs actual" in html and "Residuals" in html and "http" not in html
    assert "Fanaee-T" not in html  # no dataset metadata given, so no credit line


def _visible_text(html: str) -> str:
    import html as html_module
    import re

    html = re.sub(r"<(svg|style).*?</\1>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


def test_the_report_reads_metric_labels_one_operator_and_one_precision(report):
    """What people read in the HTML and the PDF: 'ROC AUC ≥ 0.7', never 'roc_auc >= 0.7'; the
    gate's 'ROC AUC is 0.776' at the metrics table's precision, not 0.7764 beside 0.776."""
    from mlops_desktop.formatting import number
    from mlops_desktop.ui.evaluation.pdf_export import report_document

    lines = report["gate"]["lines"]
    gate_text = " ".join(f"{line['rule']} {line['reason']}" for line in lines)
    for raw in ("roc_auc", "pr_auc", "log_loss", ">=", "<="):
        assert raw not in gate_text, gate_text
    assert "ROC AUC ≥ 0.7" in gate_text and "lift over baseline ≥ 0.1 (ROC AUC)" in gate_text
    value = report["metrics"]["roc_auc"]["value"]
    table_figure = number(value)  # as the metrics table shows it
    assert f"ROC AUC is {table_figure}, which" in gate_text
    lift = report["baseline"]["lift"]["roc_auc"]["value"]
    assert f"ROC AUC is {number(lift)} better" in gate_text

    html_text = _visible_text(render_html(report))
    pdf_text = report_document(report).toPlainText()
    for text in (html_text, pdf_text):
        assert "roc_auc" not in text and "ROC AUC ≥ 0.7" in text
        assert f"ROC AUC is {table_figure}," in text and table_figure in text
