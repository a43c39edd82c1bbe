"""Progress and cancellation for long work (export, analysis, diffusion).

Plain Python, no Qt: the GUI adapts these to signals, the CLI to a terminal bar.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional

from .errors import Cancelled

#: progress(done, total, message) -- total may be 0 when unknown.
ProgressFn = Callable[[float, float, str], None]


def no_progress(done: float, total: float, message: str = "") -> None:
    """Default progress sink."""


class CancelToken:
    """Thread-safe cancel flag checked by workers between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("Cancelled.")


def check(cancel: Optional[CancelToken]) -> None:
    """Raise Cancelled if ``cancel`` is set; a ``None`` token never cancels."""
    if cancel is not None:
        cancel.raise_if_cancelled()
