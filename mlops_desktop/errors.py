"""Errors the app raises on purpose, each with a message a user can act on.

Every error carries an ``exit_code`` so the CLI can map it without guessing:
2 for usage or input errors (the documented default), 1 for a check or gate that failed.
"""

from __future__ import annotations


class MlopsError(Exception):
    """Base class: a problem explained in one or two plain sentences.

    ``details`` holds optional technical detail shown behind "Show details" in the UI.
    ``message`` names no interface (it shows in the window, the CLI and HTTP answers alike);
    ``cli_hint`` is the command-line way out, which only the CLI prints after the message (the
    window offers its buttons instead).
    """

    exit_code = 2
    cli_hint: str = ""

    def __init__(self, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def hinted(self, cli_hint: str) -> MlopsError:
        """This error with ``cli_hint`` set (for ``raise InputError(...).hinted(...)``)."""
        self.cli_hint = cli_hint
        return self

    def __str__(self) -> str:
        return self.message


class WorkspaceError(MlopsError):
    """The folder cannot be used as a workspace.

    ``reason`` is one of: ``not_folder``, ``not_workspace``, ``missing``, ``read_only``, ``damaged``,
    ``newer_schema``, ``cannot_create`` (for dialogs that word their headline by cause).
    """

    def __init__(self, message: str, details: str | None = None, reason: str = "unusable") -> None:
        super().__init__(message, details)
        self.reason = reason


class ArtifactError(MlopsError):
    """A stored artifact is missing or does not match its SHA-256."""


class ArtifactMissingError(ArtifactError):
    """An artifact the registry refers to is not on disk."""


class ArtifactIntegrityError(ArtifactError):
    """An artifact's content no longer matches its recorded SHA-256 (tampered or truncated)."""


class NotFoundError(MlopsError):
    """A named object (dataset, run, model version, job) does not exist."""


class InputError(MlopsError):
    """The user's input (a file, an argument, a request) cannot be used as given."""


class CheckFailed(MlopsError):
    """A check or quality gate ran and did not pass."""

    exit_code = 1


class PromotionRefused(CheckFailed):
    """The promotion rule refused to put traffic on ``ref`` (``action``: deploy, promote, canary
    or shadow); the way out is an override with a written reason."""

    def __init__(self, message: str, ref: str, action: str, details: str | None = None) -> None:
        super().__init__(message, details)
        self.ref = ref
        self.action = action


class JobCancelled(BaseException):
    """Raised inside a job by ``ctx.report`` once the user asked to cancel it.

    A BaseException, like KeyboardInterrupt, so a job's own ``except Exception`` cannot swallow it.
    """
