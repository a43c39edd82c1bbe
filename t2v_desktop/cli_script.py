"""The command line's script-to-video subcommand: from-script (text -> an edited project and a video).

Kept out of cli.py so that the area owns its command; cli.py adds NAMES to its list, calls
add_parsers() while building its parser and dispatches through HANDLERS. Heavy imports stay inside
the handler.

    t2v-desktop from-script script.md -o out.mp4 --save-project out.t2v
    t2v-desktop from-script article.txt --article -o short.mp4 --aspect 9:16 --music bed.mp3
    t2v-desktop from-script story.txt -o story.mp4 --voiceover my-reading.wav --library ~/lib.sqlite

The plan (scenes, visual per scene, estimated length, what was trimmed or summarised and how) is
printed before anything is built; Ctrl-C cancels cleanly and nothing partial is left: the video and
the project are written only when everything succeeded, narration copies beside the project are
removed when the run that made them fails.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Callable, Dict, Tuple

NAMES: Tuple[str, ...] = ("from-script",)
DEFAULT_MAX_SECONDS = 600.0


def add_parsers(sub) -> None:
    """Add this area's subcommands to the ``t2v-desktop`` parser's subparsers."""
    p = sub.add_parser("from-script", help="turn a script (text or Markdown) or an article into an edited video",
                       description="Turn a script into an editable project and a video: each paragraph becomes "
                                   "a scene with narration (text to speech, or your recording), a visual (the "
                                   "best shot from the media library, else a colour card), captions from the "
                                   "narration's word times, transitions, a title and an end card.")
    p.add_argument("script", help="a .txt or .md file (headings become sections, paragraphs scenes)")
    p.add_argument("-o", "--output", help="the video to write (OUT.mp4, .mov, .webm, .mkv)")
    p.add_argument("--save-project", metavar="P.t2v", help="also save the editable project (narration beside it)")
    p.add_argument("--aspect", default="16:9", choices=("16:9", "9:16", "1:1", "4:5"))
    p.add_argument("--size", type=int, default=1080, help="pixels on the frame's short side (default 1080)")
    p.add_argument("--fps", type=int, default=30)
    p.add_argument("--voice", default="en", help="a language code or voice (`t2v-desktop say --list-voices`), e.g. en, "
                                                  "fr, piper:en_US-lessac-medium")
    p.add_argument("--rate", type=int, help="speaking rate in words a minute (80-450)")
    p.add_argument("--voiceover", metavar="FILE", help="your recording of the script: aligned and cut per scene "
                                                       "instead of text to speech (English)")
    p.add_argument("--music", metavar="FILE", help="music under the whole video, ducked under the voice")
    p.add_argument("--style", default="clean", help="clean, bright, news or minimal")
    p.add_argument("--background", metavar="IMAGE", help="a picture under the title and scene cards instead of colours")
    p.add_argument("--max-length", metavar="SECONDS", type=float,
                   help=f"longest narration kept, whole scenes (default {DEFAULT_MAX_SECONDS:g}; 0: no limit)")
    p.add_argument("--article", action="store_true", help="the text is an article: summarise it into a script first")
    p.add_argument("--words", type=int, default=None, help="with --article: about how many words to keep (180)")
    p.add_argument("--model", help="with --article: a local instruction-tuned language model folder or HF id "
                                   "(default: one found in the HF cache, else the extractive summary)")
    p.add_argument("--no-model", action="store_true", help="with --article: always the extractive summary")
    p.add_argument("--library", help="the media library to pick shots from (default: yours, when indexed)")
    p.add_argument("--no-library", action="store_true", help="colour cards only, no library shots")
    p.add_argument("--generate-model", metavar="MODEL", default="",
                   help="text-to-video model for scenes with no library shot (default: LTX-Video when installed)")
    p.add_argument("--no-generate", action="store_true", help="never generate clips: colour cards instead")
    p.add_argument("--captions", default="burn", choices=("burn", "soft", "none"))
    p.add_argument("--caption-look", choices=("classic", "boxed", "karaoke"),
                   help="how burned-in captions look (karaoke: the spoken word highlighted; default: the style's)")
    p.add_argument("--title", help="the title card's text (default: the script's first heading)")
    p.add_argument("-y", "--yes", action="store_true", help="overwrite OUT / the project if they exist")


def _check_target(path: Path, overwrite: bool, what: str) -> None:
    from .errors import T2VError
    from .fsutil import check_writable_dir

    check_writable_dir(path)
    if path.exists() and not overwrite:
        raise T2VError(f"{path} already exists. Pass -y (--yes) to overwrite it.")
    if path.is_dir():
        raise T2VError(f"{path} is a folder; {what} needs a file name.")


def _library(args):
    if args.no_library:
        return None
    if args.library:
        return args.library
    from .library.db import default_path

    path = default_path()
    return str(path) if path.is_file() else None


def cmd_from_script(args) -> int:
    from .cli_signals import sigint_cancels
    from .errors import T2VError
    from .jobs import CancelToken
    from .script.build import BuildOptions, build_project, plan_build
    from .script.parse import parse_script, read_text
    from .termprogress import TermProgress

    out = Path(args.output) if args.output else None
    proj = Path(args.save_project) if args.save_project else None
    if out is None and proj is None:
        raise T2VError("Say where to write the result: -o OUT.mp4 and/or --save-project P.t2v.")
    preset = None
    if out is not None:
        from .media.presets import preset_for_path

        _check_target(out, args.yes, "-o")
        preset = preset_for_path(out)
    if proj is not None:
        _check_target(proj, args.yes, "--save-project")
        if out is not None and proj.resolve() == out.resolve():
            raise T2VError("--save-project and -o name the same file; choose two names.")
    if not args.article and (args.model or args.words or args.no_model):
        raise T2VError("--model, --words and --no-model summarise an article: add --article.")
    text = read_text(args.script)
    token = CancelToken()
    bar = TermProgress(sys.stderr)
    assets = proj.with_name(proj.stem + "-assets") if proj is not None else None
    made_assets = assets is not None and not assets.exists()
    ok = False
    try:
        with sigint_cancels(token):
            if args.article:
                from .script.summarize import DEFAULT_WORDS, summarize

                summary = summarize(text, model=args.model, use_model=False if args.no_model else None,
                                    target_words=args.words or DEFAULT_WORDS, title=args.title,
                                    progress=bar, cancel=token)
                bar.finish()
                print(f"Article: {summary.describe()}")
                for note in summary.notes:
                    print(f"note: {note}")
                script = summary.script
            else:
                script = parse_script(text, title=args.title)
            limit = DEFAULT_MAX_SECONDS if args.max_length is None else args.max_length
            generator = None
            if not args.no_generate:
                from .script.build import video_generator

                generator = video_generator(args.generate_model, size=min(args.size, 512), progress=bar)
                if generator is None and args.generate_model:
                    raise T2VError(f"No text-to-video model '{args.generate_model}' here; see `t2v-desktop models` "
                                   f"or leave out --generate-model.")
            options = BuildOptions(aspect=args.aspect, size=args.size, fps=args.fps, voice=args.voice,
                                   rate_wpm=args.rate, style=args.style, music=args.music, voiceover=args.voiceover,
                                   library=_library(args), max_seconds=limit or None, captions=args.captions,
                                   generator=generator, background=args.background,
                                   caption_look=args.caption_look,
                                   assets_dir=str(assets) if assets is not None else None)
            plan = plan_build(script, options)
            print(plan.explain())
            sys.stdout.flush()
            result = build_project(plan.script, options, plan=plan, progress=bar, cancel=token)
            bar.finish()
            print(f"Length: {result.plan.length_text()}")  # the plan's line above was an estimate
            if out is not None:
                from .engine.export import export_project

                res = export_project(result.project, out, preset, progress=bar, cancel=token)
                bar.finish()
            if proj is not None:
                result.project.save(proj)
            ok = True
    finally:
        bar.finish()
        if not ok and made_assets and assets is not None and assets.is_dir():
            shutil.rmtree(assets, ignore_errors=True)
    lay_seconds = res.duration if out is not None else None
    if out is not None:
        size = out.stat().st_size if out.exists() else 0
        print(f"Wrote {out} ({res.width}x{res.height}, {res.frames} frames, {lay_seconds:.2f} s, "
              f"{size / 1e6:.1f} MB) in {res.seconds:.1f} s")
    if proj is not None:
        print(f"Saved the project {proj} ({len(result.scenes)} scene{'s' * (len(result.scenes) != 1)}; open it with `t2v-desktop {proj}`)")
    return 0


HANDLERS: Dict[str, Callable] = {"from-script": cmd_from_script}
