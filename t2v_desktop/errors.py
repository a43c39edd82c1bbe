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


# -- OSError -> one line a user can act on (used by fsutil, the Encoder and the CLI) --------------


def short_path(path, limit: int = 80) -> str:
    """A path for a message: whole when short, else its start and end (a 300-byte name is not
    echoed whole)."""
    text = str(path)
    return text if len(text) <= limit else text[: limit // 2 - 1] + "..." + text[-(limit // 2 - 2):]


def os_error_message(err: OSError, path, action: str = "write") -> str:
    """What went wrong when ``action``-ing ``path`` (e.g. "write", "create", "read"), and what to do."""
    import errno
    import os

    code = err.errno
    where = short_path(path)
    folder = short_path(os.path.dirname(os.path.abspath(str(path))) or ".")
    if code == errno.ENAMETOOLONG:
        return (f"Cannot {action} {where}: a file or folder name in it is too long for this drive "
                "(most allow 255 bytes per name). Choose a shorter name.")
    if code in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return (f"Not enough disk space to {action} {where} (No space left on device, or the file is too "
                "large for this drive). Free some space or choose another drive.")
    if code == errno.EROFS:
        return f"Cannot {action} {where}: {folder} is on a read-only drive. Choose another folder."
    if code in (errno.EACCES, errno.EPERM):
        return (f"Cannot {action} {where}: permission denied (the folder {folder} is not writable by you). "
                "Choose a folder you can write to.")
    if code == errno.ENOENT:
        return f"Cannot {action} {where}: the folder {folder} does not exist. Create it or choose another folder."
    if code == errno.ENOTDIR:
        return f"Cannot {action} {where}: part of that path is a file, not a folder. Choose another folder."
    if code == errno.EISDIR:
        return f"Cannot {action} {where}: it is a folder. Give a file name."
    return f"Cannot {action} {where}: {err.strerror or err}."
