"""Errors a user can cause. Each carries a message that says what to do.

The GUI shows ``str(err)``; the CLI prints it on one line and exits non-zero.
Anything that is *not* a T2VError is a bug in t2v-desktop.
"""

from __future__ import annotations


class T2VError(Exception):
    """Base of every user-facing error."""

    exit_code = 1


class MediaError(T2VError):
    """A file cannot be read or decoded (missing, broken, unsupported)."""


class EncodeError(T2VError):
    """An output cannot be written (unwritable folder, full disk, bad codec)."""


class ParamError(T2VError):
    """An operation was given a parameter outside its declared schema. Never clamped silently."""


class UnknownOperationError(T2VError):
    """No operation of that name (or synonym) is registered."""


class ProjectError(T2VError):
    """A project file is invalid, of an unknown schema version, or refers to missing media."""


class GenerativeUnavailableError(T2VError):
    """A generative edit cannot run here (no model, no torch, no usable device)."""


class Cancelled(T2VError):
    """Long work was cancelled by the user. Partial output has been removed."""

    exit_code = 130
