"""GDPR Art. 9 special categories of personal data, and honest suggestions of them.

A column is suggested when its name says it holds one of the categories (``race``,
``religion``, ``diagnosis``, …) or when most of its values are words of one (Adult's ``race``
values: White, Black, Asian-Pac-Islander …). Suggestions only: a person confirms them.

Sex or gender, age, nationality and marital status are personal data but not Art. 9 categories
(the article names "sex life or sexual orientation", not sex), so they are not suggested here;
a person who judges that a column reveals a special category marks it so.
"""

from __future__ import annotations

import re

from mlops_desktop.errors import InputError

#: category key → what Art. 9(1) GDPR calls it.
SPECIAL_CATEGORIES: dict[str, str] = {
    "racial_or_ethnic_origin": "racial or ethnic origin",
    "political_opinions": "political opinions",
    "religious_or_philosophical_beliefs": "religious or philosophical beliefs",
    "trade_union_membership": "trade-union membership",
    "genetic": "genetic data",
    "biometric": "biometric data identifying a person",
    "health": "data concerning health",
    "sex_life_or_sexual_orientation": "sex life or sexual orientation",
}

#: short names people type → category key.
ALIASES = {
    "race": "racial_or_ethnic_origin",
    "ethnic": "racial_or_ethnic_origin",
    "ethnicity": "racial_or_ethnic_origin",
    "political": "political_opinions",
    "politics": "political_opinions",
    "religion": "religious_or_philosophical_beliefs",
    "beliefs": "religious_or_philosophical_beliefs",
    "union": "trade_union_membership",
    "trade_union": "trade_union_membership",
    "sexual_orientation": "sex_life_or_sexual_orientation",
    "sex_life": "sex_life_or_sexual_orientation",
}

_NAME_RULES = tuple(
    (key, re.compile(pattern, re.I))
    for key, pattern in (
        ("racial_or_ethnic_origin", r"(^|[_\s-])race($|[_\s-])|ethnic"),
        ("political_opinions", r"politic|party[_\s-]?(member|affil)|vot(e|ing)[_\s-]?intent"),
        ("religious_or_philosophical_beliefs", r"religio|faith|denomination|church"),
        ("trade_union_membership", r"trade[_\s-]?union|union[_\s-]?member|labou?r[_\s-]?union"),
        ("genetic", r"genetic|genom|(^|[_\s-])dna($|[_\s-])|genotype"),
        ("biometric", r"biometric|fingerprint|face[_\s-]?(id|print|embedding)|iris[_\s-]?scan"),
        ("health", r"diagnos|disease|medical|health|pregnan|disabil|illness|symptom"),
        ("sex_life_or_sexual_orientation", r"sexual[_\s-]?orient|sex[_\s-]?life"),
    )
)

_VALUE_WORDS = {
    "racial_or_ethnic_origin": frozenset(
        "white black asian asian-pac-islander amer-indian-eskimo hispanic latino caucasian "
        "african-american pacific-islander native-american".split()
    ),
    "religious_or_philosophical_beliefs": frozenset(
        "catholic protestant christian muslim islam jewish judaism hindu buddhist atheist "
        "agnostic orthodox sikh".split()
    ),
}
VALUE_SHARE = 0.8  # share of non-missing values that must be words of the category


def check_category(text: str | None) -> str | None:
    """The category key for ``text`` (a key or a short name), None for none; else InputError."""
    if text is None or not str(text).strip():
        return None
    key = str(text).strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in SPECIAL_CATEGORIES:
        raise InputError(
            f"'{text}' is not a GDPR Art. 9 special category. Use one of: "
            f"{', '.join(SPECIAL_CATEGORIES)}."
        )
    return key


def by_name(column: str) -> tuple[str, str] | None:
    """``(category, reason)`` when the column's name says it holds a special category."""
    for key, pattern in _NAME_RULES:
        if pattern.search(column):
            return key, f"the column name '{column}' suggests {SPECIAL_CATEGORIES[key]}"
    return None


def by_values(counts: dict[str, int], rows: int) -> tuple[str, str] | None:
    """``(category, reason)`` when most of ``rows`` values (``counts``: value → rows, e.g. a
    profile's top values) are words of a special category."""
    if rows <= 0:
        return None
    for key, words in _VALUE_WORDS.items():
        hits = sum(n for value, n in counts.items() if str(value).strip().lower() in words)
        if hits / rows >= VALUE_SHARE:
            return key, f"{hits / rows:.0%} of values name {SPECIAL_CATEGORIES[key]}"
    return None


def suggest_special(profile_columns: dict[str, dict]) -> dict[str, tuple[str, str]]:
    """``{column: (category, reason)}`` from the names and the profiled top values (a dataset
    version's ``profile["columns"]``)."""
    found = {}
    for column, info in profile_columns.items():
        hit = by_name(str(column))
        if hit is None and info.get("type") in ("categorical", "text"):
            counts = {t["value"]: int(t["count"]) for t in info.get("top_values") or []}
            rows = sum(counts.values()) + int(info.get("other_count") or 0)
            hit = by_values(counts, rows)
        if hit is not None:
            found[str(column)] = hit
    return found
