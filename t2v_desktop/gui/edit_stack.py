"""Edit-stack panel: the selected clip's ops -- toggle, reorder, remove, tweak parameters.

Parameter widgets are generated from each op's declared schema (Float -> slider + spin box over
its range, Int -> spin box, Choice -> combo, Bool -> check box, Text path -> line edit + Browse),
so a new op needs no GUI code. The panel never edits the project: it emits requests that the
main window turns into undoable history commands.

A number that may change over time (``OperationSpec.animatable``) gets a keyframe toggle (◆ filled
when a key sits at the playhead, ◇ otherwise) beside its slider: the editor shows the value AT THE
PLAYHEAD, editing it sets (or adds) the key there and keeps the others, and the toggle adds or
removes the key at the playhead (the last key removed leaves a plain number). ``time_fn`` gives the
playhead as the op's keyframe time (the main window sets it; gui/keyframes_panel.playhead_time).
"""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..ops.params import Bool, Choice, Float, Int, Text
from . import core
from .theme import icon

SLIDER_STEPS = 1000


#: Names that read better than the op name with spaces for underscores.
_LABELS = {"ai_edit": "AI edit", "lut": "LUT"}


def op_label(name: str) -> str:
    """An op name as people say it ("black_and_white" -> "black and white"), for every GUI label."""
    return _LABELS.get(name, name.replace("_", " "))


def fmt_range(a: float, b: float) -> str:
    """A short time range, "0:01–0:03" (hundredths only when they are not zero)."""
    return f"{short_time(a)}–{short_time(b)}"


def short_time(t: float) -> str:
    full = core.fmt_time(t)
    return full[:-3] if full.endswith(".00") else full


def op_summary(applied) -> str:
    params = ", ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in applied.params.items()
                       if v not in ("", None))
    where = f"   {fmt_range(*applied.range)}" if applied.range is not None else ""
    return op_label(applied.op) + (f"  ({params})" if params else "") + where


def _fmt(v) -> str:
    from ..keyframes import Keyframes

    if isinstance(v, Keyframes):
        ks = v.keys
        return f"animated {ks[0].value:.3g}→{ks[-1].value:.3g} ({len(ks)} keys)"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


class FloatEditor(QWidget):
    """Slider + spin box over the Param's [min, max]."""

    def __init__(self, p: Float, value: float, on_change, parent=None):
        super().__init__(parent)
        self.p = p
        self.slider = QSlider(Qt.Horizontal, self)
        self.slider.setRange(0, SLIDER_STEPS)
        self.spin = QDoubleSpinBox(self)
        self.spin.setRange(p.min, p.max)
        span = p.max - p.min
        self.spin.setDecimals(3 if span <= 10 else 2)
        self.spin.setSingleStep(span / 100 if span else 0.1)
        if p.unit:
            self.spin.setSuffix(f" {p.unit}")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.spin)
        self.set_value(value)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)
        self._on_change = on_change

    def value(self) -> float:
        return float(self.spin.value())

    def set_value(self, v: float) -> None:
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.spin.setValue(float(v))
        span = self.p.max - self.p.min
        self.slider.setValue(int(round((float(v) - self.p.min) / span * SLIDER_STEPS)) if span else 0)
        for w in (self.slider, self.spin):
            w.blockSignals(False)

    def _from_slider(self, s: int) -> None:
        v = self.p.min + (self.p.max - self.p.min) * s / SLIDER_STEPS
        self.spin.blockSignals(True)
        self.spin.setValue(v)
        self.spin.blockSignals(False)
        self._on_change()

    def _from_spin(self, v: float) -> None:
        self.set_value(v)
        self._on_change()


class PathEditor(QWidget):
    def __init__(self, value: str, on_change, parent=None):
        super().__init__(parent)
        self.edit = QLineEdit(value, self)
        b = QPushButton("Browse…", self)
        b.clicked.connect(self._browse)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit, 1)
        lay.addWidget(b)
        self.edit.editingFinished.connect(on_change)
        self._on_change = on_change

    def value(self) -> str:
        return self.edit.text()

    def set_value(self, v) -> None:
        self.edit.setText(str(v))

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a file", self.edit.text())
        if path:
            self.edit.setText(path)
            self._on_change()


class Keying:
    """The keyframe side of a number editor that may be animated: the model value (a number or
    Keyframes) and its time ``t``; the editor shows the value at ``t``, a ◆/◇ toggle button
    (``key``) sits beside it. ``value()`` is the model value after the user's edit."""

    def __init__(self, p, value, t: float, get, set_, on_change, parent: QWidget):
        self.p, self.model, self.t = p, value, float(t)
        self._get, self._set, self._on_change = get, set_, on_change
        self.editor = parent
        self.key = QToolButton(parent)
        self.key.setObjectName("keyToggle")
        self.key.setCheckable(True)
        self.key.clicked.connect(self._toggle)

    def shown(self):
        from ..keyframes import value_at

        v = value_at(self.model, self.t)
        return int(round(v)) if isinstance(self.p, Int) else float(v)

    def _tolerance(self) -> float:
        if isinstance(self.p, Int):
            return 0.5
        return 0.5 * 10 ** -self.editor.spin.decimals() + 1e-9  # what the spin box can show

    def _key_at(self) -> Optional[int]:
        from .keyframes_panel import key_index

        return key_index(self.model, self.t)

    @property
    def animated(self) -> bool:
        from ..keyframes import Keyframes

        return isinstance(self.model, Keyframes)

    def show_key(self) -> None:
        at = self._key_at() is not None
        self.key.blockSignals(True)
        self.key.setChecked(at)
        self.key.blockSignals(False)
        self.key.setText("◆" if at else "◇")
        self.key.setToolTip(
            "A key is at the playhead: click to remove it" if at else
            "Animated: click to add a key at the playhead (editing the value adds one too)" if self.animated
            else "Click to animate: adds a key at the playhead")

    def value(self):
        from .canvas_handles import set_at

        shown = self._get()
        if abs(shown - self.shown()) <= self._tolerance():
            return self.model
        if self.animated:
            return set_at(self.model, self.t, shown)
        return shown

    def set_value(self, v) -> None:
        self.model = v
        self._set(self.shown())
        self.show_key()

    def set_time(self, t: float) -> None:
        self.t = float(t)
        self.set_value(self.model)

    def _toggle(self) -> None:
        from ..keyframes import Keyframes
        from .canvas_handles import set_at
        from .keyframes_panel import without_key

        shown = self._get()
        i = self._key_at()
        if i is not None:
            self.model = without_key(self.model, i)
        elif self.animated:
            self.model = set_at(self.model, self.t, shown)
        else:
            self.model = Keyframes.of([(self.t, shown)])
        self._set(self.shown())
        self.show_key()
        self._on_change()


class IntEditor(QWidget):
    """A spin box (``spin``) in a row, so a keyframe toggle can sit beside it."""

    def __init__(self, p: Int, value: int, on_change, parent=None):
        super().__init__(parent)
        self.spin = QSpinBox(self)
        self.spin.setRange(int(p.min), int(p.max))
        if p.unit:
            self.spin.setSuffix(f" {p.unit}")
        self.spin.setValue(int(value))
        self.spin.valueChanged.connect(lambda _v: on_change())
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.spin, 1)

    def value(self) -> int:
        return self.spin.value()

    def set_value(self, v) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(int(v))
        self.spin.blockSignals(False)


def make_editor(p, value, on_change, parent=None, *, animatable: bool = False, time: Optional[float] = None):
    """The widget for one declared parameter; returns (widget, getter, setter). ``animatable``
    (with the playhead ``time`` as a key time): the number editor with a Keying (``w.keying``);
    else a keyframed value shows as animated, read-only."""
    from ..keyframes import Keyframes

    if animatable and isinstance(p, (Float, Int)):  # the editor gets .keying (Keying) and its toggle
        from ..keyframes import value_at

        shown = value_at(value, time or 0.0)
        w = FloatEditor(p, shown, on_change, parent) if isinstance(p, Float) else IntEditor(p, round(shown),
                                                                                             on_change, parent)
        w.keying = Keying(p, value, time or 0.0, w.value, w.set_value, on_change, w)
        w.layout().addWidget(w.keying.key)
        w.keying.show_key()
        return w, w.keying.value, w.keying.set_value
    if isinstance(value, Keyframes):
        w = QLabel(_fmt(value), parent)
        w.setToolTip("This value changes over time (keyframes).")
        return w, (lambda v=value: v), (lambda _v: None)
    if isinstance(p, Float):
        w = FloatEditor(p, value, on_change, parent)
        return w, w.value, w.set_value
    if isinstance(p, Int):
        w = QSpinBox(parent)
        w.setRange(int(p.min), int(p.max))
        if p.unit:
            w.setSuffix(f" {p.unit}")
        w.setValue(int(value))
        w.valueChanged.connect(lambda _v: on_change())
        return w, w.value, lambda v: (w.blockSignals(True), w.setValue(int(v)), w.blockSignals(False))
    if isinstance(p, Choice):
        w = QComboBox(parent)
        w.addItems(list(p.options))
        w.setCurrentText(str(value))
        w.currentTextChanged.connect(lambda _v: on_change())
        return w, w.currentText, lambda v: (w.blockSignals(True), w.setCurrentText(str(v)), w.blockSignals(False))
    if isinstance(p, Bool):
        w = QCheckBox(parent)
        w.setChecked(bool(value))
        w.toggled.connect(lambda _v: on_change())
        return w, w.isChecked, lambda v: (w.blockSignals(True), w.setChecked(bool(v)), w.blockSignals(False))
    if isinstance(p, Text) and p.is_path:
        w = PathEditor(str(value or ""), on_change, parent)
        return w, w.value, w.set_value
    w = QLineEdit(str(value if value is not None else ""), parent)
    w.editingFinished.connect(on_change)
    return w, w.text, lambda v: w.setText(str(v))


class EditStackPanel(QWidget):
    toggleRequested = Signal(str, str, bool)   # clip id, op id, enabled
    moveRequested = Signal(str, str, int)      # clip id, op id, new index
    removeRequested = Signal(str, str)         # clip id, op id
    paramsRequested = Signal(str, str, dict)   # clip id, op id, full params
    rangeRequested = Signal(str, str, object)  # clip id, op id, (start, end) seconds or None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.clip = None
        self._shown_ops: set = set()
        self.title = QLabel("No clip: import one to see its edits.", self)
        self.title.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("editStackList")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.ElideRight)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentRowChanged.connect(lambda _r: self._build_form())
        up = self._tool("up", "Move earlier in the stack", lambda: self._move(-1))
        down = self._tool("down", "Move later in the stack", lambda: self._move(1))
        rm = self._tool("delete", "Remove this edit", self._remove)
        row = QHBoxLayout()
        row.addStretch(1)
        for b in (up, down, rm):
            row.addWidget(b)
        self.form_box = QGroupBox("Parameters", self)
        self.form = QFormLayout(self.form_box)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.WrapLongRows)  # narrow dock: label above, not a wider dock
        self.editors: dict[str, tuple] = {}
        self.range_edit = None
        self._form_op: Optional[str] = None
        self.key_filter = None  # gui.keys.GlobalKeys: window shortcuts work in the text fields too
        self.notes: dict = {}  # op id -> one-line notes once analysed (stabilize: the crop it applies)
        #: (clip, op_id) -> the playhead as that op's keyframe time (set by the main window)
        self.time_fn: Optional[Callable[[object, str], float]] = None
        self._commit = QTimer(self)
        self._commit.setSingleShot(True)
        self._commit.setInterval(300)
        self._commit.timeout.connect(self._emit_params)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.list, 1)
        lay.addLayout(row)
        lay.addWidget(self.form_box)
        self.form_box.hide()

    def _tool(self, name, tip, slot) -> QToolButton:
        b = QToolButton(self)
        b.setIcon(icon(name))
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    # -- model --------------------------------------------------------------------------------
    def set_clip(self, clip, under_playhead: bool = False) -> None:
        """Show ``clip``'s stack (None: no clip). Keeps the selected row when possible."""
        if self._commit.isActive():  # flush a pending slider change first
            self._commit.stop()
            self._emit_params()
        current = self.current_op_id()
        if clip is not None and self.clip is not None and clip.id == self.clip.id:
            added = [o.id for o in clip.ops if o.id not in self._shown_ops]
            if added:  # a new edit was just applied: show its parameters
                current = added[-1]
        self._shown_ops = {o.id for o in clip.ops} if clip is not None else set()
        self.clip = clip
        self.list.blockSignals(True)
        self.list.clear()
        if clip is None:
            self.title.setText("No clip: import one to see its edits.")
        else:
            where = " (under the playhead; click a clip to select it)" if under_playhead else ""
            tail = (f"{len(clip.ops)} edit(s); later edits see the result of earlier ones." if clip.ops else
                    "no edits yet. Type one in the command bar (Ctrl+L), e.g. “make it warmer”.")
            self.title.setText(f"<b>{clip.label}</b>{where} — {tail}")
            for i, o in enumerate(clip.ops):
                notes = self.notes.get(o.id) or []
                it = QListWidgetItem(f"{i + 1}. {op_summary(o)}" + "".join(f"\n     {n}" for n in notes))
                it.setData(Qt.UserRole, o.id)
                it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
                it.setCheckState(Qt.Checked if o.enabled else Qt.Unchecked)
                it.setToolTip("\n".join(["Ticked: this edit is on. Untick to bypass it.", *notes]))
                self.list.addItem(it)
                if o.id == current:
                    self.list.setCurrentRow(i)
            if self.list.currentRow() < 0 and clip.ops:
                self.list.setCurrentRow(len(clip.ops) - 1)
        self.list.blockSignals(False)
        self._build_form()

    def current_op_id(self) -> Optional[str]:
        it = self.list.currentItem()
        return it.data(Qt.UserRole) if it is not None else None

    def _op(self, op_id):
        if self.clip is None:
            return None
        return next((o for o in self.clip.ops if o.id == op_id), None)

    def _build_form(self) -> None:
        applied = self._op(self.current_op_id())
        if applied is None:
            self.form_box.hide()
            self._form_op = None
            return
        from ..ops import find_op

        spec = find_op(applied.op)
        same_range = (applied.range is None) == (getattr(self, "range_edit", None) is None)
        if (self._form_op == applied.id and spec is not None and set(self.editors) == set(spec.params)
                and same_range):
            if applied.range is not None:
                for sb, v in zip(self.range_edit, applied.range, strict=True):
                    sb.blockSignals(True)
                    sb.setValue(v)
                    sb.blockSignals(False)
            t = self._op_time(applied.id)
            for name, (w, _get, setter) in self.editors.items():  # refresh values in place
                if getattr(w, "keying", None) is not None:
                    w.keying.t = t
                setter(applied.params.get(name, spec.params[name].default))
            return
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        self._form_op = applied.id
        self.form_box.setTitle(f"{op_label(applied.op)} — parameters")
        if spec is None:
            self.form.addRow(QLabel(f"Unknown operation '{applied.op}'.", self))
        elif not spec.params:
            self.form.addRow(QLabel("This edit has no parameters.", self))
        self.range_edit = None
        if applied.range is not None:
            self.range_edit = (QDoubleSpinBox(self.form_box), QDoubleSpinBox(self.form_box))
            row = QWidget(self.form_box)
            rl = QHBoxLayout(row)
            rl.setContentsMargins(0, 0, 0, 0)
            for sb, v in zip(self.range_edit, applied.range, strict=True):
                sb.setRange(0.0, 86400.0)
                sb.setDecimals(2)
                sb.setSingleStep(0.1)
                sb.setSuffix(" s")
                sb.setMinimumWidth(76)  # its hint fits "86400.00 s" and widened the dock on selection
                sb.setValue(v)
                sb.editingFinished.connect(self._emit_range)
            rl.addWidget(self.range_edit[0])
            rl.addWidget(QLabel("to", row))
            rl.addWidget(self.range_edit[1])
            whole = QPushButton("Whole clip", row)
            whole.setToolTip("Apply this edit to the whole clip")
            whole.clicked.connect(lambda: self._emit_range(whole=True))
            rl.addWidget(whole)
            self.form.addRow("time range", row)
        t = self._op_time(applied.id)
        for name, p in (spec.params.items() if spec else []):
            value = applied.params.get(name, p.default)
            w, getter, setter = make_editor(p, value, self._commit.start, self.form_box,
                                            animatable=spec.animatable(name), time=t)
            if p.description:
                w.setToolTip(p.description)
            self.form.addRow(name.replace("_", " "), w)
            self.editors[name] = (w, getter, setter)
        if self.key_filter is not None:
            self.key_filter.watch(self.form_box)
        self.form_box.show()

    def _op_time(self, op_id) -> float:
        if self.time_fn is None or self.clip is None or op_id is None:
            return 0.0
        try:
            return float(self.time_fn(self.clip, op_id))
        except Exception:  # no layout (an unrenderable project): keys at the clip's start
            return 0.0

    def playhead_moved(self, _pos: float = 0.0) -> None:
        """The playhead moved: animated params show their value there (a pending edit is sent first,
        keyed at the time it was made)."""
        if self._commit.isActive():
            self._commit.stop()
            self._emit_params()
        keyed = [w.keying for w, _g, _s in self.editors.values() if getattr(w, "keying", None) is not None]
        if keyed:
            t = self._op_time(self._form_op)
            for k in keyed:
                k.set_time(t)

    # -- requests -----------------------------------------------------------------------------
    def values(self) -> dict:
        return {k: getter() for k, (_w, getter, _s) in self.editors.items()}

    def _emit_params(self) -> None:
        applied = self._op(self._form_op)
        if applied is None or self.clip is None:
            return
        new = self.values()
        if any(applied.params.get(k) != v for k, v in new.items()):
            self.paramsRequested.emit(self.clip.id, applied.id, new)

    def _emit_range(self, whole: bool = False) -> None:
        applied = self._op(self._form_op)
        if applied is None or self.clip is None:
            return
        if whole:
            self.rangeRequested.emit(self.clip.id, applied.id, None)
            return
        if self.range_edit is None:
            return
        rng = (self.range_edit[0].value(), self.range_edit[1].value())
        if applied.range is None or any(abs(a - b) > 1e-6 for a, b in zip(rng, applied.range, strict=True)):
            self.rangeRequested.emit(self.clip.id, applied.id, rng)

    def _item_changed(self, it: QListWidgetItem) -> None:
        if self.clip is not None:
            self.toggleRequested.emit(self.clip.id, it.data(Qt.UserRole), it.checkState() == Qt.Checked)

    def _move(self, d: int) -> None:
        row = self.list.currentRow()
        if self.clip is None or row < 0 or not (0 <= row + d < self.list.count()):
            return
        self.moveRequested.emit(self.clip.id, self.current_op_id(), row + d)

    def _remove(self) -> None:
        if self.clip is not None and self.current_op_id():
            self.removeRequested.emit(self.clip.id, self.current_op_id())
