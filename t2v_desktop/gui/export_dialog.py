"""Export dialog: presets (from media.presets) or custom size/rate/quality, progress with time
left, Cancel. The export runs through the same ``edit.export.export_project`` as the CLI, in a
child process (``t2v-desktop _export-job``, see export_job.py) so decode/ops/encode never stall
the editor's event loop; only if that process cannot start does it run in a thread here. The
Encoder writes a temp file, so a cancel, failure or crash leaves no partial file behind.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ..errors import T2VError
from . import core
from .jobs_panel import eta_text
from .workers import Job, JobManager, ProcessJob

SIZES = [("Same as project", None), ("2160p (3840x2160)", (3840, 2160)), ("1080p (1920x1080)", (1920, 1080)),
         ("720p (1280x720)", (1280, 720)), ("480p (854x480)", (854, 480))]
RATES = [("Same as project", None), ("60 fps", Fraction(60)), ("30 fps", Fraction(30)),
         ("25 fps", Fraction(25)), ("24 fps", Fraction(24)), ("15 fps", Fraction(15))]


def child_command(args: list[str]) -> tuple[str, list[str], dict]:
    """(program, arguments, extra environment) that run ``t2v-desktop _export-job ARGS``: the
    frozen bundle's executable is the CLI itself (on Windows its console twin, whose stdin/stdout
    are real pipes); otherwise this interpreter with ``-m``."""
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable)
        twin = exe.with_name("t2v-desktop-cli.exe")  # Windows: the console twin has real std handles
        if sys.platform == "win32" and twin.is_file() and exe != twin:
            exe = twin
        return str(exe), ["_export-job", *args], {}
    root = str(Path(__file__).resolve().parents[2])  # so the child imports this same package
    path = os.pathsep.join(x for x in (root, os.environ.get("PYTHONPATH", "")) if x)
    return sys.executable, ["-m", "t2v_desktop", "_export-job", *args], {"PYTHONPATH": path}


class ExportDialog(QDialog):
    exportFinished = Signal(object)  # ExportResult
    exportEnded = Signal(str)        # "done", "cancelled", "failed"
    #: Export in a child process (the default); False runs it in a thread here (bench/preview.py).
    use_process = True
    #: The export child runs at below-normal CPU priority so the window stays smooth.
    low_priority = True
    #: Seconds a cancelled export child gets to clean up and exit before it is killed.
    kill_after = 5.0

    def __init__(self, get_project: Callable, jobs: JobManager, parent=None, default_path: str = ""):
        super().__init__(parent)
        from ..media.presets import PRESETS

        self.setWindowTitle("Export")
        self.setMinimumWidth(560)
        self.get_project = get_project
        self.jobs = jobs
        self.presets = PRESETS
        self.job: Optional[Job] = None
        self.result = None
        self.notice = ""
        self.confirm_overwrite: Callable[[Path], bool] = self._ask_overwrite

        self.preset = QComboBox(self)
        for key, p in PRESETS.items():
            self.preset.addItem(p.label or key, key)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.path = QLineEdit(default_path, self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        prow = QHBoxLayout()
        prow.addWidget(self.path, 1)
        prow.addWidget(browse)
        self.custom = QGroupBox("Custom (overrides the preset)", self)
        self.custom.setCheckable(True)
        self.custom.setChecked(False)
        cf = QFormLayout(self.custom)
        self.size = QComboBox(self.custom)
        for label, v in SIZES:
            self.size.addItem(label, v)
        self.rate = QComboBox(self.custom)
        for label, v in RATES:
            self.rate.addItem(label, v)
        self.crf = QSpinBox(self.custom)
        self.crf.setRange(0, 51)
        self.crf.setValue(20)
        self.crf.setToolTip("Constant quality for H.264/H.265/VP9: lower is better and bigger (18-23 is typical)")
        cf.addRow("Fit inside", self.size)
        cf.addRow("Frame rate", self.rate)
        cf.addRow("Quality (CRF)", self.crf)
        self.summary = QLabel("", self)
        self.summary.setStyleSheet("color:#8b929c")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.export_btn = QPushButton("Export", self)
        self.export_btn.setDefault(True)
        self.export_btn.clicked.connect(self.start)
        self.cancel_btn = QPushButton("Close", self)
        self.cancel_btn.clicked.connect(self._cancel_or_close)
        form = QFormLayout()
        form.addRow("Preset", self.preset)
        form.addRow("Save to", prow)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_btn)
        buttons.addWidget(self.export_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.summary)
        lay.addWidget(self.custom)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        self._preset_changed()

    # -- preset/path ----------------------------------------------------------------------------
    def set_preset(self, key: str) -> None:
        i = self.preset.findData(key)
        if i >= 0:
            self.preset.setCurrentIndex(i)

    def chosen_preset(self):
        p = self.presets[self.preset.currentData()]
        if not self.custom.isChecked():
            return p
        changes = {"name": p.name + "-custom", "label": p.label + " (custom)"}
        if self.size.currentData() is not None:
            changes["max_size"] = self.size.currentData()
        if self.rate.currentData() is not None:
            changes["max_fps"] = self.rate.currentData()
        if p.video_codec in ("libx264", "libx265", "libvpx-vp9"):
            opts = dict(p.video_options or {})
            opts["crf"] = str(self.crf.value())
            changes["video_options"] = opts
        return dataclasses.replace(p, **changes)

    def _preset_changed(self) -> None:
        p = self.presets[self.preset.currentData()]
        text = self.path.text().strip()
        if text:
            self.path.setText(str(Path(text).with_suffix(p.extension)))
        bits = [p.extension]
        if p.video_codec:
            bits.append(p.video_codec)
        if p.audio_codec:
            bits.append(f"{p.audio_codec} audio")
        if p.frame_size:
            bits.append("{}x{}".format(*p.frame_size))
        elif p.max_size:
            bits.append("fit {}x{}".format(*p.max_size))
        if p.max_fps:
            bits.append(f"max {float(p.max_fps):g} fps")
        self.summary.setText(" · ".join(bits))
        self.custom.setEnabled(p.video_codec is not None)

    def _browse(self) -> None:
        p = self.presets[self.preset.currentData()]
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), f"*{p.extension}")
        if path:
            if not path.endswith(p.extension):
                path += p.extension
            self.path.setText(path)

    def _ask_overwrite(self, path: Path) -> bool:
        return QMessageBox.question(self, "Replace file?", f"{path.name} already exists. Replace it?") \
            == QMessageBox.Yes

    # -- run ------------------------------------------------------------------------------------
    def start(self) -> Optional[Job]:
        text = self.path.text().strip()
        if not text:
            self.status.setText("Choose where to save the export.")
            return None
        out = Path(text).expanduser()
        preset = self.chosen_preset()
        if out.suffix.lower() != preset.extension:
            out = out.with_suffix(preset.extension)
            self.path.setText(str(out))
        if out.exists() and not self.confirm_overwrite(out):
            return None
        project = core.snapshot(self.get_project())
        self.result = None
        self.notice = ""
        job = self._make_job(project, out, preset)
        job.signals.progress.connect(self._progress)
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(lambda m: self._ended("failed", f"Export failed: {m}"))
        job.signals.cancelled.connect(
            lambda: self._ended("cancelled", "Export cancelled — no file was written."))
        job.signals.notice.connect(self._notice)
        self.job = job
        self.export_btn.setEnabled(False)
        self.cancel_btn.setText("Cancel")
        self.progress.setValue(0)
        self.status.setText("\n".join(x for x in (f"Exporting to {out} …", self.notice) if x))
        self._t0 = time.monotonic()
        self.jobs.start(job)
        return job

    def _make_job(self, project, out: Path, preset):
        """A ProcessJob running the export in a child, with the in-process export as fallback."""
        from ..engine.export import export_project
        from ..export_job import preset_to_json, result_from_json

        def work(progress, cancel):
            return export_project(project, out, preset, progress=progress, cancel=cancel)

        title = f"Export {out.name}"
        if not self.use_process:
            return Job(title, work)
        tmp = None
        try:
            tmp = Path(tempfile.mkdtemp(prefix="t2v-export-"))
            project.save(tmp / "project.json")  # atomic
        except (OSError, T2VError) as e:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            self._notice(f"The export process could not be prepared ({e}); exporting inside the editor "
                         "instead, so the window may respond slowly until it is done.")
            return Job(title, work)
        program, args, env = child_command(
            [str(tmp / "project.json"), "-o", str(out), "--preset-json", json.dumps(preset_to_json(preset)),
             "--priority", "low" if self.low_priority else "normal"])
        return ProcessJob(title, program, args, env=env, result_from=result_from_json, fallback=work,
                          leftovers=(out.parent, f".{out.stem}.*.part"), cleanup=[tmp], kill_after=self.kill_after,
                          parent=self.jobs)

    def _notice(self, text: str) -> None:
        """Shown under the progress line for the rest of the export (e.g. the thread fallback)."""
        self.notice = text
        self.status.setText(text)

    def cancel(self) -> None:
        if self.job is not None and self.job.state in ("queued", "running"):
            self.job.cancel()
            self.status.setText("Cancelling…")

    def _cancel_or_close(self) -> None:
        if self.job is not None and self.job.state in ("queued", "running"):
            self.cancel()
        else:
            self.reject()

    def _progress(self, done: float, total: float, message: str) -> None:
        if total > 0:
            self.progress.setValue(int(1000 * min(1.0, done / total)))
        eta = eta_text(done, total, time.monotonic() - self._t0)
        pct = f"{100 * done / total:.0f}%" if total > 0 else ""
        line = " · ".join(x for x in (pct, message, eta) if x)
        self.status.setText("\n".join(x for x in (line, self.notice) if x))

    def _finished(self, result) -> None:
        self.result = result
        self.progress.setValue(1000)
        secs = getattr(result, "seconds", 0.0)
        self._ended("done", f"Exported {result.path} — {result.frames} frames, {result.duration:.2f} s "
                            f"(took {secs:.1f} s).")
        self.exportFinished.emit(result)

    def _ended(self, state: str, text: str) -> None:
        if self.notice:
            text += "\nThis export ran inside the editor: a separate export process could not be started."
        self.status.setText(text)
        self.export_btn.setEnabled(True)
        self.cancel_btn.setText("Close")
        if state != "done":
            self.progress.setValue(0)
        self.exportEnded.emit(state)

    def closeEvent(self, ev) -> None:
        self.cancel()
        super().closeEvent(ev)
