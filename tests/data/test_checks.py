"""Each check on a small planted DataFrame: it fires where the problem is, and only there."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.data.checks import run_checks
from mlops_desktop.data.roles import make_roles
from mlops_desktop.data.schema import apply_schema, infer_schema
from mlops_desktop.data.splits import make_split

RNG = np.random.default_rng(7)


def check(raw: pd.DataFrame, target: str = "y", split: str = "random", **roles):
    coercions: dict = {}
    schema = infer_schema(raw)
    schema.update(roles.pop("types", {}))
    df = apply_schema(raw, schema, coercions)
    kept = {c: t for c, t in schema.items() if c in df.columns}
    the_roles = make_roles(df, kept, target, **roles)
    the_split = make_split(df, the_roles, split, 0.25, 1)
    return run_checks(df, kept, the_roles, the_split, coercions=coercions)


def only(findings, check_id):
    return [f for f in findings if f.check == check_id]


def base(n: int = 2000) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": RNG.normal(0, 1, n),
            "b": RNG.integers(0, 100, n),
            "c": RNG.choice(["x", "y", "z"], n),
            "y": RNG.choice([0, 1], n),
        }
    )


def test_clean_data_has_no_leakage_findings():
    findings = check(base())
    assert not [f for f in findings if f.category == "leakage"]
    assert not [f for f in findings if f.severity == "blocking"]


def test_single_feature_leak_blocks():
    df = base()
    df["settled"] = np.where(RNG.random(len(df)) < 0.995, df["y"], 1 - df["y"]) * 10 + RNG.normal(
        0, 0.1, len(df)
    )
    hits = only(check(df), "single_feature_leak")
    assert [f.columns for f in hits] == [("settled",)]
    assert hits[0].severity == "blocking" and hits[0].details["metric"] == "AUC"
    assert hits[0].details["value"] > 0.98


def test_strong_but_imperfect_feature_is_a_warning():
    df = base(4000)
    df["score"] = df["y"] * 2.5 + RNG.normal(0, 1, len(df))
    hits = only(check(df), "single_feature_leak")
    assert [(f.columns, f.severity) for f in hits] == [(("score",), "warning")]


def test_target_derived_sum_and_rescaled_copy():
    n = 1000
    df = pd.DataFrame(
        {
            "part1": RNG.integers(0, 50, n),
            "part2": RNG.integers(0, 50, n),
            "temp": RNG.normal(20, 5, n),
        }
    )
    df["y"] = df["part1"] + df["part2"]
    df["y_in_cents"] = df["y"] * 100 + 3
    hits = only(check(df), "target_derived")
    relations = {frozenset(f.columns): (f.severity, f.details["relation"]) for f in hits}
    assert relations[frozenset({"y_in_cents"})][0] == "blocking"
    assert "rescaled copy" in relations[frozenset({"y_in_cents"})][1]
    assert relations[frozenset({"part1", "part2"})] == (
        "blocking",
        "'part1' + 'part2' equals the target",
    )
    assert len(relations) == 2  # 'temp' is innocent
    df["y"] = df["part1"] - df["part2"]
    hits = only(check(df.drop(columns="y_in_cents")), "target_derived")
    assert [f.details["relation"] for f in hits] == ["'part1' − 'part2' equals the target"]


def test_id_like_column():
    df = base()
    df["customer_ref"] = [f"C{i:06d}" for i in range(len(df))]
    hits = only(check(df), "id_like")
    assert [f.columns for f in hits] == [("customer_ref",)] and hits[0].severity == "warning"
    assert not only(check(df, id_columns=["customer_ref"]), "id_like")


def test_identical_rows_in_train_and_test_block_above_five_percent():
    df = pd.concat([base(300)] * 3, ignore_index=True)
    hits = only(check(df), "train_test_overlap")
    assert hits[0].severity == "blocking" and hits[0].details["share"] > 0.05
    few = pd.concat([base(2000), base(2000).head(10)], ignore_index=True)
    few.iloc[-10:] = few.iloc[:10].to_numpy()
    hits = only(check(few), "train_test_overlap")
    assert all(f.severity == "info" for f in hits)


def test_same_group_in_train_and_test():
    df = base()
    df["customer"] = RNG.integers(0, 100, len(df))
    hits = only(check(df, group_column="customer"), "group_overlap")
    assert hits[0].severity == "blocking" and hits[0].columns == ("customer",)
    assert not only(check(df, split="group", group_column="customer"), "group_overlap")


def test_time_leakage_under_random_split():
    df = base()
    df["when"] = pd.date_range("2024-01-01", periods=len(df), freq="h")
    hits = only(check(df, split="random", time_column="when"), "time_leakage")
    assert hits[0].severity == "blocking" and hits[0].columns == ("when",)
    assert not only(check(df, split="time", time_column="when"), "time_leakage")


def test_missing_values_severity_by_share():
    df = base(1000)
    df["sparse"] = np.where(RNG.random(1000) < 0.4, np.nan, 1.5)
    df.loc[:49, "a"] = np.nan
    hits = {f.severity: f for f in only(check(df), "missing_values")}
    assert hits["warning"].columns == ("sparse",)
    assert hits["info"].columns == ("a",)
    assert hits["info"].details["missing_share"]["a"] == pytest.approx(0.05)


def test_constant_and_near_constant():
    df = base(1000)
    df["always"] = "same"
    df["mostly"] = ["on"] * 996 + ["off"] * 4
    findings = check(df)
    assert only(findings, "constant_column")[0].columns == ("always",)
    assert only(findings, "near_constant_column")[0].columns == ("mostly",)


def test_high_cardinality_categorical():
    df = base(2000)
    df["city"] = [f"city_{i % 80}" for i in range(2000)]
    hits = only(check(df), "high_cardinality")
    assert hits[0].columns == ("city",) and hits[0].details["distinct_values"]["city"] == 80


def test_mixed_types_are_reported_with_examples():
    df = base(1000)
    df["weight"] = RNG.normal(70, 5, 1000).round(1).astype(str)
    df.loc[[3, 30, 300], "weight"] = ["unknown", "heavy", "unknown"]
    df["code"] = [str(i) if i % 3 else f"K{i}" for i in range(1000)]
    hits = {f.columns: f for f in only(check(df), "mixed_types")}
    assert hits[("weight",)].details["count"] == 3
    assert set(hits[("weight",)].details["examples"]) == {"unknown", "heavy"}
    assert ("code",) in hits


def test_duplicate_rows():
    df = base(1000)
    df = pd.concat([df, df.head(100)], ignore_index=True)
    hits = only(check(df), "duplicate_rows")
    assert hits[0].severity == "warning" and hits[0].details["duplicate_rows"] == 100


def test_conflicting_labels():
    df = pd.DataFrame(
        {"a": [1, 2, 3, 4] * 50, "b": ["p", "q"] * 100, "y": RNG.choice(["yes", "no"], 200)}
    )
    hits = only(check(df), "conflicting_labels")
    assert hits[0].severity == "warning" and hits[0].details["rows"] == 200


def test_class_imbalance():
    df = base(2000)
    df["y"] = ["rare"] * 60 + ["common"] * 1940
    hits = only(check(df, split="stratified"), "class_imbalance")
    assert hits[0].severity == "warning" and hits[0].details["minority_share"] == 0.03


def test_outliers():
    df = base(1000)
    df["income"] = RNG.normal(3000, 300, 1000)
    df.loc[5, "income"] = 999_999
    hits = only(check(df), "outliers")
    extreme = [f for f in hits if f.severity == "warning"]
    assert (
        extreme and extreme[0].columns == ("income",) and extreme[0].details["rows"]["income"] == 1
    )


def test_drift_in_the_most_recent_part():
    n = 3000
    recent = np.arange(n) >= 2400
    df = pd.DataFrame(
        {
            "when": pd.date_range("2023-01-01", periods=n, freq="D"),
            "price": RNG.normal(10, 1, n) + recent * 3,
            "volume": RNG.normal(100, 10, n) + recent * 40,
            "y": RNG.choice([0, 1], n),
        }
    )
    hits = only(check(df, split="time", time_column="when"), "drift")
    assert hits[0].category == "representativeness" and hits[0].severity == "warning"
    assert {"price", "volume"} <= set(hits[0].columns)
    assert "when" not in hits[0].columns  # time itself always moves on
    steady = df.assign(price=RNG.normal(10, 1, n), volume=RNG.normal(100, 10, n))
    assert not only(check(steady, split="time", time_column="when"), "drift")


def test_findings_are_json_safe_and_complete():
    import json

    df = base(500)
    df["always"] = 1
    for finding in check(df):
        data = finding.to_dict()
        json.dumps(data)
        assert data["why"].endswith(".") and data["fix"]
        assert data["category"] in ("leakage", "quality", "representativeness")


def test_leak_metrics_equal_scikit_learns_with_ties():
    """The numpy AUC and balanced accuracy the leak check uses give scikit-learn's figures."""
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    from mlops_desktop.data.checks.leakage import balanced_accuracy, binary_auc

    rng = np.random.default_rng(7)
    for trial in range(20):
        y = rng.integers(0, 2, 300)
        score = rng.integers(0, 5 + trial, 300) / 7  # many ties
        assert binary_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
        labels = rng.integers(0, 4, 300)
        predicted = rng.integers(0, 5, 300)  # a class that never occurs in the labels
        assert balanced_accuracy(labels, predicted) == pytest.approx(
            balanced_accuracy_score(labels, predicted), abs=1e-12
        )


def test_one_duplicated_row_reads_as_one_row_and_a_share_above_zero():
    from mlops_desktop.data.checks.quality import duplicate_rows

    class Rows:
        row_hashes = [1] * 2 + list(range(2, 6001))

    [finding] = duplicate_rows(Rows())
    assert finding.title == "1 row (< 0.1%) is an exact duplicate"
