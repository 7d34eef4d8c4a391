"""``mlops-desktop pii``: the personal-data inventory, purposes and legal bases, column
decisions, and the Art. 30 record of processing.

``pii NAME[@N]`` is ``pii show NAME[@N]``.
"""

from __future__ import annotations

import argparse
from typing import Any

from mlops_desktop.cli.output import EXIT_OK, emit, open_workspace
from mlops_desktop.formatting import counted, local_time

ACTIONS = ("show", "set", "mark", "export")


def _default_show(parser: argparse.ArgumentParser) -> None:
    """Make ``pii REF`` mean ``pii show REF``: a first word that is no action gets ``show``."""
    parse = parser.parse_known_args

    def first_word(args: list[str]) -> int | None:
        skip = False
        for i, arg in enumerate(args):
            if skip:
                skip = False
            elif not arg.startswith("-"):
                return i
            elif "=" not in arg:
                action = parser._option_string_actions.get(arg)
                skip = action is not None and action.nargs != 0
        return None

    def parse_known_args(args=None, namespace=None):
        args = list(args or [])
        first = first_word(args)
        if first is not None and args[first] not in ACTIONS:
            args.insert(0, "show")  # the options all belong to show as well
        return parse(args, namespace)

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    pii = sub.add_parser(
        "pii",
        parents=[common],
        help="personal data: inventory, purpose and legal basis, column decisions, Art. 30 record",
        description="The personal-data inventory of a dataset or model version. 'pii NAME[@N]' "
        "shows it (a dataset by that name first; --model for the model).",
    )
    psub = pii.add_subparsers(dest="pii_command", metavar="ACTION", required=True)
    show = psub.add_parser("show", parents=[common], help="the inventory of NAME[@N]")
    show.add_argument("ref", metavar="NAME[@N]", help="a dataset or model version")
    kind = show.add_mutually_exclusive_group()
    kind.add_argument(
        "--model", dest="kind", action="store_const", const="model", help="NAME is a model"
    )
    kind.add_argument(
        "--dataset", dest="kind", action="store_const", const="dataset", help="NAME is a dataset"
    )
    show.set_defaults(handler=cmd_show, kind=None)

    put = psub.add_parser("set", parents=[common], help="record a dataset's purpose and basis")
    put.add_argument("name", metavar="NAME", help="the dataset (every version)")
    put.add_argument("--purpose", required=True, help="what the data is processed for")
    put.add_argument(
        "--legal-basis",
        required=True,
        metavar="BASIS",
        help="GDPR Art. 6: consent, contract, legal_obligation, vital_interests, public_task, "
        "legitimate_interests",
    )
    put.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    put.set_defaults(handler=cmd_set)

    mark = psub.add_parser("mark", parents=[common], help="confirm or change a column")
    mark.add_argument("ref", metavar="NAME@N", help="the dataset version")
    mark.add_argument("column")
    which = mark.add_mutually_exclusive_group(required=True)
    which.add_argument("--personal", dest="personal", action="store_true")
    which.add_argument("--not-personal", dest="personal", action="store_false")
    mark.add_argument(
        "--special",
        metavar="CATEGORY",
        help="GDPR Art. 9 category (e.g. racial_or_ethnic_origin, health), or 'none'",
    )
    mark.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    mark.set_defaults(handler=cmd_mark)

    export = psub.add_parser("export", parents=[common], help="write the Art. 30 record")
    export.add_argument("file", metavar="FILE", help="a .csv or .html file")
    export.set_defaults(handler=cmd_export)
    _default_show(pii)


# -- text ----------------------------------------------------------------------------------------


def _column_line(c: dict) -> str:
    state = "personal" if c["personal"] else "not personal"
    special = f", Art. 9: {c['special_label']}" if c.get("special") else ""
    if c["confirmed"]:
        d = c["decision"]
        where = f" on {c['decided_on']}" if c.get("decided_on") else ""
        how = f"confirmed by {d['decided_by']}{where}: {d['reason']}"
    else:
        how = "suggested, not confirmed: " + (c["suggestion"] or c["special_reason"])
    return f"  {c['column']} ({c['kind'].replace('_', ' ')}): {state}{special}; {how}"


def _dataset_text(data: dict) -> list[str]:
    lines = [f"Dataset {data['ref']} ({data['rows']:,} rows)"]
    purpose = data["purpose"]
    if purpose:
        lines.append(f"Purpose:     {purpose['purpose']}")
        lines.append(
            f"Legal basis: {data['legal_basis_text']} (version {purpose['version']}, "
            f"{purpose['created_by']}, {local_time(purpose['created_at'])})"
        )
    else:
        lines.append(
            f"Purpose:     not recorded: mlops-desktop pii set {data['ref'].split('@')[0]} …"
        )
    lines.append("Personal-data columns:" if data["columns"] else "No personal-data columns.")
    lines += [_column_line(c) for c in data["columns"]]
    return lines


def _model_text(data: dict) -> list[str]:
    lines = [f"Model {data['ref']}, trained on {data['dataset']['ref']}"]
    used = data["personal_features"]
    lines.append(
        f"Uses personal data as inputs: {', '.join(used)}" if used else "Uses no personal data."
    )
    if data["special_features"]:
        lines.append(
            "Art. 9 special categories among them: "
            + ", ".join(f"{c} ({s})" for c, s in data["special_features"].items())
        )
    lines.append("Data minimisation:")
    lines += [f"  {h['text']}" for h in data["minimisation"]]
    lines.append(f"  {data['minimisation_note']}")
    return lines + [""] + _dataset_text(data["dataset"])


# -- commands ------------------------------------------------------------------------------------


def cmd_show(args: argparse.Namespace) -> int:
    from mlops_desktop.governance.personal_data import inventory

    with open_workspace(args) as ws:
        data: dict[str, Any] = inventory(ws, args.ref, args.kind).to_dict()
        also_model = data["kind"] == "dataset" and args.ref.split("@")[0] in ws.models.names()
    text = _model_text(data) if data["kind"] == "model" else _dataset_text(data)
    if also_model and args.kind is None:
        text.append(f"A model has this name too: mlops-desktop pii show {args.ref} --model")
    emit(args, data, lambda: "\n".join(text))
    return EXIT_OK


def cmd_set(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mlops_desktop.governance.personal_data import set_purpose

    with open_workspace(args) as ws:
        record = set_purpose(ws, args.name, args.purpose, args.legal_basis, args.reason)
    emit(
        args,
        asdict(record),
        f"{record.dataset_name}: purpose version {record.version} recorded "
        f"({record.legal_basis.replace('_', ' ')}).",
    )
    return EXIT_OK


def cmd_mark(args: argparse.Namespace) -> int:
    from mlops_desktop.governance.personal_data import mark

    with open_workspace(args) as ws:
        entry = mark(
            ws,
            args.ref,
            args.column,
            personal=args.personal,
            special=args.special,
            reason=args.reason,
        )
    data = entry.to_dict()
    emit(args, data, lambda: f"Recorded on {entry.decided_on}:\n" + _column_line(data))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from mlops_desktop.governance.art30 import export_record

    with open_workspace(args) as ws:
        result = export_record(ws, args.file)
    emit(
        args,
        result,
        f"Wrote the Art. 30 record ({counted(result['activities'], 'processing activity')}) to "
        f"{result['path']}.",
    )
    return EXIT_OK
