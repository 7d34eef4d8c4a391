"""``mlops-desktop pii``: show, set, mark and export on a real tested workspace; bad input exit 2."""

from __future__ import annotations

import json

from mlops_desktop.cli.entry import main
from tests.conftest import copy_workspace


def _run(capsys, ws, *args: str) -> tuple[int, str, str]:
    try:
        code = main(["--workspace", str(ws), *args])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_pii_commands_end_to_end(tested_credit, tmp_path, capsys):
    ws = copy_workspace(tested_credit, tmp_path / "ws")
    code, out, _ = _run(capsys, ws, "pii", "credit@1")
    assert code == 0 and "Dataset credit@1" in out and "suggested, not confirmed" in out
    code, out, _ = _run(
        capsys,
        ws,
        "pii",
        "set",
        "credit",
        "--purpose",
        "Decide on consumer credit",
        "--legal-basis",
        "contract",
        "--reason",
        "agreed with the DPO",
    )
    assert code == 0 and "purpose version 1" in out
    code, out, _ = _run(
        capsys,
        ws,
        "pii",
        "mark",
        "credit@1",
        "telephone",
        "--not-personal",
        "--reason",
        "a yes/no flag",
    )
    assert code == 0 and "telephone (phone): not personal" in out
    code, out, _ = _run(capsys, ws, "pii", "--model", "credit@1", "--json")
    data = json.loads(out)
    assert code == 0 and data["kind"] == "model"
    assert "telephone" not in data["personal_features"]
    assert data["dataset"]["purpose"]["legal_basis"] == "contract"
    assert {h["column"] for h in data["minimisation"]} == set(data["personal_features"])
    code, out, _ = _run(capsys, ws, "pii", "show", "credit@1", "--model")
    assert code == 0 and "Data minimisation:" in out and "Model credit@1" in out
    code, out, _ = _run(capsys, ws, "pii", "export", str(tmp_path / "record.csv"))
    assert code == 0 and (tmp_path / "record.csv").read_text().startswith("activity,purpose")


def test_pii_bad_input_exits_2(tested_credit, tmp_path, capsys):
    ws = copy_workspace(tested_credit, tmp_path / "ws")
    bad = [
        ("pii", "nosuch@1"),
        ("pii", "set", "credit", "--purpose", "x", "--legal-basis", "whim", "--reason", "y"),
        ("pii", "set", "credit", "--purpose", "x", "--legal-basis", "consent"),  # no reason
        ("pii", "mark", "credit@1", "nosuch", "--personal", "--reason", "x"),
        ("pii", "mark", "credit@1", "job", "--personal", "--special", "salary", "--reason", "x"),
        ("pii", "mark", "credit@1", "job", "--reason", "x"),  # neither --personal nor --not-
        ("pii", "export", str(tmp_path / "record.pdf")),
        ("pii", "export", str(tmp_path / "missing" / "record.csv")),
    ]
    for args in bad:
        code, _, err = _run(capsys, ws, *args)
        assert code == 2, (args, err)
        assert err.strip(), args
