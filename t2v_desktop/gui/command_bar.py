"""Command bar: type an edit, see how it is understood while typing, Enter applies it.

Completion comes from the op registry (names, synonyms, examples) and the command history.
Parsing is debounced; the explanation shows steps, ranges and the classic/generative route.
An instruction the parser does not know shows the closest commands and changes nothing.
"""

from __future__ import annotations

from html import escape
from typing import Callable, Optional

from PySide6.QtCore import QEvent, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import T2VError
from .edit_stack import op_label, short_time

#: Route tag text and colour: classic edits run on the CPU, generative ones on the AI backend.
ROUTE_TAGS = {"classic": ("classic", "#2e7d4f"), "generative": ("AI", "#7b4fd6"), "mixed": ("mixed", "#8a6d1f")}
DIM = "#8b929c"
MAX_PARAMS = 4  # an AI step has many knobs; the edit stack shows them all


def route_tag(route: str) -> str:
    text, colour = ROUTE_TAGS.get(route, (route, "#454b55"))
    return (f'<span style="background:{colour}; color:white; font-size:8pt; font-weight:600;">'
            f"&nbsp;{escape(text)}&nbsp;</span>")


def _point(ref) -> str:
    """A range end as said: "0:03", "end−2s", "50%"."""
    if ref is None:
        return "end"
    if ref.anchor == "start":
        return short_time(ref.value)
    if ref.anchor == "end":
        return "end" if ref.value == 0 else f"end−{ref.value:g}s"
    return f"{ref.value * 100:g}%"


def _param(k: str, v) -> str:
    if isinstance(v, float):
        v = f"{v:.3g}"
    elif isinstance(v, str) and k == "prompt":
        v = f"“{v}”"
    return f"{k.replace('_', ' ')} {v}"


def step_html(i: int, step) -> str:
    """One plan step on one line: number, route tag, human op name, compact params, range, reason."""
    action = getattr(step, "action", "apply")
    if action == "apply":
        what = f"<b>{escape(op_label(step.op))}</b>"
        shown = [(k, v) for k, v in step.params.items() if v not in ("", None)]
        params = ", ".join(_param(k, v) for k, v in shown[:MAX_PARAMS]) + (", …" if len(shown) > MAX_PARAMS else "")
        if params:
            what += f" {escape(params)}"
    elif action == "remove":
        what = f"<b>remove</b> the last {escape(op_label(step.op))}"
    else:
        what = f"<b>{escape(action)}</b>"
    if step.range is not None:
        what += f" &nbsp;<span style=\"color:#ffd180\">{escape(_point(step.range.start))}–{escape(_point(step.range.end))}</span>"
    # the tag already says "classic"; history actions explain themselves
    reason = step.reason.removesuffix(f": classic {step.op}") if action == "apply" else ""
    reason = f" <span style=\"color:{DIM}\">— {escape(reason)}</span>" if reason else ""
    tag = route_tag(step.route) + "&nbsp;" if action == "apply" else ""
    return f"{i}.&nbsp;{tag}{what}{reason}"


def plan_html(plan, prefix: str) -> str:
    lines = [step_html(i, s) for i, s in enumerate(plan.steps, 1)]
    return f'<span style="color:{DIM}">{escape(prefix)}:</span><br>' + "<br>".join(lines)


def error_html(message: str, suggestions: list[str]) -> str:
    """A short red header (beside the target label), the message, then the suggestions as links
    (clicking one puts it in the bar)."""
    out = ('<span style="color:#ff8a80"><b>Nothing was changed.</b></span><br>'
           f'<span style="color:#ff8a80">{escape(message)}</span>')
    if suggestions:
        links = " &nbsp;·&nbsp; ".join(
            f'<a href="suggest:{i}" style="color:#8ab4ff">{escape(s)}</a>' for i, s in enumerate(suggestions))
        out += f'<br><span style="color:{DIM}">Did you mean:</span> {links}'
    return out


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
        self.input.setPlaceholderText("Type an edit, e.g. “make it warmer” or “speed up 2x”, then Enter")
        self.input.setToolTip("Edits in plain words (Ctrl+L), e.g. “stabilize, then make it warmer”, "
                              "“black and white from 0:05 to 0:12”, “ai: make it look like a watercolor”")
        self.input.setClearButtonEnabled(True)
        self.input.installEventFilter(self)
        self.apply_btn = QPushButton("Apply", self)
        self.apply_btn.setDefault(True)
        self.apply_btn.clicked.connect(self.submit)
        self.input.returnPressed.connect(self.submit)
        self.target_label = QLabel("", self)
        self.target_label.setObjectName("targetLabel")
        self.plan_label = QLabel("", self)
        self.plan_label.setObjectName("planLabel")
        self.plan_label.setTextFormat(Qt.RichText)
        self.plan_label.setWordWrap(True)
        self.plan_label.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.LinksAccessibleByMouse)
        self.plan_label.linkActivated.connect(self._suggestion_clicked)
        self.suggestions: list[str] = []
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
        # The target sits top-right, beside the plan's short first line ("Will apply:"), so the
        # step lines below get the full width instead of wrapping next to it.
        info = QGridLayout()
        info.setContentsMargins(0, 0, 0, 0)
        info.addWidget(self.plan_label, 0, 0, 1, 2)
        info.addWidget(self.target_label, 0, 1, Qt.AlignTop | Qt.AlignRight)
        info.setColumnStretch(0, 1)
        lay.addLayout(info)
        self.target_label.raise_()  # above the plan label it overlaps

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
            self._set_label("", error=False)
            return None
        try:
            plan = parse(text, self.context_fn())
        except T2VError as e:
            self.show_error(e)
            return None
        self.show_plan(plan, prefix="Will apply")
        return plan

    def show_plan(self, plan, prefix: str = "Applied") -> None:
        body = plan_html(plan, prefix) if hasattr(plan, "steps") else escape(str(plan))
        self._set_label(body, error=False)

    def show_error(self, err: Exception) -> None:
        msg = getattr(err, "message", None) or str(err)
        self.suggestions = list(getattr(err, "suggestions", None) or [])
        self._set_label(error_html(msg, self.suggestions), error=True, keep_suggestions=True)

    def _suggestion_clicked(self, href: str) -> None:
        """A "Did you mean" link: put that command in the bar and show its plan (not applied)."""
        if not href.startswith("suggest:"):
            return
        idx = int(href.split(":", 1)[1])
        if 0 <= idx < len(self.suggestions):
            self.input.setText(self.suggestions[idx])
            self.input.setFocus()
            self.preview_parse()

    def _set_label(self, text: str, error: bool, keep_suggestions: bool = False) -> None:
        if not keep_suggestions:
            self.suggestions = []
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
