"""The command line's speech subcommands: transcribe (speech to text with word times).

Kept out of cli.py so that each area owns its commands; cli.py adds NAMES to its list, calls
add_parsers() while building its parser and dispatches through HANDLERS. Heavy imports stay inside
the handlers.

    t2v-desktop transcribe talk.mp4 -o talk.srt              # captions (pocketsphinx, English)
    t2v-desktop transcribe talk.mp4 -o talk.json --backend whisper --model ~/models/whisper-small
    t2v-desktop transcribe talk.mp4 -o talk.vtt --align script.txt   # exact times of a known script
    t2v-desktop transcribe entrevista.mp4 -o en.srt --translate      # English captions of any language
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Dict, List, Tuple

NAMES: Tuple[str, ...] = ("transcribe", "say")
FORMATS = (".srt", ".vtt", ".json", ".txt")


def add_parsers(sub) -> None:
    """Add this area's subcommands to the ``t2v-desktop`` parser's subparsers."""
    t = sub.add_parser("transcribe", help="speech to text with word times (.srt, .vtt, .json, .txt)",
                       description="Recognise the speech in a media file (or align a known script to it) "
                                   "and write captions or the words with their times. Without -o the "
                                   "text is printed.")
    t.add_argument("input", help="a video or audio file")
    t.add_argument("-o", "--output", help="OUT.srt, OUT.vtt, OUT.json (words with times) or OUT.txt")
    t.add_argument("--backend", default="auto", choices=("auto", "sphinx", "whisper", "faster-whisper"),
                   help="sphinx: embedded, English, fast; whisper: a local Whisper model, many languages; "
                        "faster-whisper: a CTranslate2 Whisper model (pip install faster-whisper)")
    t.add_argument("--model", help="Whisper model folder or Hugging Face id (found in the local cache)")
    t.add_argument("--translate", action="store_true",
                   help="Whisper's speech-to-English translation: English words, whatever is spoken")
    t.add_argument("--language", help="language code, e.g. en, es (Whisper detects it when not given)")
    t.add_argument("--align", metavar="SCRIPT.txt",
                   help="the text that is spoken: align it to the sound instead of recognising")
    t.add_argument("-y", "--yes", action="store_true", help="overwrite OUT if it exists")
    _add_say(sub)


def cmd_transcribe(args) -> int:
    from .cli_signals import sigint_cancels
    from .errors import T2VError
    from .jobs import CancelToken
    from .termprogress import TermProgress

    out = Path(args.output) if args.output else None
    if out is not None:
        _check_output(out, args.yes)
    script = _read_script(args.align) if args.align else None
    if script is not None and (args.backend in ("whisper", "faster-whisper") or args.model or args.translate):
        raise T2VError("--align uses pocketsphinx's English model; leave out --backend whisper / --model / "
                       "--translate.")
    bar = TermProgress(sys.stderr)
    token = CancelToken()
    try:
        with sigint_cancels(token):
            if script is not None:
                from .speech.align import align

                transcript = align(args.input, script, progress=bar, cancel=token)
            else:
                from .speech.asr import transcribe

                transcript = transcribe(args.input, backend=args.backend, language=args.language,
                                        model=args.model, progress=bar, cancel=token,
                                        task="translate" if args.translate else "transcribe")
    finally:
        bar.finish()
    if out is None:
        print(transcript.text)
        return 0
    write_transcript(transcript, out)
    print(f"Wrote {out} ({len(transcript.words)} words, {transcript.duration:.1f} s, {transcript.backend})",
          file=sys.stderr)
    return 0


HANDLERS: Dict[str, Callable] = {"transcribe": cmd_transcribe}


def write_transcript(transcript, out: Path) -> None:
    """``out`` by its suffix: .srt/.vtt as caption cues (atomic; VTT text escaped), else render()'s
    .json/.txt. One writer for transcribe and say, so both give real subtitle files."""
    if out.suffix.lower() in (".srt", ".vtt"):
        from .project.subtitle_files import write_subtitles

        write_subtitles(cues_of(transcript), out)
    else:
        from .fsutil import atomic_write_text

        atomic_write_text(out, render(transcript, out.suffix.lower()))


def render(transcript, suffix: str) -> str:
    """The transcript as the text of a .json (words with times) or .txt file."""
    import json

    if suffix == ".json":
        return json.dumps(transcript.to_json(), indent=1) + "\n"
    return transcript.text + "\n"


def cues_of(transcript) -> List[Tuple[float, float, str]]:
    """(start, end, text) caption cues: speech.captions.segment's readable cues."""
    from .speech.captions import segment

    return [(float(c.start), float(c.end), str(c.text)) for c in segment(transcript)]


def _check_output(out: Path, overwrite: bool) -> None:
    from .errors import T2VError
    from .fsutil import check_writable_dir

    if out.suffix.lower() not in FORMATS:
        raise T2VError(f"-o {out}: write .srt, .vtt, .json or .txt.")
    check_writable_dir(out)
    if out.exists() and not overwrite:
        raise T2VError(f"{out} already exists. Pass -y (--yes) to overwrite it.")


def _read_script(path: str) -> str:
    from .errors import T2VError

    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise T2VError(f"--align {path}: not UTF-8 text.") from None
    except OSError as e:
        raise T2VError(f"--align {path}: cannot read it ({e.strerror or e}).") from None


# -- say: text to speech with the built-in voice (voice area) ---------------------------------------

def _add_say(sub) -> None:
    s = sub.add_parser("say", help="text to speech: a WAV (and captions) read by the built-in voice",
                       description="Read text aloud into a WAV file with the built-in espeak-ng voice (or a "
                                   "local Piper voice, piper:<name>); --captions also writes its word-timed "
                                   "captions. Example: t2v-desktop say \"Stay indoors.\" -o out.wav --voice fr")
    s.add_argument("text", nargs="?", help="the words to say (or --file)")
    s.add_argument("-o", "--output", help="OUT.wav")
    s.add_argument("-f", "--file", metavar="SCRIPT.txt", help="read the text from a file")
    s.add_argument("--voice", default="en", help="language code (en, fr, es, de ...), voice name, or piper:<name>")
    s.add_argument("--rate", type=int, help="words per minute (80-450, default 175)")
    s.add_argument("--captions", metavar="OUT.srt", help="also write captions (.srt, .vtt, .json words)")
    s.add_argument("--list-voices", action="store_true", help="list the voices and exit")
    s.add_argument("-y", "--yes", action="store_true", help="overwrite outputs that exist")


def cmd_say(args) -> int:
    from .errors import T2VError
    from .fsutil import check_writable_dir
    from .speech import tts

    if args.list_voices:
        for name, what in tts.list_voices():
            print(f"{name:24} {what}")
        return 0
    if args.file:
        from .speech.voiceover import script_text

        text = script_text(args.file)
    elif args.text:
        text = args.text
    else:
        raise T2VError("Give the words to say, e.g. t2v-desktop say \"Hello.\" -o hello.wav (or --file script.txt).")
    if not args.output:
        raise T2VError("Name the output with -o OUT.wav.")
    out = Path(args.output)
    if out.suffix.lower() != ".wav":
        raise T2VError(f"-o {out}: say writes a .wav file.")
    caps = Path(args.captions) if args.captions else None
    for path in [out] + ([caps] if caps else []):
        check_writable_dir(path)
        if path.exists() and not args.yes:
            raise T2VError(f"{path} already exists. Pass -y (--yes) to overwrite it.")
    if caps is not None and caps.suffix.lower() not in (".srt", ".vtt", ".json"):
        raise T2VError(f"--captions {caps}: write .srt, .vtt or .json.")
    speech = tts.synthesize(text, voice=args.voice, rate_wpm=args.rate)
    tts.save_wav(speech, out)
    if caps is not None:
        write_transcript(speech.transcript(), caps)
    print(f"Wrote {out} ({len(speech.words)} words, {speech.duration:.2f} s, voice {args.voice})", file=sys.stderr)
    return 0


HANDLERS["say"] = cmd_say
