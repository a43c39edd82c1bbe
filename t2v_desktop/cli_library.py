"""The command line's library subcommands: library add|status|reindex, search.

Kept out of cli.py so that each area owns its commands; cli.py adds NAMES to its list, calls
add_parsers() while building its parser and dispatches through HANDLERS. Heavy imports stay inside
the handlers.
"""

from __future__ import annotations

from typing import Callable, Dict, Tuple

NAMES: Tuple[str, ...] = ("search",)


def add_parsers(sub) -> None:
    """Add this area's subcommands to the ``t2v-desktop`` parser's subparsers."""
    add_search_parser(sub)


# -- search (H12b) -------------------------------------------------------------------------------


def add_search_parser(sub) -> None:
    s = sub.add_parser("search", help="find shots in the media library by what they say, show or read",
                       description="Rank the library's shots against a query: spoken words (says 'x'), "
                                   "on-screen text (text 'x'), colour/brightness/motion words and, with a "
                                   "local CLIP/SigLIP model, what the picture looks like.")
    s.add_argument("query", help='e.g. "red car at night", "says \'welcome\'", "text \'SALE\'"')
    s.add_argument("--json", action="store_true", help="print the hits as JSON")
    s.add_argument("--limit", type=int, default=20, help="at most this many hits (default 20)")
    s.add_argument("--library", help="library database file (default: the one in the user data folder)")


def cmd_search(args) -> int:
    import json
    import sys

    from .errors import T2VError
    from .library.search import clock, search

    try:
        from .library.db import open_library
    except ImportError as exc:
        raise T2VError("The media library is not available in this build; run `t2v-desktop library add DIR` "
                       "once it is.") from exc
    lib = open_library(args.library) if args.library else open_library()
    notes: list = []
    hits = search(lib, args.query, limit=args.limit, notes=notes)
    if args.json:
        print(json.dumps({"query": args.query, "hits": [h.to_json() for h in hits], "notes": notes}, indent=2))
        return 0
    for h in hits:
        print(f"{h.path}  {clock(h.start)}-{clock(h.end)}  {h.score:.2f}  " + "; ".join(h.reasons))
    if not hits:
        print("No shots matched.", file=sys.stderr)
    for n in notes:
        print(n, file=sys.stderr)
    return 0


HANDLERS: Dict[str, Callable] = {"search": cmd_search}
