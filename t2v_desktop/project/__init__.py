"""The document: dataclasses, the versioned JSON schema, and the undoable edit commands."""

from .model import SCHEMA_VERSION, AppliedOp, Clip, Project, Track  # noqa: F401
