"""The import pipeline as job functions: inspect a file, analyse it, import it as ``name@N``.

The wizard runs ``inspect_file`` (steps 1-3: options, preview, inferred types, suggested roles
and personal data), then ``analyze`` (step 5: the checks report), then ``import_dataset``
(step 6: save). The CLI runs ``import_dataset`` alone. Nothing is written to the workspace
until every check has run and no blocking finding stands without a written reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_desktop.data.checks import Finding, blocking, run_checks
from mlops_desktop.data.checks.base import json_safe
from mlops_desktop.data.hashing import content_hash
from mlops_desktop.data.pii import suggest_pii
from mlops_desktop.data.preparation import Prepared, prepare, span_progress
from mlops_desktop.data.profile import profile
from mlops_desktop.data.readers import preview
from mlops_desktop.data.roles import infer_task, suggest_roles
from mlops_desktop.data.schema import apply_schema, infer_schema
from mlops_desktop.errors import InputError

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import DatasetVersion
    from mlops_desktop.registry.workspace import Workspace

INSPECT_ROWS = 20_000


def _report(prepared: Prepared, ctx: Any) -> tuple[dict, list[Finding]]:
    kept = {c: t for c, t in prepared.schema.items() if c in prepared.df.columns}
    prof = profile(prepared.df, kept, progress=span_progress(ctx, 0.5, 0.6))
    prof["source"] = json_safe(
        {
            "path": prepared.source,
            "read_options": prepared.options.to_dict(),
            "raw_rows": prepared.raw_shape[0],
            "raw_columns": prepared.raw_shape[1],
            "coercions": prepared.coercions,
        }
    )
    findings = run_checks(
        prepared.df,
        kept,
        prepared.roles,
        prepared.split,
        coercions=prepared.coercions,
        progress=span_progress(ctx, 0.6, 0.95),
    )
    return prof, findings


def _summary(prepared: Prepared, findings: list[Finding], digest: str) -> dict[str, Any]:
    return {
        "content_hash": digest,
        "rows": int(len(prepared.df)),
        "columns": int(prepared.df.shape[1]),
        "task": prepared.roles.task,
        "schema": prepared.schema,
        "roles": prepared.roles.to_dict(),
        "pii": prepared.pii,
        "split": prepared.split.to_dict(),
        "findings": [f.to_dict() for f in findings],
        "blocking": len(blocking(findings)),
        "read_options": prepared.options.to_dict(),
    }


def _existing(ws: Workspace, name: str, digest: str, prepared: Prepared) -> DatasetVersion | None:
    definition = prepared.definition
    for version in ws.datasets.find_by_content_hash(digest, name):
        same = {
            "schema": version.schema,
            "roles": version.roles,
            "split": {k: version.split.get(k) for k in ("method", "test_size", "seed")},
        }
        if json_safe(same) == json_safe(definition):
            return version
    return None


def _check_override(allow_blocking: bool, reason: str | None) -> None:
    if allow_blocking and not (reason and reason.strip()):
        raise InputError(
            "Overriding blocking findings needs a written reason; it is recorded in the audit "
            "trail."
        ).hinted("Add --reason TEXT.")


def inspect_file(
    ctx: Any, path: str, read_options: dict | None = None, rows: int = 200
) -> dict[str, Any]:
    """Wizard steps 1-3: read options used, first rows, inferred types, suggested roles and PII.

    Types and suggestions come from the first 20,000 rows; the full read happens in ``analyze``.
    """
    ctx and ctx.report(0.1, "Reading the first rows")
    frame, options = preview(path, read_options, rows=max(rows, INSPECT_ROWS))
    ctx and ctx.report(0.6, "Inferring column types")
    schema = infer_schema(frame)
    typed = apply_schema(frame, schema)
    kept = {c: t for c, t in schema.items() if c in typed.columns}
    tasks = {
        c: infer_task(typed[c])
        for c in typed.columns
        if kept[c] in ("numeric", "categorical", "boolean") and typed[c].nunique() >= 2
    }
    head = frame.head(rows).astype(object).where(frame.head(rows).notna(), None)
    return json_safe(
        {
            "read_options": options.to_dict(),
            "columns": [str(c) for c in frame.columns],
            "types": schema,
            "rows": head.to_dict(orient="records"),
            "rows_sampled": len(frame),
            "tasks": tasks,
            "roles": suggest_roles(typed, kept).to_dict(),
            "pii": {c: s.to_dict() for c, s in suggest_pii(typed).items()},
        }
    )


def analyze(
    ctx: Any,
    path: str,
    target: str,
    *,
    name: str | None = None,
    types: dict | None = None,
    task: str | None = None,
    time_col: str | None = None,
    id_cols: Any = (),
    group_col: str | None = None,
    pii_cols: Any = None,
    split: str = "auto",
    test_size: float = 0.2,
    seed: int = 42,
    read_options: dict | None = None,
    memory_limit: int | None = None,
) -> dict[str, Any]:
    """Wizard step 5: the checks report and profile for these settings; writes nothing."""
    prepared = prepare(
        path,
        target,
        ctx=ctx,
        types=types,
        task=task,
        time_col=time_col,
        id_cols=id_cols,
        group_col=group_col,
        pii_cols=pii_cols,
        split=split,
        test_size=test_size,
        seed=seed,
        read_options=read_options,
        memory_limit=memory_limit,
    )
    digest = content_hash(prepared.df)
    prof, findings = _report(prepared, ctx)
    result = _summary(prepared, findings, digest) | {"status": "analyzed", "profile": prof}
    if name and ctx is not None and ctx.workspace_path is not None:
        existing = _existing(ctx.workspace(), name, digest, prepared)
        result["existing_ref"] = existing.ref if existing else None
    ctx and ctx.report(1.0, "Checks done")
    return result


def _existing_result(existing: DatasetVersion, digest: str, prepared: Prepared) -> dict[str, Any]:
    """The answer when the same content and definition are already stored as a version."""
    return {
        "status": "existing",
        "ref": existing.ref,
        "name": existing.name,
        "number": existing.number,
        "content_hash": digest,
        "rows": existing.rows,
        "columns": existing.columns,
        "task": prepared.roles.task,
        "split": existing.split,
        "findings": existing.checks,
        "blocking": sum(1 for f in existing.checks if f.get("severity") == "blocking"),
        "override_reason": existing.override_reason,
    }


def _blocked(stops: list[Finding]) -> dict[str, Any]:
    return {
        "status": "blocked",
        "ref": None,
        "message": (
            f"{len(stops)} blocking finding(s) stop the save: "
            + "; ".join(f.title for f in stops[:3])
            + ". Fix them, or override with a written reason."
        ),
    }


def _check_and_save(
    ctx: Any,
    ws: Workspace,
    name: str,
    prepared: Prepared,
    digest: str,
    allow_blocking: bool,
    reason: str | None,
) -> dict[str, Any]:
    """Profile and check the prepared frame; save it unless a blocking finding stops it."""
    prof, findings = _report(prepared, ctx)
    summary = _summary(prepared, findings, digest)
    stops = blocking(findings)
    if stops and not allow_blocking:
        ctx.report(1.0, f"Stopped by {len(stops)} blocking finding(s)")
        return summary | _blocked(stops)
    ctx.report(0.96, "Saving")
    version = ws.datasets.create_version(
        name,
        prepared.df,
        prepared.split.test_mask,
        content_hash=digest,
        schema=prepared.schema,
        roles=prepared.roles.to_dict(),
        pii=prepared.pii,
        split=json_safe(prepared.split.to_dict()),
        profile=prof,
        checks=[f.to_dict() for f in findings],
        source=prepared.source,
        override_reason=reason.strip() if stops and reason else None,
    )
    ctx.report(1.0, f"Saved {version.ref}")
    return summary | {
        "status": "created",
        "ref": version.ref,
        "name": version.name,
        "number": version.number,
        "override_reason": version.override_reason,
    }


def import_dataset(
    ctx: Any,
    path: str,
    name: str,
    target: str,
    *,
    types: dict | None = None,
    task: str | None = None,
    time_col: str | None = None,
    id_cols: Any = (),
    group_col: str | None = None,
    pii_cols: Any = None,
    split: str = "auto",
    test_size: float = 0.2,
    seed: int = 42,
    allow_blocking: bool = False,
    reason: str | None = None,
    read_options: dict | None = None,
    memory_limit: int | None = None,
) -> dict[str, Any]:
    """Read, type, split, profile, check and save ``path`` as the next version of ``name``.

    Returns ``{"status": "created" | "existing" | "blocked", "ref", "findings", ...}``.
    "blocked" (blocking findings and no override with a reason) writes nothing.
    """
    from mlops_desktop.registry.dataset_store import check_name

    check_name(name)
    _check_override(allow_blocking, reason)
    ws = ctx.workspace()
    prepared = prepare(
        path,
        target,
        ctx=ctx,
        types=types,
        task=task,
        time_col=time_col,
        id_cols=id_cols,
        group_col=group_col,
        pii_cols=pii_cols,
        split=split,
        test_size=test_size,
        seed=seed,
        read_options=read_options,
        memory_limit=memory_limit,
    )
    ctx.report(0.47, "Hashing the content")
    digest = content_hash(prepared.df)
    existing = _existing(ws, name, digest, prepared)
    if existing is not None:
        ctx.report(1.0, f"Already stored as {existing.ref}")
        return _existing_result(existing, digest, prepared)
    return _check_and_save(ctx, ws, name, prepared, digest, allow_blocking, reason)
