"""Generated clips with known speech for the speech-editing tests: espeak-ng words with chosen
silences between them, muxed under a small 25 fps picture (AAC sound, as a camera file has)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from speech_media import RATE, synth, trim

FPS = 25


def mux_clip(path: Path, pcm: np.ndarray, *, audio: bool = True) -> Path:
    """A 25 fps 64x48 video of len(pcm) samples, with ``pcm`` (mono, RATE) as its AAC sound."""
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        aus = None
        if audio:
            aus = out.add_stream("aac", rate=RATE)
            aus.layout = "mono"
        for i in range(int(len(pcm) / RATE * FPS)):
            img = np.full((48, 64, 3), (i * 5) % 255, np.uint8)
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        if aus is not None:
            for a in range(0, len(pcm), 1024):
                fr = av.AudioFrame.from_ndarray(pcm[None, a:a + 1024].copy(), format="flt", layout="mono")
                fr.sample_rate, fr.pts, fr.time_base = RATE, a, Fraction(1, RATE)
                for p in aus.encode(fr):
                    out.mux(p)
            for p in aus.encode():
                out.mux(p)
    return path


def spoken_with_gaps(folder: Path, words, gaps, lead: float = 0.8, tail: float = 0.6):
    """(samples, [(word, start, end)]) of espeak-ng words with the given silences between them."""
    parts, times, at = [np.zeros(int(lead * RATE), np.float32)], [], lead
    for k, word in enumerate(words):
        s = trim(synth(word, folder))
        times.append((word, at, at + s.size / RATE))
        parts.append(s)
        at += s.size / RATE
        if k < len(gaps):
            parts.append(np.zeros(int(round(gaps[k] * RATE)), np.float32))
            at += int(round(gaps[k] * RATE)) / RATE
    parts.append(np.zeros(int(tail * RATE), np.float32))
    return np.concatenate(parts), times


def aligned_transcriber(script: str):
    """The transcriber as the commands see it: the forced alignment of the known script (pocketsphinx
    does not hear espeak-ng's "um" when recognising freely: see docs/speech-editing.md)."""
    from t2v_desktop.speech.align import align

    def transcribe(path, *, progress=None, cancel=None, **kw):
        return align(path, script, cancel=cancel)
    return transcribe
