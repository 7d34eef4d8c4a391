"""What the Govern page's "Explain a decision" tab shows (Qt-free): the recent requests, one
decision's contributions as table rows with bar sizes, its reasons and its personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.formatting import local_time, signed, significant
from mlops_desktop.training.explain_words import value_text
from mlops_desktop.ui.kit.specs import Column, EmptyStateSpec

if TYPE_CHECKING:  # both load scikit-learn: the window starts without it
    from mlops_desktop.governance.explanations import RecentRequest
    from mlops_desktop.training.decisions import DecisionExplanation

CONTRIBUTION_COLUMNS = (
    Column("Input column", width=220),
    Column("Value", width=160),
    Column("Contribution", numeric=True, width=100),
    Column("", width=150),  # the bar
    Column("Personal data", width=110),
)
RECENT_COLUMNS = (Column("Time", width=150), Column("Model", width=70), Column("Request id"))


@dataclass(frozen=True)
class ContributionRow:
    column: str
    value: str
    contribution: float
    share: float  # -1..1: the contribution against the largest one (the bar)
    personal: str  # what the personal data is, "" when not personal


def empty_spec() -> EmptyStateSpec:
    return EmptyStateSpec(
        heading="No decisions logged yet",
        text="Deploy a model and score requests: every answer carries an X-Request-ID, and "
        "each one can be explained here, input by input.",
        command="mlops-desktop explain REQUEST_ID",
    )


def recent_rows(recent: list[RecentRequest], now: float | None = None) -> list[list]:
    return [
        [(local_time(r.ts, seconds=True, now=now), r.ts), r.model, (r.request_id, r.request_id)]
        for r in recent
    ]


def contribution_rows(result: DecisionExplanation, row: int = 0) -> list[ContributionRow]:
    """The row's contributions, largest first."""
    explained = result.rows[row]
    top = max((abs(v) for v in explained.contributions.values()), default=0.0) or 1.0
    return [
        ContributionRow(
            column=column,
            value=value_text(explained.inputs.get(column)),
            contribution=value,
            share=value / top,
            personal=result.personal.get(column, "").replace("_", " "),
        )
        for column, value in explained.contributions.items()
    ]


def table_rows(rows: list[ContributionRow]) -> list[list]:
    return [
        [
            r.column,
            r.value,
            (signed(r.contribution, 4), r.contribution),
            ("", r.share),
            r.personal,
        ]
        for r in rows
    ]


def headline(result: DecisionExplanation, row: int = 0) -> str:
    """ "credit@2 (live), 12:01:02: log-odds of 'bad' = -0.553 (base -1.92 + contributions)"."""
    explained = result.rows[row]
    rows = f" — row {row + 1} of {result.rows_total}" if result.rows_total > 1 else ""
    return (
        f"{result.model} ({result.arm}), {local_time(result.ts, seconds=True)}{rows}: "
        f"{result.output_kind} of '{explained.output}' = {significant(explained.raw, 4)} "
        f"(base {significant(explained.base, 4)} + the contributions below; "
        f"{result.method})"
    )


def reason_lines(result: DecisionExplanation, row: int = 0) -> list[str]:
    return [f"{i}. {r.text}" for i, r in enumerate(result.rows[row].reasons, start=1)]


def personal_line(result: DecisionExplanation) -> str:
    """Which inputs are personal data (and, after an erasure, where the base came from)."""
    note = f" {result.background_note}" if result.background_note else ""
    if not result.personal:
        return f"No input column is marked as personal data on {result.dataset}.{note}"
    named = ", ".join(f"{c} ({k.replace('_', ' ')})" for c, k in result.personal.items())
    return f"Personal data among the inputs: {named}.{note}"
