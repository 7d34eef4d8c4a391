"""Test reports per model version: the summary JSON, the stored HTML/PDF and the gate verdict."""

from __future__ import annotations

import sqlite_utils

from mlops_desktop.errors import NotFoundError
from mlops_desktop.registry import clock
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import TestReport, from_row, to_row


class ReportStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def add(
        self,
        model_version_id: int,
        summary: dict,
        *,
        passed: bool | None,
        gate_id: int | None = None,
        job_id: str | None = None,
        html_hash: str | None = None,
        pdf_hash: str | None = None,
    ) -> TestReport:
        row = to_row(
            {
                "model_version_id": model_version_id,
                "gate_id": gate_id,
                "job_id": job_id,
                "passed": None if passed is None else int(bool(passed)),
                "summary": summary,
                "html_hash": html_hash,
                "pdf_hash": pdf_hash,
                "created_at": clock.now(),
            },
            ("summary",),
        )
        with write(self.db):
            cursor = self.db.execute(
                f"INSERT INTO test_reports ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
        return self.get(cursor.lastrowid)

    def set_pdf(self, report_id: int, pdf_hash: str) -> TestReport:
        with write(self.db):
            self.db.execute(
                "UPDATE test_reports SET pdf_hash = ? WHERE id = ?", [pdf_hash, report_id]
            )
        return self.get(report_id)

    def get(self, report_id: int) -> TestReport:
        rows = list(self.db.query("SELECT * FROM test_reports WHERE id = ?", [report_id]))
        if not rows:
            raise NotFoundError(f"No test report with id {report_id}.")
        return from_row(TestReport, rows[0])

    def latest(self, model_version_id: int) -> TestReport | None:
        """The most recent report of a model version, or None when it was never tested."""
        rows = list(
            self.db.query(
                "SELECT * FROM test_reports WHERE model_version_id = ?"
                " ORDER BY created_at DESC, id DESC LIMIT 1",
                [model_version_id],
            )
        )
        return from_row(TestReport, rows[0]) if rows else None

    def list(self, model_version_id: int | None = None) -> list[TestReport]:
        sql, args = "SELECT * FROM test_reports", []
        if model_version_id is not None:
            sql += " WHERE model_version_id = ?"
            args.append(model_version_id)
        return [
            from_row(TestReport, r) for r in self.db.query(sql + " ORDER BY created_at, id", args)
        ]

    def set_files(self, report_id: int, html_hash: str | None, pdf_hash: str | None) -> None:
        """Point a report at other stored files (an erasure rewrote its HTML, dropped its PDF)."""
        with write(self.db):
            self.db.execute(
                "UPDATE test_reports SET html_hash = ?, pdf_hash = ? WHERE id = ?",
                [html_hash, pdf_hash, report_id],
            )

    def uses(self, digest: str) -> bool:
        """Whether any report still points at artifact ``digest``."""
        row = self.db.execute(
            "SELECT 1 FROM test_reports WHERE html_hash = ? OR pdf_hash = ? LIMIT 1",
            [digest, digest],
        ).fetchone()
        return row is not None
