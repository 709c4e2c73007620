"""Errors the core raises on purpose: each names the file or object and the reason.

Front ends print ``str(error)`` as the one line a user sees; anything else that
escapes is a bug.
"""

from __future__ import annotations

from pathlib import Path


class ReviewerError(Exception):
    """A failure the user can act on, worded for them."""

    def __init__(self, subject: str | Path | None, reason: str) -> None:
        self.subject = str(subject) if subject is not None else None
        self.reason = reason
        super().__init__(f"{self.subject}: {reason}" if self.subject else reason)


class CaseError(ReviewerError):
    """The case folder or its database cannot be opened or used."""


class ImportStoppedError(CaseError):
    """An import stopped part-way: `report` holds the items committed before it stopped
    (complete in the case) and `not_imported` the files that were not."""

    def __init__(self, subject: str | Path | None, reason: str, report: object = None,
                 not_imported: list[str] | None = None) -> None:
        super().__init__(subject, reason)
        self.report = report
        self.not_imported = not_imported or []


class DiskFullError(ImportStoppedError):
    """The disk holding the case filled up; the job stopped (an import: see the base)."""


class NewerCaseError(CaseError):
    """The case was written by a newer version of the app; we must not touch it."""


class MediaError(ReviewerError):
    """One media file cannot be imported (unreadable, not an image, too large...)."""


class ValidationError(ReviewerError):
    """An edit was refused: a region outside the image, an unknown label..."""


class NotFoundError(ReviewerError):
    """An id that does not exist in the case."""


class PackageError(ReviewerError):
    """A package cannot be read or is refused: not a ZIP, unsafe entries, a newer schema."""


class PackageMismatchError(PackageError):
    """A package failed verification: its contents are not what its manifest promises."""


class Cancelled(ReviewerError):
    """A long job stopped because the user asked; the reason says what was kept."""


class UntrustedSignerError(PackageMismatchError):
    """A package unsigned, or signed by a key not trusted here, and not explicitly accepted."""


class ReviewerWarning(UserWarning):
    """Raised as an error in the project's own tests (see pyproject)."""
