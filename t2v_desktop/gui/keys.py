"""Window shortcuts that work wherever the focus is, unless a text field really needs the key.

A focused QLineEdit claims many Ctrl keys before the window's shortcuts see them (Qt's
ShortcutOverride): Ctrl+Z/Ctrl+Y for its own text undo even when it has nothing to undo, and on
X11 Ctrl+E ("end of line") -- so with the command bar focused, Export and Undo did nothing.
``GlobalKeys`` is installed on the window's line edits and spin boxes and hands such a key to the window's
action, except text undo/redo while the field has its own edits to undo/redo. Plain letters,
Space, arrows and Delete stay with the field (typing must type).
"""

from __future__ import annotations

from typing import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit

_MODS = Qt.ControlModifier | Qt.AltModifier | Qt.MetaModifier


def _sequence(ev) -> QKeySequence:
    return QKeySequence(ev.keyCombination())


class GlobalKeys(QObject):
    """Event filter for line edits; ``actions()`` lists the window's QActions."""

    def __init__(self, actions: Callable[[], Iterable], parent=None):
        super().__init__(parent)
        self.actions = actions

    def watch(self, *widgets) -> None:
        """Install on each line edit and spin box among ``widgets`` and their children."""
        for w in widgets:
            found = [w] if isinstance(w, (QLineEdit, QAbstractSpinBox)) else []
            found += list(w.findChildren(QLineEdit)) + list(w.findChildren(QAbstractSpinBox))
            for e in found:
                e.removeEventFilter(self)
                e.installEventFilter(self)

    def field_needs(self, edit: QLineEdit, ev) -> bool:
        """True when the key is the field's own business (its text undo/redo with history)."""
        if ev.matches(QKeySequence.Undo):
            return edit.isUndoAvailable()
        if ev.matches(QKeySequence.Redo):
            return edit.isRedoAvailable()
        return not (ev.modifiers() & _MODS)  # typing, arrows, Delete: the field's

    def window_shortcut(self, ev) -> bool:
        seq = _sequence(ev)
        for a in self.actions():
            if a.isEnabled() and any(s.matches(seq) == QKeySequence.ExactMatch for s in a.shortcuts()):
                return True
        return False

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() == QEvent.ShortcutOverride:
            # a spin box hands the event straight to its inner line edit (no filter sees that)
            edit = obj if isinstance(obj, QLineEdit) else (
                obj.findChild(QLineEdit) if isinstance(obj, QAbstractSpinBox) else None)
            if edit is not None and not self.field_needs(edit, ev) and self.window_shortcut(ev):
                return True  # the override stays unaccepted: the window's shortcut runs
        return False
