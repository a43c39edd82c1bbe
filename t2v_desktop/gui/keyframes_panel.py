"""Keyframes panel: the selected clip's animatable properties and, for the chosen one, its keys.

Properties: the transform fields (position, scale, rotation, opacity, crop), the volume of a clip
with sound, and the numeric params of its per-frame picture ops (``OperationSpec.animatable``).
A key is added at the playhead with the value shown there, deleted, moved in time, given a new
value or interpolation; each change is one undo step (SetTransform / SetClipVolume / SetOpParams)
pushed through ``push``. A property stays keyframed while it has at least one key (a one-key list
is a constant the user has marked for animation); deleting its last key turns it back into a plain
number holding that key's value.

Times: a transform field or the volume counts from the clip's first frame on its track; an op
param counts on the op's own timeline, mapped from the clip's by the ratio of their durations
when a timing op sits after it in the stack (exact for a constant speed change; ``playhead_time``).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Callable, List, Optional, Tuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from .. import keyframes as kf
from ..errors import T2VError
from ..project.transform import Transform
from .canvas_handles import set_at
from .edit_stack import op_label

#: transform fields offered for animation, in the order shown
FIELDS = ("x", "y", "scale", "rotation", "opacity", "crop_left", "crop_top", "crop_right", "crop_bottom")
VOLUME_BOUNDS = (0.0, 16.0)
SAME_T = 1e-4  # two key times closer than this are one key (as canvas_handles.set_at)

Prop = Tuple[str, ...]  # ("transform", field) | ("volume",) | ("op", op_id, param)


# -- the model side (pure) -------------------------------------------------------------------------

def properties(clip) -> List[Tuple[Prop, str, Tuple[float, float]]]:
    """(prop, label, (min, max)) of every animatable property of ``clip``."""
    from ..ops import find_op

    out: List[Tuple[Prop, str, Tuple[float, float]]] = [
        (("transform", f), f.replace("_", " "), Transform.BOUNDS[f]) for f in FIELDS]
    if clip.source.type == "file":
        out.append((("volume",), "volume", VOLUME_BOUNDS))
    for o in clip.ops:
        spec = find_op(o.op)
        for name, p in (spec.params.items() if spec is not None else ()):
            if spec.animatable(name):
                out.append((("op", o.id, name), f"{op_label(o.op)}: {name.replace('_', ' ')}",
                            (float(p.min), float(p.max))))
    return out


def get_value(clip, prop: Prop):
    """The property's value in the model (a number or Keyframes)."""
    if prop[0] == "transform":
        return getattr(clip.transform, prop[1])
    if prop[0] == "volume":
        return clip.volume
    from ..ops import find_op

    op = next(o for o in clip.ops if o.id == prop[1])
    spec = find_op(op.op)
    return op.params.get(prop[2], spec.params[prop[2]].default if spec else 0.0)


def command_for(clip, prop: Prop, value):
    """The undoable history command that sets ``prop`` of ``clip`` to ``value``."""
    from ..project import history as h

    if prop[0] == "transform":
        return h.SetTransform(clip.id, replace(copy.deepcopy(clip.transform), **{prop[1]: value}))
    if prop[0] == "volume":
        return h.SetClipVolume(clip.id, value)
    return h.SetOpParams(clip.id, prop[1], {prop[2]: value})


def key_index(value, t: float) -> Optional[int]:
    """Index of the key at ``t`` (within SAME_T), or None."""
    if isinstance(value, kf.Keyframes):
        for i, k in enumerate(value.keys):
            if abs(k.t - t) < SAME_T:
                return i
    return None


def without_key(value: kf.Keyframes, i: int):
    """``value`` less its key ``i``; the last key gone, a plain number with that key's value."""
    keys = [k for j, k in enumerate(value.keys) if j != i]
    return kf.Keyframes(tuple(keys)) if keys else float(value.keys[i].value)


def edited_key(value: kf.Keyframes, i: int, *, t=None, v=None, interp=None) -> kf.Keyframes:
    """``value`` with key ``i`` moved to ``t`` / given value ``v`` / interpolation ``interp``
    (keys re-sorted by time; a time on another key is a ProjectError from Keyframes)."""
    k = value.keys[i]
    new = kf.Key(float(k.t if t is None else t), float(k.value if v is None else v), interp or k.interp)
    keys = sorted([*value.keys[:i], new, *value.keys[i + 1:]], key=lambda x: x.t)
    return kf.Keyframes(tuple(keys))


def playhead_time(layout, clip, prop: Prop, playhead: float, clamp: bool = True) -> Optional[float]:
    """The playhead as a keyframe time of ``prop`` (see the module docstring); outside the clip:
    clamped to it, or None when ``clamp`` is False."""
    try:
        start, end = layout.clip_span(clip.id)
    except (T2VError, AttributeError):
        return 0.0 if clamp else None
    local = playhead - start
    if not (-1e-6 <= local <= end - start + 1e-6):
        if not clamp:
            return None
    local = min(max(local, 0.0), end - start)
    if prop[0] == "op":
        idx = next((i for i, o in enumerate(clip.ops) if o.id == prop[1]), None)
        if idx is not None:
            try:
                total, mine = layout.clip_duration(clip.id), layout.clip_duration(clip.id, upto_op=idx)
            except T2VError:
                total = mine = 0.0
            if total > 0 and abs(mine - total) > 1e-6:
                local *= mine / total
    return round(local, 6)


def fmt_value(v) -> str:
    if isinstance(v, kf.Keyframes):
        return f"animated, {len(v.keys)} key{'s' if len(v.keys) != 1 else ''}"
    return f"{float(v):.3g}"


# -- the widget ---------------------------------------------------------------------------------

class KeyframesPanel(QWidget):
    """Lists the clip's animatable properties; the chosen one's keys in an editable table.
    ``propertySelected(clip_id, prop)`` tells a view (the timeline's diamonds) which property to
    show ("" and None when none); ``key_times()`` are its keys' times."""

    propertySelected = Signal(str, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.clip = None
        self.push: Callable[[object], bool] = lambda _cmd: False
        #: (clip, prop, clamp) -> the playhead as that property's key time (None: outside the clip)
        self.time_fn: Callable[..., Optional[float]] = lambda _c, _p, clamp=True: 0.0 if clamp else None
        self._sig = None
        self._props: List[Tuple[Prop, str, Tuple[float, float]]] = []
        self.title = QLabel("No clip selected.", self)
        self.title.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("keyframeProps")
        self.list.currentRowChanged.connect(lambda _r: self._build_table())
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("keyframeTable")
        self.table.setHorizontalHeaderLabels(["time (s)", "value", "interpolation"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.add_btn = QPushButton("◆ Add key at playhead", self)
        self.add_btn.setToolTip("Key the value shown at the playhead (key times count from the clip's first frame)")
        self.add_btn.clicked.connect(self.add_key)
        self.del_btn = QPushButton("Delete key", self)
        self.del_btn.setToolTip("Remove the selected key; removing the last one leaves its value as a plain number")
        self.del_btn.clicked.connect(lambda: self.delete_key(self.table.currentRow()))
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.add_btn)
        row.addWidget(self.del_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.title)
        self.table.setMinimumHeight(96)  # two keys visible even in a short dock
        lay.addWidget(self.list, 1)
        lay.addWidget(self.table, 2)
        lay.addLayout(row)
        lay.addWidget(self.note)

    # -- model -> view ----------------------------------------------------------------------------
    def set_clip(self, clip) -> None:
        """Show ``clip`` (None: nothing); rebuilt only when the clip or its values changed."""
        sig = None if clip is None else (clip.id, repr(clip.transform), repr(clip.volume),
                                          tuple((o.id, o.op, repr(o.params)) for o in clip.ops))
        self.clip = clip
        if sig == self._sig:
            self.set_playhead()
            return
        self._sig = sig
        current = self.current_prop()
        self._props = properties(clip) if clip is not None else []
        self.list.blockSignals(True)
        self.list.clear()
        for prop, label, _b in self._props:
            v = get_value(clip, prop)
            it = QListWidgetItem(f"{'◆' if isinstance(v, kf.Keyframes) else '◇'} {label} — {fmt_value(v)}")
            it.setData(Qt.UserRole, prop)
            it.setToolTip("Animated (keyframes)" if isinstance(v, kf.Keyframes) else "One value for the whole clip")
            self.list.addItem(it)
        props = [p for p, _l, _b in self._props]
        self.list.setCurrentRow(props.index(current) if current in props else (4 if len(props) > 4 else -1))
        self.list.blockSignals(False)
        self.title.setText("No clip selected." if clip is None else
                           f"<b>{clip.label}</b> — ◆ animated, ◇ one value. Keys count from the clip's first frame.")
        self._build_table()

    def current_prop(self) -> Optional[Prop]:
        it = self.list.currentItem()
        return tuple(it.data(Qt.UserRole)) if it is not None else None

    def select_prop(self, prop: Prop) -> None:
        props = [p for p, _l, _b in self._props]
        self.list.setCurrentRow(props.index(tuple(prop)))

    def _bounds(self, prop) -> Tuple[float, float]:
        return next((b for p, _l, b in self._props if p == prop), (-1e9, 1e9))

    def key_times(self) -> List[float]:
        """The selected property's key times (its own timeline; see the module docstring)."""
        prop = self.current_prop()
        value = get_value(self.clip, prop) if self.clip is not None and prop else None
        return [k.t for k in value.keys] if isinstance(value, kf.Keyframes) else []

    def _build_table(self) -> None:
        prop = self.current_prop()
        self.propertySelected.emit(self.clip.id if self.clip is not None else "", prop)
        self.table.setRowCount(0)
        if self.clip is None or prop is None:
            self.set_playhead()
            return
        value = get_value(self.clip, prop)
        keys = value.keys if isinstance(value, kf.Keyframes) else ()
        lo, hi = self._bounds(prop)
        self.table.setRowCount(len(keys))
        for i, k in enumerate(keys):
            ts = QDoubleSpinBox(self.table)
            ts.setRange(0.0, 86400.0)
            ts.setDecimals(3)
            ts.setSingleStep(0.1)
            ts.setValue(k.t)
            ts.editingFinished.connect(lambda i=i, w=ts: self.set_key(i, t=w.value()))
            vs = QDoubleSpinBox(self.table)
            vs.setRange(lo, hi)
            vs.setDecimals(3)
            vs.setSingleStep((hi - lo) / 100 if hi - lo < 1e6 else 0.1)
            vs.setValue(k.value)
            vs.editingFinished.connect(lambda i=i, w=vs: self.set_key(i, v=w.value()))
            ic = QComboBox(self.table)
            ic.addItems(list(kf.INTERPOLATIONS))
            ic.setCurrentText(k.interp)
            ic.setToolTip("How the value goes from this key to the next")
            ic.currentTextChanged.connect(lambda s, i=i: self.set_key(i, interp=s))
            self.table.setCellWidget(i, 0, ts)
            self.table.setCellWidget(i, 1, vs)
            self.table.setCellWidget(i, 2, ic)
        self.set_playhead()

    def set_playhead(self, _pos: float = 0.0) -> None:
        """Mark the key at the playhead (bold time) and enable Add only inside the clip."""
        prop = self.current_prop()
        t = self.time_fn(self.clip, prop, clamp=False) if self.clip is not None and prop else None
        value = get_value(self.clip, prop) if self.clip is not None and prop else None
        at = key_index(value, t) if t is not None else None
        self.add_btn.setEnabled(t is not None and at is None)
        self.add_btn.setToolTip("Put the playhead inside the clip to key it" if t is None else
                                "A key is at the playhead already" if at is not None else
                                f"Key the value at the playhead ({t:g} s into the clip)")
        self.del_btn.setEnabled(self.table.rowCount() > 0)
        for i in range(self.table.rowCount()):
            w = self.table.cellWidget(i, 0)
            f = QFont(w.font())
            f.setBold(i == at)
            w.setFont(f)

    # -- view -> requests ---------------------------------------------------------------------------
    def _commit(self, prop: Prop, value) -> bool:
        try:
            ok = self.push(command_for(self.clip, prop, value))
        except T2VError as e:
            ok = False
            self.note.setText(str(e))
        else:
            self.note.setText("" if ok else self.note.text())
        if not ok:  # the panel shows the model again (a refused edit leaves the widgets as they were)
            self._sig = None
            self.set_clip(self.clip)
        return ok

    def add_key(self) -> bool:
        """A key at the playhead with the value there (a plain number becomes a one-key list)."""
        prop = self.current_prop()
        if self.clip is None or prop is None:
            return False
        t = self.time_fn(self.clip, prop, clamp=False)
        if t is None:
            self.note.setText("Put the playhead inside the clip to add a key.")
            return False
        value = get_value(self.clip, prop)
        if key_index(value, t) is not None:
            self.note.setText(f"There is a key at {t:g} s already.")
            return False
        cur = kf.value_at(value, t)
        new = set_at(value, t, cur) if isinstance(value, kf.Keyframes) else kf.Keyframes.of([(t, cur)])
        return self._commit(prop, new)

    def delete_key(self, i: int) -> bool:
        prop = self.current_prop()
        value = get_value(self.clip, prop) if self.clip is not None and prop else None
        if not isinstance(value, kf.Keyframes) or not (0 <= i < len(value.keys)):
            self.note.setText("Select a key to delete.")
            return False
        return self._commit(prop, without_key(value, i))

    def set_key(self, i: int, *, t=None, v=None, interp=None) -> bool:
        """Move key ``i`` to time ``t``, give it value ``v`` or interpolation ``interp``."""
        prop = self.current_prop()
        value = get_value(self.clip, prop) if self.clip is not None and prop else None
        if not isinstance(value, kf.Keyframes) or not (0 <= i < len(value.keys)):
            return False
        k = value.keys[i]
        if ((t is None or abs(t - k.t) < 1e-9) and (v is None or abs(v - k.value) < 1e-9)
                and (interp is None or interp == k.interp)):
            return False  # nothing changed (editingFinished fires on focus loss too)
        try:
            new = edited_key(value, i, t=t, v=v, interp=interp)
        except T2VError as e:
            self.note.setText(str(e))
            self._sig = None
            self.set_clip(self.clip)
            return False
        return self._commit(prop, new)


def install(win) -> KeyframesPanel:
    """Add the panel to the main window ``win`` as a dock (tabbed with History), give it and the
    edit stack the playhead as a key time, and follow the playhead. ``win._update_stack_clip``
    hands it the clip the edit stack shows."""
    from PySide6.QtCore import Qt as _Qt

    panel = KeyframesPanel(win)
    panel.push = win.push

    def layout():
        return win._timeline_layout() if win.project.all_clips() else None

    panel.time_fn = lambda clip, prop, clamp=True: playhead_time(layout(), clip, prop, win.preview.position, clamp)
    win.edit_stack.time_fn = lambda clip, op_id: playhead_time(layout(), clip, ("op", op_id, ""),
                                                               win.preview.position)
    win.preview.positionChanged.connect(panel.set_playhead)
    win.preview.positionChanged.connect(win.edit_stack.playhead_moved)
    dock = win._dock("Keyframes", panel, _Qt.RightDockWidgetArea)
    from .docks import tabify_when_shown

    tabify_when_shown(win, win.history_dock, dock,  # then room for the key table
                      lambda: win.resizeDocks([win.stack_dock, win.history_dock], [440, 300], _Qt.Vertical))
    for a in win.menuBar().actions():
        if a.text() == "&View" and a.menu() is not None:
            a.menu().addAction(dock.toggleViewAction())
    win.keyframes_panel, win.keyframes_dock = panel, dock
    return panel
