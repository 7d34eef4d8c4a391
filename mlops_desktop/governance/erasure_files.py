"""Erasure places held in files: dataset versions (Parquet artifacts), batch scoring outputs,
the service's and jobs' log files, and stored test reports.

New files are written before the database transaction (``prepare``), old ones replaced or
deleted after it commits (``finish``): a crash leaves either the old state or the new one, and
a second run of the same erasure finishes what a crash left (superseded artifacts still on disk
are deleted, files still holding the value are found again).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlops_desktop.governance.erasure_target import Target
from mlops_desktop.registry.entities import DatasetVersion

PENDING = ".erasure-"


def _key_mask(column: Any, target: Target) -> np.ndarray:
    """Which cells of a pyarrow column are the value."""
    return _mask_values(column.to_pandas(), target)


def _mask_values(values: Any, target: Target) -> np.ndarray:
    """Which cells of a pandas Series are the value."""
    if values.dtype.kind in "if":
        try:
            wanted = float(target.value)
        except ValueError:
            return np.zeros(len(values), dtype=bool)
        return (values == wanted).to_numpy(dtype=bool)
    return (values.astype("string").str.strip() == target.value).to_numpy(
        dtype=bool, na_value=False
    )


@dataclass
class _Rewrite:
    old: DatasetVersion
    removed: int
    artifact: str | None = None
    content_hash: str = ""
    rows: int = 0  # kept: the rewrite is a new version only when some are


#: The texts of a dataset version that its rewrite (the next version, without the person's rows)
#: copies (``DatasetStore.add_rewrite``): the real run's registry sweep scrubs both copies.
COPIED_TEXTS = frozenset(
    {
        "schema_json",
        "roles_json",
        "pii_json",
        "split_json",
        "profile_json",
        "checks_json",
        "override_reason",
    }
)


class DatasetVersions:
    """Every dataset version holding the key column, old immutable versions too: rewritten as
    the next version without the rows, the old one recorded as superseded, its artifact deleted,
    the model versions trained on it flagged."""

    name = "dataset versions"

    def _matches(self, target: Target) -> list[_Rewrite]:
        import pyarrow.parquet as pq

        ws, found = target.ws, []
        superseded = ws.erasures.superseded()
        for version in ws.datasets.list():
            if version.id in superseded or not ws.artifacts.exists(version.artifact_hash):
                continue
            path = ws.artifacts.path_for(version.artifact_hash)
            if target.key not in pq.read_schema(path).names:
                continue
            mask = _key_mask(pq.read_table(path, columns=[target.key]).column(0), target)
            if mask.any():
                found.append(_Rewrite(version, int(mask.sum()), rows=int((~mask).sum())))
        return found

    def count(self, target: Target) -> int:
        rewrites = self._matches(target)
        target.found["datasets"] = rewrites
        return sum(r.removed for r in rewrites)

    def prepare(self, target: Target) -> None:
        """Write each version without the rows as a new artifact (before the transaction)."""
        import pyarrow.parquet as pq

        from mlops_desktop.data.hashing import content_hash

        ws = target.ws
        for rewrite in target.found.get("datasets", []):
            path = ws.artifacts.path_for(rewrite.old.artifact_hash)
            keep = ~_key_mask(pq.read_table(path, columns=[target.key]).column(0), target)
            rewrite.rows = int(keep.sum())
            if rewrite.rows:
                rewrite.artifact, kept = ws.datasets.write_filtered(rewrite.old, keep)
                rewrite.content_hash = content_hash(kept)

    def erase(self, target: Target) -> int:
        ws, removed, old_ids = target.ws, 0, []
        for rewrite in target.found.get("datasets", []):
            new = None
            if rewrite.artifact is not None:
                new = ws.datasets.add_rewrite(
                    rewrite.old,
                    rewrite.artifact,
                    rewrite.content_hash,
                    rewrite.rows,
                    {"profile": rewrite.old.profile, "checks": rewrite.old.checks},
                )
            ws.erasures.supersede(
                rewrite.old.id,
                new.id if new else None,
                target.erasure_id,
                rewrite.removed,
                rewrite.old.artifact_hash,
            )
            target.found.setdefault("rewritten", []).append(
                (rewrite.old.ref, new.ref if new else None)
            )
            old_ids.append(rewrite.old.id)
            removed += rewrite.removed
        target.found["flagged"] = ws.erasures.flag_models(old_ids, target.erasure_id)
        return removed

    def finish(self, target: Target) -> None:
        finish_superseded(target.ws)


def finish_superseded(ws) -> int:
    """Delete what erasures committed to delete and a crash left on disk: the artifacts of
    superseded dataset versions and the recorded leftovers (old report files); return how
    many files went."""
    removed = sum(ws.artifacts.remove(d) for d in ws.erasures.superseded_artifacts())
    leftovers = ws.erasures.leftovers()
    removed += sum(ws.artifacts.remove(d) for d in leftovers if not ws.reports.uses(d))
    ws.erasures.clear_leftovers(leftovers)
    return removed


# -- batch scoring outputs -----------------------------------------------------------------------


def _csv_rows(path: Path, target: Target) -> tuple[list[str], int] | None:
    """The kept lines of a CSV file and how many were dropped (None: no key column)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header or target.key not in header:
            return None
        k = header.index(target.key)
        kept, dropped = [header], 0
        for row in reader:
            if len(row) > k and target.is_value(row[k]):
                dropped += 1
            else:
                kept.append(row)
    return kept, dropped


class BatchOutputs:
    """The output and rejects files of logged batch scoring runs that still exist."""

    name = "batch scoring outputs"

    def _files(self, target: Target) -> list[Path]:
        import json

        paths: list[Path] = []
        for _, outputs_json in target.ws.erasures.batch_files():
            outputs = json.loads(outputs_json) if outputs_json else {}
            for key in ("file", "rejects_file"):
                if isinstance(outputs, dict) and outputs.get(key):
                    path = Path(outputs[key])
                    if path.is_file() and path not in paths:
                        paths.append(path)
        return paths

    def _count_file(self, path: Path, target: Target) -> int:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            if target.key not in pq.read_schema(path).names:
                return 0
            column = pq.read_table(path, columns=[target.key]).column(0)
            return int(_key_mask(column, target).sum())
        found = _csv_rows(path, target)
        return found[1] if found else 0

    def count(self, target: Target) -> int:
        hits = {p: n for p in self._files(target) if (n := self._count_file(p, target))}
        target.found["batch_files"] = hits
        return sum(hits.values())

    def prepare(self, target: Target) -> None:
        for path in target.found.get("batch_files", {}):
            tmp = path.with_name(f"{PENDING}{path.name}")
            if path.suffix.lower() == ".parquet":
                import pyarrow.parquet as pq

                table = pq.read_table(path)
                keep = ~_key_mask(table.column(target.key), target)
                pq.write_table(table.filter(keep), tmp)
            else:
                kept, _ = _csv_rows(path, target)
                with open(tmp, "w", newline="", encoding="utf-8") as handle:
                    csv.writer(handle).writerows(kept)

    def erase(self, target: Target) -> int:
        return sum(target.found.get("batch_files", {}).values())

    def finish(self, target: Target) -> None:
        for path in target.found.get("batch_files", {}):
            os.replace(path.with_name(f"{PENDING}{path.name}"), path)


# -- log files -------------------------------------------------------------------------------


class LogFiles:
    """The service's log (and its rotated copies) and any other log file of the workspace: the
    value is replaced by ``[erased]`` in the lines holding it."""

    name = "service and job log files"

    def _files(self, target: Target) -> list[Path]:
        root = target.ws.path
        logs = sorted((root / "logs").glob("*")) if (root / "logs").is_dir() else []
        others = [p for p in root.glob("*.log*")]
        return [p for p in logs + others if p.is_file()]

    def count(self, target: Target) -> int:
        hits = {}
        for path in self._files(target):
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            lines = sum(1 for line in text.splitlines() if target.in_text(line))
            if lines:
                hits[path] = lines
        target.found["log_files"] = hits
        return sum(hits.values())

    def prepare(self, target: Target) -> None:
        return None

    def erase(self, target: Target) -> int:
        return sum(target.found.get("log_files", {}).values())

    def finish(self, target: Target) -> None:
        """Rewrite in place: the running service appends to ``service.log`` through an open
        file, which must keep pointing at it (as rotation does, copy and truncate)."""
        for path in target.found.get("log_files", {}):
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            data = target.scrub_text(text).encode("utf-8", errors="surrogateescape")
            with open(path, "r+b") as handle:
                handle.truncate(0)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())


# -- test reports --------------------------------------------------------------------------------


class TestReports:
    """Stored test reports whose HTML holds the value: the HTML rewritten with ``[erased]``,
    the PDF made from the old HTML dropped (export the report again for a new one)."""

    __test__ = False  # not a pytest class
    name = "test reports"

    def _hits(self, target: Target) -> list:
        ws, hits = target.ws, []
        for report in ws.reports.list():
            if report.html_hash and ws.artifacts.exists(report.html_hash):
                html = ws.artifacts.read_bytes(report.html_hash).decode("utf-8", "replace")
                if target.in_text(html):
                    hits.append((report, html))
        return hits

    def count(self, target: Target) -> int:
        target.found["reports"] = self._hits(target)
        return len(target.found["reports"])

    def prepare(self, target: Target) -> None:
        target.found["report_files"] = [
            (report, target.ws.artifacts.put_bytes(target.scrub_text(html).encode()))
            for report, html in target.found.get("reports", [])
        ]

    def erase(self, target: Target) -> int:
        for report, html_hash in target.found.get("report_files", []):
            target.ws.reports.set_files(report.id, html_hash, None)
            old = [d for d in (report.html_hash, report.pdf_hash) if d]
            target.ws.erasures.add_leftovers(target.erasure_id, old)
        return len(target.found.get("report_files", []))

    def finish(self, target: Target) -> None:
        finish_superseded(target.ws)
