"""The command line's script-to-video subcommand: from-script (text -> an edited project and a video).

Kept out of cli.py so that the area owns its command; cli.py adds NAMES to its list, calls
add_parsers() while building its parser and dispatches through HANDLERS.
"""

from __future__ import annotations

from typing import Callable, Dict, Tuple

NAMES: Tuple[str, ...] = ()


def add_parsers(sub) -> None:
    """Add this area's subcommands to the ``t2v-desktop`` parser's subparsers."""


HANDLERS: Dict[str, Callable] = {}
