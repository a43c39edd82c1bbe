"""Text to speech speed: the built-in voice (speech.tts over the espeakng-loader library) against the
espeak-ng command line on the same text, in the same run.

Rows (caches bypassed):
  espeak-ng CLI:   espeak-ng -v en -w out.wav TEXT      (the reference: same engine, a process, no word times)
  tts.synthesize:  samples + exact word times (ctypes, in process)
  dub fit:         speech.dub.time_stretch at 1.2x of that audio (PyAV atempo)
Prints wall seconds, the real-time factor (audio seconds / wall seconds) and our time / the CLI's.

    python bench/tts.py [--words 2000] [--voice en]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SENTENCES = ("Stay indoors during the storm. Close the windows, and keep away from the glass. "
             "The river may rise tonight; move valuables upstairs and listen to the local radio. ")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=2000)
    ap.add_argument("--voice", default="en")
    args = ap.parse_args()
    words = SENTENCES.split()
    text = " ".join(words[k % len(words)] for k in range(args.words))
    os.environ["T2V_CACHE_DIR"] = tempfile.mkdtemp(prefix="t2v-bench-tts-")
    from t2v_desktop.speech import tts
    from t2v_desktop.speech.dub import time_stretch

    tts.synthesize("Warm up.", voice=args.voice)  # library load and voice data: once per process
    t0 = time.perf_counter()
    sp = tts.synthesize(text, voice=args.voice)
    ours = time.perf_counter() - t0
    audio = sp.duration
    print(f"text: {args.words} words -> {audio:.1f} s of speech, {len(sp.words)} timed words, load {os.getloadavg()[0]:.2f}")
    print(f"{'row':18} {'wall s':>8} {'x real time':>12}")
    cli = None
    exe = shutil.which("espeak-ng")
    if exe:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            subprocess.run([exe, "-v", args.voice, "-w", str(Path(d) / "o.wav"), text], check=True)
            cli = time.perf_counter() - t0
        print(f"{'espeak-ng CLI':18} {cli:8.2f} {audio / cli:12.1f}")
    else:
        print("espeak-ng CLI      (not installed: no reference row)")
    print(f"{'tts.synthesize':18} {ours:8.2f} {audio / ours:12.1f}" + (f"   ({ours / cli:.2f}x the CLI's time)" if cli else ""))
    t0 = time.perf_counter()
    time_stretch(sp.samples, sp.sample_rate, 1.2)
    fit = time.perf_counter() - t0
    print(f"{'dub fit (atempo)':18} {fit:8.2f} {audio / fit:12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
