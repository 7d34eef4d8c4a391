"""Qt-free descriptions of what the shared widgets show, so view-models (``<step>/model.py``)
can return them without importing Qt: an empty state's texts and a table's columns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmptyStateSpec:
    """What an empty page says: a heading, one sentence, the CLI equivalent, an optional action.

    ``action_page`` names the page the action button navigates to (e.g. ``"data"``).
    """

    heading: str
    text: str
    command: str = ""
    action_label: str = ""
    action_page: str = ""


@dataclass(frozen=True)
class Column:
    """A column of a ``RecordTable``: its title, whether it holds numbers, its start width, and
    whether it is the descriptive column that takes the room left (else the widest text one)."""

    title: str
    numeric: bool = False
    width: int = 0
    stretch: bool = False
