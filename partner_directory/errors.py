"""Every exception the package raises, under one base class.

Each also inherits the built-in exception it resembles, so a caller that
only knows Python's own exceptions still catches it. Every message is a plain
sentence fit to show to a person; no caller needs to show a traceback.
"""

from __future__ import annotations


class PartnerDirectoryError(Exception):
    """Base class of every error raised by ``partner_directory``.

    An error names its kind by ``code`` (a key ``error.<code>`` of the
    translation tables) with ``params`` filling in the sentence, so that it can
    be shown in English (``str(error)``) or Polish (``error.message("pl")``).
    """

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def message(self, language: str = "en") -> str:
        """The error as one plain sentence in ``language``."""
        from partner_directory.i18n import t

        return t(f"error.{self.code}", language, **self.params)

    def __str__(self) -> str:
        return self.message("en")


class UnreadableFileError(PartnerDirectoryError, ValueError):
    """The file cannot be read as a table at all (missing, binary, empty …)."""


class PublishConflictError(PartnerDirectoryError, RuntimeError):
    """Someone else published a newer version since this one was loaded."""


class StoreLockedError(PartnerDirectoryError, TimeoutError):
    """The data store stayed locked by another writer for too long."""


class ConfigurationError(PartnerDirectoryError, ValueError):
    """A configuration value is missing or malformed."""


class InvalidValueError(PartnerDirectoryError, ValueError):
    """A value typed by a person is out of range (e.g. coordinates)."""


class InputTooLargeError(UnreadableFileError):
    """The input is over its budget (see :mod:`partner_directory.sheet.limits`); refused before the work."""


class ChangeLogError(PartnerDirectoryError, OSError):
    """A version was published and kept in the history, but its change-log entry could not be written.

    ``published`` (a :class:`~partner_directory.publication.store.Version`) is the version
    that is live now; the entry is written by the next publish or repair.
    """

    @property
    def published(self) -> object:
        return self.params.get("published")


class NotARegularFileError(PartnerDirectoryError, OSError):
    """A write was asked to replace something that is not a regular file (a device, a folder, a pipe)."""


class DatabaseError(PartnerDirectoryError, RuntimeError):
    """The office's database cannot be reached or used (details in the log)."""


class RegisterConflictError(PartnerDirectoryError, RuntimeError):
    """Someone else changed the visit since it was shown; nothing was written."""


class RiskyPublishError(PartnerDirectoryError, RuntimeError):
    """A publish that would remove many offices, drop columns or blank values was not confirmed."""


class DraftTooBigError(PartnerDirectoryError, ValueError):
    """A draft is larger than the configured limit, so it cannot be kept on the server."""


class TokenError(PartnerDirectoryError, PermissionError):
    """A link's token is unknown, expired, already used or revoked (see ``access.tokens``)."""
