"""The import's preparation step: read a file, type it, give its columns roles, split it.

``prepare`` is what ``importer.analyze`` and ``importer.import_dataset`` share before the checks
run: the result (:class:`Prepared`) holds the typed frame, schema, roles, split and personal-data
record, and nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mlops_desktop.data.pii import suggest_pii
from mlops_desktop.data.readers import read_frame
from mlops_desktop.data.roles import Roles, make_roles
from mlops_desktop.data.schema import apply_schema, validate_schema
from mlops_desktop.data.sniff import ReadOptions
from mlops_desktop.data.splits import Split, make_split
from mlops_desktop.errors import InputError


def span_progress(ctx: Any, lo: float, hi: float) -> Callable[[float, str], None]:
    """A progress callback mapping 0..1 onto ``lo..hi`` of the job (cancel-aware via ctx)."""

    def report(fraction: float, message: str) -> None:
        if ctx is not None:
            ctx.report(lo + (hi - lo) * max(0.0, min(1.0, fraction)), message)

    return report


@dataclass
class Prepared:
    """A file read, typed, given roles and split: everything but the checks and the save."""

    df: pd.DataFrame
    schema: dict[str, str]
    roles: Roles
    split: Split
    pii: dict[str, dict[str, str]]
    options: ReadOptions
    source: str
    coercions: dict[str, dict] = field(default_factory=dict)
    raw_shape: tuple[int, int] = (0, 0)

    @property
    def definition(self) -> dict[str, Any]:
        """What, besides the data, makes two imports the same version."""
        return {
            "schema": self.schema,
            "roles": self.roles.to_dict(),
            "split": {k: self.split.to_dict()[k] for k in ("method", "test_size", "seed")},
        }


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _check_roles_typed(
    schema: dict, target: str, time_col: str | None, group_col: str | None
) -> None:
    """Refuse a target, time or group column typed 'ignore'."""
    for role, col in (("target", target), ("time column", time_col), ("group column", group_col)):
        if col and schema.get(col) == "ignore":
            raise InputError(
                f"The {role} {col!r} is typed 'ignore' (it may be empty). Give it a "
                "type on the preview step or choose another column."
            )


def _pii_record(columns: list[str], suggestions: dict, source: str) -> dict[str, dict]:
    """What each personal-data column holds and why it is marked (a suggestion or the user)."""
    pii = {}
    for col in columns:
        hint = suggestions.get(col)
        pii[col] = {
            "kind": hint.kind if hint else "personal",
            "reason": hint.reason if hint else "marked by the user",
            "source": source,
        }
    return pii


def prepare(
    path: str | Path,
    target: str,
    *,
    ctx: Any = None,
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
) -> Prepared:
    """Read (0-40% of the job), type, validate roles and split the file."""
    path = Path(path).expanduser()
    raw, options = read_frame(
        path, read_options, progress=span_progress(ctx, 0.0, 0.40), memory_limit=memory_limit
    )
    raw_shape = raw.shape
    span_progress(ctx, 0.40, 0.5)(0.0, "Typing columns")
    schema = validate_schema(raw, types or {})
    _check_roles_typed(schema, target, time_col, group_col)
    coercions: dict[str, dict] = {}
    df = apply_schema(raw, schema, coercions, consume=True)
    del raw
    kept = {c: t for c, t in schema.items() if c in df.columns}
    suggestions = suggest_pii(df)
    pii_list = list(suggestions) if pii_cols is None else _as_list(pii_cols)
    roles = make_roles(
        df,
        kept,
        target,
        task,
        id_columns=_as_list(id_cols),
        time_column=time_col or None,
        group_column=group_col or None,
        pii_columns=pii_list,
    )
    pii = _pii_record(roles.pii_columns, suggestions, "suggested" if pii_cols is None else "user")
    ctx and ctx.report(0.45, "Splitting")
    the_split = make_split(df, roles, split or "auto", test_size, seed)
    return Prepared(
        df=df,
        schema=schema,
        roles=roles,
        split=the_split,
        pii=pii,
        options=options,
        source=str(path.resolve()),
        coercions=coercions,
        raw_shape=raw_shape,
    )
