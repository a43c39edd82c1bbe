"""The command line's speech-editing subcommand: find-speech (where a word or phrase is said).

The cuts themselves ("remove the silences", "cut pauses longer than 0.7 s", "remove the filler
words", "cut the part where I say '...'") are ordinary commands for ``apply``; this one only looks,
so it exports nothing. Kept out of cli.py so that the area owns its command; cli.py adds NAMES to its
list, calls add_parsers() while building its parser and dispatches through HANDLERS.

    t2v-desktop find-speech talk.mp4 hurricane
    t2v-desktop find-speech talk.mp4 "let me start again" --json
    t2v-desktop find-speech talk.mp4 hurricane --script talk.txt   # exact times of a known script
"""

from __future__ import annotations

import json
import sys
from typing import Callable, Dict, Tuple

NAMES: Tuple[str, ...] = ("find-speech",)


def add_parsers(sub) -> None:
    """Add this area's subcommands to the ``t2v-desktop`` parser's subparsers."""
    f = sub.add_parser("find-speech", help="print where a word or phrase is said in a video or recording",
                       description="Recognise the speech (cached) and print every place the phrase is said, "
                                   "fuzzy-matched, with its start and end time.")
    f.add_argument("input", help="a video or audio file")
    f.add_argument("phrase", help="the word or words to find")
    f.add_argument("--script", metavar="SCRIPT.txt",
                   help="the text that is spoken: align it to the sound instead of recognising (exact times)")
    f.add_argument("--json", action="store_true", help="the hits as JSON")


def cmd_find_speech(args) -> int:
    from .cli_signals import sigint_cancels
    from .commands import cut_commands
    from .commands.compose_apply import ComposeState, compose_commands
    from .errors import T2VError
    from .jobs import CancelToken
    from .media.info import probe
    from .project.model import Project
    from .termprogress import TermProgress

    probe(args.input)  # a missing or broken file: its one-line message first
    saved = cut_commands.TRANSCRIBE
    if args.script:
        from .speech.align import align

        try:
            with open(args.script, encoding="utf-8") as fh:
                script = fh.read()
        except OSError as e:
            raise T2VError(f"Cannot read {args.script}: {e.strerror or e}.") from None

        def transcribe(path, *, progress=None, cancel=None, **kw):
            return align(path, script, progress=progress or (lambda *a: None), cancel=cancel)

        cut_commands.TRANSCRIBE = transcribe
    bar = TermProgress(sys.stderr)
    token = CancelToken()
    step = cut_commands.FindSpeech(phrase=args.phrase, text=f"find '{args.phrase}'", none_ok=args.json)
    try:
        state = ComposeState(Project.from_media(args.input))
        state.progress, state.cancel = bar, token
        with sigint_cancels(token):
            compose_commands(step, state)
    finally:
        bar.finish()
        cut_commands.TRANSCRIBE = saved
    hits = step.hits
    if args.json:
        print(json.dumps({"phrase": args.phrase, "hits": [h.to_json() for h in hits]}, indent=2))
        return 0
    for h in hits:
        print(f"{_fmt(h.start)}  {_fmt(h.end)}  {h.text}" + (f"  ({h.score:.2f})" if h.score < 0.999 else ""))
    return 0


def _fmt(t: float) -> str:
    m, s = divmod(max(t, 0.0), 60)
    return f"{int(m)}:{s:06.3f}"


HANDLERS: Dict[str, Callable] = {"find-speech": cmd_find_speech}
