"""Suggest columns holding personal data, from their names and from their values.

Suggestions only: the user confirms them on the roles step. A column is suggested when its
name matches a known pattern, or when most sampled values look like an e-mail, phone number,
IBAN, IP address, postcode, person name, date of birth or free text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

SAMPLE = 2000
VALUE_SHARE = 0.8  # share of sampled values that must match a value pattern


@dataclass(frozen=True)
class PiiSuggestion:
    kind: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


NAME_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        ("email", r"e[-_ ]?mail"),
        ("phone", r"phone|mobile|^tel$|^tel[_ ]|telefon|fax"),
        ("iban", r"iban|bank[_ ]?account|account[_ ]?number"),
        ("date_of_birth", r"birth|^dob$|_dob$|born|geburt"),
        ("age", r"(^|[_\s-])age($|[_\s-])"),
        ("sex", r"(^|[_\s-])sex($|[_\s-])|gender"),
        (
            "nationality",
            r"national|citizen|foreign|native[-_ ]?country|country[-_ ]?of[-_ ]?birth|"
            r"immigra",
        ),
        ("ethnicity", r"^race$|ethnic"),
        ("religion", r"religio"),
        ("marital_status", r"marital|personal[_ ]status|relationship|spouse"),
        (
            "person_name",
            r"(first|last|given|family|sur|full|middle|maiden)[-_ ]?name|^name$|"
            r"customer[_ ]?name|^vorname$|^nachname$",
        ),
        ("postcode", r"zip|post[_ ]?code|postal|^plz$"),
        ("address", r"address|street|^city$|^town$"),
        ("ip_address", r"(^|[_\s])ip([_\s]|$)|ip[_ ]?addr"),
        ("national_id", r"ssn|social[_ ]?security|passport|national[_ ]?id|tax[_ ]?id|licen[cs]e"),
        ("health", r"diagnos|disease|medical|health|pregnan|disabil"),
    )
)

_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^\+?[\d][\d\s().-]{6,18}\d$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}\s?([A-Z0-9]{4}\s?){2,7}[A-Z0-9]{1,4}$")
_IPV4 = re.compile(r"^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$")
_IPV6 = re.compile(r"^([0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}$")
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.I)
_PERSON_NAME = re.compile(r"^[A-Z][a-z'-]+( [A-Z]\.?)?( [A-Z][a-z'-]+){1,2}$")
FIRST_NAMES = frozenset(
    """
james john robert michael william david richard joseph thomas charles mary patricia jennifer linda
elizabeth barbara susan jessica sarah karen anna maria peter paul mark daniel anne laura emma olivia
sophia mia noah liam lucas ben leon hans jan eva julia lena lisa max felix marie pierre jean
luis carlos jose juan ana sofia ahmed mohammed ali fatima wei li chen yuki kenji raj priya
""".split()
)


def _by_name(name: str) -> PiiSuggestion | None:
    for kind, pattern in NAME_RULES:
        if pattern.search(name):
            return PiiSuggestion(
                kind, f"the column name '{name}' suggests {kind.replace('_', ' ')}"
            )
    return None


def _share(text: pd.Series, pattern: re.Pattern[str]) -> float:
    return float(text.str.match(pattern).mean()) if len(text) else 0.0


def _by_values(series: pd.Series) -> PiiSuggestion | None:
    values = series.dropna()
    if len(values) == 0:
        return None
    if len(values) > SAMPLE:
        values = values.sample(SAMPLE, random_state=0)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _dates_of_birth(values)
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return None
    text = values.astype("str").str.strip()
    checks = (
        ("email", _EMAIL, "look like e-mail addresses"),
        ("iban", _IBAN, "look like IBAN bank account numbers"),
        ("ip_address", _IPV4, "look like IP addresses"),
        ("ip_address", _IPV6, "look like IPv6 addresses"),
        ("postcode", _UK_POSTCODE, "look like postcodes"),
        ("phone", _PHONE, "look like phone numbers"),
    )
    for kind, pattern, what in checks:
        share = _share(text, pattern)
        if share >= VALUE_SHARE:
            if (
                kind == "phone"
                and _share(text, re.compile(r"^\d+$")) > 0.5
                and not _share(text, re.compile(r"^(\+|0)")) > 0.8
            ):
                continue  # plain numbers stored as text are not phone numbers
            return PiiSuggestion(kind, f"{share:.0%} of sampled values {what}")
    share = _share(text, _PERSON_NAME)
    first = text.str.split(" ").str[0].str.lower().isin(FIRST_NAMES).mean()
    if share >= 0.6 and first >= 0.2:
        return PiiSuggestion("person_name", f"{share:.0%} of sampled values look like person names")
    words = text.str.count(r"\s+") + 1
    if words.mean() >= 5 and text.nunique() / len(text) >= 0.5:
        return PiiSuggestion(
            "free_text",
            "free text, which often contains names, addresses or other personal details",
        )
    return None


def _dates_of_birth(values: pd.Series) -> PiiSuggestion | None:
    years = values.dt.year
    now = pd.Timestamp.now().year
    age = now - years
    if (
        len(years)
        and age.between(10, 110).mean() >= 0.95
        and age.median() >= 18
        and years.nunique() >= 10
    ):
        return PiiSuggestion(
            "date_of_birth",
            "the dates lie 10 to 110 years back, spread over many years, like dates of birth",
        )
    return None


def suggest_pii(df: pd.DataFrame) -> dict[str, PiiSuggestion]:
    """``{column: PiiSuggestion(kind, reason)}`` for columns that look like personal data."""
    found: dict[str, PiiSuggestion] = {}
    for col in df.columns:
        suggestion = _by_name(str(col)) or _by_values(df[col])
        if suggestion is not None:
            found[str(col)] = suggestion
    return found
