"""Names people say out loud: ``credit@3`` (a version), ``credit@live`` (an alias), ``credit``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlops_desktop.errors import InputError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Ref:
    name: str
    number: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.number is not None:
            return f"{self.name}@{self.number}"
        if self.alias is not None:
            return f"{self.name}@{self.alias}"
        return self.name


def check_name(name: str, what: str = "name") -> str:
    """Validate a dataset or model name: letters, digits, ``_ . -``, up to 64 characters."""
    if not NAME_PATTERN.match(name or ""):
        raise InputError(
            f"'{name}' is not a valid {what}: use letters, digits, '_', '.' or '-' "
            "(up to 64 characters, starting with a letter or digit)."
        )
    return name


def parse_ref(text: str) -> Ref:
    """Parse ``name``, ``name@N`` or ``name@alias``."""
    name, sep, suffix = text.strip().partition("@")
    check_name(name)
    if not sep:
        return Ref(name)
    if suffix.isdigit() and int(suffix) > 0:
        return Ref(name, number=int(suffix))
    if NAME_PATTERN.match(suffix) and not suffix[0].isdigit():
        return Ref(name, alias=suffix)
    raise InputError(f"'{text}' is not a valid reference: expected NAME, NAME@N or NAME@ALIAS.")
