"""One exception hierarchy for cwsage, grouped by who must act.

Every error carries a message for the user (what happened and to which record), the technical detail,
and a hint (what to do). The CLI prints ``user_message`` and ``hint`` as one paragraph and the detail
only with ``--verbose``; the web UI does the same. Every class sets its own stable ``error_code``
(snake_case, in brackets below): the ``error.code`` of ``--json`` output (:mod:`cwsage.json_output`), with
``who_must_act`` from its ``actor``. Validation problems are *not* exceptions: validators
return lists of :class:`cwsage.domain.issues.Issue`; an exception means a run-level failure or a bug.

::

    CwsageError [error]
    ├── ConfigurationError [configuration_error]  the user's settings: missing/invalid setting, bad credentials
    │   └── AuthenticationError [authentication_failed]
    ├── MappingError [mapping_error]    Manage and Sage 300 disagree (a customer, account, tax group … missing)
    ├── SourceDataError [source_data_error]  what Manage sent cannot be read (missing field, unknown enum …)
    ├── RemoteRejection [remote_rejection]   the remote system understood and refused (Sage 409, Manage 400)
    │   └── DuplicateDocument [duplicate_document]
    ├── TransientError [transient_error]     try again later: timeouts, 429, 5xx, dropped connection, Day End
    │   └── AmbiguousOutcome [ambiguous_outcome]  a creating call may have landed: look before retrying
    ├── RunConflict [run_conflict]      another run holds the lock
    └── BugError [bug]                  an invariant of cwsage itself broke: report it
        └── PagingLoop [paging_loop]    a server sent the same page or next link again (named resource)

Subclasses elsewhere: ``SecretKeyMissing`` [secret_key_missing], ``LegacySecretFile`` [legacy_secret_file]
(:mod:`cwsage.secrets`), ``SageNotFound`` [sage_not_found], ``ManageRejection`` [manage_rejection],
``ManageNotFound`` [manage_not_found].
"""

from __future__ import annotations

from enum import StrEnum


class Actor(StrEnum):
    """Who must act to fix an error."""

    USER_CONFIG = "configuration"
    MAPPING = "mapping"
    SOURCE_DATA = "source data"
    REMOTE = "remote rejection"
    TRANSIENT = "transient"
    BUG = "bug"


class CwsageError(Exception):
    """Base of every error cwsage raises on purpose.

    Attributes:
        user_message: What happened, in words a bookkeeper understands, naming the record.
        detail: Technical detail (status code, response body, exception text) for the full log.
        hint: What to do about it.
        source_ref: The Manage or Sage record concerned, e.g. ``invoice 10234``.
        status_code: The HTTP status of the remote answer, when there was one.
        request_id: The remote system's request id, when it sent one.
        remote_code: The remote system's own error code (Sage 300: ``RecordDuplicate`` …), when it sent one.
        remote_message: The remote system's own message, verbatim, when it sent one.
    """

    actor: Actor = Actor.BUG
    error_code = "error"
    """Stable machine code of the error class (snake_case), the ``error.code`` of ``--json`` output; every
    subclass sets its own."""
    default_hint = "Run again with --verbose and send the full log to support."

    def __init__(
        self,
        user_message: str,
        *,
        detail: str = "",
        hint: str | None = None,
        source_ref: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        remote_code: str | None = None,
        remote_message: str | None = None,
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail
        self.hint = hint if hint is not None else self.default_hint
        self.source_ref = source_ref
        self.status_code = status_code
        self.request_id = request_id
        self.remote_code = remote_code
        self.remote_message = remote_message

    def paragraph(self) -> str:
        """The one readable paragraph the CLI prints."""
        where = f" [{self.source_ref}]" if self.source_ref else ""
        return f"{self.user_message}{where}\n{self.hint}".strip()

    def __str__(self) -> str:
        return self.user_message if not self.detail else f"{self.user_message} ({self.detail})"


class ConfigurationError(CwsageError):
    """A setting is missing or wrong; the user must change configuration."""

    error_code = "configuration_error"
    actor = Actor.USER_CONFIG
    default_hint = "Check the settings with `cwsage config show` and fix them with `cwsage login`."


class AuthenticationError(ConfigurationError):
    """The remote system refused our credentials or our access rights."""

    error_code = "authentication_failed"
    default_hint = "Check the user name, keys and password with `cwsage login`, and the user's security role."


class MappingError(CwsageError):
    """A Manage record has no counterpart in Sage 300 (or the mapping is wrong)."""

    error_code = "mapping_error"
    actor = Actor.MAPPING
    default_hint = "Fix the mapping in Manage or create the record in Sage 300, then run `cwsage check`."


class SourceDataError(CwsageError):
    """Manage sent data cwsage cannot read."""

    error_code = "source_data_error"
    actor = Actor.SOURCE_DATA
    default_hint = "Open the record in Manage, correct it, and run again."


class RemoteRejection(CwsageError):
    """The remote system understood the request and refused it (business rule)."""

    error_code = "remote_rejection"
    actor = Actor.REMOTE
    default_hint = "Read the message from the remote system, fix the cause there or in Manage, and run again."


class DuplicateDocument(RemoteRejection):
    """The document already exists in the target system."""

    error_code = "duplicate_document"


class TransientError(CwsageError):
    """Temporary trouble: timeouts, rate limits, server errors, a Day End lock."""

    error_code = "transient_error"
    actor = Actor.TRANSIENT
    default_hint = "Nothing is lost: run the same command again in a few minutes; cwsage resumes where it stopped."


class AmbiguousOutcome(TransientError):
    """A creating call may have landed; never retry it without looking first."""

    error_code = "ambiguous_outcome"


class RunConflict(CwsageError):
    """Another run holds the lock."""

    error_code = "run_conflict"
    actor = Actor.USER_CONFIG
    default_hint = "Wait for the other run to finish; a lock left by a dead process is released automatically."


class BugError(CwsageError):
    """An invariant of cwsage broke."""

    error_code = "bug"
    actor = Actor.BUG


class PagingLoop(BugError):
    """A listing would never end: the server sent the same next link or the same page again, or too many pages.

    Raised by :class:`cwsage.paging.PageGuard`; the message names the system and the resource being listed.
    """

    error_code = "paging_loop"
