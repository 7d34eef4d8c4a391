"""Erasure places held in the registry: the prediction log, quarantine, outcomes, every other
text in the registry, and the audit trail (which is checked, never rewritten).

The prediction log keeps other people's decisions: a multi-row request loses only the person's
rows (and their answers); a request about the person alone (its entity key, or every row) and a
refused request holding the value are deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mlops_desktop.governance.erasure_files import COPIED_TEXTS
from mlops_desktop.governance.erasure_target import DatabasePlace, Target

ROW_TABLES = frozenset({"predictions", "prediction_quarantine", "outcomes", "reviews"})


@dataclass
class _LogPlan:
    delete: list[int] = field(default_factory=list)
    rewrite: list[tuple[str | None, str | None, str | None, int]] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)  # of requests wholly erased
    partial: dict[str, list[int]] = field(default_factory=dict)  # request id -> rows removed
    review_rows: list[tuple[str, int | None]] = field(default_factory=list)  # of removed rows


def _loads(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _drop(values: Any, rows: list[int], n: int) -> Any:
    """``values`` without the indices ``rows`` when it is a list of one entry per row."""
    if isinstance(values, list) and len(values) == n:
        gone = set(rows)
        return [v for i, v in enumerate(values) if i not in gone]
    return values


def _person_rows(target: Target, inputs: Any) -> list[int] | None:
    """Rows of a ``{"columns", "data"}`` request whose key column is the value (None: the
    request has no such column)."""
    if not isinstance(inputs, dict) or target.key not in (inputs.get("columns") or []):
        return None
    k = inputs["columns"].index(target.key)
    data = inputs.get("data") or []
    return [i for i, row in enumerate(data) if len(row) > k and target.is_value(row[k])]


def _text(target: Target, value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(target.scrub_json(value), separators=(",", ":"), default=str)


def _review_keys(
    request_id: str, outputs: Any, rows: list[int], n: int
) -> list[tuple[str, int | None]]:
    """The reviews of a record's removed rows: a batch chunk's rows are decisions of their own
    (``B-<row number>``, any row index); a service request's are its rows by index."""
    numbers = outputs.get("rows") if isinstance(outputs, dict) else None
    if "/" in request_id and isinstance(numbers, list) and len(numbers) == n:
        batch_id = request_id.split("/")[0]
        return [(f"{batch_id}-{numbers[i]}", None) for i in rows]
    return [(request_id, i) for i in rows]


def _plan_row(target: Target, plan: _LogPlan, row: tuple) -> None:
    pid, request_id, entity_key, inputs_json, outputs_json, error = row
    inputs, outputs = _loads(inputs_json), _loads(outputs_json)
    rows = _person_rows(target, inputs)
    n = len(inputs.get("data") or []) if rows is not None else 0
    whole = entity_key == target.value or (rows is not None and rows and len(rows) == n)
    # inputs that name the value outside a key column (a refused request's raw text): theirs
    unsorted = rows is None and target.in_text(inputs_json)
    if whole or unsorted:
        plan.delete.append(pid)
        plan.request_ids.append(request_id)
        return
    if rows:
        plan.review_rows.extend(_review_keys(request_id, outputs, rows, n))
        inputs = dict(inputs, data=_drop(inputs["data"], rows, n))
        if isinstance(outputs, dict):
            outputs = {k: _drop(v, rows, n) for k, v in outputs.items()}
        plan.partial[request_id] = rows
    scrubbed = [_text(target, inputs), _text(target, outputs)]
    new_error = target.scrub_text(error) if target.in_text(error) else error
    if rows or new_error != error or any(target.in_text(t) for t in (inputs_json, outputs_json)):
        plan.rewrite.append((scrubbed[0], scrubbed[1], new_error, pid))


class PredictionLog(DatabasePlace):
    name = "prediction log"

    def _plan(self, target: Target) -> _LogPlan:
        plan = _LogPlan()
        for row in target.ws.erasures.predictions_with(target.texts, target.value):
            _plan_row(target, plan, row)
        target.found["request_ids"] = plan.request_ids
        target.found["partial"] = plan.partial
        target.found["review_rows"] = plan.review_rows
        return plan

    def count(self, target: Target) -> int:
        plan = self._plan(target)
        return len(plan.delete) + len(plan.rewrite)

    def erase(self, target: Target) -> int:
        plan = self._plan(target)
        target.ws.erasures.delete_predictions(plan.delete)
        target.ws.erasures.rewrite_predictions(plan.rewrite)
        return len(plan.delete) + len(plan.rewrite)


class Quarantine(DatabasePlace):
    name = "prediction log quarantine"

    def _ids(self, target: Target) -> list[int]:
        return target.ws.erasures.quarantine_with(target.texts)

    def count(self, target: Target) -> int:
        return len(self._ids(target))

    def erase(self, target: Target) -> int:
        return target.ws.erasures.delete_quarantine(self._ids(target))


class Outcomes(DatabasePlace):
    """Outcomes of the erased requests (by request id) and of the entity key; an outcome of a
    multi-row request that lost rows loses those rows' labels."""

    name = "outcomes"

    def _plan(self, target: Target) -> tuple[list[int], list[tuple[str, int]]]:
        store = target.ws.erasures
        ids = store.outcomes_of(target.found.get("request_ids", []), target.value)
        partial: dict[str, list[int]] = target.found.get("partial", {})
        relabel = []
        for oid, request_id, label_json in store.outcome_labels(list(partial)):
            label = _loads(label_json)
            if isinstance(label, list):
                kept = [v for i, v in enumerate(label) if i not in set(partial[request_id])]
                relabel.append((json.dumps(kept), oid))
            else:
                ids.append(oid)
        return ids, relabel

    def count(self, target: Target) -> int:
        ids, relabel = self._plan(target)
        return len(set(ids)) + len(relabel)

    def erase(self, target: Target) -> int:
        ids, relabel = self._plan(target)
        target.ws.erasures.set_outcome_labels(relabel)
        return target.ws.erasures.delete_outcomes(sorted(set(ids))) + len(relabel)


class Reviews(DatabasePlace):
    """Human reviews of the erased requests and rows: the AI suggestion, the reviewer's
    outcome and the reasons, which may name the person. A request that loses some rows (a
    batch chunk, a multi-row request) loses those rows' reviews."""

    name = "reviews"

    def count(self, target: Target) -> int:
        store, found = target.ws.reviews, target.found
        rows = store.count_rows(found.get("review_rows", []))
        return store.count_requests(found.get("request_ids", [])) + rows

    def erase(self, target: Target) -> int:
        store, found = target.ws.reviews, target.found
        rows = store.erase_rows(found.get("review_rows", []))
        return store.erase_requests(found.get("request_ids", [])) + rows


def _copies(target: Target, hits: list[tuple[str, str, int, str]]) -> set[int]:
    """Dataset versions whose rewrite, made before this sweep in the real run, will hold the
    value too (a copied text holds it)."""
    rewritten = {r.old.id for r in target.found.get("datasets", []) if r.rows}
    return {
        rowid
        for table, column, rowid, _ in hits
        if table == "dataset_versions" and column in COPIED_TEXTS and rowid in rewritten
    }


class RegistryText(DatabasePlace):
    """Every other text of the registry: dataset profiles and checks (their top values and
    examples), drift windows' unseen examples, test report summaries, job and run logs, alerts.
    The value is replaced by ``[erased]``, in JSON string by string."""

    name = "other registry records"

    def _hits(self, target: Target) -> list[tuple[str, str, int, str]]:
        store, hits = target.ws.erasures, []
        for table, column in store.text_columns():
            if table in ROW_TABLES:
                continue
            for rowid, text in store.texts_with(table, column, target.texts):
                if target.in_text(text):
                    hits.append((table, column, rowid, text))
        return hits

    def count(self, target: Target) -> int:
        """The rows holding the value now, and the copies the real run will make of them first
        (a dataset version's rewrite copies its profile and checks): as many as it scrubs."""
        hits = self._hits(target)
        return len({(t, r) for t, _, r, _ in hits}) + len(_copies(target, hits))

    def erase(self, target: Target) -> int:
        hits = self._hits(target)
        for table, column, rowid, text in hits:
            decoded = _loads(text) if column.endswith("_json") else None
            if decoded is not None:
                new = json.dumps(target.scrub_json(decoded), sort_keys=True, default=str)
            else:
                new = target.scrub_text(text)
            target.ws.erasures.set_texts(table, column, [(new, rowid)])
        return len({(t, r) for t, _, r, _ in hits})


class AuditTrail(DatabasePlace):
    """Audit events holding the value. They are never rewritten (the hash chain would break);
    audit details hold no row values, so this stays 0 — a count above 0 is reported."""

    name = "audit events (kept: the chain is never rewritten)"

    def count(self, target: Target) -> int:
        ids = target.ws.erasures.audit_events_with(target.texts)
        events = [target.ws.audit.get(i) for i in ids]
        return sum(
            1
            for e in events
            if target.in_text(json.dumps(e.details)) or target.in_text(e.object_ref)
        )

    def erase(self, target: Target) -> int:
        target.found["audit_kept"] = self.count(target)
        return 0
