"""File > New from script: paste or open a script (or an article), pick the look, and the project is
built in the background (Jobs: progress, cancel) and opened as a new, editable, unsaved project.

The work is script/build.py's (the same as `t2v-desktop from-script`); this module only asks and
shows. The current project is offered for saving first, as File > New does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..script.build import ASPECTS, BuildOptions
from ..script.styles import STYLES

SCRIPT_FILTER = "Scripts (*.txt *.md *.markdown);;All files (*)"
AUDIO_FILTER = "Sound (*.wav *.mp3 *.m4a *.aac *.flac *.ogg *.opus);;All files (*)"


class ScriptDialog(QDialog):
    """The script and the options of the video to make from it."""

    def __init__(self, parent: Optional[QWidget] = None, text: str = ""):
        super().__init__(parent)
        self.setWindowTitle("New from script")
        self.resize(640, 560)
        lay = QVBoxLayout(self)
        self.text = QPlainTextEdit(text)
        self.text.setPlaceholderText("# Title\n\nEach paragraph becomes a scene with narration, a picture and "
                                     "captions.\n\n## A heading starts a section")
        open_btn = QPushButton("Open text file…")
        open_btn.clicked.connect(self._open)
        lay.addWidget(self.text, 1)
        lay.addWidget(open_btn)
        form = QFormLayout()
        self.article = QCheckBox("It is an article: summarise it into a script first")
        self.aspect = QComboBox()
        self.aspect.addItems(list(ASPECTS))
        self.style = QComboBox()
        self.style.addItems(list(STYLES))
        self.voice = QLineEdit("en")
        self.voice.setToolTip("A language code (en, fr, de...) or a voice, e.g. piper:en_US-lessac-medium")
        self.music = QLineEdit()
        self.music.setPlaceholderText("optional: music under the video, ducked under the voice")
        music_btn = QPushButton("…")
        music_btn.clicked.connect(self._pick_music)
        row = QHBoxLayout()
        row.addWidget(self.music, 1)
        row.addWidget(music_btn)
        self.library = QCheckBox("Show shots from my media library where the words match")
        from ..library.db import default_path

        self._library_path = default_path()
        has_library = self._library_path.is_file()
        self.library.setChecked(has_library)
        self.library.setEnabled(has_library)
        if not has_library:
            self.library.setToolTip("No media library yet: index footage with `t2v-desktop library add FOLDER`.")
        form.addRow(self.article)
        form.addRow("Aspect", self.aspect)
        form.addRow("Style", self.style)
        form.addRow("Voice", self.voice)
        form.addRow("Music", row)
        form.addRow(self.library)
        self.save_path = QLineEdit()
        self.save_path.setPlaceholderText("optional: save the project here (its narration goes beside it)")
        save_btn = QPushButton("…")
        save_btn.clicked.connect(self._pick_save)
        srow = QHBoxLayout()
        srow.addWidget(self.save_path, 1)
        srow.addWidget(save_btn)
        form.addRow("Save as", srow)
        lay.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Make the video")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a script", str(Path.home()), SCRIPT_FILTER)
        if path:
            from ..errors import T2VError
            from ..script.parse import read_text

            try:
                self.text.setPlainText(read_text(path))
            except T2VError as e:
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.warning(self, "Cannot open the script", str(e))

    def _pick_music(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Music", str(Path.home()), AUDIO_FILTER)
        if path:
            self.music.setText(path)

    def _pick_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the project", str(Path.home() / "script.t2v"),
                                              "Projects (*.t2v)")
        if path:
            self.save_path.setText(path if path.lower().endswith(".t2v") else path + ".t2v")

    def project_path(self) -> Optional[Path]:
        text = self.save_path.text().strip()
        return Path(text).expanduser() if text else None

    def options(self) -> BuildOptions:
        save = self.project_path()
        return BuildOptions(aspect=self.aspect.currentText(), style=self.style.currentText(),
                            voice=self.voice.text().strip() or "en", music=self.music.text().strip() or None,
                            library=str(self._library_path) if self.library.isChecked() else None,
                            assets_dir=str(assets_dir(save)) if save else None)


def assets_dir(project: Path) -> Path:
    """Where a saved script project's narration files go: ``NAME-assets`` beside ``NAME.t2v`` (as the CLI)."""
    return project.with_name(project.stem + "-assets")


def script_job(text: str, options: BuildOptions, *, article: bool = False, save: Optional[Path] = None):
    """The Job that turns ``text`` into a BuildResult (summary first for an article), saved to
    ``save`` when given (atomically, after everything else succeeded)."""
    from .workers import Job

    def work(progress, cancel):
        from ..script.build import build_project, plan_build
        from ..script.parse import parse_script

        notes = []
        if article:
            from ..script.summarize import summarize

            summary = summarize(text, progress=progress, cancel=cancel)
            script = summary.script
            notes.append(summary.describe())
        else:
            script = parse_script(text)
        plan = plan_build(script, options)
        result = build_project(plan.script, options, plan=plan, progress=progress, cancel=cancel)
        result.plan.notes[:0] = notes
        if save is not None:
            result.project.save(save)
        return result

    return Job("New from script", work)


def new_from_script(win, *, text: Optional[str] = None, options: Optional[BuildOptions] = None,
                    article: bool = False, save: Optional[Path] = None):
    """Ask (unless ``text`` is given), then build in the background and open the result (saved to
    ``save`` with its narration beside it, or unsaved); returns the Job (None when the user
    cancelled the dialog or kept the current project)."""
    if not win._maybe_save():
        return None
    if text is None:
        dlg = ScriptDialog(win)
        if dlg.exec() != QDialog.Accepted:
            return None
        text, options, article = dlg.text.toPlainText(), dlg.options(), dlg.article.isChecked()
        save = dlg.project_path()
    options = options or BuildOptions()
    if save is not None and options.assets_dir is None:
        from dataclasses import replace

        options = replace(options, assets_dir=str(assets_dir(Path(save))))
    job = script_job(text, options, article=article, save=Path(save) if save is not None else None)

    def done(result) -> None:
        if save is not None:
            win.open_project(str(save))  # title, recent files, bin, timeline: as File > Open does
        else:
            win.project = result.project
            win.project_path = None
            win._recovered = False
            win.undo_stack.clear()
            win.selected_clip = None
            win.bin.display_names.update({c.path: c.name + Path(c.path).suffix for t in result.project.tracks
                                          if t.role == "voice" for c in t.clips if c.path})  # not cache hashes
            for path in result.project.file_paths():
                if path not in win.bin.infos:
                    win.bin.add_paths([path], notify=False)
            win.preview.position = 0.0
            win.refresh(fit=True)
        notes = "; ".join(result.plan.notes[:2])
        win.statusBar().showMessage(f"Made '{result.project.name}': {len(result.scenes)} scenes."
                                    + (f" {notes}" if notes else ""), 15000)

    job.signals.finished.connect(done)
    job.signals.failed.connect(lambda msg: win._error("Cannot make the video", msg))
    job.signals.cancelled.connect(lambda: win.statusBar().showMessage("New from script cancelled.", 6000))
    win.statusBar().showMessage("Making the video from the script (see Jobs; cancel there)...", 8000)
    win.script_job = job
    win.jobs.start(job)
    return job
