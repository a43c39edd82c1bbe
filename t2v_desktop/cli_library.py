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
    a = ls.add_parser("add", help="add a folder (indexed now, remembered for reindex) or one video file")
    a.add_argument("folder", help="a folder of footage, or a single video file")
    ls.add_parser("status", help="files, shots, errors and what is missing")
    ls.add_parser("reindex", help="re-scan every added folder: changed, moved and deleted files")


def cmd_library(args) -> int:
    import json
    import sys
    from pathlib import Path

    from .errors import T2VError
    from .library.db import LibraryError, open_library
    from .library.indexer import add_folder, find_tools

    lib = open_library(args.library) if args.library else open_library()
    c = lib.conn
    row = c.execute("SELECT value FROM meta WHERE key='folders'").fetchone()
    folders = json.loads(row[0]) if row else []

    def progress(done, total, msg):
        print(f"\r[{done}/{total}] {msg[-60:]:<60}", end="", file=sys.stderr, flush=True)

    if args.library_cmd == "status":
        for line in status_lines(lib, folders):
            print(line)
        return 0
    if args.library_cmd == "add" and Path(args.folder).is_file():
        from .library.indexer import add_file

        fid = add_file(lib, args.folder, progress=lambda d, t, m: progress(round(100 * d), 100, m))
        _refresh_vectors(c)
        n = c.execute("SELECT count(*) FROM shots WHERE file_id = ?", (fid,)).fetchone()[0]
        print(f"\nindexed {Path(args.folder).resolve()}: {n} shots", file=sys.stderr)
        return 0
    if args.library_cmd == "add":
        f = str(Path(args.folder).expanduser().resolve())
        if not Path(f).is_dir():
            raise T2VError(f"{f} is neither a folder nor a file; pass a folder of video files or one video.")
        todo = [f]
        if f not in folders:
            folders.append(f)
        with c:
            c.execute("INSERT OR REPLACE INTO meta VALUES('folders', ?)", (json.dumps(folders),))
    else:
        todo = folders
    from .cli_signals import sigint_cancels
    from .jobs import CancelToken

    tools = find_tools()
    failed = 0
    cancel = CancelToken()
    with sigint_cancels(cancel):
        for f in todo:
            try:
                msgs = add_folder(lib, f, progress, cancel, tools=tools)
            except LibraryError:
                raise  # a full disk stops everything, with one message
            except (T2VError, OSError) as exc:  # a vanished/unreadable folder: say so, go on
                print(f"\n{exc}", file=sys.stderr)
                failed += 1
                continue
            for m in msgs:
                print(f"\n{m}", file=sys.stderr)
            if cancel.cancelled:
                break
    if not cancel.cancelled:
        _refresh_vectors(c)
    print("", file=sys.stderr)
    if cancel.cancelled:
        print("cancelled; finished files are kept, run `t2v-desktop library reindex` to continue", file=sys.stderr)
        return 130
    for line in _missing(tools):
        print(line, file=sys.stderr)
    return 1 if failed else 0


def _refresh_vectors(conn) -> None:
    """The new keyframes go into the vector index now, so the first search on a big library does
    not build it."""
    from .library.vectors import refresh

    refresh(conn)


def _missing(tools) -> list:
    from .library import ocr
    from .library.embed import FETCH

    out = []
    if not tools.ocr:
        out.append("missing: " + ocr.INSTALL_HINT)
    if tools.model is None:
        out.append(f"missing: semantic search is off (no local CLIP/SigLIP model); fetch one with `{FETCH}`")
    return out


def status_lines(lib, folders) -> list:
    """What ``library status`` prints: counts, shots by kind, errors, folders, what is off and why."""
    from .library import ocr
    from .library.embed import FETCH, EmbeddingModelMissing, find_model_folder

    c = lib.conn
    n = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
         for t in ("files", "shots", "keyframes", "words", "ocr", "embeddings")}
    errs = c.execute("SELECT path, error FROM files WHERE status='error'").fetchall()
    kinds = dict(c.execute("SELECT kind, count(*) FROM shots GROUP BY kind").fetchall())
    out = [f"library {lib.path}: {n['files']} files, {n['shots']} shots ({kinds.get('cut', 0)} hard cuts, "
           f"{kinds.get('fade', 0)} fades, {kinds.get('dissolve', 0)} dissolves), {n['keyframes']} keyframes, "
           f"{n['words']} spoken words, {n['ocr']} on-screen texts, {n['embeddings']} embeddings, "
           f"{len(errs)} errors"]
    out += [f"  error: {pth}: {e}" for pth, e in errs]
    out.append("folders: " + (", ".join(folders) or "none (t2v-desktop library add DIR)"))
    out.append("thumbnails: " + str(lib.thumbs_dir))
    if ocr.available():
        out.append("OCR: on (tesseract)")
        behind = c.execute("SELECT count(*) FROM files WHERE status='ok' AND "
                           "instr(' ' || coalesce(stages, '') || ' ', ' ocr ') = 0").fetchone()[0]
        if behind:
            out.append(f"  {behind} files were indexed without OCR; `t2v-desktop library reindex` reads their text")
    else:
        out.append("OCR: off: " + ocr.INSTALL_HINT)
    try:
        out.append(f"semantic search: on ({find_model_folder()})")
    except EmbeddingModelMissing as exc:
        out.append(f"semantic search: off: no CLIP/SigLIP model in {exc.where}; fetch one with `{FETCH}`")
    return out


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
        from .library.db import default_path, open_library
    except ImportError as exc:
        raise T2VError("The media library is not available in this build; run `t2v-desktop library add DIR` "
                       "once it is.") from exc
    from pathlib import Path

    path = Path(args.library) if args.library else default_path()
    notes: list = []
    hits: list = []
    if not path.exists():  # asking must not create an empty database
        notes.append("The media library is empty. Add footage with: t2v-desktop library add DIR")
    else:
        lib = open_library(path)
        try:
            if lib.conn.execute("SELECT count(*) FROM shots").fetchone()[0] == 0:
                notes.append("The media library is empty. Add footage with: t2v-desktop library add DIR")
            else:
                hits = search(lib, args.query, limit=args.limit, notes=notes)
        finally:
            lib.close()
    if args.json:
        print(json.dumps({"query": args.query, "hits": [h.to_json() for h in hits], "notes": notes}, indent=2))
        return 0
    for h in hits:
        print(f"{h.path}  {clock(h.start)}-{clock(h.end)}  {h.score:.2f}  " + "; ".join(h.reasons))
    if not hits and path.exists():
        print(f"No shot matches '{args.query}'.", file=sys.stderr)
    for n in notes:
        print(n, file=sys.stderr)
    return 0


HANDLERS: Dict[str, Callable] = {"library": cmd_library, "search": cmd_search}
