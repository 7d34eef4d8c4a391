"""The Train page's actions: the New Run form, Import Model, Register, Retrain on newer data
and Compare.

A mixin for TrainPage (``mlops_desktop.ui.training.page``), which provides ``model``,
``_runs``, ``_registered``, ``_dataset_refs``, ``_submitted``, ``refresh``, ``reload``,
``select_key``, ``current_row`` and ``_comparable``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from mlops_desktop.errors import MlopsError
from mlops_desktop.registry.entities import Job
from mlops_desktop.training.families import family_label
from mlops_desktop.training.run_summary import newer_dataset_versions
from mlops_desktop.ui.kit.dialogs import error_box, error_text, job_error_text
from mlops_desktop.ui.training.compare import CompareDialog
from mlops_desktop.ui.training.dialogs import NewRunDialog, RegisterDialog, RetrainDialog
from mlops_desktop.ui.training.import_dialog import IMPORT_JOB, ImportModelDialog
from mlops_desktop.ui.training.model import RETRAIN_JOB, TRAIN_JOB


class TrainActions:
    """Dialogs and job submissions of the Train page."""

    new_run_dialog: NewRunDialog | None = None
    register_dialog: RegisterDialog | None = None
    retrain_dialog: RetrainDialog | None = None
    compare_dialog: CompareDialog | None = None
    import_dialog: ImportModelDialog | None = None
    import_error: QMessageBox | None = None

    def _on_empty_action(self, page: str) -> None:
        if page == self.name:
            self.open_new_run_dialog()

    def open_new_run_dialog(self, preselect: str | None = None) -> NewRunDialog | None:
        """Show the training form (window-modal); Train submits one job per family.

        ``preselect`` is the dataset version the form starts on (else the selected run's)."""
        ws = self.model.workspace
        if ws is None:
            return None
        versions = ws.datasets.list()
        if not versions:
            self.navigate_requested.emit("data")
            return None
        row = self.current_row()
        start = preselect or (row.dataset if row else None)
        dialog = NewRunDialog(versions, self, preselect=start)
        dialog.accepted.connect(lambda: self.submit_runs(dialog.submissions()))
        self.new_run_dialog = dialog
        dialog.open()
        return dialog

    def submit_runs(self, submissions: list[dict]) -> list[str]:
        """Submit one ``train_model`` job per submission; the table shows each as it runs."""
        job_ids = []
        for kwargs in submissions:
            label = family_label(kwargs["model"])
            job_ids.append(
                self.model.submit(
                    TRAIN_JOB,
                    kwargs,
                    title=f"Train {label} on {kwargs['dataset']}"
                    + (f" (Dask cluster {kwargs['cluster']})" if kwargs.get("cluster") else ""),
                    on_finished=self._on_training_finished,
                )
            )
        self._submitted.extend(job_ids)
        self.refresh(self.model)
        return job_ids

    def open_import_dialog(self) -> ImportModelDialog | None:
        """Show the Import Model form (window-modal); Import submits an ``import_model`` job."""
        ws = self.model.workspace
        if ws is None:
            return None
        versions = ws.datasets.list()
        if not versions:
            self.navigate_requested.emit("data")
            return None
        dialog = ImportModelDialog(versions, self)
        dialog.accepted.connect(lambda: self.submit_import(dialog.kwargs()))
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def submit_import(self, kwargs: dict) -> str | None:
        """Run the import in a worker; a refusal opens its message, a success selects its run."""
        if not kwargs:
            return None
        job_id = self.model.submit(
            IMPORT_JOB,
            kwargs,
            title=f"Import {kwargs['path'].rsplit('/', 1)[-1]} as {kwargs['name']}",
            on_finished=self._on_import_finished,
        )
        self._submitted.append(job_id)
        self.refresh(self.model)
        return job_id

    def _on_import_finished(self, job: Job) -> None:
        if job.status == "failed" and self.model.workspace is not None:
            self.import_error = error_box(self, job_error_text(job))
            self.import_error.open()
        self._on_training_finished(job)

    def _on_training_finished(self, job: Job) -> None:
        if self.model.workspace is None:
            return
        self.refresh(self.model)
        if self.showing_empty_state():
            return
        self.reload()  # the run's final state, even when the run count did not change
        result = job.result if job.status == "succeeded" and isinstance(job.result, dict) else {}
        key = result.get("run_id") or next(
            (r.id for r in self._runs.values() if r.job_id == job.id), job.id
        )
        self.select_key(key)

    def open_register_dialog(self, run_id: str) -> RegisterDialog | None:
        ws = self.model.workspace
        run = self._runs.get(run_id)
        if ws is None or run is None:
            return None
        dataset = self.dataset_ref(run.dataset_version_id).partition("@")[0]

        def next_number(name: str) -> int:
            return max((v.number for v in ws.models.list(name)), default=0) + 1

        dialog = RegisterDialog(run_id, dataset, next_number, self)
        self.register_dialog = dialog
        dialog.accepted.connect(lambda: self.register_run(run_id, dialog.name()))
        dialog.open()
        return dialog

    def register_run(self, run_id: str, name: str) -> str | None:
        """Register the run's pipeline as ``name@N`` (a quick registry write); returns the ref."""
        ws = self.model.workspace
        run = self._runs.get(run_id)
        if ws is None or run is None or not run.artifact_hash:
            return None
        try:
            version = ws.models.register(
                name,
                run.id,
                run.artifact_hash,
                signature=run.config.get("signature") or {},
                parent_id=run.parent_model_version_id,
            )
        except MlopsError as exc:
            error_box(self, error_text(exc, "Cannot Register", "The run was not registered")).open()
            return None
        self.model.refresh_summary()
        self.reload()
        self.select_key(run_id)
        return version.ref

    def open_retrain_dialog(self, run_id: str) -> RetrainDialog | None:
        ws = self.model.workspace
        run = self._runs.get(run_id)
        if ws is None or run is None:
            return None
        dialog = RetrainDialog(
            self._registered.get(run_id, []),
            newer_dataset_versions(ws, run),
            self.dataset_ref(run.dataset_version_id),
            self,
        )
        self.retrain_dialog = dialog
        dialog.accepted.connect(lambda: self.submit_retrain(**dialog.kwargs()))
        dialog.open()
        return dialog

    def submit_retrain(self, model_ref: str, dataset: str) -> str:
        job_id = self.model.submit(
            RETRAIN_JOB,
            {"model_ref": model_ref, "dataset": dataset},
            title=f"Retrain {model_ref} on {dataset}",
            on_finished=self._on_training_finished,
        )
        self._submitted.append(job_id)
        self.refresh(self.model)
        return job_id

    def compare_selected(self) -> CompareDialog | None:
        rows = self._comparable()
        if len(rows) < 2:
            return None
        runs = [self._runs[r.run_id] for r in rows if r.run_id in self._runs]
        runs.sort(key=lambda r: r.created_at)
        if self.compare_dialog is not None:
            self.compare_dialog.close()
            self.compare_dialog.deleteLater()
        self.compare_dialog = CompareDialog(self.model, runs, dict(self._dataset_refs), self)
        self.compare_dialog.show()
        self.compare_dialog.start()
        return self.compare_dialog
