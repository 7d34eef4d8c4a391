"""Erasure places in other stored artifacts: drift windows' detail reports (gzipped JSON, which
name unseen categories) and model files (pickles, which may hold a feature's categories).

A drift report holding the value is rewritten with ``[erased]`` and its window pointed at the
new file. A model file cannot be rewritten (its categories are what it learned): it is counted,
named in the result and left for a retrain; the model versions trained on erased data are
flagged by the dataset place.
"""

from __future__ import annotations

import gzip
import json
import zlib

from mlops_desktop.governance.erasure_files import finish_superseded
from mlops_desktop.governance.erasure_target import Target


class DriftReports:
    name = "drift window reports"

    def _hits(self, target: Target) -> list[tuple[int, dict, str]]:
        ws, hits = target.ws, []
        for window_id, results_json in ws.erasures.drift_reports():
            results = json.loads(results_json)
            digest = results.get("report")
            if not isinstance(digest, str) or not ws.artifacts.exists(digest):
                continue
            text = gzip.decompress(ws.artifacts.read_bytes(digest)).decode("utf-8", "replace")
            if target.in_text(text):
                hits.append((window_id, results, text))
        return hits

    def count(self, target: Target) -> int:
        target.found["drift_reports"] = self._hits(target)
        return len(target.found["drift_reports"])

    def prepare(self, target: Target) -> None:
        target.found["drift_files"] = [
            (
                window_id,
                results,
                target.ws.artifacts.put_bytes(gzip.compress(target.scrub_text(text).encode(), 6)),
            )
            for window_id, results, text in target.found.get("drift_reports", [])
        ]

    def erase(self, target: Target) -> int:
        rows = [
            (json.dumps(dict(results, report=new), sort_keys=True), window_id)
            for window_id, results, new in target.found.get("drift_files", [])
        ]
        target.ws.erasures.set_texts("drift_windows", "results_json", rows)
        old = [results["report"] for _, results, _ in target.found.get("drift_files", [])]
        target.ws.erasures.add_leftovers(target.erasure_id, old)
        return len(rows)

    def finish(self, target: Target) -> None:
        finish_superseded(target.ws)


class ModelFiles:
    """Counted, never rewritten: see the module's docstring."""

    name = "model files (kept: retrain them)"

    def count(self, target: Target) -> int:
        ws, refs = target.ws, []
        for _, ref, digest in ws.erasures.model_files():
            if not ws.artifacts.exists(digest):
                continue
            data = ws.artifacts.read_bytes(digest)
            try:
                data = zlib.decompress(data)
            except zlib.error:
                pass
            if target.free_text and any(t.encode() in data for t in target.texts):
                refs.append(ref)
        target.found["model_files"] = refs
        return len(refs)

    def prepare(self, target: Target) -> None:
        return None

    def erase(self, target: Target) -> int:
        return 0

    def finish(self, target: Target) -> None:
        return None
