"""Undo/redo: the core's EditCommands inside a QUndoStack.

``QtHistory`` duck-types ``edit.history.History`` so the same ``apply_text`` the CLI uses can
push onto the GUI's QUndoStack; ``CoreCommand`` is the single QUndoCommand adapter.
The command is done *before* it is pushed, so an error (bad parameter, ...) propagates to the
caller and nothing half-applied lands on the stack.
"""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtGui import QUndoCommand, QUndoStack

from ..errors import ProjectError
from ..project.events import ModelEvents
from .edit_stack import op_label

#: The History panel names at most this many ops of one step, then "…".
MAX_NAMED = 3


def history_label(cmd) -> str:
    """What the History panel says for ``cmd``: what was applied, in the edit stack's words.

    A typed command is one Compound labelled with the typed text; that text can mislead ("add
    snow" for the classic grade that replaced an AI edit), so the label names the ops applied,
    then the words typed: "Temperature — “make it warmer”" (just the words when they already
    name every op: "Black and white from 0:01 to 0:03")."""
    label = (getattr(cmd, "label", "") or type(cmd).__name__).strip()
    subs = getattr(cmd, "commands", None)
    if not subs:
        return label
    names: list[str] = []
    for c in subs:
        aop, sub = getattr(c, "op", None), getattr(c, "label", "") or ""
        name = op_label(aop.op) if hasattr(aop, "op") else (sub if sub.startswith("Remove ") else "")
        if name and name not in names:
            names.append(name)
    if not names:
        return label
    what = ", ".join(names[:MAX_NAMED]) + (", …" if len(names) > MAX_NAMED else "")
    what = what[:1].upper() + what[1:]
    if not label or label.lower() == what.lower():
        return what
    if "“" not in label and all(n.lower() in label.lower() for n in names):
        return label[:1].upper() + label[1:]  # the words typed already name every op
    return f"{what} — {label}" if "“" in label else f"{what} — “{label}”"


class CoreCommand(QUndoCommand):
    def __init__(self, cmd, get_project: Callable, on_change: Callable[[], None],
                 events: Optional[ModelEvents] = None):
        super().__init__(history_label(cmd))
        self.cmd = cmd
        self._get_project = get_project
        self._on_change = on_change
        self._events = events
        self._first = True

    def redo(self) -> None:
        if self._first:  # already done in QtHistory.push
            self._first = False
        else:
            self.cmd.do(self._get_project())
        self._changed()

    def undo(self) -> None:
        self.cmd.undo(self._get_project())
        self._changed()

    def _changed(self) -> None:
        if self._events is not None:  # the views update what the command changed
            self._events.emit_for(self.cmd)
        self._on_change()


class QtHistory:
    """The edit.history.History interface on top of a QUndoStack."""

    def __init__(self, stack: QUndoStack, get_project: Callable, on_change: Callable[[], None]):
        self.stack = stack
        self.pushing = False
        #: typed events of every push, undo and redo (project/events.py), like History.events
        self.events = ModelEvents()
        self._get_project = get_project
        self._on_change = on_change

    @property
    def project(self):
        return self._get_project()

    def push(self, cmd, project=None) -> None:
        cmd.do(self._get_project())
        self.pushing = True  # listeners of the stack's signals can tell a new edit from undo/redo
        try:
            self.stack.push(CoreCommand(cmd, self._get_project, self._on_change, self.events))
        finally:
            self.pushing = False

    def undo(self, project=None) -> str:
        if not self.stack.canUndo():
            raise ProjectError("Nothing to undo.")
        label = self.stack.undoText()
        self.stack.undo()
        return label

    def redo(self, project=None) -> str:
        if not self.stack.canRedo():
            raise ProjectError("Nothing to redo.")
        label = self.stack.redoText()
        self.stack.redo()
        return label

    @property
    def can_undo(self) -> bool:
        return self.stack.canUndo()

    @property
    def can_redo(self) -> bool:
        return self.stack.canRedo()

    @property
    def undo_label(self) -> str:
        return self.stack.undoText()

    @property
    def redo_label(self) -> str:
        return self.stack.redoText()
