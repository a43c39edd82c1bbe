"""The command line's library subcommands: library add|status|reindex, search.

Kept out of cli.py so that each area owns its commands; cli.py adds NAMES to its list, calls
add_parsers() while building its parser and dispatches through HANDLERS. Heavy imports stay inside
the handlers.
"""

from __future__ import annotations

from typing import Callable, Dict, Tuple

NAMES: Tuple[str, ...] = ("library", "search")


def add_parsers(sub) -> None:
    """Add this area's subcommands to the ``t2v-desktop`` parser's subparsers."""
    add_library_parser(sub)
    add_search_parser(sub)


# -- library (H12a) ------------------------------------------------------------------------------


def add_library_parser(sub) -> None:
    p = sub.add_parser("library", help="index folders of footage into the media library")
    p.add_argument("--library", help="library database file (default: the one in the user data folder)")
    ls = p.add_subparsers(dest="library_cmd", required=True)
    a = ls.add_parser("add", help="add a folder (indexed now, remembered for reindex)")
    a.add_argument("folder")
    ls.add_parser("status", help="files, shots, errors and what is missing")
    ls.add_parser("reindex", help="re-scan every added folder: changed, moved and deleted files")


def cmd_library(args) -> int:
    import json
    import shutil
    import sys
    from pathlib import Path

    from .library.db import open_library
    from .library.indexer import add_folder

    lib = open_library(args.library) if args.library else open_library()
    c = lib.conn
    row = c.execute("SELECT value FROM meta WHERE key='folders'").fetchone()
    folders = json.loads(row[0]) if row else []

    def progress(done, total, msg):
        print(f"\r[{done}/{total}] {msg[-60:]:<60}", end="", file=sys.stderr, flush=True)

    if args.library_cmd == "status":
        n = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("files", "shots", "words", "ocr", "embeddings")}
        errs = c.execute("SELECT path, error FROM files WHERE status='error'").fetchall()
        print(f"library {lib.path}: {n['files']} files, {n['shots']} shots, {n['words']} words, "
              f"{n['ocr']} on-screen texts, {n['embeddings']} embeddings, {len(errs)} errors")
        for pth, e in errs:
            print(f"  error: {pth}: {e}")
        print("folders: " + (", ".join(folders) or "none (t2v-desktop library add DIR)"))
        if not shutil.which("tesseract"):
            print("missing: tesseract (on-screen text); install the tesseract-ocr package")
        return 0
    if args.library_cmd == "add":
        f = str(Path(args.folder).resolve())
        todo = [f]
        if f not in folders:
            folders.append(f)
    else:
        todo = folders
    try:
        for f in todo:
            for m in add_folder(lib, f, progress):
                print(f"\n{m}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\ncancelled; finished files are kept, run `t2v-desktop library reindex` to continue", file=sys.stderr)
        return 130
    finally:
        with c:
            c.execute("INSERT OR REPLACE INTO meta VALUES('folders', ?)", (json.dumps(folders),))
    print("", file=sys.stderr)
    return 0


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


HANDLERS: Dict[str, Callable] = {"library": cmd_library, "search": cmd_search}
