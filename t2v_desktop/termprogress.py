"""A terminal progress bar for the CLI, fed by the core's ``progress(done, total, message)``.

On a TTY it redraws one line in place (phase, bar, percent, speed, ETA). Elsewhere (pipes, CI
logs) it prints a plain line per phase at most every ``every`` percent, so logs stay short.
Phases (messages) may interleave (an analysis reports two at once): each keeps its own clock
and its own last printed percent.
"""

from __future__ import annotations

import sys
import time
from typing import Dict, Optional, TextIO


class TermProgress:
    """Callable as a jobs.ProgressFn. Call ``finish()`` once the work is done."""

    def __init__(self, stream: Optional[TextIO] = None, *, width: int = 30, every: float = 10.0,
                 min_interval: float = 0.1):
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.every = every
        self.min_interval = min_interval
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._starts: Dict[str, float] = {}
        self._printed: Dict[str, float] = {}
        self._last_draw = 0.0
        self._drawn = False

    def __call__(self, done: float, total: float, message: str = "") -> None:
        now = time.monotonic()
        start = self._starts.setdefault(message, now)
        pct = 100.0 * done / total if total else 0.0
        if self.tty:
            if now - self._last_draw < self.min_interval and done < total:
                return
            self._last_draw = now
            self.stream.write("\r" + self.line(done, total, message, now - start) + "\x1b[K")
            self.stream.flush()
            self._drawn = True
            return
        last = self._printed.get(message)
        finished = total and done >= total
        if total and (last is None or pct - last >= self.every or (finished and last < 100.0)):
            self._printed[message] = pct
            self.stream.write(f"{message or 'Working'}: {pct:.0f}%{_counts(done, total)}\n")
            self.stream.flush()

    def line(self, done: float, total: float, message: str, elapsed: float) -> str:
        """The bar as text (separate for tests)."""
        label = message or "Working"
        if not total:
            return f"{label}: {_num(done)}"
        frac = min(1.0, max(0.0, done / total))
        fill = int(round(frac * self.width))
        bar = "#" * fill + "-" * (self.width - fill)
        tail = _counts(done, total)
        rate = done / elapsed if elapsed > 0 else 0.0
        if rate > 0 and done < total:
            tail += f", {_clock((total - done) / rate)} left"
        return f"{label} [{bar}] {frac * 100:5.1f}%{tail}"

    def finish(self) -> None:
        """End the in-place line so later output starts on a fresh one."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def _counts(done: float, total: float) -> str:
    """" (18/180)" for whole-number totals above 1 (frames); nothing for fractions."""
    if total > 1 and float(total).is_integer() and float(done).is_integer():
        return f" ({int(done)}/{int(total)})"
    return ""


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
