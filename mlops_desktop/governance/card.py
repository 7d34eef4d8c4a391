"""The model card: technical documentation of a model version along the EU AI Act's Annex IV,
as one self-contained HTML file (inline CSS, no URL, no script, no image). The desktop layer
prints the same HTML to PDF (``ui.governance.card_pdf``).
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.errors import InputError
from mlops_desktop.evaluation.html import CSS, dataset_credit, ordered_metrics
from mlops_desktop.formatting import MISSING, ci, local_time, number
from mlops_desktop.governance.card_data import card_data
from mlops_desktop.governance.review import oversight_lines
from mlops_desktop.training.metric_names import METRIC_LABELS

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

CARD_SUFFIXES = (".html", ".htm", ".pdf")


def _t(value: Any) -> str:
    return escape(MISSING if value is None or value == "" else str(value))


def _table(head: list[str], rows: list[list[Any]], empty: str = "None.") -> str:
    if not rows:
        return f'<p class="note">{escape(empty)}</p>'
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_t(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table cellspacing="0" cellpadding="6" border="1"><tr>{cells}</tr>{body}</table>'


def _pairs(pairs: list[tuple[str, Any]]) -> str:
    return _table(["", ""], [[k, v] for k, v in pairs]).replace("<tr><th></th><th></th></tr>", "")


def _purpose(p: dict) -> str:
    purpose = p["purpose"] or (
        f"not recorded: record it with 'mlops-desktop pii set {p['dataset_name']} --purpose …'"
    )
    return _pairs(
        [
            ("Model", p["model"]),
            ("Intended purpose", purpose),
            ("Legal basis (GDPR Art. 6)", p["legal_basis"]),
            ("Task", p["task"]),
            ("Predicts", p["target"]),
            ("Positive class", p["positive_class"]),
            ("Model family", p["family"]),
            ("Description", p["description"]),
        ]
    )


def _data(d: dict) -> str:
    split = d["split"]
    credit = dataset_credit(d["source"])
    facts = _pairs(
        [
            ("Dataset version", d["dataset"]),
            ("Source file", d["source"]),
            ("Rows × columns", f"{d['rows']:,} × {d['columns']:,}"),
            ("Content hash (SHA-256)", d["content_hash"]),
            ("Recorded", f"{local_time(d['created_at'])} by {d['created_by']}"),
            ("Earlier versions", ", ".join(d["earlier_versions"]) or "none"),
            (
                "Split",
                f"{split.get('method')}, test share {split.get('test_size')}, seed {split.get('seed')}",
            ),
            ("Blocking findings overridden", d["override_reason"] or "no"),
            ("Credit", credit),
        ]
    )
    personal = _table(
        ["Column", "Kind", "Personal", "Art. 9 category", "Confirmed", "Model input"],
        [
            [
                c["column"],
                c["kind"].replace("_", " "),
                "yes" if c["personal"] else "no",
                c["special_label"] or "none",
                f"yes ({c['decision']['reason']})" if c["confirmed"] else "suggested only",
                "yes" if c["used"] else "no",
            ]
            for c in d["personal"]
        ],
        "No column of this dataset version is personal data, suggested or marked.",
    )
    hints = "".join(f"<li>{escape(h)}</li>" for h in d["minimisation"])
    checks = _table(
        ["Severity", "Finding"],
        [[c["severity"], c["title"]] for c in d["checks"]],
        "The import's checks found nothing.",
    )
    return (
        facts
        + "<h3>Personal data</h3>"
        + personal
        + f"<p class='note'>Data minimisation. {escape(d['minimisation_note'])}</p>"
        + (f"<ul>{hints}</ul>" if hints else "")
        + "<h3>Data checks at import</h3>"
        + checks
    )


def _development(d: dict) -> str:
    facts = _pairs(
        [
            ("Training run", d["run"]),
            ("Family", d["family"]),
            ("Seed", d["seed"]),
            ("Cross-validation", f"{d['cv_folds']} folds, {d['split_method']} split"),
            ("Hyperparameter search", f"{d['search']} candidates" if d["search"] else "none"),
            (
                "Chosen parameters",
                ", ".join(f"{k}={v}" for k, v in d["params"].items()) or "defaults",
            ),
            ("Pipeline", " → ".join(d["steps"])),
            ("Preprocessing", "; ".join(d["preprocessing"])),
            ("Estimator settings", ", ".join(f"{k}={v}" for k, v in d["estimator"].items())),
            ("Fingerprint", d["fingerprint"]),
            ("Retrained from", d["parent"] or "no (first training)"),
            ("Libraries", ", ".join(f"{k} {v}" for k, v in d["library_versions"].items())),
        ]
    )
    features = ", ".join(f"{f['name']} ({f['type']})" for f in d["features"])
    cv = _table(
        ["Metric", "Cross-validated"],
        [[METRIC_LABELS.get(k, k), number(v)] for k, v in ordered_metrics(d["cv_metrics"])],
    )
    return facts + f"<h3>Inputs ({len(d['features'])})</h3><p>{escape(features)}</p>" + cv


def _gate(gate: dict | None) -> str:
    if gate is None:
        return "<p>No quality gate is set for this model: nothing could fail.</p>"
    word = "passed" if gate.get("passed") else "FAILED"
    rows = [
        ["passed" if g["passed"] else "FAILED", g["rule"], g["reason"]]
        for g in gate.get("lines", [])
    ]
    return f"<p><b>Quality gate version {_t(gate.get('version'))}: {word}.</b></p>" + _table(
        ["Result", "Rule", "Why"], rows
    )


def _evaluation(e: dict | None) -> str:
    if e is None:
        return "<p>Not tested yet: run 'mlops-desktop test NAME@N'.</p>"
    boot = e["bootstrap"]
    intro = (
        f"<p>Test report {e['report_id']} ({local_time(e['created_at'])}): {e['rows']:,} held-out "
        f"rows, 95% bootstrap intervals over {boot.get('resamples')} resamples.</p>"
    )
    metrics = _table(
        ["Metric", "Model", "95% CI", "Dummy baseline", "Lift"],
        [
            [
                METRIC_LABELS.get(k, k),
                number(m.get("value")),
                ci(m.get("ci_low"), m.get("ci_high")),
                number((e["baseline"].get(k) or {}).get("value")),
                number((e["lift"].get(k) or {}).get("value")),
            ]
            for k, m in ordered_metrics(e["metrics"])
        ],
    )
    return intro + _gate(e["gate"]) + metrics + _slices(e["slices"]) + _tests(e)


def _slices(s: dict) -> str:
    return "<h3>Slices</h3>" + (
        f"<p>{s['count']} slices on {_t(METRIC_LABELS.get(s['metric'], s['metric']))} (overall "
        f"{number(s['overall'])}); flagged: {s['flagged']}"
        + (f" (maximum gap {s['max_gap']:g})" if s["max_gap"] is not None else " (no gap set)")
        + ". The worst:</p>"
        + _table(
            ["Column", "Slice", "Rows", "Value", "Gap"],
            [
                [
                    r["column"],
                    r["label"],
                    f"{r['rows']:,}",
                    number(r.get("value")),
                    number(r.get("gap")),
                ]
                for r in s["worst"]
            ],
        )
    )


def _tests(e: dict) -> str:
    tests = _table(
        ["Result", "Kind", "Test", "What happened"],
        [
            ["passed" if t["passed"] else "FAILED", t["kind"], t["name"], t["message"]]
            for t in e["behavioural"]
        ],
        "No behavioural tests are defined for this model.",
    )
    contracts = _table(
        ["Result", "Case", "What happened"],
        [["passed" if c["passed"] else "FAILED", c["name"], c["message"]] for c in e["contracts"]],
    )
    return "<h3>Behavioural tests</h3>" + tests + "<h3>Input contract</h3>" + contracts


def _monitoring(m: dict) -> str:
    w, r = m["windows"], m["retention"]
    size = f"{w['size']:,} requests" if w["kind"] == "count" else f"every {w['freq']}"
    rules = _table(
        ["Signal", "Settings", "Enabled"],
        [
            [
                a["signal"],
                ", ".join(f"{k}={v}" for k, v in a["params"].items()),
                "yes" if a["enabled"] else "no",
            ]
            for a in m["alert_rules"]
        ],
        "No alert rules yet: the default rules (one per signal) are created the first time "
        "the model is monitored.",
    )
    return (
        _pairs(
            [
                ("Drift windows", f"{w['kind']} windows of {size}"),
                ("Dataset drift when", f"at least {w['drift_share']:.0%} of the inputs drift"),
                (
                    "Threshold overrides",
                    ", ".join(f"{k}={v}" for k, v in w["thresholds"].items()) or "defaults",
                ),
                ("Multivariate check", "yes" if w["multivariate"] else "no"),
                ("Decision records kept", f"{r['predictions_days']} days (prediction log)"),
                ("Outcomes kept", f"{r['outcomes_days']} days"),
                ("Open alerts now", m["open_alerts"]),
            ]
        )
        + "<h3>Alert rules</h3>"
        + rules
    )


def _history(h: dict) -> str:
    aliases = _table(
        ["Alias", "Version", "From", "Until", "Set by", "Reason"],
        [
            [
                a["alias"],
                a["version"],
                local_time(a["started_at"]),
                local_time(a["ended_at"], empty="now"),
                a["set_by"],
                a["reason"],
            ]
            for a in h["aliases"]
        ],
        "No version of this model has held an alias (live, candidate).",
    )
    changes = _table(
        ["When", "Action", "Version", "By", "Rule overridden", "Reason"],
        [
            [
                local_time(p["ts"]),
                p["action"],
                p["version"],
                p["user"],
                f"yes: {p['verdict']}" if p["forced"] else "no",
                p["reason"],
            ]
            for p in h["promotions"]
        ],
        "Never deployed.",
    )
    return (
        f"<p>Versions: {escape(', '.join(h['versions']))}.</p>"
        + "<h3>Aliases</h3>"
        + aliases
        + "<h3>Deployments</h3>"
        + changes
    )


def render_card(card: dict) -> str:
    """The card as one self-contained HTML document."""
    oversight = "".join(f"<li>{escape(line)}</li>" for line in card["oversight"])
    sections = [
        ("1. Intended purpose", _purpose(card["purpose"])),
        ("2. Data", _data(card["data"])),
        ("3. Development", _development(card["development"])),
        ("4. Evaluation", _evaluation(card["evaluation"])),
        ("5. Human oversight", f"<ul>{oversight}</ul>"),
        ("6. Monitoring plan", _monitoring(card["monitoring"])),
        ("7. Change history", _history(card["history"])),
    ]
    body = "".join(f"<h2>{escape(title)}</h2>{html}" for title, html in sections)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Model card: {escape(card['model'])}</title><style>{CSS}</style></head><body>"
        f"<h1>Model card: {escape(card['model'])}</h1>"
        f"<p class='sub'>Technical documentation along the EU AI Act, Annex IV. Written "
        f"{escape(local_time(time.time()))} from the workspace {escape(card['workspace'])}.</p>"
        f"{body}<footer>MLOps Desktop. Every fact above is read from the workspace registry "
        "and its tamper-evident audit trail.</footer></body></html>"
    )


def model_card(ws: Workspace, ref: str) -> dict:
    """The card's sections for model version ``ref`` (its oversight lines included)."""
    name = ws.models.get(ref).name
    return card_data(ws, ref, oversight_lines(ws, name))


def check_card_path(path: str | Path) -> Path:
    target = Path(path).expanduser()
    if target.suffix.lower() not in CARD_SUFFIXES:
        raise InputError(
            f"Cannot write a card to '{target.name}': use a name ending in .html or .pdf."
        )
    if not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist; choose another.")
    return target
