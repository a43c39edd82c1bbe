"""The command line's library subcommands: library add|status|reindex, search.

Kept out of cli.py so that each area owns its commands; cli.py adds NAMES to its list, calls
add_parsers() while building its parser and dispatches through HANDLERS. Heavy imports stay inside
the handlers.
"""

from __future__ import annotations

from typing import Callable, Dict, Tuple

NAMES: Tuple[str, ...] = ()
HANDLERS: Dict[str, Callable] = {}


def add_parsers(sub) -> None:
    """Add this area's subcommands to the ``t2v-desktop`` parser's subparsers."""
