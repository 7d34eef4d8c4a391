"""Content-addressed artifact store: files named by their SHA-256, verified before every load.

Writes go to a temporary file in the same folder, are fsynced, then renamed into place, so a
crash never leaves a half-written artifact under a valid name. A file whose bytes no longer
match its name is reported as damaged and never unpickled.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from mlops_desktop.errors import (
    ArtifactIntegrityError,
    ArtifactMissingError,
    InputError,
)

CHUNK = 1 << 20
INCOMING = ".incoming-"
#: Without file locks (Windows), a temporary file this old is a crash's leftover.
STALE_UNLOCKED_S = 24 * 3600

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False when another process holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def sha256_file(path: Path) -> str:
    """Stream ``path`` through SHA-256 and return the hex digest."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ArtifactStore:
    """Artifacts live at ``root/ab/abcdef…`` where the name is the SHA-256 of the content."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise InputError(f"'{digest}' is not a SHA-256 artifact id.")
        return self.root / digest[:2] / digest

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    # -- writing -----------------------------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256. Storing the same bytes twice is a no-op."""
        return self.put_stream(io.BytesIO(data))

    def put_file(self, source: Path | str) -> str:
        """Copy a file into the store; return its SHA-256."""
        with open(source, "rb") as handle:
            return self.put_stream(handle)

    @contextmanager
    def incoming(self, suffix: str = "") -> Iterator[str]:
        """A temporary file in the store for a write in progress, removed when the write ends.

        The file stays locked while this process writes it, so ``remove_stale_incoming`` in
        another process can tell a crash's leftover from a write still going on.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd: int | None
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=INCOMING, suffix=suffix)
        if fcntl is None:  # no locks; an open file could not be renamed on Windows
            os.close(fd)
            fd = None
        try:
            fd is not None and _try_lock(fd)
            yield tmp_name
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            if fd is not None:
                os.close(fd)

    def remove_stale_incoming(self, older_than: float) -> list[Path]:
        """Remove temporary files last written before ``older_than`` that no process holds."""
        removed: list[Path] = []
        for path in self.root.glob(INCOMING + "*"):
            try:
                if path.stat().st_mtime >= older_than:
                    continue
                with open(path, "rb") as handle:
                    if fcntl is None and time.time() - path.stat().st_mtime < STALE_UNLOCKED_S:
                        continue
                    if _try_lock(handle.fileno()):
                        path.unlink()
                        removed.append(path)
            except FileNotFoundError:
                continue
        return removed

    def put_stream(self, stream: BinaryIO) -> str:
        """Copy a readable binary stream into the store, hashing as it goes."""
        digest = hashlib.sha256()
        with self.incoming() as tmp_name:
            with open(tmp_name, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(tmp_name, digest.hexdigest())

    def put_object(self, obj: Any) -> str:
        """Pickle ``obj`` with joblib and store it; return the SHA-256 of the pickle."""
        import joblib  # imported on use: most workspace operations never pickle

        with self.incoming() as tmp_name:
            joblib.dump(obj, tmp_name, compress=1)  # zlib level 1: near level 3 in size, faster
            with open(tmp_name, "rb+") as handle:
                os.fsync(handle.fileno())
            return self._commit(tmp_name, sha256_file(Path(tmp_name)))

    def _commit(self, tmp_name: str, digest: str) -> str:
        target = self.path_for(digest)
        if target.is_file() and sha256_file(target) == digest:
            os.unlink(tmp_name)
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp_name, 0o444)
        os.replace(tmp_name, target)
        return digest

    def remove(self, digest: str) -> bool:
        """Delete an artifact (an erasure removing data); False when it was not there."""
        path = self.path_for(digest)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    # -- reading -----------------------------------------------------------------------------

    def verify(self, digest: str) -> Path:
        """Return the artifact's path after checking its bytes still hash to ``digest``."""
        path = self.path_for(digest)
        if not path.is_file():
            raise ArtifactMissingError(
                f"Artifact {digest[:12]}… is missing from {self.root}. "
                "It may have been deleted or the workspace copied incompletely."
            )
        actual = sha256_file(path)
        if actual != digest:
            raise ArtifactIntegrityError(
                f"Artifact {digest[:12]}… is damaged: its content no longer matches the SHA-256 "
                "recorded when it was stored (it was modified or truncated). It was not loaded.",
                details=f"path: {path}\nexpected: {digest}\nactual:   {actual}",
            )
        return path

    def read_bytes(self, digest: str) -> bytes:
        """Verified bytes of an artifact."""
        path = self.verify(digest)
        data = path.read_bytes()
        # Re-check what was read, so a change between verify and read cannot slip through.
        if hashlib.sha256(data).hexdigest() != digest:
            raise ArtifactIntegrityError(f"Artifact {digest[:12]}… changed while it was read.")
        return data

    def load_object(self, digest: str) -> Any:
        """Unpickle an artifact stored with ``put_object``, only after verifying its hash."""
        import joblib

        data = self.read_bytes(digest)
        try:
            return joblib.load(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - not a pickle, truncated, or a missing class
            raise ArtifactIntegrityError(
                f"Artifact {digest[:12]}… could not be unpickled: it is not a model MLOps "
                "Desktop can load "
                f"({type(exc).__name__}: {str(exc)[:200]}). Register the model again from "
                "its training run.",
                details=repr(exc),
            ) from exc

    def export(self, digest: str, destination: Path | str) -> Path:
        """Copy a verified artifact to ``destination`` (for reports the user saves elsewhere)."""
        source = self.verify(digest)
        destination = Path(destination)
        shutil.copyfile(source, destination)
        os.chmod(destination, 0o644)
        return destination
