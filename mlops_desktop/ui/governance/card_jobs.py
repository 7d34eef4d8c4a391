"""The model card's export job (Qt-free at import, run in a worker or inline by the CLI):
HTML from ``governance.card``, PDF printed from the same HTML by ``card_pdf`` (Qt)."""

from __future__ import annotations

import hashlib
from typing import Any

from mlops_desktop.errors import InputError
from mlops_desktop.jobs.context import JobContext


def export_card(ctx: JobContext, model_ref: str, path: str) -> dict[str, Any]:
    """Write the model card of ``model_ref`` to ``path`` (.html or .pdf, by its suffix)."""
    from mlops_desktop.governance.card import check_card_path, model_card, render_card

    target = check_card_path(path)
    ws = ctx.workspace()
    ctx.report(0.1, f"Gathering the card of {model_ref}")
    card = model_card(ws, model_ref)
    html = render_card(card)
    pdf = target.suffix.lower() == ".pdf"
    ctx.report(0.6, f"Writing {target.name}")
    if pdf:
        from mlops_desktop.ui.governance.card_pdf import card_pdf_bytes  # Qt, only for PDF

        data = card_pdf_bytes(html, f"Model card: {card['model']}")
    else:
        data = html.encode("utf-8")
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise InputError(f"Cannot write {target}: {exc.strerror or exc}.") from exc
    digest = hashlib.sha256(data).hexdigest()
    ws.audit.record(
        "card.export", "model_version", card["model"], {"path": str(target), "sha256": digest}
    )
    ctx.report(1.0, "Done")
    return {
        "model": card["model"],
        "path": str(target),
        "format": "pdf" if pdf else "html",
        "bytes": len(data),
        "sha256": digest,
    }
