"""Deploy page dialogs: confirmations, "Deploy anyway…" with a written reason, batch scoring,
and the runner that applies a deployment change off the GUI thread and handles its refusal.

Every dialog opens window-modal without blocking (``open()``), so jobs and the service monitor
keep running while it is up.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from html import escape as html_escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import CheckFailed, MlopsError
from mlops_desktop.registry.entities import Job
from mlops_desktop.serving.batch import score_job
from mlops_desktop.ui.kit.cluster_choice import ClusterChoice
from mlops_desktop.ui.kit.dialogs import (
    ErrorText,
    error_box,
    error_text,
    set_primary,
    use_native_dialogs,
    widen,
)
from mlops_desktop.ui.runtime.background import BackgroundTasks
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel


def escape(text: str) -> str:
    """``text`` safe inside a rich-text label (quotes stay as they are)."""
    return html_escape(text, quote=False)


def confirm(
    parent: QWidget,
    title: str,
    headline: str,
    text: str,
    yes_label: str,
    on_yes: Callable[[], None],
    on_no: Callable[[], None] | None = None,
) -> QMessageBox:
    """Ask before a change that affects who is served; ``on_yes``/``on_no`` run afterwards."""
    box = QMessageBox(parent)
    box.setObjectName("deployConfirm")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(f"<b>{escape(headline)}</b>")
    box.setInformativeText(escape(text))
    yes = box.addButton(yes_label, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(yes)
    widen(box)

    def finished(_code: int) -> None:
        if box.clickedButton() is yes:
            on_yes()
        elif on_no is not None:
            on_no()

    box.finished.connect(finished)
    box.open()
    return box


def refusal_box(
    parent: QWidget, ref: str, reason: str, action: str, on_anyway: Callable[[], None]
) -> QMessageBox:
    """The promotion rule refused ``ref``: say why and offer "<action> anyway…"."""
    box = QMessageBox(parent)
    box.setObjectName("refusalBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Promotion Rule")
    verb = {"Canary": "get canary traffic", "Shadow": "shadow the live traffic"}.get(
        action, "go live"
    )
    box.setText(f"<b>{escape(ref)} may not {verb}</b>")
    box.setInformativeText(escape(reason))
    anyway = box.addButton(f"{action} &anyway…", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    widen(box)
    box.finished.connect(lambda _code: on_anyway() if box.clickedButton() is anyway else None)
    box.open()
    return box


class ForceDialog(QDialog):
    """Override the promotion rule: only with a written reason (kept in the audit trail)."""

    def __init__(self, ref: str, refusal: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forceDialog")
        self.setWindowTitle(f"{action} {ref} Anyway")
        self.setMinimumWidth(520)
        why = QLabel(f"<b>{escape(ref)} did not pass the promotion rule.</b><br>{escape(refusal)}")
        why.setWordWrap(True)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("forceReason")
        self.reason_edit.setPlaceholderText(
            "e.g. Hotfix approved by the risk team; the retrained model is tested tomorrow."
        )
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(84)
        label = QLabel("&Why override it? The reason is kept in the audit trail:")
        label.setBuddy(self.reason_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton(
            f"{action} anyway", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setObjectName("forceOk")
        set_primary(self.ok_button)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(
            lambda: self.ok_button.setEnabled(bool(self.reason().strip()))
        )
        layout = QVBoxLayout(self)
        layout.addWidget(why)
        layout.addSpacing(6)
        layout.addWidget(label)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.buttons)

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()


class ChangeRunner(QObject):
    """Applies one deployment change at a time on a pool thread. When the promotion rule refuses
    it, offers "<action> anyway…" (a written reason, then ``how["retry"](reason)``); any other
    error gets the usual box with details. ``show_dialog`` hears of every dialog it opens."""

    def __init__(self, parent: QWidget, show_dialog: Callable[[QWidget], None]) -> None:
        super().__init__(parent)
        self.widget = parent
        self.tasks = BackgroundTasks(self)
        self.show_dialog = show_dialog
        self.busy = ""
        self.last_error: BaseException | None = None

    def run(
        self,
        path: Path | None,
        busy: str,
        fn: Callable[..., Any],
        args: tuple = (),
        kwargs: dict | None = None,
        on_settled: Callable[[Any, BaseException | None], None] | None = None,
        **how: Any,
    ) -> bool:
        """Start ``fn(ws, *args, **kwargs)``; False when another change is still running."""
        if self.busy or path is None:
            return False
        self.busy = busy

        def done(result: Any, error: BaseException | None) -> None:
            self.busy = ""
            self.last_error = error
            if error is not None:
                self._failed(error, how)
            if on_settled is not None:
                on_settled(result, error)

        self.tasks.run(path, fn, args, kwargs, done)
        return True

    def _failed(self, error: BaseException, how: dict) -> None:
        if isinstance(error, CheckFailed) and how.get("retry") is not None:
            ref, action = how["ref"], how["action"]
            self.show_dialog(
                refusal_box(
                    self.widget, ref, error.message, action, lambda: self._force(error, how)
                )
            )
            return
        title = how.get("title", "Deploy")
        if isinstance(error, MlopsError):
            text = error_text(error, title, how.get("headline", ""))
        else:
            details = "".join(traceback.format_exception(error))
            headline = how.get("headline") or "Something went wrong"
            text = ErrorText(title, headline, str(error), details)
        box = error_box(self.widget, text)
        self.show_dialog(box)
        box.open()

    def _force(self, error: CheckFailed, how: dict) -> None:
        dialog = ForceDialog(how["ref"], error.message, how["action"], self.widget)
        dialog.accepted.connect(lambda: how["retry"](dialog.reason()))
        self.show_dialog(dialog)
        dialog.open()


class FileField(QWidget):
    """A path line edit with a Browse… button (native dialog unless headless)."""

    changed = Signal(str)

    def __init__(self, caption: str, save: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption, self.save = caption, save
        self.edit = QLineEdit()
        self.edit.textChanged.connect(self.changed)
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self.choose)
        self.dialog: QFileDialog | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)

    def path(self) -> str:
        return self.edit.text().strip()

    def choose(self) -> QFileDialog:
        start = str(Path(self.path()).parent) if self.path() else str(Path.home())
        dialog = QFileDialog(self, self.caption, start, "Data files (*.csv *.parquet)")
        dialog.setAcceptMode(
            QFileDialog.AcceptMode.AcceptSave if self.save else QFileDialog.AcceptMode.AcceptOpen
        )
        dialog.setFileMode(
            QFileDialog.FileMode.AnyFile if self.save else QFileDialog.FileMode.ExistingFile
        )
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, not use_native_dialogs())
        dialog.fileSelected.connect(self.edit.setText)
        self.dialog = dialog
        dialog.open()
        return dialog


def scored_name(path: str) -> str:
    """``loans.csv`` → ``loans.scored.csv`` beside it."""
    p = Path(path)
    return str(p.with_name(f"{p.stem}.scored{p.suffix if p.suffix else '.csv'}"))


class BatchScoringDialog(QDialog):
    """Score a CSV or Parquet file with a model version as a job; show scored and rejected rows."""

    def __init__(
        self, model: WorkspaceModel, refs: list[str], default: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.job_id: str | None = None
        self.result: dict | None = None
        self.setObjectName("batchScoringDialog")
        self.setWindowTitle("Batch Scoring")
        self.setMinimumWidth(600)
        intro = QLabel(
            "Score every row of a CSV or Parquet file. Rows that break the model's input contract "
            "are not scored: they go to a rejects file with the reason."
        )
        intro.setWordWrap(True)
        self.ref_box = QComboBox()
        self.ref_box.setEditable(True)
        self.ref_box.addItems(refs)
        self.ref_box.setCurrentText(default)
        self.input = FileField("Choose the File to Score", save=False)
        self.output = FileField("Save Predictions As", save=True)
        self._auto_output = ""
        self.input.changed.connect(self._suggest_output)
        form = QFormLayout()
        form.addRow("&Model version:", self.ref_box)
        form.addRow("&Input file:", self.input)
        form.addRow("&Output file:", self.output)
        self.cluster = ClusterChoice("Check and score")
        form.addRow("Runs:", self.cluster)
        self.status = QLabel()
        self.status.setObjectName("batchStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setOpenExternalLinks(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.score_button = self.buttons.addButton("&Score", QDialogButtonBox.ButtonRole.ActionRole)
        self.score_button.setObjectName("scoreButton")
        set_primary(self.score_button)
        self.score_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _suggest_output(self, text: str) -> None:
        if text.strip() and self.output.path() in ("", self._auto_output):
            self._auto_output = scored_name(text.strip())
            self.output.edit.setText(self._auto_output)

    def start(self) -> str | None:
        """Submit the scoring job (progress and Cancel are in the Jobs panel)."""
        ref, src, dst = self.ref_box.currentText().strip(), self.input.path(), self.output.path()
        if not (ref and src and dst):
            self.status.setText("Choose a model version, an input file and an output file.")
            return None
        self.result = None
        cluster = self.cluster.address()
        self.job_id = self.model.submit(
            score_job,
            {"ref": ref, "in_path": src, "out_path": dst, "cluster": cluster},
            title=f"Score {Path(src).name} with {ref}" + (f" on {cluster}" if cluster else ""),
            on_finished=self._finished,
        )
        self.score_button.setEnabled(False)
        self.status.setText(
            f"Scoring with {escape(ref)}… progress and Cancel are in the Jobs panel."
        )
        return self.job_id

    def _finished(self, job: Job) -> None:
        if job.id != self.job_id:
            return
        self.score_button.setEnabled(True)
        if job.status != "succeeded":
            verb = "was cancelled" if job.status == "cancelled" else "failed"
            self.status.setText(f"<b>Scoring {verb}.</b> {escape(job.error or job.message or '')}")
            return
        self.result = r = job.result
        out = Path(r["output"])
        text = (
            f"<b>Scored {r['scored']:,} of {r['rows']:,} rows</b> with {escape(r['model'])} into "
            f"<a href='{out.as_uri()}'>{escape(out.name)}</a>."
        )
        if r["rejected"]:
            rejects = Path(r["rejects"])
            text += (
                f"<br>Rejected {r['rejected']:,} row{'s' if r['rejected'] != 1 else ''}: "
                f"reasons in <a href='{rejects.as_uri()}'>{escape(rejects.name)}</a>."
            )
        else:
            text += "<br>No row was rejected."
        if r.get("reviews"):
            text += (
                f"<br>{r['reviews']:,} row{'s' if r['reviews'] != 1 else ''} queued for a "
                "person's review (Govern, Reviews); the output's review column says pending."
            )
        self.status.setText(text)
