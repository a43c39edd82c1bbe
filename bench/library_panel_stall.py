"""Does searching the library stall the editor? The Library panel searches a generated library of N
shots (bench/search.py's rows) while a 5 ms GUI timer measures the longest gap of the event loop.

Reference: the same searches run directly on the GUI thread (what the panel avoids), timed the same
way, so the ratio shows what the worker thread buys. Run:
  QT_QPA_PLATFORM=offscreen .venv/bin/python bench/library_panel_stall.py [--shots 100000]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QUERIES = ["beach market", "says 'welcome'", "red car at night", "text 'SALE'", "blue"]


def _bench_search():
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def measure(app, panel, on_gui_thread: bool) -> tuple:
    from PySide6.QtCore import QTimer

    from t2v_desktop.gui.library_panel import search_everything

    gaps, last, done = [], [time.perf_counter()], []

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()

    def run(i=0):
        if i == len(QUERIES):
            app.quit()
            return
        t0 = time.perf_counter()
        if on_gui_thread:
            search_everything(panel.library_path, QUERIES[i], {})
            done.append((time.perf_counter() - t0) * 1000)
            QTimer.singleShot(20, lambda: run(i + 1))
            return
        k = panel.searches
        panel.search(QUERIES[i])

        def wait():
            if panel.searches > k:
                done.append((time.perf_counter() - t0) * 1000)
                QTimer.singleShot(20, lambda: run(i + 1))
            else:
                QTimer.singleShot(2, wait)
        wait()

    QTimer.singleShot(100, run)
    app.exec()
    timer.stop()
    g = np.array(gaps[3:]) * 1000
    return float(g.max()), float(np.percentile(g, 99)), done


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shots", type=int, default=100_000)
    a = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from t2v_desktop.gui.library_panel import LibraryPanel
    from t2v_desktop.library.db import open_library

    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "library.sqlite"
        _bench_search().build(db, a.shots, random.Random(7))
        open_library(db).close()  # the app's schema on top of the bench rows
        panel = LibraryPanel(library_path=db)
        panel.show()
        measure(app, panel, on_gui_thread=False)  # a first round warms the caches (db pages, imports)
        worker = measure(app, panel, on_gui_thread=False)
        direct = measure(app, panel, on_gui_thread=True)
        panel.shutdown()
    print(f"{a.shots} shots, queries {QUERIES}")
    print(f"  panel (worker thread): longest GUI gap {worker[0]:6.1f} ms, p99 {worker[1]:5.1f} ms; "
          f"rows on screen after {', '.join(f'{x:.0f}' for x in worker[2])} ms")
    print(f"  on the GUI thread    : longest GUI gap {direct[0]:6.1f} ms, p99 {direct[1]:5.1f} ms; "
          f"searches took {', '.join(f'{x:.0f}' for x in direct[2])} ms")
    print(f"  longest stall: {direct[0] / max(worker[0], 1e-9):.1f}x shorter with the worker thread")
    return 0


if __name__ == "__main__":
    sys.exit(main())
