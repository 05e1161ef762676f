"""Errors a user can cause or fix, each with a one-line message that says what to do.

The CLI is the one error boundary: it prints ``str(error)`` and exits with ``error.exit_code``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_FINDINGS = 4  # an inspection check failed, or a security event reached --fail-on


class VidscanError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = EXIT_FAILED


class UsageError(VidscanError):
    """A bad option value or argument."""

    exit_code = EXIT_USAGE


class InputError(VidscanError):
    """The input file is missing, unreadable or not a video."""


class FfmpegError(VidscanError):
    """ffmpeg is missing or failed in a way the user can act on."""


class ModelServerUnreachable(VidscanError):
    """The model server did not answer at all."""


class ModelNotFound(VidscanError):
    """The model is not pulled on the server."""


class ModelCapabilityError(VidscanError):
    """The model exists but cannot do what we need (e.g. no vision)."""


class ModelReplyError(VidscanError):
    """The model answered, but not with something usable."""


class OutputError(VidscanError):
    """The output directory cannot be written."""
