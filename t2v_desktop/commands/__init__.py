"""Text in, plan out: ``parse(text, context) -> Plan`` or raises ParseError."""

from .plan import CLASSIC, GENERATIVE, MIXED, ParseError, Plan, RangeSpec, Step, TimeRef  # noqa: F401


def parse(text: str, context=None):
    """Parse a command-bar instruction into a Plan (see commands/parser.py)."""
    from .parser import parse as _parse

    return _parse(text, context)
