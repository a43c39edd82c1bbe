"""Preview benchmark: playback fps at 1080p with one colour op, and event-loop stalls during export.

    python bench/preview.py [--seconds 5] [--duration 6] [--compose] [--profile OUT.prof]

1. Generates a 1080p clip, applies "temperature" and plays the real PreviewPanel offscreen for N
   seconds, counting frames displayed vs dropped (goal: >= 30 fps displayed; proxies via
   preview_scale as the GUI uses them).
2. Runs the same export through the real export dialog, once in a thread inside the GUI process
   (the old way, now only the fallback) and once in a child process (the default), alternating
   for --rounds, while a 10 ms QTimer measures its own lateness: the worst stall of the event loop
   and its p99 (goal: worst < 100 ms).

``--compose``: the project is a composition instead (a 1080p base clip, a 720p picture-in-picture
scaled to a third in the top-right corner, a boxed title, a music track), played at the 960x540
proxy; the playback also runs once more while an export runs (goal: >= 30 fps displayed, <= 2%
dropped, no stall > 100 ms). ``--profile`` writes a cProfile of the preview's render thread.
Each playback also says when frames were dropped, the start latency (the pre-roll) and the rate
once playing, and how often the timeline drew its rows again; with ``--compose`` a last line times
an edit (the picture-in-picture moved: GUI thread, new frame on screen, timeline rows rebuilt)
against a full refresh of every view. Under Xvfb for the real xcb platform:
``QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" python bench/preview.py --compose``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0, help="playback time to measure")
    ap.add_argument("--duration", type=float, default=6.0, help="length of the generated 1080p clip")
    ap.add_argument("--full", action="store_true", help="preview at full size (no proxy)")
    ap.add_argument("--rounds", type=int, default=1, help="export rounds (each: thread, then process)")
    ap.add_argument("--no-playback", action="store_true", help="only measure the export stalls")
    ap.add_argument("--compose", action="store_true",
                    help="a 1080p base + 720p picture-in-picture + title + music composition")
    ap.add_argument("--profile", default=None, help="write a cProfile of the render thread here")
    ap.add_argument("--no-timeline", action="store_true",
                    help="hide the timeline (measures the preview alone, without its per-frame repaint)")
    ap.add_argument("--switch-interval", type=float, default=None,
                    help="sys.setswitchinterval override in seconds (the app sets gui.app.SWITCH_INTERVAL)")
    args = ap.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    tmp = Path(tempfile.mkdtemp(prefix="t2v-bench-preview-"))
    os.environ["T2V_AUTOSAVE_DIR"] = str(tmp / "autosave")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from t2v_desktop.gui import core
    from t2v_desktop.gui.main_window import MainWindow
    from t2v_desktop.media.synth import make_test_clip
    from t2v_desktop.project.model import AppliedOp

    clip = tmp / "bench-1080p.mp4"
    t0 = time.monotonic()
    make_test_clip(clip, width=1920, height=1080, fps=30, duration=args.duration, crf=23)
    print(f"generated {clip.name} (1920x1080, 30 fps, {args.duration:g} s) in {time.monotonic() - t0:.1f} s")
    if args.profile:
        profile_render_thread(args.profile)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    win = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.IniFormat))
    win.resize(1440, 900)
    win.show()
    if args.full:
        core.preview_scale_for = lambda w, h, max_pixels=0: 1.0
    if args.compose:
        proj = tmp / "compose.t2v"
        compose_project(clip, tmp, args.duration).save(proj)
        win.open_project(str(proj))
        print(f"composition: {', '.join(f'{t.kind} {t.name}' for t in win.project.tracks)}")
    else:
        win.open_media(str(clip))
        c = win.project.all_clips()[0]
        c.ops.append(AppliedOp("temperature", {"amount": 0.3}))
        win.refresh()
    p = win.preview
    if args.no_timeline:
        win.timeline.hide()

    def spin(cond, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and not cond():
            app.processEvents()
            time.sleep(0.002)

    spin(lambda: p.frame is not None, 30)
    print(f"preview {p.frame.shape[1]}x{p.frame.shape[0]} (proxy {p.scale:g}x)")
    if not args.no_playback:
        playback(p, args, spin)
    if args.compose and not args.no_playback:
        playback_during_export(win, p, args, spin, tmp / "bench-export-during-play.mp4")
    if args.compose:
        edit_cost(win, p, spin)

    # -- event-loop stall during an export ------------------------------------------------------
    if args.rounds <= 0:
        win.undo_stack.setClean()
        win.close()
        return 0
    results = {m: [] for m in MODES}
    for r in range(args.rounds):
        for mode in (MODES if r % 2 == 0 else MODES[::-1]):  # alternate the order: load drifts
            res = export_stall(win, tmp / f"bench-export-{mode}-{r}.mp4", mode, spin)
            if res is None:
                return 1
            results[mode].append(res)
            frames, took, ticks, worst, p99, cpu = res
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            print(f"{mode:14s}: {frames} frames in {took:.1f} s, GUI process CPU {cpu:.1f} s; {ticks} ticks, "
                  f"worst lateness {worst:.0f} ms, p99 {p99:.0f} ms; load average {load:.1f}")
    for mode, rs in results.items():
        worst = [x[3] for x in rs]
        p99 = [x[4] for x in rs]
        took = [x[1] for x in rs]
        print(f"{mode:14s}: worst {min(worst):.0f}-{max(worst):.0f} ms, p99 {min(p99):.0f}-{max(p99):.0f} ms, "
              f"export {min(took):.1f}-{max(took):.1f} s over {len(rs)} round(s)")
    win.undo_stack.setClean()
    win.close()
    return 0


def playback(p, args, spin, label: str = "playback") -> None:
    """Play from 0 for --seconds; print displayed fps, dropped frames and the event loop's worst
    lateness (a 10 ms timer) with the load average."""
    from PySide6.QtCore import Qt, QTimer

    lateness = []
    last = [time.monotonic()]

    drops = []  # (seconds since play, dropped so far): where in the run frames were dropped

    first = []  # when the first frame after the one paused on was shown (the pre-roll's end)

    def tick():
        now = time.monotonic()
        lateness.append(now - last[0] - 0.010)
        last[0] = now
        if not drops or drops[-1][1] != p.dropped:
            drops.append((now - start, p.dropped))
        if not first and p.displayed:
            first.append(now - start)

    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(tick)
    p.seek(0)
    spin(lambda: p.shown_index == 0, 10)
    c0 = time.process_time()
    tl = p.window().timeline if hasattr(p.window(), "timeline") else None
    static0 = tl.static_paints if tl is not None else 0
    start = time.monotonic()
    p.play()
    start = last[0] = time.monotonic()
    timer.start()
    secs = min(args.seconds, args.duration - 0.2)
    spin(lambda: time.monotonic() - start >= secs or not p.rate, secs + 5)
    elapsed = time.monotonic() - start
    timer.stop()
    shown, dropped = p.displayed, p.dropped
    cpu = time.process_time() - c0
    p.pause()
    lat = sorted(lateness) or [0.0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{label}: {elapsed:.2f} s, displayed {shown} frames ({shown / elapsed:.1f} fps), dropped {dropped} "
          f"({100 * dropped / max(1, shown + dropped):.1f}%), worst stall {lat[-1] * 1000:.0f} ms, "
          f"p99 {lat[int(0.99 * (len(lat) - 1))] * 1000:.0f} ms, GUI process CPU {cpu:.1f} s; "
          f"load average {load:.1f} (goal >= 30 fps, <= 2% dropped, stall <= 100 ms)")
    if tl is not None and tl.isVisible():
        print(f"  timeline: rows drawn again {tl.static_paints - static0}x during playback (the playhead "
              "strips come from its cached picture)")
    if first:  # the rate once playing: the pre-roll (first frame held until a few are ready) excluded
        print(f"  start latency {first[0] * 1000:.0f} ms (pre-roll), then {(shown - 1) / max(1e-6, elapsed - first[0]):.1f} fps")
    if dropped:
        print("  dropped by then: " + ", ".join(f"{t:.2f} s: {n}" for t, n in drops if n)[:300])


def playback_during_export(win, p, args, spin, out: Path) -> None:
    """The same playback while the export dialog's default (a child process) exports the project."""
    from t2v_desktop.gui.export_dialog import ExportDialog

    dlg = ExportDialog(lambda: win.project, win.jobs, win, str(out))
    dlg.set_preset("h264")
    dlg.show()
    job = dlg.start()
    spin(lambda: job.state == "running", 10)
    playback(p, args, spin, "playback during export")
    spin(lambda: job.state in ("done", "failed", "cancelled"), 600)
    dlg.close()
    print(f"  (the export {job.state} {time.monotonic() - job.started_at:.1f} s after it started)")


def edit_cost(win, p, spin, n: int = 5) -> None:
    """A picture-in-picture moved (one SetTransform, as a handle drag does), paused: the GUI
    thread's time for the edit and until the moved frame is on screen, against a full refresh of
    every view (what every edit cost before the typed model events), and timeline row rebuilds."""
    import dataclasses

    pip = win.project.tracks[1].items[0]
    light, shown, full = [], [], []
    rows = win.timeline.row_builds
    for k in range(n):
        tf = dataclasses.replace(pip.transform, x=0.97 - 0.05 * ((k % 2) + 1))
        t0 = time.perf_counter()
        win.set_clip_transform(pip.id, tf)
        light.append(time.perf_counter() - t0)
        spin(lambda: p.shown_index is not None, 10)  # None until the re-rendered frame is shown
        shown.append(time.perf_counter() - t0)
        pip = win.project.tracks[1].items[0]
    light_rows = win.timeline.row_builds - rows
    full_shown = []
    for _k in range(n):
        t0 = time.perf_counter()
        win.refresh()
        full.append(time.perf_counter() - t0)
        spin(lambda: p.shown_index is not None, 10)
        full_shown.append(time.perf_counter() - t0)
    med = lambda xs: sorted(xs)[len(xs) // 2] * 1000  # noqa: E731
    print(f"edit (move the PIP, paused): GUI thread {med(light):.1f} ms (median of {n}), new frame on screen "
          f"after {med(shown):.0f} ms, timeline rows rebuilt {light_rows}x; a full refresh of every view: "
          f"{med(full):.1f} ms, its frame after {med(full_shown):.0f} ms (the render thread keeps its decoders in both)")


def compose_project(base: Path, tmp: Path, duration: float):
    """1080p base + 720p picture-in-picture (a third of the width, top right) + a boxed title over
    the lower third + a music track."""
    from t2v_desktop.media.synth import make_test_clip
    from t2v_desktop.project.model import Clip, Project, TitleSource, Track, Transform
    from t2v_desktop.project.sources import TitleStyle

    pip = make_test_clip(tmp / "bench-720p.mp4", width=1280, height=720, fps=30, duration=duration, crf=23,
                         pattern="gradient", tone_hz=660.0)
    music = make_test_clip(tmp / "bench-music.m4a", video=False, duration=duration, tone_hz=220.0)
    title = TitleSource("t2v-desktop bench", TitleStyle(size=72, box=True, y=0.82))
    return Project(tracks=[
        Track(name="base", items=[Clip(str(base))]),
        Track(name="pip", items=[Clip(str(pip), transform=Transform(
            x=0.97, y=0.05, anchor_x=1.0, anchor_y=0.0, scale=0.33))]),
        Track(name="title", items=[Clip(title, out_point=duration)]),
        Track(kind="audio", name="music", role="music", items=[Clip(str(music))]),
    ], width=1920, height=1080)


def profile_render_thread(out: str) -> None:
    """Run the preview's render thread under cProfile (stats written to ``out`` when it ends)."""
    import cProfile

    from t2v_desktop.gui import preview

    orig = preview.FrameWorker._run

    def run(self):
        prof = cProfile.Profile()
        try:
            prof.runcall(orig, self)
        finally:
            prof.dump_stats(out)
            print(f"render-thread profile written to {out}")

    preview.FrameWorker._run = run


#: thread: in the GUI process (the fallback); process: the default child at low priority;
#: process-normal: the child at normal priority; idle: no export, the timer alone for 8 s (how
#: much of the lateness the machine's own load causes).
MODES = ("idle", "thread", "process-normal", "process")


def export_stall(win, out: Path, mode: str, spin):
    """(frames, seconds, ticks, worst ms, p99 ms, GUI process CPU s) of one export while a 10 ms
    timer runs."""
    from PySide6.QtCore import Qt, QTimer

    from t2v_desktop.gui.export_dialog import ExportDialog

    lateness = []
    last = [time.monotonic()]

    def tick():
        now = time.monotonic()
        lateness.append(now - last[0] - 0.010)
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(tick)
    dlg = ExportDialog(lambda: win.project, win.jobs, win, str(out))
    dlg.use_process = mode.startswith("process")
    dlg.low_priority = mode == "process"
    dlg.set_preset("h264")
    dlg.show()
    spin(lambda: False, 0.2)
    last[0] = time.monotonic()
    timer.start()
    t0, c0 = time.monotonic(), time.process_time()
    if mode == "idle":
        spin(lambda: False, 8.0)
        timer.stop()
        lat = sorted(lateness)
        return (0, time.monotonic() - t0, len(lat), lat[-1] * 1000, lat[int(0.99 * (len(lat) - 1))] * 1000,
                time.process_time() - c0)
    job = dlg.start()
    spin(lambda: job.state in ("done", "failed", "cancelled"), 600)
    timer.stop()
    took = time.monotonic() - t0
    dlg.close()
    if job.state != "done":
        print(f"export {job.state}: {job.error}")
        return None
    if dlg.use_process and getattr(job, "fallback_job", None) is not None:
        print("note: the export process could not start; this 'process' round ran in a thread")
    lat = sorted(lateness)
    worst = lat[-1] * 1000 if lat else 0.0
    p99 = lat[int(0.99 * (len(lat) - 1))] * 1000 if lat else 0.0
    return job.result.frames, took, len(lat), worst, p99, time.process_time() - c0


if __name__ == "__main__":
    sys.exit(main())
