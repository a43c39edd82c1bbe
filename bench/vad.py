"""Silence detection speed and accuracy: speech.vad against ffmpeg's silencedetect, in the same run.

Builds a speech file of about --minutes from espeak-ng sentences with known pauses (0.15 to 1.5 s,
seeded) over a faint noise floor (-66 dBFS white noise, as a quiet room), then times
  ffmpeg:  ffmpeg -i talk.wav -af silencedetect=noise=-50dB:d=0.2 -f null -   (the reference)
  energy:  speech.vad.detect_speech(backend="energy")   (the default; cache bypassed)
  silero:  speech.vad.detect_speech(backend="silero")   (when the silero-vad package is installed)
and prints wall seconds, real-time factor (audio seconds / wall seconds), the ratio to ffmpeg, and
how well each finds the known pauses of 0.3 s or more: recall (a pause found when a detected silence
covers 70% of it) and the mean error of its edges. ffmpeg is never used at run time, only here.

    python bench/vad.py [--minutes 5] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SENTENCES = [
    "Residents should stay indoors tonight.", "The storm will reach the coast after midnight.",
    "Schools are closed on Monday.", "Keep away from windows and doors.", "Power may be cut for several hours.",
    "Check on your neighbours if you can.", "Emergency services are ready.", "Listen to the radio for updates.",
    "Do not drive through flooded roads.", "The river is rising quickly.",
]
RATE = 22050


def synth(text: str, folder: Path) -> np.ndarray:
    tmp = folder / "s.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(tmp), text], check=True, capture_output=True)
    with wave.open(str(tmp)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(x) > 0.01)
    return x[loud[0]:loud[-1] + 1]


def build(folder: Path, minutes: float):
    rng = np.random.default_rng(7)
    voices = [synth(s, folder) for s in SENTENCES]
    parts, pauses, at = [], [], 0.0
    total = minutes * 60
    while at < total:
        gap = float(rng.uniform(0.15, 1.5))
        n = int(gap * RATE)
        parts.append(np.zeros(n, np.float32))
        pauses.append((at, at + n / RATE))
        at += n / RATE
        v = voices[int(rng.integers(len(voices)))]
        parts.append(v)
        at += v.size / RATE
    x = np.concatenate(parts)
    x += rng.normal(0, 10 ** (-66 / 20), x.size).astype(np.float32)
    path = folder / "talk.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path, pauses, x.size / RATE


def ffmpeg_silences(path: Path):
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                          "silencedetect=noise=-50dB:d=0.2", "-f", "null", "-"], capture_output=True, text=True).stderr
    starts = [float(m) for m in re.findall(r"silence_start: ([\d.]+)", out)]
    ends = [float(m) for m in re.findall(r"silence_end: ([\d.]+)", out)]
    return list(zip(starts, ends + [float("inf")] * (len(starts) - len(ends)), strict=True))


def score(found, truth):
    """(recall of pauses >= 0.3 s, mean edge error in ms of those found)."""
    big = [(a, b) for a, b in truth if b - a >= 0.3]
    hit, err = 0, []
    for a, b in big:
        best = max(found, key=lambda s: min(s[1], b) - max(s[0], a), default=None)
        if best is not None and min(best[1], b) - max(best[0], a) >= 0.7 * (b - a):
            hit += 1
            err += [abs(best[0] - a) if a > 0 else 0.0, abs(min(best[1], b + 5) - b)]
    return hit / max(1, len(big)), 1000 * float(np.mean(err)) if err else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    if not shutil.which("espeak-ng") or not shutil.which("ffmpeg"):
        print("needs espeak-ng and ffmpeg on PATH", file=sys.stderr)
        return 1
    from t2v_desktop.speech import vad

    folder = Path(args.workdir or tempfile.mkdtemp(prefix="bench-vad-"))
    folder.mkdir(parents=True, exist_ok=True)
    path, truth, seconds = build(folder, args.minutes)
    print(f"audio: {seconds:.1f} s, {len(truth)} pauses ({sum(b - a >= 0.3 for a, b in truth)} of 0.3 s or more); "
          f"load average {os.getloadavg()[0]:.2f}")
    rows = []
    t = time.perf_counter()
    ff = ffmpeg_silences(path)
    rows.append(("ffmpeg silencedetect", time.perf_counter() - t, ff))
    backends = ["energy"] + (["silero"] if vad.silero_available() else [])
    for b in backends:
        t = time.perf_counter()
        found = vad.detect_speech(path, backend=b, use_cache=False)
        rows.append((f"speech.vad {b}", time.perf_counter() - t, found.silences(0.0)))
    ref = rows[0][1]
    print(f"{'backend':24} {'wall s':>8} {'x real time':>12} {'vs ffmpeg':>10} {'recall':>7} {'edge ms':>8}")
    for name, wall, sil in rows:
        rec, err = score(sil, truth)
        print(f"{name:24} {wall:8.2f} {seconds / wall:12.1f} {ref / wall:10.2f} {rec:7.1%} {err:8.0f}")
    if not vad.silero_available():
        print("silero: not installed (pip install silero-vad)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
