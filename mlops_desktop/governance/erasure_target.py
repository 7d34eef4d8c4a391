"""Whom an erasure is about: a key column and a value, and how the value is found in text.

The value matches as a whole token (``P000123`` matches in ``id=P000123;`` but not inside
``P0001234``), raw or as JSON writes it (``\\u00e9`` for ``é``). What cannot be removed row by
row in free text is replaced by ``[erased]``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

ERASED = "[erased]"
#: Shorter values are matched in the key column only: as text they are everywhere ("7").
MIN_TEXT = 4


@dataclass
class Target:
    """The person (``key`` = ``value``) and what the places found out about them so far."""

    ws: Workspace
    key: str
    value: str
    #: Shared between places: e.g. the prediction log's request ids, read by the outcomes.
    found: dict[str, Any] = field(default_factory=dict)
    erasure_id: int | None = None

    def __post_init__(self) -> None:
        escaped = json.dumps(self.value)[1:-1]
        self.texts = tuple(dict.fromkeys((self.value, escaped)))
        alternatives = "|".join(re.escape(t) for t in self.texts)
        self._token = re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])")
        self.free_text = len(self.value) >= MIN_TEXT

    def in_text(self, text: Any) -> bool:
        """Whether ``text`` holds the value as a token (never for values under ``MIN_TEXT``)."""
        return self.free_text and isinstance(text, str) and self._token.search(text) is not None

    def scrub_text(self, text: str) -> str:
        return self._token.sub(ERASED, text)

    def scrub_json(self, value: Any) -> Any:
        """``value`` (decoded JSON) with every string holding the value scrubbed."""
        if isinstance(value, str):
            return self.scrub_text(value) if self.in_text(value) else value
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value]
        if isinstance(value, dict):
            return {self.scrub_text(k): self.scrub_json(v) for k, v in value.items()}
        return value

    def is_value(self, cell: Any) -> bool:
        """Whether a data cell is the value (``123`` and ``123.0`` match ``"123"``)."""
        if cell is None:
            return False
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        return str(cell).strip() == self.value


class Place(Protocol):
    """Somewhere a person's data lives. ``count`` reads; ``prepare`` writes new files before the
    database transaction; ``erase`` changes the database inside it (returns what it removed);
    ``finish`` replaces and deletes files after the commit."""

    name: str

    def count(self, target: Target) -> int: ...

    def prepare(self, target: Target) -> None: ...

    def erase(self, target: Target) -> int: ...

    def finish(self, target: Target) -> None: ...


class DatabasePlace:
    """A place held only in the registry: nothing to prepare or finish."""

    name = ""

    def prepare(self, target: Target) -> None:
        return None

    def finish(self, target: Target) -> None:
        return None
