"""The artifact store: content addressing, atomic writes, tamper and truncation detection."""

from __future__ import annotations

import hashlib
import os

import pytest

from mlops_desktop.errors import ArtifactIntegrityError, ArtifactMissingError, InputError
from mlops_desktop.registry.artifacts import ArtifactStore


class Exploding:
    """An object whose unpickling would be noticed: it must never happen for a tampered file."""

    loaded = False

    def __setstate__(self, state):
        Exploding.loaded = True


def test_bytes_are_named_by_their_sha256(tmp_path):
    store = ArtifactStore(tmp_path)
    data = b"model bytes" * 1000
    digest = store.put_bytes(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.read_bytes(digest) == data
    assert store.put_bytes(data) == digest  # the same content is stored once
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1
    assert not list(tmp_path.glob(".incoming-*"))


def test_objects_round_trip(tmp_path):
    store = ArtifactStore(tmp_path)
    digest = store.put_object({"weights": [1.5, 2.5], "name": "m"})
    assert store.load_object(digest) == {"weights": [1.5, 2.5], "name": "m"}


@pytest.mark.parametrize("damage", ["tamper", "truncate"])
def test_damaged_artifact_is_refused_and_never_unpickled(tmp_path, damage):
    store = ArtifactStore(tmp_path)
    digest = store.put_object(Exploding())
    path = store.path_for(digest)
    os.chmod(path, 0o644)
    data = path.read_bytes()
    path.write_bytes(data[:-10] + b"0123456789" if damage == "tamper" else data[: len(data) // 2])
    Exploding.loaded = False
    with pytest.raises(ArtifactIntegrityError, match="damaged"):
        store.load_object(digest)
    assert Exploding.loaded is False


def test_missing_artifact(tmp_path):
    store = ArtifactStore(tmp_path)
    digest = hashlib.sha256(b"never stored").hexdigest()
    with pytest.raises(ArtifactMissingError, match="missing"):
        store.read_bytes(digest)


def test_not_a_hash(tmp_path):
    with pytest.raises(InputError):
        ArtifactStore(tmp_path).path_for("../../etc/passwd")


def test_failed_write_leaves_nothing_behind(tmp_path):
    store = ArtifactStore(tmp_path)

    class Broken:
        def read(self, n):
            raise OSError("disk went away")

    with pytest.raises(OSError):
        store.put_stream(Broken())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
