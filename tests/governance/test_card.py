"""The model card on a real tested German credit model: every Annex IV section from the registry,
self-contained (no remote reference), rendered by Qt, and printed to PDF by the CLI."""

from __future__ import annotations

import re

import pytest

from mlops_desktop.cli.entry import main
from mlops_desktop.governance.card import model_card, oversight_lines, render_card
from mlops_desktop.governance.personal_data import mark, set_purpose
from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.deployments import deploy
from mlops_desktop.ui.governance.card_jobs import export_card
from tests.conftest import copy_workspace

SECTIONS = (
    "1. Intended purpose",
    "2. Data",
    "3. Development",
    "4. Evaluation",
    "5. Human oversight",
    "6. Monitoring plan",
    "7. Change history",
)
_REMOTE = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import\s+url|url\(\s*["']?\s*(?:https?:)?//""",
    re.I,
)


def remote_references(html: str) -> list[str]:
    return _REMOTE.findall(html)


def test_the_remote_reference_check_catches_them():
    assert remote_references('<img src="https://example.org/a.png">')
    assert remote_references("<link href='//cdn.example.org/x.css'>")
    assert remote_references("<style>@import url(theme.css)</style>")
    assert not remote_references('<a name="x">local</a>')


@pytest.fixture
def ws(tested_credit, tmp_path):
    with Workspace.open(copy_workspace(tested_credit, tmp_path / "ws"), create=False) as ws:
        set_purpose(ws, "credit", "Decide on consumer credit applications", "contract", "DPO")
        mark(ws, "credit@1", "telephone", personal=False, reason="a yes/no flag only")
        deploy(ws, "credit@1", force=True, reason="pilot before the gate is agreed")
        yield ws


def test_card_covers_annex_iv_from_the_registry(ws, tmp_path):
    card = model_card(ws, "credit@1")
    assert card["oversight"] == oversight_lines(ws, "credit")
    assert card["oversight"][0] == "No review rules are set."
    assert card["evaluation"]["report_id"] == ws.reports.latest(1).id
    [promotion] = card["history"]["promotions"]
    assert promotion["forced"] and promotion["reason"] == "pilot before the gate is agreed"
    assert "has no quality gate" in promotion["verdict"]

    _, result = run_inline(
        ws, export_card, {"model_ref": "credit@live", "path": str(tmp_path / "card.html")}
    )
    html = (tmp_path / "card.html").read_text(encoding="utf-8")
    positions = [html.index(title) for title in SECTIONS]
    assert positions == sorted(positions)
    for fact in (
        "Decide on consumer credit applications",
        "Art. 6(1)(b) performance of a contract",
        "uci_statlog_german_credit.csv",
        "personal_status_and_sex",
        "a yes/no flag only",
        "scikit-learn",
        "ROC AUC",
        "No review rules are set.",
        "pilot before the gate is agreed",
        "Logistic regression",
    ):
        assert fact in html, fact
    assert remote_references(html) == []
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert result["sha256"] == ws.audit.recent(1)[0].details["sha256"]


def test_card_renders_in_qt(ws, qapp):
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    document.setHtml(render_card(model_card(ws, "credit@1")))
    document.setPageSize(QSizeF(595, 842))  # A4 in points
    text = document.toPlainText()
    assert document.pageCount() >= 3
    assert all(title in text for title in SECTIONS)


def test_card_cli_writes_pdf_and_refuses_bad_input(ws, tmp_path, capsys):
    target = tmp_path / "card.pdf"
    assert main(["--workspace", str(ws.path), "card", "credit@1", "--out", str(target)]) == 0
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    assert b"/URI" not in data  # no link out of the document
    capsys.readouterr()
    for args in (
        ["card", "credit@1", "--out", str(tmp_path / "card.txt")],
        ["card", "nosuch@1", "--out", str(target)],
    ):
        assert main(["--workspace", str(ws.path), *args]) == 2
        assert capsys.readouterr().err.strip()
