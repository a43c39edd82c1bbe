"""The ``t2v-desktop`` command line: the GUI launcher plus headless commands over the same core.

Every user error is one line on stderr ("error: ...") and a non-zero exit (the error's
``exit_code``: 2 for text the parser does not understand, 130 for a cancel or Ctrl-C, 143 after
SIGTERM, which cancels like Ctrl-C and removes the partial file); anything else is a
bug, logged with its traceback to the data folder and reported in one line. Nothing heavy (Qt,
torch) is imported unless the chosen command needs it.
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import List, Optional, Sequence

from . import __version__, cli_batch, cli_cuts, cli_generate, cli_library, cli_script, cli_speech
from .cli_signals import sigint_cancels as _sigint_cancels
from .cli_signals import stop_signal as _stop_signal
from .errors import Cancelled, EncodeError, T2VError, os_error_message
from .jobs import CancelToken

#: Subcommands that live in their own modules (each has NAMES, add_parsers(sub) and HANDLERS).
_MORE = (cli_speech, cli_library, cli_script, cli_generate, cli_cuts, cli_batch)
COMMANDS = ("apply", "export", "ops", "parse", "subtitles", "doctor", "models", "addons") + tuple(
    name for mod in _MORE for name in mod.NAMES)


# -- argument parsing --------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="t2v-desktop",
        description="Edit video by typing what you want. With no command, opens the editor "
                    "(with FILEs, opens those).",
        epilog='Examples:  t2v-desktop apply in.mp4 "stabilize, then make it warmer" -o out.mp4\n'
               '           t2v-desktop parse "speed up 2x from 0:05 to 0:10" --json',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"t2v-desktop {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser("apply", help="apply plain-language edits to videos and export the result",
                       usage="t2v-desktop apply [-h] IN [IN ...] COMMANDS -o OUT [--music FILE] [--preset PRESET] "
                             "[-y] [--save-project P.t2v] [--preview-keyframes DIR] [--keyframes N]",
                       epilog='e.g. t2v-desktop apply a.mp4 b.mp4 --music m.wav "crossfade between the clips over '
                              '1 second, add a title \'HELLO\' for the first 2 seconds" -o out.mp4 --save-project p.t2v')
    a.add_argument("items", metavar="IN [IN ...] COMMANDS", nargs="+",
                   help='the video(s) to edit, placed in order on the main track, then what to do, e.g. '
                        '"make it brighter, then speed up 2x"')
    a.add_argument("--music", metavar="FILE", help="a sound file on a music track under the clips (cut to their "
                   "length with a 2 s fade-out)")
    a.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write")
    a.add_argument("--preset", help="export preset (default: from OUT's extension); see docs/cli.md")
    a.add_argument("-y", "--yes", "--overwrite", dest="yes", action="store_true", help="overwrite OUT if it exists")
    a.add_argument("--save-project", metavar="P.t2v", help="also save the edit as a project file (for export and "
                   "the editor)")
    a.add_argument("--preview-keyframes", metavar="DIR",
                   help="AI edits only: render a few keyframes of each AI step into DIR as PNGs, print their "
                        "paths and stop (OUT is not written)")
    a.add_argument("--keyframes", type=int, default=3, metavar="N",
                   help="how many keyframes per AI step with --preview-keyframes (default 3)")
    a.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="render AI edits in chunks on a Ray cluster (host:6379, auto, or 'local'); default env "
                        "T2V_RAY_ADDRESS; see docs/cluster.md")

    e = sub.add_parser("export", help="export a saved project")
    e.add_argument("project", metavar="PROJECT.json")
    e.add_argument("-o", "--output", required=True, metavar="OUT")
    e.add_argument("--preset")
    e.add_argument("-y", "--yes", "--overwrite", dest="yes", action="store_true", help="overwrite OUT if it exists")

    o = sub.add_parser("ops", help="list every operation with its parameters and synonyms")
    o.add_argument("--json", action="store_true", help="machine-readable")

    st = sub.add_parser("subtitles", help="import or export a project's subtitles (.srt / .vtt)")
    ss = st.add_subparsers(dest="action", metavar="ACTION", required=True)
    se = ss.add_parser("export", help="write a subtitle track to an .srt or .vtt file")
    se.add_argument("project", metavar="PROJECT")
    se.add_argument("output", metavar="OUT.srt|OUT.vtt")
    se.add_argument("--track", type=int, default=None, metavar="N", help="which subtitle track (1 = the first)")
    se.add_argument("-y", "--yes", "--overwrite", dest="yes", action="store_true", help="overwrite OUT if it exists")
    si = ss.add_parser("import", help="add an .srt or .vtt file to a project as a subtitle track (saved in place)")
    si.add_argument("project", metavar="PROJECT")
    si.add_argument("input", metavar="IN.srt|IN.vtt")
    si.add_argument("--burn-in", action="store_true", help="draw the subtitles into the picture on export")
    si.add_argument("--language", default="und", metavar="xx", help="language code, e.g. en or eng (default und)")

    q = sub.add_parser("parse", help="show how a command is understood (nothing is applied)")
    q.add_argument("text", metavar="TEXT")
    q.add_argument("input", nargs="?", metavar="FILE", help="a clip whose duration resolves ranges to seconds")
    q.add_argument("--json", action="store_true", help='print {"route", "steps"} or {"error", "suggestions"}; '
                   "ranges are seconds with a clip, else typed relative points (docs/commands.md)")
    q.add_argument("--duration", type=float, metavar="S", help="clip length, to resolve 'the last half' etc.")

    d = sub.add_parser("doctor", help="check codecs, Qt, torch, GPU and models")
    d.add_argument("--gpu", action="store_true", help="also import torch and list CUDA/MPS devices")
    d.add_argument("--json", action="store_true")

    sub.add_parser("models", help="list the diffusion models found locally")

    ad = sub.add_parser("addons", help="install optional add-ons (the diffusion stack) into the app's folder")
    ad.add_argument("action", choices=("install", "status"))
    ad.add_argument("name", nargs="?", default="diffusion", choices=("diffusion",))
    ad.add_argument("pip_args", nargs=argparse.REMAINDER,
                    help="extra pip arguments after '--', e.g. an index URL for CUDA builds of torch")
    for mod in _MORE:
        mod.add_parsers(sub)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point (``t2v-desktop`` and ``python -m t2v_desktop``); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _stop_signal[0] = None
    old_term = None
    try:
        if argv[:1] in (["--version"], ["-h"], ["--help"]):  # needs nothing: no data folder, no add-ons
            build_parser().parse_args(argv)
        _activate_addons()
        if argv and argv[0] == "_export-job":  # hidden: the editor's export child (export_job.py)
            from .export_job import main as export_job_main

            return export_job_main(argv[1:])
        if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
            return launch_gui(argv)
        args = _parse_args(argv)
        old_term = _terminate_like_ctrl_c()
        if getattr(args, "ray", None) or os.environ.get("T2V_RAY_ADDRESS"):  # AI renders on a Ray cluster
            from .cluster import using_address

            with using_address(getattr(args, "ray", None)):
                return HANDLERS[args.command](args)
        return HANDLERS[args.command](args)
    except T2VError as err:
        if isinstance(err, Cancelled) and _stop_signal[0] == signal.SIGTERM:
            return _terminated()
        _print_error(err)
        return err.exit_code
    except KeyboardInterrupt:
        if _stop_signal[0] == signal.SIGTERM:
            return _terminated()
        print("error: interrupted; nothing was written.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `t2v-desktop ops | head`
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: one line for the user, details in the log
        if isinstance(exc, OSError) and exc.filename is not None:  # a path the OS refuses (too long...)
            print(f"error: {os_error_message(exc, exc.filename, 'use')}", file=sys.stderr)
            return 1
        return _report_bug(exc, argv)
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def _parse_args(argv: List[str]) -> argparse.Namespace:
    """argparse, except that ``apply``'s inputs and COMMANDS may sit on both sides of its options
    (``apply a.mp4 b.mp4 --music m.wav "TEXT" -o out.mp4``): argparse takes one run of positionals."""
    parser = build_parser()
    if argv[:1] != ["apply"]:
        return parser.parse_args(argv)
    args, extra = parser.parse_known_args(argv)
    unknown = [a for a in extra if a.startswith("-") and a != "-"]
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.items = list(args.items) + extra
    if len(args.items) < 2:
        parser.error("apply needs at least one input and the COMMANDS, e.g. apply in.mp4 \"make it warmer\" -o out.mp4")
    args.inputs, args.commands = args.items[:-1], args.items[-1]
    return args


#: Exit code after SIGTERM: 128 + 15, what a shell reports for a process killed by it.
EXIT_TERMINATED = 143


class _Terminated(KeyboardInterrupt):
    """SIGTERM outside an export: unwinds like Ctrl-C (``finally`` blocks remove temp files)."""


def _on_sigterm(signum, frame):
    _stop_signal[0] = signal.SIGTERM
    raise _Terminated


def _terminate_like_ctrl_c():
    """Make SIGTERM stop a command the way Ctrl-C does; returns the handler to restore (or None)."""
    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError, AttributeError):  # not the main thread, or no SIGTERM
        return None


def _terminated() -> int:
    print("terminated (SIGTERM): the partial output was removed; nothing was written.", file=sys.stderr)
    return EXIT_TERMINATED


def _activate_addons() -> None:
    """Put installed add-ons on sys.path; a data folder we cannot read costs a warning, not a crash."""
    from . import addons

    problem = addons.activate_or_explain()
    if problem:
        print(f"warning: {problem}", file=sys.stderr)


def _print_error(err: T2VError) -> None:
    if isinstance(err, Cancelled):
        print("cancelled: nothing was written.", file=sys.stderr)
        return
    print(f"error: {_one_line(str(err)) or type(err).__name__}", file=sys.stderr)
    suggestions = getattr(err, "suggestions", None)
    if suggestions:
        print("did you mean: " + "; ".join(suggestions), file=sys.stderr)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _report_bug(exc: BaseException, argv: List[str]) -> int:
    where = "the log could not be written"
    try:
        from .paths import log_dir

        log = log_dir() / "t2v-desktop.log"
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"\n--- {datetime.datetime.now().isoformat(timespec='seconds')} "
                    f"t2v-desktop {__version__} argv={argv!r}\n")
            f.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        where = f"details in {log}"
    except OSError:
        pass
    print(f"error: unexpected {type(exc).__name__}: {_one_line(str(exc))} (please report; {where})", file=sys.stderr)
    return 1


# -- GUI -----------------------------------------------------------------------------------------


def launch_gui(argv: List[str]) -> int:
    """Open the editor; FILE arguments are opened in it, other options go to the GUI's main."""
    for k, a in enumerate(argv):
        if a.startswith("-") or (k and argv[k - 1] == "--screenshot"):  # OUT.png is written, not read
            continue
        if not Path(a).exists():
            if not Path(a).suffix and os.sep not in a and "/" not in a:
                close = difflib.get_close_matches(a, COMMANDS, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise T2VError(f"Unknown command '{a}'.{hint} Commands: {', '.join(COMMANDS)} (see --help).")
            raise T2VError(f"No such file: {a}")
    if ("--self-test" not in argv and sys.platform.startswith("linux")
            and not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))):
        raise T2VError(
            "No display to open the editor on (DISPLAY/WAYLAND_DISPLAY unset). Run it in a desktop session, "
            "or use the command-line tools: t2v-desktop --help."
        )
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    for name, var in (("xcb", "DISPLAY"), ("wayland", "WAYLAND_DISPLAY")):  # Qt would abort with a core dump
        if platform == name and sys.platform.startswith("linux") and not os.environ.get(var):
            raise T2VError(f"QT_QPA_PLATFORM={name} needs a display, but {var} is not set. Run it in a desktop "
                           "session (or under xvfb-run), or unset QT_QPA_PLATFORM.")
    try:
        from .gui.app import main as gui_main
    except ImportError as e:
        if (e.name or "").startswith(("PySide6", "shiboken6")):
            raise T2VError(
                "The editor needs PySide6 (pip install PySide6-Essentials). The command-line tools work "
                "without it: t2v-desktop --help."
            ) from None
        if e.name in ("t2v_desktop.gui.app", "t2v_desktop.gui"):
            raise T2VError("This build has no GUI. Use the command-line tools: t2v-desktop --help.") from None
        raise
    code = gui_main(argv)
    return int(code or 0)


# -- apply / export ----------------------------------------------------------------------------


def cmd_apply(args) -> int:
    from .engine.export import export_project
    from .media.info import probe
    from .project.model import Project

    inputs, out = [Path(p) for p in args.inputs], Path(args.output)
    previewing = args.preview_keyframes is not None
    if previewing and args.keyframes < 1:
        raise T2VError(f"--keyframes must be at least 1 (got {args.keyframes}).")
    for inp in inputs:
        info = probe(inp)  # MediaError with a clear message for a missing/broken input, before anything else
        for note in info.notes:  # e.g. a sound track of a codec this build lacks, left out
            print(f"note: {note}", file=sys.stderr)
    extra = [_music_step(args.music)] if args.music else []
    project = Project.from_media(*[str(p) for p in inputs])
    preset = None if previewing else _check_output(project, out, args.preset, args.yes)
    if args.save_project:
        _check_project_target(Path(args.save_project), inputs + [out], args.yes)
    plan = _apply_text(project, args.commands, extra)
    print(f"Understood ({plan.route}):")
    print(plan.explain())
    from .engine.ai_preview import ai_spans, estimate_line

    spans = ai_spans(project)
    if previewing:
        return _preview_keyframes(project, spans, Path(args.preview_keyframes), args.keyframes)
    try:
        for span in spans:
            print(estimate_line(span, required=False), file=sys.stderr)
    finally:
        for span in spans:
            span.close()
    if args.save_project:
        project.save(args.save_project)
    _print_project_warnings(project)
    result = _export(export_project, project, out, preset)
    _print_result(result)
    return 0


# -- AI edits: estimate and keyframe preview (the span logic lives in engine/ai_preview.py) -------


def write_png(path: Path, rgb) -> None:
    import cv2
    import numpy as np

    from .fsutil import atomic_write_bytes

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise EncodeError(f"Could not encode {path} as PNG.")
    atomic_write_bytes(path, buf.tobytes())


def _preview_keyframes(project, spans: list, folder: Path, n: int) -> int:
    from .engine.ai_preview import estimate_line, render_keyframes
    from .termprogress import TermProgress

    try:
        if not spans:
            raise T2VError("Nothing to preview: these commands have no AI edit. Run without "
                           "--preview-keyframes to render them.")
        if folder.exists() and not folder.is_dir():
            raise T2VError(f"{folder} is a file; --preview-keyframes needs a folder.")
        lines = [estimate_line(span, required=False) for span in spans]  # a missing model fails here
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise T2VError(f"Cannot create {folder}: {e.strerror or e}.") from None
        token = CancelToken()
        for k, span in enumerate(spans, 1):
            print(lines[k - 1], file=sys.stderr)
            bar = TermProgress(sys.stderr)
            try:
                with _sigint_cancels(token):
                    frames = render_keyframes(span, n, progress=bar, cancel=token)
            finally:
                bar.finish()
            for index, rgb in frames:
                path = folder / f"ai{k}-frame{index:06d}.png"
                write_png(path, rgb)
                print(path)
        return 0
    finally:
        for span in spans:
            span.close()


def cmd_export(args) -> int:
    from .engine.export import export_project
    from .project.model import Project

    project = Project.load(args.project)
    out = Path(args.output)
    preset = _check_output(project, out, args.preset, args.yes)
    _print_project_warnings(project)
    result = _export(export_project, project, out, preset)
    _print_result(result)
    return 0


def _print_project_warnings(project) -> None:
    """What the Renderer notes (op ranges past their clip's end): said before an export, never silent."""
    from .engine.render import project_warnings

    for note in project_warnings(project):
        print(f"warning: {note}", file=sys.stderr)


def _apply_text(project, text: str, extra_steps=()):
    """Parse ``text`` and apply it to the project's clip (with several inputs, to the timeline), as
    the GUI's command bar does; file names in it are relative to the current directory."""
    from .commands.apply import apply_text
    from .project.history import History

    clips = project.main_track.clips
    _analyse_speech(project, text)
    _prepare_slow(project, text)  # voice-over / dub / library search: done first with a progress bar
    from .cli_generate import generate_first

    generate_first(project, text)  # "generate a clip of ...": rendered with an estimate and progress first
    return apply_text(project, text, History(project), clip_id=clips[0].id if len(clips) == 1 else None,
                      base=os.getcwd(), extra_steps=extra_steps)


def _analyse_speech(project, text: str) -> None:
    """Commands that cut or find by speech ("remove the silences"): the sound is analysed first, with
    a progress bar and Ctrl-C, into the caches the command then reads (commands/cut_commands.py)."""
    from .commands.cut_commands import analyse, speech_steps

    _first(project, text, speech_steps, analyse)


def _prepare_slow(project, text: str) -> None:
    """Commands with a slow part (speaking a voice-over, translating a dub, searching the library):
    done first with a progress bar and Ctrl-C, into the caches the command then reads
    (commands/prepare.py; the editor runs the same in a background job)."""
    from .commands.prepare import prepare, slow_steps

    _first(project, text, slow_steps, prepare)


def _first(project, text: str, select, run) -> None:
    """``run(project, select(plan), progress=, cancel=)`` with a progress bar and Ctrl-C when the
    typed command has such steps; a text that does not parse is left to apply_text to report."""
    from .commands import parse
    from .termprogress import TermProgress

    try:
        steps = select(parse(text, {"base": os.getcwd()}))
    except T2VError:
        return  # apply_text says what is wrong with the text
    if not steps:
        return
    bar, token = TermProgress(sys.stderr), CancelToken()
    try:
        with _sigint_cancels(token):
            run(project, steps, progress=bar, cancel=token)
    finally:
        bar.finish()


def _music_step(path: str):
    """``--music FILE``: a music track under the clips, cut to the programme with a 2 s fade-out."""
    from .commands.files import resolve_file
    from .commands.steps import AddAudio
    from .media.info import probe

    full = resolve_file(path, os.getcwd())
    if not probe(full).has_audio:
        raise T2VError(f"--music {path}: the file has no sound.")
    return AddAudio(path=full, role="music", fade_if_cut=2.0, text=f"--music {path}",
                    reason="--music: an audio track with role music under the clips")


def _check_project_target(path: Path, others: List[Path], overwrite: bool) -> None:
    """``--save-project`` must not be one of the media files, nor an existing file without -y."""
    from .fsutil import check_writable_dir

    check_writable_dir(path)
    for other in others:
        try:
            if path.resolve() == other.resolve():
                raise T2VError(f"--save-project {path} is also an input or the output; choose another name.")
        except OSError:
            pass
    if path.exists() and not overwrite:
        raise T2VError(f"{path} already exists. Pass -y (--yes) to overwrite it.")


def _check_output(project, out: Path, preset_name: Optional[str], overwrite: bool):
    """Resolve the preset and refuse a bad OUT (the input, wrong extension, unwritable folder,
    existing without -y) before any parsing or rendering; returns the preset."""
    from .engine.export import check_target
    from .fsutil import check_writable_dir
    from .media.presets import get_preset, preset_for_path

    check_writable_dir(out)  # first: a name too long, a missing or read-only folder get a clear message
    preset = get_preset(preset_name) if preset_name else preset_for_path(out)
    check_target(project, out, preset)
    if out.exists() and not overwrite:
        raise EncodeError(f"{out} already exists. Pass -y (--yes) to overwrite it.")
    return preset


def _export(export_project, project, out: Path, preset):
    from .termprogress import TermProgress

    bar = TermProgress(sys.stderr)
    token = CancelToken()
    try:
        with _sigint_cancels(token):
            return export_project(project, out, preset, progress=bar, cancel=token)
    finally:
        bar.finish()


def _print_result(result) -> None:
    size = result.path.stat().st_size if result.path.exists() else 0
    what = f"{result.width}x{result.height}, {result.frames} frames, " if result.frames else ""
    print(f"Wrote {result.path} ({what}{result.duration:.2f} s, {size / 1e6:.1f} MB) in {result.seconds:.1f} s")




# -- subtitles ---------------------------------------------------------------------------------


def cmd_subtitles(args) -> int:
    from .project.model import Project

    project = Project.load(args.project)
    return _subtitles_export(project, args) if args.action == "export" else _subtitles_import(project, args)


def _subtitles_export(project, args) -> int:
    from .project.subtitle_files import write_subtitles

    out = Path(args.output)
    tracks = project.subtitle_tracks
    if not tracks:
        raise T2VError(f"{args.project} has no subtitle tracks; add one with: t2v-desktop subtitles import "
                       f"{args.project} talk.srt")
    n = 1 if args.track is None else args.track
    if not 1 <= n <= len(tracks):
        names = ", ".join(f"{k} {t.name or t.language}" for k, t in enumerate(tracks, 1))
        raise T2VError(f"No subtitle track {n}; {args.project} has: {names}.")
    if out.exists() and not args.yes:
        raise T2VError(f"{out} already exists. Pass -y (--yes) to overwrite it.")
    cues = [(c.start, c.end, c.text) for c in tracks[n - 1].cues]
    write_subtitles(cues, out)
    print(f"Wrote {out} ({len(cues)} cues from subtitle track {n})")
    return 0


def _subtitles_import(project, args) -> int:
    from .commands.compose_apply import ComposeState, compose_commands
    from .commands.files import resolve_file
    from .commands.steps import AddSubtitles
    from .project.history import Compound, History

    if not 0 < len(args.language) <= 35 or not args.language.replace("-", "").isalnum():
        raise T2VError(f"--language {args.language!r}: give a language code such as en or eng.")
    path = resolve_file(args.input, os.getcwd())
    step = AddSubtitles(path=path, burn_in=args.burn_in, language=args.language)
    history = History(project)
    state = ComposeState(project)
    history.push(Compound(f"Import subtitles {Path(path).name}", compose_commands(step, state)))
    for note in state.notes:  # e.g. styling the file had that a subtitle track does not keep
        print(f"note: {note}", file=sys.stderr)
    project.save(args.project)  # atomic: a failed write leaves the old file
    track = project.subtitle_tracks[-1]
    print(f"Added {len(track.cues)} cues from {Path(path).name} as subtitle track {len(project.subtitle_tracks)}"
          f"{' (burned in)' if args.burn_in else ''}; saved {args.project}")
    return 0


# -- ops / parse -------------------------------------------------------------------------------


def cmd_ops(args) -> int:
    from .ops import all_ops

    specs = all_ops()
    if args.json:
        print(json.dumps([s.describe() for s in specs], indent=2, default=str))
        return 0
    category = None
    for s in specs:
        if s.category != category:
            category = s.category
            print(f"\n{(category or 'other').upper()}")
        flags = " (needs a time range)" if s.requires_range else ""
        print(f"  {s.name:<16} [{s.kind.value}] {s.description}{flags}")
        if s.params:
            print("      params: " + "; ".join(_param_text(n, p.describe()) for n, p in s.params.items()))
        if s.synonyms:
            print("      also:   " + ", ".join(s.synonyms))
    print(f"\n{len(specs)} operations. Use them in commands, e.g. \"make it brighter from 0:05 to 0:10\".")
    return 0


def _param_text(name: str, d: dict) -> str:
    t = d.get("type")
    unit = d.get("unit") or ""
    if t in ("float", "int"):
        return f"{name} {d['min']:g}..{d['max']:g}{unit} (default {d['default']:g}{unit})"
    if t == "choice":
        return f"{name} {'|'.join(d.get('options', []))} (default {d['default']})"
    if t == "text":
        return f"{name} {'path' if d.get('is_path') else 'text'}" + (f" (default {d['default']!r})" if d["default"] else "")
    return f"{name} {t} (default {d['default']})"


def parse_text(text: str, duration: Optional[float] = None):
    """commands.parse with the clip duration as context (how ranges like 'the last half' resolve)."""
    from .commands import parser

    context = None
    if duration is not None:
        ctx_cls = getattr(parser, "ParseContext", None)
        context = ctx_cls(duration=duration) if ctx_cls is not None else {"duration": duration}
    return parser.parse(text, context)


def cmd_parse(args) -> int:
    from .commands.plan import ParseError

    if args.duration is not None and not 0 < args.duration < 1e7:
        raise T2VError("--duration must be a positive number of seconds.")
    if args.input is not None:
        if args.duration is not None:
            raise T2VError("Give either FILE or --duration, not both.")
        from .media.info import probe

        args.duration = probe(args.input).duration
        if not args.duration or not 0 < args.duration < 1e7:
            raise T2VError(f"Cannot tell how long {args.input} is; pass --duration S instead.")
    try:
        plan = parse_text(args.text, args.duration)
    except T2VError as err:
        if not args.json:
            raise
        payload = err.to_json() if isinstance(err, ParseError) else {"error": str(err), "suggestions": []}
        print(json.dumps(payload))
        return ParseError.exit_code
    if args.json:
        print(json.dumps(plan.to_json(args.duration)))
    else:
        print(f"Route: {plan.route}")
        print(plan.explain())
    return 0


# -- doctor / models ---------------------------------------------------------------------------


def cmd_doctor(args) -> int:
    from . import doctor

    info = doctor.collect(gpu=args.gpu)
    print(json.dumps(info, indent=2, default=str) if args.json else doctor.report(info))
    return 0


def cmd_models(args) -> int:
    from . import addons

    try:
        from .diffusion import models as dm
    except ImportError as e:
        raise T2VError(
            f"The AI backend is not available ({e}). Install it with: {addons.install_hint()}."
        ) from None
    report = getattr(dm, "models_report", None)
    if callable(report):
        print(report())
        return 0
    from .doctor import models as list_models

    found = list_models() or []
    for m in found:
        print(m)
    if not found:
        from .paths import models_dir

        print(f"No models found. Put diffusers model folders (safetensors) in {models_dir()} "
              "or set T2V_MODELS_DIR.")
    return 0


def cmd_addons(args) -> int:
    from . import addons

    if args.action == "status":
        state = "installed" if addons.installed(args.name) else "not installed"
        print(f"{args.name}: {state} ({addons.addons_dir()})")
        return 0
    extra = [a for a in args.pip_args if a != "--"]
    code = addons.install(args.name, extra)
    if code != 0:
        raise T2VError(f"Installing the {args.name} add-on failed (pip exit code {code}); see the messages above.")
    print(f"{args.name} add-on installed in {addons.addons_dir()}; restart t2v-desktop to use it.")
    return 0


HANDLERS = {
    "apply": cmd_apply,
    "export": cmd_export,
    "ops": cmd_ops,
    "parse": cmd_parse,
    "subtitles": cmd_subtitles,
    "doctor": cmd_doctor,
    "models": cmd_models,
    "addons": cmd_addons,
}
for _mod in _MORE:
    HANDLERS.update(_mod.HANDLERS)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
