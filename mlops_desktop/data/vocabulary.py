"""The words the data step uses, importable without pandas (the CLI's parser needs them)."""

from __future__ import annotations

from enum import Enum


class ColumnType(str, Enum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    IGNORE = "ignore"

    def __str__(self) -> str:
        return self.value


SPLIT_METHODS = ("random", "stratified", "time", "group")
