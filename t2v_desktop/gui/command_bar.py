"""Command bar: type an edit, see how it is understood while typing, Enter applies it.

Completion comes from the op registry (names, synonyms, examples) and the command history; it
appears only once something is typed, above the bar (never over the plan or the timeline), and
never takes the focus or a click meant for another widget. Parsing is debounced; the explanation
shows steps, ranges and the classic/generative route in a fixed-height area, so the bar never
moves. An instruction the parser does not know shows the closest commands and changes nothing.
After Enter applies a command the keyboard goes back to the timeline (Space, J/K/L, Ctrl+Z act
on the edit again); Escape leaves the bar too.
"""

from __future__ import annotations

from html import escape
from typing import Callable, Optional

from PySide6.QtCore import QEvent, QPoint, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..errors import T2VError
from .edit_stack import op_label, short_time
from .messages import two_sentences

#: Route tag text and colour: classic edits run on the CPU, generative ones on the AI backend.
ROUTE_TAGS = {"classic": ("classic", "#2e7d4f"), "generative": ("AI", "#7b4fd6"), "mixed": ("mixed", "#8a6d1f")}
DIM = "#8b929c"
MAX_PARAMS = 4  # an AI step has many knobs; the edit stack shows them all
#: Lines of plan / error text the feedback area shows before it scrolls (its height is fixed).
FEEDBACK_LINES = 4
#: What the empty feedback area says (it keeps its height whether or not there is feedback).
HINT = ("Enter applies what you typed and gives the keyboard back to the timeline · Esc leaves the bar · "
        "↑/↓ walk your earlier commands · Ctrl+Z undoes an applied edit")
#: Completions appear once this many characters are typed, at most this many, all distinct.
MIN_TYPED = 2
MAX_SUGGESTIONS = 8


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
    elif action == "compose":  # a structural step: a title, an overlay, music, a transition...
        what = f"<b>{escape(op_label(step.op))}</b>"
        parts = []
        for k, v in step.params.items():
            if v in ("", None, (), [], False):
                continue
            if v is True:
                parts.append(k.replace("_", " "))
            elif isinstance(v, dict):  # e.g. a track's props {"muted": True}
                parts += [k2 if v2 is True else f"not {k2}" if v2 is False else f"{k2.replace('_', ' ')} {v2}"
                          for k2, v2 in v.items()]
            elif isinstance(v, str):
                parts.append(f"“{v}”" if k in ("text", "title", "path", "file", step.op) else f"{k.replace('_', ' ')} {v}")
            else:
                parts.append(_param(k, v))
        params = ", ".join(parts[:MAX_PARAMS]) + (", …" if len(parts) > MAX_PARAMS else "")
        if params:
            what += f" {escape(params)}"
    else:
        what = f"<b>{escape(action)}</b>"
    if step.range is not None:
        what += f" &nbsp;<span style=\"color:#ffd180\">{escape(_point(step.range.start))}–{escape(_point(step.range.end))}</span>"
    # the tag already says "classic"; history actions explain themselves
    reason = step.reason.removesuffix(f": classic {step.op}") if action == "apply" else ""
    reason = f" <span style=\"color:{DIM}\">— {escape(reason)}</span>" if reason else ""
    tag = route_tag(step.route) + "&nbsp;" if action == "apply" else ""
    return f"{i}.&nbsp;{tag}{what}{reason}"


def corrections_html(plan) -> str:
    """The typos the parser corrected, shown so nothing is changed silently: "Read as: make it
    *brighter*" with each corrected word highlighted, and what was typed after it."""
    fixes = getattr(plan, "corrections", None) or []
    if not fixes:
        return ""
    text, out, pos = plan.text, [], 0
    for c in sorted(fixes, key=lambda c: c.start):
        out.append(escape(text[pos:c.start]))
        out.append(f'<span style="color:#ffd180"><b><u>{escape(c.corrected)}</u></b></span>')
        pos = c.end
    out.append(escape(text[pos:]))
    typed = ", ".join(f"'{escape(c.typed)}'" for c in fixes)
    return (f'<span style="color:{DIM}">Read as:</span> {"".join(out)} '
            f'<span style="color:{DIM}">(corrected {typed})</span><br>')


def translation_html(plan) -> str:
    """A command typed in another language (commands/foreign.py): the English that was parsed."""
    if not getattr(plan, "translated_from", ""):
        return ""
    return (f'<span style="color:{DIM}">Translated from {escape(plan.translated_from)}:</span> '
            f'<span style="color:#ffd180">“{escape(plan.translation)}”</span><br>')


def plan_html(plan, prefix: str) -> str:
    lines = [step_html(i, s) for i, s in enumerate(plan.steps, 1)]
    return (translation_html(plan) + corrections_html(plan) + f'<span style="color:{DIM}">{escape(prefix)}:</span><br>'
            + "<br>".join(lines))


def error_html(message: str, suggestions: list[str], details: bool = False) -> str:
    """A short red header (beside the target label), the message, then the suggestions as links
    (clicking one puts it in the bar); ``details``: a "Details…" link to the full message."""
    out = ('<span style="color:#ff8a80"><b>Nothing was changed.</b></span><br>'
           f'<span style="color:#ff8a80">{escape(message)}</span>')
    if details:
        out += ' <a href="details:" style="color:#8ab4ff">Details…</a>'
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
    from ..commands import areas

    words += areas.examples()  # the areas' commands (markers, ...)
    return distinct(words)


def distinct(words) -> list[str]:
    """Words in order, each once (case and spacing ignored)."""
    seen, out = set(), []
    for w in words:
        key = " ".join(str(w).lower().split())
        if key and key not in seen:
            seen.add(key)
            out.append(w)
    return out


def matches(text: str, words: list[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Distinct completions of ``text``: words starting with it first, then words containing it;
    never the text itself."""
    t = " ".join(text.lower().split())
    if len(t) < MIN_TYPED:
        return []
    pre, mid = [], []
    for w in distinct(words):
        lw = " ".join(w.lower().split())
        if lw == t:
            continue
        if lw.startswith(t):
            pre.append(w)
        elif t in lw:
            mid.append(w)
    return (pre + mid)[:limit]


class SuggestionList(QListWidget):
    """Completions shown as an overlay *above* the bar, inside the window: it never takes the
    keyboard focus and, not being a popup window, never eats a click meant for another widget."""

    picked = Signal(str)

    def __init__(self, parent):
        super().__init__(parent)
        self.setObjectName("commandSuggestions")
        self.setFocusPolicy(Qt.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setSelectionMode(QListWidget.SingleSelection)
        self.itemClicked.connect(lambda it: self.picked.emit(it.text()))
        self.hide()

    def move_selection(self, step: int) -> None:
        n = self.count()
        if n:
            row = self.currentRow()
            self.setCurrentRow((row + step) % n if row >= 0 else (0 if step > 0 else n - 1))


class CommandBar(QWidget):
    submitted = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.context_fn: Callable[[], Optional[dict]] = lambda: None
        #: Where the keyboard goes after Enter applied a command, or after Escape (the main window
        #: sets the timeline), so Space, J/K/L and Ctrl+Z act on the edit, not on this text.
        self.return_focus: Callable[[], None] = self._clear_focus
        #: y (window coordinates) the completion list must stay above; the main window sets the
        #: top of the preview's transport row, so the list covers only the picture
        self.suggestions_bottom: Callable[[], Optional[int]] = lambda: None
        self.target_text = "whole timeline"
        self.history: list[str] = []
        self._hist_pos = 0
        self.details = ""  # the full text of the last error, behind its "Details…" link
        self.input = QLineEdit(self)
        self.input.setObjectName("commandInput")
        self.input.setPlaceholderText("Type an edit, e.g. “make it warmer” or “speed up 2x”, then Enter")
        self.input.setToolTip("Edits in plain words (Ctrl+L), e.g. “stabilize, then make it warmer”, "
                              "“black and white from 0:05 to 0:12”, “ai: make it look like a watercolor”. "
                              "Enter applies, Esc goes back to the timeline.")
        self.input.setClearButtonEnabled(True)
        self.input.installEventFilter(self)
        self.apply_btn = QPushButton("Apply", self)
        self.apply_btn.setDefault(True)
        self.apply_btn.setFocusPolicy(Qt.NoFocus)  # a click applies; the keyboard is not parked on it
        self.apply_btn.clicked.connect(self.submit)
        self.input.returnPressed.connect(self.submit)
        self.target_label = QLabel("", self)
        self.target_label.setObjectName("targetLabel")
        self.plan_label = QLabel("", self)
        self.plan_label.setObjectName("planLabel")
        self.plan_label.setTextFormat(Qt.RichText)
        self.plan_label.setWordWrap(True)
        self.plan_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.plan_label.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.LinksAccessibleByMouse)
        self.plan_label.linkActivated.connect(self._suggestion_clicked)
        # Feedback lives in a fixed-height area that scrolls: however many lines a plan or an error
        # has, the input never moves (a bar that jumped made clicks miss it).
        self.feedback = QScrollArea(self)
        self.feedback.setObjectName("commandFeedback")
        self.feedback.setFrameShape(QFrame.NoFrame)
        self.feedback.setWidgetResizable(True)
        self.feedback.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.feedback.setWidget(self.plan_label)
        self.feedback.setFixedHeight(self.fontMetrics().lineSpacing() * FEEDBACK_LINES + 6)
        self.suggestions: list[str] = []
        self._model = QStringListModel(self)  # history (newest first) + registry words
        self._base_words: list[str] = []
        self.popup: Optional[SuggestionList] = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.preview_parse)
        self.input.textEdited.connect(self._edited)
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
        info.addWidget(self.feedback, 0, 0, 1, 2)
        info.addWidget(self.target_label, 0, 1, Qt.AlignTop | Qt.AlignRight)
        info.setColumnStretch(0, 1)
        lay.addLayout(info)
        self.target_label.raise_()  # above the plan label it overlaps
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.show_hint()

    def show_hint(self) -> None:
        self._set_label(f'<br><span style="color:{DIM}">{escape(HINT)}</span>', error=False)

    def load_completions(self) -> None:
        try:
            self._base_words = completion_words()
        except Exception:  # the registry is optional for typing; never block the bar
            self._base_words = []
        self._update_model()

    def _update_model(self) -> None:
        self._model.setStringList(distinct(list(reversed(self.history)) + self._base_words))

    def set_target(self, text: str) -> None:
        self.target_text = text
        self.target_label.setText(f"applies to: {text}")

    # -- completion -----------------------------------------------------------------------------
    def _edited(self, text: str) -> None:
        self._debounce.start()
        self.update_suggestions(text)

    def update_suggestions(self, text: Optional[str] = None) -> list[str]:
        """Show the completions of what was typed (nothing on an empty bar); returns them."""
        words = matches(self.input.text() if text is None else text, self._model.stringList())
        if not words or not self.input.hasFocus():
            self.hide_suggestions()
            return words
        win = self.window()
        if self.popup is None or self.popup.parent() is not win:
            self.popup = SuggestionList(win)
            self.popup.picked.connect(self.pick_suggestion)
        pop = self.popup
        pop.clear()
        pop.addItems(words)
        row_h = max(pop.sizeHintForRow(0), self.fontMetrics().height() + 4)
        top_left = self.input.mapTo(win, QPoint(0, 0))
        bottom = min(top_left.y() - 2, self.suggestions_bottom() or top_left.y() - 2)
        room = max(0, bottom - 4)  # above the bar only: never over the plan or the timeline
        rows = min(len(words), max(1, room // max(1, row_h)))
        h = rows * row_h + 2 * pop.frameWidth()
        pop.setGeometry(top_left.x(), bottom - h, self.input.width(), h)
        pop.setCurrentRow(-1)
        pop.show()
        pop.raise_()
        return words

    def hide_suggestions(self) -> None:
        if self.popup is not None:
            self.popup.hide()

    def suggestions_visible(self) -> bool:
        return self.popup is not None and self.popup.isVisible()

    def pick_suggestion(self, text: str) -> None:
        """A completion was chosen: it fills the bar (and shows its plan); Enter applies it."""
        self.hide_suggestions()
        self.input.setText(text)
        self.input.setFocus()
        self.preview_parse()

    # -- parsing ------------------------------------------------------------------------------
    def preview_parse(self):
        """Parse without applying; show the plan or the error. Returns the Plan or None."""
        from ..commands import parse

        text = self.input.text().strip()
        if not text:
            self.show_hint()
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

    def show_note(self, text: str) -> None:
        """A plain line of feedback ("Undone: Temperature")."""
        self._set_label(f'<span style="color:{DIM}">{escape(text)}</span>', error=False)

    def show_error(self, err: Exception) -> None:
        """The error in two sentences at most; the whole message behind "Details…"."""
        msg = getattr(err, "message", None) or str(err)
        short, self.details = two_sentences(msg)
        self.suggestions = list(getattr(err, "suggestions", None) or [])
        self._set_label(error_html(short, self.suggestions, bool(self.details)), error=True,
                        keep_suggestions=True)

    def _suggestion_clicked(self, href: str) -> None:
        """A "Did you mean" link: put that command in the bar and show its plan (not applied).
        "Details…": the whole error message in a box."""
        if href.startswith("details:"):
            if self.details:
                from PySide6.QtWidgets import QMessageBox

                box = QMessageBox(QMessageBox.Information, "Details", self.details, QMessageBox.Ok, self)
                box.setTextInteractionFlags(Qt.TextSelectableByMouse)
                box.open()
            return
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
        if not error:
            self.details = ""
        self.plan_label.setText(text)
        self.plan_label.setProperty("error", error)
        self.plan_label.style().unpolish(self.plan_label)
        self.plan_label.style().polish(self.plan_label)
        self.feedback.verticalScrollBar().setValue(0)

    # -- submit / history ---------------------------------------------------------------------
    def submit(self) -> None:
        text = self.input.text().strip()
        self.hide_suggestions()
        if not text:
            return
        self._debounce.stop()
        self.submitted.emit(text)

    def accepted(self, text: str) -> None:
        """The main window calls this when ``text`` was applied: remember it, empty the field (with
        no text-undo left, so Ctrl+Z undoes the edit) and give the keyboard back to the timeline."""
        if not self.history or self.history[-1] != text:
            self.history.append(text)
        self._hist_pos = len(self.history)
        self._update_model()
        self.hide_suggestions()
        self.input.setText("")  # unlike clear(), setText() also empties the line edit's undo
        self.return_focus()

    def _clear_focus(self) -> None:
        self.input.clearFocus()

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.input and ev.type() == QEvent.FocusOut:
            self.hide_suggestions()
        if obj is not self.input or ev.type() != QEvent.KeyPress:
            return super().eventFilter(obj, ev)
        key = ev.key()
        if self.suggestions_visible():
            pop = self.popup
            if key in (Qt.Key_Up, Qt.Key_Down):
                pop.move_selection(-1 if key == Qt.Key_Up else 1)
                return True
            if key in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_Tab) and pop.currentItem() is not None:
                self.pick_suggestion(pop.currentItem().text())
                return True
            if key == Qt.Key_Escape:
                self.hide_suggestions()
                return True
        if key in (Qt.Key_Up, Qt.Key_Down) and self.history:
            step = -1 if key == Qt.Key_Up else 1
            self._hist_pos = min(max(0, self._hist_pos + step), len(self.history))
            self.input.setText(self.history[self._hist_pos] if self._hist_pos < len(self.history) else "")
            self._debounce.start()
            return True
        if key == Qt.Key_Escape:
            self.return_focus()
            return True
        return super().eventFilter(obj, ev)
