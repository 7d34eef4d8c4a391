"""Which test judges a column, and at which threshold (Evidently's defaults).

=============  ===========================================  ===============  =============
method         used by default for                          statistic        drift when
=============  ===========================================  ===============  =============
ks             numeric, > 5 unique values, ref <= 1000      KS p-value       p < 0.05
chisquare      categorical, or numeric <= 5 unique values,  chi-square p     p < 0.05
               ref <= 1000 (and more than 2 values)
z              two values (binary, boolean), ref <= 1000    z-test p-value   p < 0.05
wasserstein    numeric, > 5 unique values, ref > 1000       W1 / ref std     >= 0.1
jensenshannon  categorical, boolean, or numeric <= 5        JS distance      >= 0.1
               unique values, ref > 1000                    (natural log)
psi            never the default; always computed           PSI              >= 0.1
=============  ===========================================  ===============  =============

"unique values" counts the pooled reference and current values, and "ref" the reference's
non-missing values of that column, as Evidently does.

Where we differ from Evidently, on purpose:

- chi-square is the test of homogeneity on the 2 x k table (``scipy.stats.chi2_contingency``),
  not Evidently's goodness of fit (``chisquare(current, reference * n_cur / n_ref)``), which
  treats the small reference as the exact population (too many false alarms) and returns
  p = 0 for any category unseen in the reference.
- Wasserstein is normed by the reference standard deviation (ddof 0, as Evidently); a constant
  reference is normed by 1 (Evidently uses ``max(std, 0.001)``, which turns any change of a
  constant column into a distance in the thousands).
- a column with no values on one side is judged by ``missing_share``: the change of its
  missing share, drifting from 0.1 (Evidently gives NaN). ``DriftSettings.method`` overrides the
choice per column and ``DriftSettings.thresholds`` the threshold per method.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlops_desktop.errors import InputError


class DriftInputError(InputError, ValueError):
    """The data given to the drift engine cannot be compared (empty, missing columns, ...)."""


KINDS = ("numeric", "categorical", "boolean")

#: Method name -> (default threshold, key of its statistic in ``ColumnDrift.stats``,
#: key of its p-value or None). Methods with a p-value drift when ``p < threshold``,
#: distances when ``statistic >= threshold``.
METHODS: dict[str, tuple[float, str, str | None]] = {
    "ks": (0.05, "ks", "ks_p"),
    "chisquare": (0.05, "chi2", "chi2_p"),
    "z": (0.05, "z", "z_p"),
    "wasserstein": (0.1, "wasserstein_norm", None),
    "jensenshannon": (0.1, "jensen_shannon", None),
    "psi": (0.1, "psi", None),
    # Used only when one side has no values at all: |missing share current - reference|.
    "missing_share": (0.1, "missing_share_change", None),
}

DISPLAY_NAMES = {
    "ks": "KS test",
    "chisquare": "chi-square test",
    "z": "z-test for proportions",
    "wasserstein": "Wasserstein distance",
    "jensenshannon": "Jensen-Shannon distance",
    "psi": "PSI",
    "missing_share": "missing-share change",
}


@dataclass(frozen=True)
class DriftSettings:
    """Thresholds and method overrides for :func:`compare`.

    Parameters
    ----------
    method : dict of str to str
        Per-column method override, e.g. ``{"age": "psi"}``; names as in ``METHODS``.
    thresholds : dict of str to float
        Per-method threshold override, e.g. ``{"wasserstein": 0.2, "ks": 0.01}``.
    drift_share : float
        The dataset drifts when at least this share of the compared columns drift.
    small_sample : int
        Reference sizes up to this use the p-value tests (KS, chi-square, z), larger ones
        the distances (Wasserstein, Jensen-Shannon).
    psi_bins : int
        Number of pooled-quantile bins for the PSI of numeric columns.
    max_bins : int
        Atoms a compressed reference keeps (see ``exact_max_rows``).
    exact_max_rows : int
        KS and Wasserstein are exact (equal to scipy) while the reference has at most this
        many non-missing values. Above it the sorted reference is compressed to ``max_bins``
        equal-mass atoms, NannyML's trick: the KS statistic is then within ``1 / max_bins``
        of the exact value and the Wasserstein distance within ``range / max_bins``.
    """

    method: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    drift_share: float = 0.5
    small_sample: int = 1000
    psi_bins: int = 10
    max_bins: int = 10_000
    exact_max_rows: int = 1_000_000

    def __post_init__(self) -> None:
        unknown = sorted(set(self.method.values()) - set(METHODS))
        unknown += sorted(set(self.thresholds) - set(METHODS))
        if unknown:
            raise DriftInputError(
                f"Unknown drift method {', '.join(map(repr, unknown))}; "
                f"choose from {', '.join(m for m in METHODS if m != 'missing_share')}."
            )
        if not 0.0 < self.drift_share <= 1.0:
            raise DriftInputError(f"drift_share must be in (0, 1], got {self.drift_share}.")
        if self.psi_bins < 2 or self.max_bins < 2 or self.small_sample < 0:
            raise DriftInputError(
                "psi_bins and max_bins must be at least 2 and small_sample not negative."
            )

    def threshold(self, method: str) -> float:
        """Threshold of ``method`` (the override, else the default)."""
        return float(self.thresholds.get(method, METHODS[method][0]))

    def to_dict(self) -> dict:
        """JSON-safe copy of the settings."""
        return {
            "method": dict(self.method),
            "thresholds": {k: float(v) for k, v in self.thresholds.items()},
            "drift_share": float(self.drift_share),
            "small_sample": int(self.small_sample),
            "psi_bins": int(self.psi_bins),
            "max_bins": int(self.max_bins),
            "exact_max_rows": int(self.exact_max_rows),
        }


def default_method(kind: str, n_reference: int, n_unique: int, small_sample: int = 1000) -> str:
    """Evidently's default test for a column.

    Parameters
    ----------
    kind : {"numeric", "categorical", "boolean"}
    n_reference : int
        Non-missing reference values.
    n_unique : int
        Distinct non-missing values in reference and current together.
    small_sample : int
        The reference-size switch (1000 in Evidently).
    """
    many_values = kind == "numeric" and n_unique > 5
    if n_reference <= small_sample:
        if many_values:
            return "ks"
        return "chisquare" if n_unique > 2 else "z"
    return "wasserstein" if many_values else "jensenshannon"


def applicable_methods(kind: str, n_unique: int) -> tuple[str, ...]:
    """Methods whose statistic is computed (and may be chosen) for a column."""
    if kind == "numeric":
        methods = ("ks", "wasserstein", "jensenshannon", "psi", "chisquare")
    else:
        methods = ("chisquare", "jensenshannon", "psi")
    if n_unique <= 2:
        methods += ("z",)
    return methods


def check_method(column: str, method: str, kind: str, n_unique: int) -> None:
    """Raise :class:`DriftInputError` when ``method`` cannot judge this column."""
    allowed = applicable_methods(kind, n_unique)
    if method not in allowed:
        raise DriftInputError(
            f"Method {method!r} cannot judge column {column!r} ({kind}, {n_unique} distinct "
            f"values); use one of {', '.join(allowed)}."
        )
