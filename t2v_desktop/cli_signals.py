"""Ctrl-C and SIGTERM for long command-line work: the first one cancels through a CancelToken (the
work removes its temp files and the command exits 130 / 143), a second one aborts. Shared by
cli.py and the area modules (cli_speech.py) that sit below it.
"""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from typing import Iterator, List, Optional

from .jobs import CancelToken

#: The signal that stopped the current command (SIGINT or SIGTERM), for the exit code and message.
stop_signal: List[Optional[int]] = [None]


@contextmanager
def sigint_cancels(token: CancelToken) -> Iterator[None]:
    """First Ctrl-C or SIGTERM cancels the work cleanly (temp file removed, exit 130 / 143); a second
    one aborts."""

    def handler(signum, frame):
        stop_signal[0] = signum
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()
        print("\ncancelling..." if signum == signal.SIGINT else "\nterminating (SIGTERM)...", file=sys.stderr)

    old = {}
    try:  # SIGTERM (kill, systemd, a closing terminal's session) cancels exactly like Ctrl-C
        for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
            if sig is not None:
                old[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread (embedded use): Ctrl-C behaves as usual
        yield
        return
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)
