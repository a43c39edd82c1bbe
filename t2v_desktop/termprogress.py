"""A terminal progress bar for the CLI, fed by the core's ``progress(done, total, message)``.

On a TTY it redraws one line in place (bar, percent, speed, ETA). Elsewhere (pipes, CI logs) it
prints a plain line at most every ``every`` percent, so logs stay short and readable.
"""

from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


class TermProgress:
    """Callable as a jobs.ProgressFn. Call ``finish()`` once the work is done."""

    def __init__(self, stream: Optional[TextIO] = None, *, width: int = 30, every: float = 10.0,
                 unit: str = "frames", min_interval: float = 0.1):
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.every = every
        self.unit = unit
        self.min_interval = min_interval
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._last_pct_printed = -1e9
        self._message = ""
        self._drawn = False

    def __call__(self, done: float, total: float, message: str = "") -> None:
        now = time.monotonic()
        if message != self._message:  # a new phase restarts the clock and the line
            if self._drawn and self.tty:
                self.stream.write("\n")
            self._message = message
            self._start = now
            self._last_pct_printed = -1e9
        pct = 100.0 * done / total if total else 0.0
        if self.tty:
            if now - self._last_draw < self.min_interval and done < total:
                return
            self._last_draw = now
            self.stream.write("\r" + self.line(done, total, message, now - self._start) + "\x1b[K")
            self.stream.flush()
            self._drawn = True
        elif total and (pct - self._last_pct_printed >= self.every or (done >= total > 0 and pct != self._last_pct_printed)):
            self._last_pct_printed = pct
            self.stream.write(f"{message or 'Working'}: {pct:.0f}% ({_num(done)}/{_num(total)} {self.unit})\n")
            self.stream.flush()

    def line(self, done: float, total: float, message: str, elapsed: float) -> str:
        """The bar as text (separate for tests)."""
        label = message or "Working"
        if not total:
            return f"{label}: {_num(done)} {self.unit}"
        frac = min(1.0, max(0.0, done / total))
        fill = int(round(frac * self.width))
        bar = "#" * fill + "-" * (self.width - fill)
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else None
        tail = f" {rate:.1f} {self.unit}/s" if rate else ""
        if eta is not None and done < total:
            tail += f", {_clock(eta)} left"
        return f"{label} [{bar}] {frac * 100:5.1f}%{tail}"

    def finish(self) -> None:
        """End the in-place line so later output starts on a fresh one."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
