"""No damaged model goes live: promotion verifies the artifact and its registered hash first."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_desktop.errors import ArtifactIntegrityError
from mlops_desktop.serving import deployments as d
from tests.conftest import REPO_ROOT


class Planted:
    """A pickle that touches ``marker`` when it is unpickled (code running on load)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def flip_byte(ws, digest: str, offset: int = 200) -> bytes:
    """Flip one byte of a stored artifact in place; return its original bytes."""
    path = ws.artifacts.path_for(digest)
    original = path.read_bytes()
    os.chmod(path, 0o644)
    damaged = bytearray(original)
    damaged[offset] ^= 0xFF
    path.write_bytes(bytes(damaged))
    return original


def restore(ws, digest: str, original: bytes) -> None:
    ws.artifacts.path_for(digest).write_bytes(original)


def plant(ws, marker: Path) -> str:
    """Store a code-running pickle at its own content address; return that address."""
    return ws.artifacts.put_bytes(pickle.dumps(Planted(marker)))


def point_row(ws, ref: str, digest: str) -> None:
    """What someone editing registry.db does: the version's row now names another artifact."""
    name, number = ref.split("@")
    ws.db.execute(
        "UPDATE model_versions SET artifact_hash = ? WHERE name = ? AND number = ?",
        [digest, name, int(number)],
    )
    ws.db.conn.commit()


def _state(ws) -> tuple:
    deployments = ws.db.execute("SELECT COUNT(*) FROM deployments").fetchone()[0]
    aliases = ws.db.execute("SELECT COUNT(*) FROM alias_history").fetchone()[0]
    return ws.models.get("credit@live").ref, deployments, aliases, ws.audit.verify().events


def test_a_damaged_artifact_is_refused_by_deploy_canary_shadow_promote_and_rollback(model_ws):
    ws = model_ws
    d.deploy(ws, "credit@1", force=True, reason="first")
    two = ws.models.get("credit@2")
    original = flip_byte(ws, two.artifact_hash)
    before = _state(ws)
    for attempt in (
        lambda: d.deploy(ws, "credit@2", force=True, reason="x"),
        lambda: d.canary(ws, "credit@2", 10),
        lambda: d.shadow(ws, "credit@2"),
    ):
        with pytest.raises(ArtifactIntegrityError, match="credit@2 cannot go live: .*damaged"):
            attempt()
    assert _state(ws) == before  # the live version unchanged, nothing written

    restore(ws, two.artifact_hash, original)
    d.canary(ws, "credit@2", 10, reason="r", force=True)
    flip_byte(ws, two.artifact_hash)
    before = _state(ws)
    with pytest.raises(ArtifactIntegrityError, match="credit@2 cannot go live"):
        d.promote(ws, "credit", force=True, reason="x")
    assert _state(ws) == before

    restore(ws, two.artifact_hash, original)
    d.promote(ws, "credit", force=True, reason="x")
    one = ws.models.get("credit@1")
    flip_byte(ws, one.artifact_hash)
    with pytest.raises(ArtifactIntegrityError, match="credit@1 cannot go live"):
        d.rollback(ws, "credit")
    assert ws.models.get("credit@live").ref == "credit@2"


def test_an_artifact_that_is_not_a_loadable_model_is_refused(model_ws):
    ws = model_ws
    two = ws.models.get("credit@2")
    for digest, problem in (
        (ws.artifacts.put_object({"not": "a model"}), "holds a dict, not a model with predict"),
        (ws.artifacts.put_bytes(b"not a pickle at all"), "could not be unpickled"),
    ):
        version = ws.models.register("credit", two.run_id, digest, signature=two.signature)
        with pytest.raises(ArtifactIntegrityError, match=problem):
            d.deploy(ws, version.ref, force=True, reason="x")
    assert ws.models.current_alias("credit", "live") is None


def test_deploy_from_the_command_line_exits_2_on_a_damaged_artifact(model_ws):
    ws = model_ws
    flip_byte(ws, ws.models.get("credit@2").artifact_hash)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlops_desktop",
            "deploy",
            "credit@2",
            "--force",
            "--reason",
            "x",
            "--workspace",
            str(ws.path),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "credit@2 cannot go live" in done.stderr and "damaged" in done.stderr
    assert "Traceback" not in done.stderr
    assert ws.models.current_alias("credit", "live") is None


def test_a_row_pointed_at_another_artifact_is_refused_before_loading(model_ws, tmp_path):
    ws = model_ws
    d.deploy(ws, "credit@1", force=True, reason="first")
    point_row(ws, "credit@2", ws.models.get("credit@1").artifact_hash)
    with pytest.raises(ArtifactIntegrityError, match="registered with artifact"):
        d.deploy(ws, "credit@2", force=True, reason="x")

    marker = tmp_path / "code-ran"
    point_row(ws, "credit@2", plant(ws, marker))
    before = _state(ws)
    for attempt in (
        lambda: d.deploy(ws, "credit@2", force=True, reason="x"),
        lambda: d.canary(ws, "credit@2", 50),
    ):
        with pytest.raises(ArtifactIntegrityError, match="registered with artifact"):
            attempt()
    assert not marker.exists()  # the planted pickle was never unpickled
    assert _state(ws) == before


def test_an_edited_registration_event_is_detected(model_ws, tmp_path):
    ws = model_ws
    marker = tmp_path / "code-ran"
    planted = plant(ws, marker)
    point_row(ws, "credit@2", planted)
    event = next(e for e in ws.audit.recent(object_ref="credit@2") if e.action == "model.register")
    details = dict(event.details, artifact=planted)
    ws.db.execute(
        "UPDATE audit_events SET details_json = ? WHERE id = ?",
        [json.dumps(details, sort_keys=True), event.id],
    )
    ws.db.conn.commit()
    with pytest.raises(ArtifactIntegrityError, match="was edited after it was written"):
        d.deploy(ws, "credit@2", force=True, reason="x")
    assert not marker.exists()
