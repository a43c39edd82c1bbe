"""The document model, undoable edit commands, rendering and export."""

from .model import SCHEMA_VERSION, AppliedOp, Clip, Project, Track  # noqa: F401
