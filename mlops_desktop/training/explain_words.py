"""The main reasons of one decision in plain words, from its additive contributions.

"credit_amount = 12,000 raised the log-odds of 'bad' by 0.41": the column, the value the model
was given, the direction and the size of its contribution, in the units of the raw output.
Shared by the scoring service's ``POST /explain``, the CLI and the Govern page (one wording).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from mlops_desktop.formatting import MISSING, significant

#: How many reasons a decision lists.
TOP = 3


@dataclass(frozen=True)
class Reason:
    column: str
    value: Any
    contribution: float
    personal: bool
    personal_kind: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def output_phrase(kind: str, output: Any) -> str:
    """What the contributions move, in words: "the log-odds of 'bad'", "the prediction"."""
    if kind == "prediction":
        return "the prediction" if output in (None, "prediction") else f"the predicted {output}"
    what = {"log-odds": "the log-odds", "score": "the score", "probability": "the probability"}
    return f"{what.get(kind, 'the output')} of '{output}'"


def value_text(value: Any) -> str:
    """An input value as the reason shows it (numbers grouped, missing as 'missing')."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    text = significant(value, 4)
    return "missing" if text == MISSING else text


def sentence(column: str, value: Any, contribution: float, phrase: str) -> str:
    """One reason: "age_in_years = 23 lowered the log-odds of 'good' by 0.22"."""
    size = significant(abs(contribution), 2)
    if contribution == 0:
        return f"{column} = {value_text(value)} did not change {phrase}"
    verb = "raised" if contribution > 0 else "lowered"
    return f"{column} = {value_text(value)} {verb} {phrase} by {size}"


def reasons(
    contributions: Mapping[str, float],
    inputs: Mapping[str, Any],
    phrase: str,
    personal: Mapping[str, str],
    top: int = TOP,
) -> list[Reason]:
    """The ``top`` contributions of largest size, each in words; ``personal`` maps the
    personal-data columns to what they hold (age, sex, ...)."""
    ranked = sorted(contributions.items(), key=lambda item: (-abs(item[1]), item[0]))
    out = []
    for column, value in ranked[:top]:
        if value == 0:
            break
        text = sentence(column, inputs.get(column), value, phrase)
        kind = personal.get(column)
        if kind is not None:
            text += f" (personal data: {kind.replace('_', ' ')})"
        out.append(Reason(column, inputs.get(column), float(value), kind is not None, kind, text))
    return out
