"""Commands of the speech area, plugged into the command language (compose.py, compose_apply.py).

PARSERS: functions (clause, lowered text, context) -> a ComposeStep or None, tried before the
built-in structural parsers. RESOLVERS: step type -> function (step, ComposeState) -> history
commands. Steps are typed data (steps.py's ComposeStep subclasses defined here). Import compose_apply
only inside functions (it imports this module).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

PARSERS: List[Callable[..., Any]] = []
RESOLVERS: Dict[type, Callable[..., list]] = {}
