"""Command bar: type an edit, see how it is understood while typing, Enter applies it.

Completion comes from the op registry (names, synonyms, examples) and the command history.
Parsing is debounced; the explanation shows steps, ranges and the classic/generative route.
An instruction the parser does not know shows the closest commands and changes nothing.
"""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QEvent, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..errors import T2VError


def completion_words() -> list[str]:
    from ..ops import all_ops

    words: list[str] = []
    for spec in all_ops():
        words.append(spec.name.replace("_", " "))
        words += list(spec.synonyms)
        words += list(spec.examples)
    seen, out = set(), []
    for w in words:
        if w and w.lower() not in seen:
            seen.add(w.lower())
            out.append(w)
    return out


class CommandBar(QWidget):
    submitted = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.context_fn: Callable[[], Optional[dict]] = lambda: None
        self.target_text = "whole timeline"
        self.history: list[str] = []
        self._hist_pos = 0
        self.input = QLineEdit(self)
        self.input.setObjectName("commandInput")
        self.input.setPlaceholderText(
            "Type an edit and press Enter — e.g. “stabilize, then make it warmer”, "
            "“black and white from 0:05 to 0:12”, “speed up 2x”   (Ctrl+L)")
        self.input.setClearButtonEnabled(True)
        self.input.installEventFilter(self)
        self.apply_btn = QPushButton("Apply", self)
        self.apply_btn.setDefault(True)
        self.apply_btn.clicked.connect(self.submit)
        self.input.returnPressed.connect(self.submit)
        self.target_label = QLabel("", self)
        self.target_label.setStyleSheet("color:#8b929c")
        self.plan_label = QLabel("", self)
        self.plan_label.setObjectName("planLabel")
        self.plan_label.setWordWrap(True)
        self.plan_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self._model = QStringListModel(self)
        self._base_words: list[str] = []
        self.completer = QCompleter(self._model, self)
        self.completer.setCaseSensitivity(Qt.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchContains)
        self.completer.setMaxVisibleItems(12)
        self.input.setCompleter(self.completer)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.preview_parse)
        self.input.textEdited.connect(lambda _t: self._debounce.start())
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.apply_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 4)
        lay.setSpacing(3)
        lay.addLayout(row)
        info = QHBoxLayout()
        info.addWidget(self.plan_label, 1)
        info.addWidget(self.target_label, 0, Qt.AlignTop)
        lay.addLayout(info)

    def load_completions(self) -> None:
        try:
            self._base_words = completion_words()
        except Exception:  # the registry is optional for typing; never block the bar
            self._base_words = []
        self._update_model()

    def _update_model(self) -> None:
        self._model.setStringList(list(reversed(self.history)) + self._base_words)

    def set_target(self, text: str) -> None:
        self.target_text = text
        self.target_label.setText(f"applies to: {text}")

    # -- parsing ------------------------------------------------------------------------------
    def preview_parse(self):
        """Parse without applying; show the plan or the error. Returns the Plan or None."""
        from ..commands import parse

        text = self.input.text().strip()
        if not text:
            self.plan_label.setText("")
            return None
        try:
            plan = parse(text, self.context_fn())
        except T2VError as e:
            self.show_error(e)
            return None
        self.show_plan(plan, prefix="Will apply")
        return plan

    def show_plan(self, plan, prefix: str = "Applied") -> None:
        route = getattr(plan, "route", "")
        body = plan.explain() if hasattr(plan, "explain") else str(plan)
        self._set_label(f"{prefix} ({route}):\n{body}", error=False)

    def show_error(self, err: Exception) -> None:
        msg = getattr(err, "message", None) or str(err)
        sugg = getattr(err, "suggestions", None) or []
        text = msg + (("\nDid you mean: " + "  ·  ".join(sugg)) if sugg else "") + "\nNothing was changed."
        self._set_label(text, error=True)

    def _set_label(self, text: str, error: bool) -> None:
        self.plan_label.setText(text)
        self.plan_label.setProperty("error", error)
        self.plan_label.style().unpolish(self.plan_label)
        self.plan_label.style().polish(self.plan_label)

    # -- submit / history ---------------------------------------------------------------------
    def submit(self) -> None:
        text = self.input.text().strip()
        if not text:
            return
        self._debounce.stop()
        self.submitted.emit(text)

    def accepted(self, text: str) -> None:
        """The main window calls this when ``text`` was applied: remember it, clear the field."""
        if not self.history or self.history[-1] != text:
            self.history.append(text)
        self._hist_pos = len(self.history)
        self._update_model()
        self.input.clear()

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.input and ev.type() == QEvent.KeyPress and not self.completer.popup().isVisible():
            if ev.key() in (Qt.Key_Up, Qt.Key_Down) and self.history:
                step = -1 if ev.key() == Qt.Key_Up else 1
                self._hist_pos = min(max(0, self._hist_pos + step), len(self.history))
                self.input.setText(self.history[self._hist_pos] if self._hist_pos < len(self.history) else "")
                self._debounce.start()
                return True
            if ev.key() == Qt.Key_Escape:
                self.input.clearFocus()
                return True
        return super().eventFilter(obj, ev)
