"""The title editor: text, font, size, weight, colours, box, outline and alignment of a title clip,
with a live preview over the frame at the playhead.

The preview is drawn by the export's own code: ``engine.titles.render_title`` for the text and
``engine.compositor.composite`` with the clip's transform at the playhead, over the frame rendered
without this title. OK returns the text and a ``TitleStyle``; the window applies them as one
``SetTitle`` undo step (project/history.py), which checks them as loading a file would.
"""

from __future__ import annotations

import dataclasses
from typing import List, Optional, Tuple

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import T2VError
from .preview import to_qimage

#: Families offered in the font list when installed (the list is free text: any family works).
CANDIDATE_FAMILIES = ("Sans", "DejaVu Serif", "DejaVu Sans Mono", "Liberation Sans", "Liberation Serif",
                      "Liberation Mono", "Noto Sans", "Noto Serif", "Nimbus Sans", "Nimbus Roman", "Ubuntu",
                      "Cantarell", "Roboto", "Open Sans", "Arial", "Helvetica", "Verdana", "Georgia",
                      "Times New Roman", "Courier New")
_FAMILIES: Optional[List[str]] = None
PREVIEW_MAX = (480, 270)  # the dialog's picture, widget pixels


def installed_families() -> List[str]:
    """The candidate families that engine/titles.py's lookup finds (once per session)."""
    global _FAMILIES
    if _FAMILIES is None:
        from ..engine.titles import find_font

        _FAMILIES = [f for f in CANDIDATE_FAMILIES if find_font(f)[1] is None]
    return list(_FAMILIES)


def _qcolor(hex_: str) -> QColor:
    """#rrggbb or #rrggbbaa (ours: alpha last) -> QColor."""
    c = QColor(hex_[:7])
    if len(hex_) == 9:
        c.setAlpha(int(hex_[7:9], 16))
    return c


def _hex(c: QColor, keep_alpha: bool) -> str:
    s = "#{:02x}{:02x}{:02x}".format(c.red(), c.green(), c.blue())
    return s + "{:02x}".format(c.alpha()) if keep_alpha and c.alpha() != 255 else s


class ColorButton(QPushButton):
    """A swatch that opens QColorDialog; ``value`` is the hex string."""

    def __init__(self, value: str, alpha: bool, parent=None):
        super().__init__(parent)
        self.alpha = alpha
        self.value = value
        self.on_change = lambda: None
        self.clicked.connect(self.pick)
        self._paint()

    def set_value(self, value: str) -> None:
        self.value = value
        self._paint()
        self.on_change()

    def pick(self) -> None:
        opts = QColorDialog.ShowAlphaChannel if self.alpha else QColorDialog.ColorDialogOption(0)
        c = QColorDialog.getColor(_qcolor(self.value), self, "Colour", opts)
        if c.isValid():
            self.set_value(_hex(c, self.alpha))

    def _paint(self) -> None:
        self.setText(self.value)
        c = _qcolor(self.value)
        fg = "#000000" if 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue() > 140 else "#ffffff"
        self.setStyleSheet(f"background:{self.value[:7]};color:{fg};padding:2px 8px")


class TitleEditor(QDialog):
    """Edit one title clip. ``background``: the frame at the playhead without this title (HxWx3)
    or None (black); ``transform``: the clip's transform resolved at the playhead."""

    def __init__(self, text: str, style, *, background: Optional[np.ndarray] = None, transform=None,
                 canvas_size: Tuple[int, int] = (1920, 1080), parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setWindowTitle("Edit title")
        self.transform = transform
        self.background = background if background is not None else _black(canvas_size)
        self.base_style = style
        self.text_edit = QPlainTextEdit(text, self)
        self.text_edit.setFixedHeight(80)
        self.font_box = QComboBox(self)
        self.font_box.setEditable(True)
        fams = installed_families()
        if style.font not in fams:
            fams.insert(0, style.font)
        self.font_box.addItems(fams)
        self.font_box.setCurrentText(style.font)
        self.font_note = QLabel("", self)
        self.font_note.setStyleSheet("color:#ffb4ab")
        self.size_box = QDoubleSpinBox(self)
        self.size_box.setRange(4.0, 1000.0)
        self.size_box.setDecimals(0)
        self.size_box.setSuffix(" px at 1080p")
        self.size_box.setValue(style.size)
        self.weight_box = QComboBox(self)
        self.weight_box.addItems(["bold", "normal"])
        self.weight_box.setCurrentText(style.weight)
        self.italic_box = QCheckBox("Italic", self)
        self.italic_box.setChecked(bool(style.italic))
        self.color_btn = ColorButton(style.color, True, self)
        self.box_on = QCheckBox("Box behind the text", self)
        self.box_on.setChecked(bool(style.box))
        self.box_color_btn = ColorButton(style.box_color, True, self)
        self.outline_box = QDoubleSpinBox(self)
        self.outline_box.setRange(0.0, 50.0)
        self.outline_box.setDecimals(1)
        self.outline_box.setValue(style.outline)
        self.outline_color_btn = ColorButton(style.outline_color, True, self)
        self.align_box = QComboBox(self)
        self.align_box.addItems(["left", "center", "right"])
        self.align_box.setCurrentText(style.align)
        self.preview = QLabel(self)
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setFixedSize(*PREVIEW_MAX)
        self.preview.setStyleSheet("background:#0b0c0e")
        self.error = QLabel("", self)
        self.error.setStyleSheet("color:#ffb4ab")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Text", self.text_edit)
        form.addRow("Font", self.font_box)
        form.addRow("", self.font_note)
        weight = QHBoxLayout()
        weight.addWidget(self.weight_box)
        weight.addWidget(self.italic_box)
        form.addRow("Size", self.size_box)
        form.addRow("Weight", weight)
        form.addRow("Colour", self.color_btn)
        box = QHBoxLayout()
        box.addWidget(self.box_on)
        box.addWidget(self.box_color_btn)
        form.addRow("Box", box)
        outline = QHBoxLayout()
        outline.addWidget(self.outline_box)
        outline.addWidget(self.outline_color_btn)
        form.addRow("Outline", outline)
        form.addRow("Alignment", self.align_box)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        lay = QHBoxLayout()
        lay.addLayout(form, 1)
        right = QVBoxLayout()
        right.addWidget(self.preview, 1)
        right.addWidget(self.error)
        lay.addLayout(right, 2)
        outer = QVBoxLayout(self)
        outer.addLayout(lay, 1)
        outer.addWidget(buttons)

        self._timer = QTimer(self)  # typing redraws at most every 60 ms
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self.update_preview)
        for sig in (self.text_edit.textChanged, self.font_box.currentTextChanged, self.size_box.valueChanged,
                    self.weight_box.currentTextChanged, self.italic_box.toggled, self.box_on.toggled,
                    self.outline_box.valueChanged, self.align_box.currentTextChanged):
            sig.connect(lambda *_: self._timer.start())
        for b in (self.color_btn, self.box_color_btn, self.outline_color_btn):
            b.on_change = self._timer.start
        self.preview_frame: Optional[np.ndarray] = None  # what the preview shows (tests read it)
        self.update_preview()

    # -- values -------------------------------------------------------------------------------
    def text(self) -> str:
        return self.text_edit.toPlainText()

    def style(self):
        """The edited TitleStyle (fields the dialog does not show are kept)."""
        return dataclasses.replace(
            self.base_style, font=self.font_box.currentText().strip() or "Sans", size=float(self.size_box.value()),
            weight=self.weight_box.currentText(), italic=self.italic_box.isChecked(), color=self.color_btn.value,
            box=self.box_on.isChecked(), box_color=self.box_color_btn.value, outline=float(self.outline_box.value()),
            outline_color=self.outline_color_btn.value, align=self.align_box.currentText())

    def _check(self) -> str:
        """'' when the text and style are valid, else the one-line reason (the same check SetTitle makes)."""
        from ..project.history import SetTitle

        try:
            SetTitle("-", self.text(), self.style())
        except T2VError as e:
            return str(e)
        return ""

    # -- preview ------------------------------------------------------------------------------
    def render(self) -> np.ndarray:
        """The title with the current values over the background, as the export draws it."""
        from ..engine.compositor import composite
        from ..engine.titles import render_title

        bg = self.background
        h, w = bg.shape[:2]
        rgb, alpha = render_title(self.text(), self.style(), (w, h))
        return composite(bg.copy(), np.ascontiguousarray(rgb), np.ascontiguousarray(alpha), self.transform)

    def update_preview(self) -> None:
        from ..engine.titles import title_warning

        problem = self._check()
        self.ok_button.setEnabled(not problem)
        self.error.setText(problem)
        fam = self.font_box.currentText().strip()
        self.font_note.setText((title_warning(self.style()) or "") if fam else "")
        self.font_note.setVisible(bool(self.font_note.text()))
        if problem:
            return
        try:
            frame = self.render()
        except T2VError as e:
            self.error.setText(str(e))
            self.ok_button.setEnabled(False)
            return
        self.preview_frame = frame
        pm = QPixmap.fromImage(to_qimage(frame))
        self.preview.setPixmap(pm.scaled(*PREVIEW_MAX, Qt.KeepAspectRatio, Qt.SmoothTransformation))

    def _accept(self) -> None:
        if not self._check():
            self.accept()


def _black(canvas_size: Tuple[int, int]) -> np.ndarray:
    w, h = canvas_size
    s = min(1.0, (PREVIEW_MAX[0] * PREVIEW_MAX[1] / float(w * h)) ** 0.5)
    return np.zeros((max(2, int(h * s)), max(2, int(w * s)), 3), np.uint8)


def open_title_editor(win, clip_id: str) -> Optional[TitleEditor]:
    """Open the editor on title clip ``clip_id`` of MainWindow ``win`` (non-blocking); OK pushes one
    ``SetTitle``. The background is the frame at the playhead rendered with this title hidden."""
    import logging

    from ..project import history as h
    from . import core

    clip = next((c for c in win.project.all_clips() if c.id == clip_id), None)
    if clip is None or clip.source.type != "title":
        win.statusBar().showMessage("Select a title clip to edit its text and look.", 5000)
        return None
    background, tf, size = None, None, (int(win.project.width or 1920), int(win.project.height or 1080))
    r = win.renderer
    if r is not None:
        size = tuple(r.full_size)
        try:
            a, b = r.layout.clip_frames(clip_id)
            index = min(max(win.preview.index, a), b - 1)
            tf = clip.transform.at(float((index - a) / r.fps))
            snap = core.snapshot(win.project)
            snap.find_clip(clip_id).transform.opacity = 0.0
            bg = core.make_renderer(snap, win.preview.scale)
            try:
                background = np.array(bg.frame(win.preview.index))
            finally:
                bg.close()
        except Exception:  # the preview is a convenience: the dialog still opens over black
            logging.getLogger(__name__).info("no background for the title editor", exc_info=True)
    dlg = TitleEditor(clip.source.text, clip.source.style, background=background, transform=tf,
                      canvas_size=size, parent=win)

    def apply() -> None:
        try:
            cmd = h.SetTitle(clip_id, dlg.text(), dlg.style())
        except T2VError as e:
            win.statusBar().showMessage(str(e), 10000)
            return
        win.push(cmd)

    dlg.accepted.connect(apply)
    dlg.setAttribute(Qt.WA_DeleteOnClose)
    dlg.open()
    return dlg
