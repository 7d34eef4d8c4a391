"""The audit trail is a hash chain: editing or deleting any event is detected."""

from __future__ import annotations


def _record_three(ws):
    for action in ("dataset.create", "model.register", "deploy"):
        ws.audit.record(action, "model", "credit@1", {"reason": action})


def test_chain_verifies(workspace):
    _record_three(workspace)
    check = workspace.audit.verify()
    assert check.ok and check.events == 3
    events = workspace.audit.recent()
    assert [e.action for e in events] == ["deploy", "model.register", "dataset.create"]
    assert events[0].prev_hash == events[1].hash
    assert events[0].os_user


def test_edited_event_is_detected(workspace):
    _record_three(workspace)
    workspace.db.execute(
        'UPDATE audit_events SET details_json = \'{"reason": "nothing"}\' WHERE id = 2'
    )
    check = workspace.audit.verify()
    assert not check.ok and check.first_bad_id == 2 and "edited" in check.problem


def test_deleted_event_is_detected(workspace):
    _record_three(workspace)
    workspace.db.execute("DELETE FROM audit_events WHERE id = 2")
    check = workspace.audit.verify()
    assert not check.ok and check.first_bad_id == 3 and "removed" in check.problem
