"""The command modules of each feature area, plugged into the command language in one place.

Each area module has PARSERS (functions (clause, lowered text, context) -> a ComposeStep or None,
tried before the built-in structural parsers of compose.py) and RESOLVERS (step type -> function
(step, ComposeState) -> history commands, merged into compose_apply's table), and optionally STARTS
(a regex: does a fragment after "," / "and" begin one of its commands, so "add captions and dub it
in French" splits in two), and optionally EXAMPLES (phrases the command bar offers as completions).
Listing a module here is all it takes to add an area's commands; no other file needs to know it.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from . import (
    cut_commands,
    generate_commands,
    library_commands,
    marker_commands,
    script_commands,
    speech_commands,
    voice_commands,
)

AREAS = (speech_commands, library_commands, voice_commands, cut_commands, script_commands, generate_commands,
         marker_commands)


def parsers() -> List[Callable[..., Any]]:
    return [fn for area in AREAS for fn in area.PARSERS]


def resolvers() -> Dict[type, Callable[..., list]]:
    out: Dict[type, Callable[..., list]] = {}
    for area in AREAS:
        out.update(area.RESOLVERS)
    return out


def preparers() -> Dict[type, Callable[..., None]]:
    """step type -> its slow part (speaking, translating, searching) done first (commands/prepare.py)."""
    out: Dict[type, Callable[..., None]] = {}
    for area in AREAS:
        out.update(getattr(area, "PREPARE", {}))
    return out


def starts(text: str) -> bool:
    """Does ``text`` (lower-cased, a fragment after "," / "and") begin one of the areas' commands?"""
    return any(p.match(text) for p in (getattr(area, "STARTS", None) for area in AREAS) if p is not None)


def examples() -> List[str]:
    """Every area's EXAMPLES, for the command bar's completions."""
    return [e for area in AREAS for e in getattr(area, "EXAMPLES", ())]
