"""The personal-data inventory on real data: suggestions, decisions with reasons and history,
versioned purposes, what models use, the minimisation hint and the Art. 30 record."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.governance.art30 import export_record, record_rows
from mlops_desktop.governance.personal_data import (
    dataset_inventory,
    inventory,
    mark,
    set_purpose,
)
from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.registry.workspace import Workspace
from tests.conftest import copy_workspace
from tests.credit import import_credit
from tests.datasets import ADULT


@pytest.fixture
def tested_ws(tested_credit, tmp_path):
    with Workspace.open(copy_workspace(tested_credit, tmp_path / "ws"), create=False) as ws:
        yield ws


def _import(ws, path, name, target):
    from mlops_desktop.data.importer import import_dataset

    run_inline(ws, import_dataset, {"path": str(path), "name": name, "target": target})


def test_art9_categories_are_suggested_from_names_and_values_of_adult(
    workspace, data_dir, tmp_path
):
    frame = pd.read_csv(data_dir / ADULT, nrows=3000)
    frame.to_csv(tmp_path / "adult.csv", index=False)
    frame.rename(columns={"race": "group_code"}).to_csv(tmp_path / "renamed.csv", index=False)
    _import(workspace, tmp_path / "adult.csv", "adult", "class")
    _import(workspace, tmp_path / "renamed.csv", "renamed", "class")

    adult = {c.column: c for c in dataset_inventory(workspace, "adult@1").columns}
    assert adult["race"].special == "racial_or_ethnic_origin" and adult["race"].personal
    assert "race" in adult["race"].special_reason
    assert adult["sex"].personal and adult["sex"].special is None  # sex is not sex life
    assert not adult["race"].confirmed
    renamed = {c.column: c for c in dataset_inventory(workspace, "renamed@1").columns}
    assert renamed["group_code"].special == "racial_or_ethnic_origin"  # from its values
    assert "of values name racial or ethnic origin" in renamed["group_code"].special_reason


def test_purpose_and_legal_basis_are_versioned_and_audited(credit_ws):
    first = set_purpose(credit_ws, "credit", "Decide on credit", "contract", "agreed with DPO")
    second = set_purpose(
        credit_ws, "credit", "Decide on credit and price it", "legitimate-interests", "pricing"
    )
    assert (first.version, second.version) == (1, 2)
    assert second.legal_basis == "legitimate_interests"
    inv = dataset_inventory(credit_ws, "credit@1")
    assert inv.purpose == second and [p.version for p in inv.purpose_history] == [1, 2]
    events = [e for e in credit_ws.audit.recent(object_ref="credit") if e.action == "pii.purpose"]
    assert events[0].details["previous"]["legal_basis"] == "contract"
    assert events[0].details["reason"] == "pricing"
    with pytest.raises(InputError, match="not a GDPR Art. 6 legal basis"):
        set_purpose(credit_ws, "credit", "x", "because", "y")
    with pytest.raises(InputError, match="Give a reason"):
        set_purpose(credit_ws, "credit", "x", "consent", " ")
    with pytest.raises(InputError, match="not to one version"):
        set_purpose(credit_ws, "credit@1", "x", "consent", "y")
    with pytest.raises(NotFoundError):
        set_purpose(credit_ws, "nosuch", "x", "consent", "y")
    assert credit_ws.audit.verify().ok


def test_column_decisions_keep_the_suggestion_and_their_history(credit_ws):
    entry = mark(credit_ws, "credit@1", "telephone", personal=False, reason="a yes/no flag")
    assert not entry.personal and entry.suggested and entry.kind == "phone"
    assert "telephone" in entry.suggestion  # the import's suggestion stays beside the decision
    entry = mark(
        credit_ws,
        "credit@1",
        "personal_status_and_sex",
        personal=True,
        special="sex_life",
        reason="DPO: treat as special",
    )
    assert entry.special == "sex_life_or_sexual_orientation" and entry.confirmed
    again = mark(
        credit_ws, "credit@1", "telephone", personal=True, reason="holds numbers after all"
    )
    assert again.personal and [d.personal for d in again.history] == [0, 1]
    assert again.decision.suggestion["kind"] == "phone"
    inv = dataset_inventory(credit_ws, "credit@1")
    assert {c.column for c in inv.special} == {"personal_status_and_sex"}
    assert {c.column for c in inv.unconfirmed} == {"age_in_years", "foreign_worker"}
    event = credit_ws.audit.recent(object_ref="credit@1")[0]
    assert event.action == "pii.column" and event.details["reason"] == "holds numbers after all"

    with pytest.raises(InputError, match="cannot hold a special category"):
        mark(credit_ws, "credit@1", "telephone", personal=False, special="health", reason="x")
    with pytest.raises(InputError, match="no column 'phone'"):
        mark(credit_ws, "credit@1", "phone", personal=True, reason="x")
    with pytest.raises(InputError, match="not a GDPR Art. 9"):
        mark(credit_ws, "credit@1", "job", personal=True, special="salary", reason="x")

    import_credit(credit_ws, seed=3)  # credit@2: the decisions on credit@1 hold there too
    carried = {c.column: c for c in dataset_inventory(credit_ws, "credit@2").columns}
    assert carried["personal_status_and_sex"].decided_on == "credit@1"
    assert carried["personal_status_and_sex"].special == "sex_life_or_sexual_orientation"


def test_model_inventory_names_the_personal_features_and_the_minimisation_hint(tested_ws):
    mark(tested_ws, "credit@1", "telephone", personal=False, reason="a yes/no flag")
    model = inventory(tested_ws, "credit@1", "model")
    assert model.ref == "credit@1" and model.dataset.ref == "credit@1"
    assert {c.column for c in model.used} == {
        "personal_status_and_sex",
        "age_in_years",
        "foreign_worker",
    }
    importance = tested_ws.reports.latest(1).summary["importance"]
    assert importance["metric"] == "roc_auc" and importance["repeats"] >= 1
    assert set(importance["columns"]) == set(model.features)
    hints = {h.column: h for h in model.hints}
    assert set(hints) == {c.column for c in model.used}
    for hint in hints.values():  # the hint follows the report's numbers
        value = importance["columns"][hint.column]
        assert hint.mean == value["mean"]
        assert hint.adds_little == (
            value["mean"] <= max(2 * value["std"], 0.01 * importance["base"])
        )
    assert "permutation importance on" in model.hint_note
    assert inventory(tested_ws, "credit@1").to_dict()["kind"] == "dataset"  # dataset first


def test_untested_model_gets_a_hint_to_test(credit_ws):
    from mlops_desktop.training.jobs import train_model

    run_inline(
        credit_ws,
        train_model,
        {"dataset": "credit@1", "model": "logreg", "cv_folds": 2, "register": "scorer"},
    )
    model = inventory(credit_ws, "scorer@1")  # only a model has that name
    assert model.hints == () and "Test scorer@1" in model.hint_note


def test_art30_record_covers_the_workspace(tested_ws, tmp_path):
    set_purpose(tested_ws, "credit", "Decide on consumer credit", "contract", "agreed")
    mark(tested_ws, "credit@1", "foreign_worker", personal=True, special="race", reason="DPO")
    [row] = record_rows(tested_ws)
    assert row["activity"] == "credit" and "6(1)(b)" in row["legal_basis"]
    assert "foreign_worker (racial or ethnic origin)" in row["special_categories"]
    assert "age_in_years: credit@1" in row["personal_features"]
    assert "190 days" in row["retention"]
    result = export_record(tested_ws, tmp_path / "record.csv")
    with open(result["path"], newline="", encoding="utf-8") as f:
        assert list(csv.DictReader(f))[0]["purpose"] == "Decide on consumer credit"
    page = export_record(tested_ws, tmp_path / "record.html")
    text = (tmp_path / "record.html").read_text(encoding="utf-8")
    assert page["activities"] == 1 and "Record of processing activities" in text
    assert "http://" not in text and "https://" not in text
    with pytest.raises(InputError, match=".csv or .html"):
        export_record(tested_ws, tmp_path / "record.pdf")
    assert tested_ws.audit.recent(1)[0].action == "pii.export"
