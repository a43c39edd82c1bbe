"""Known speech for the speech tests: espeak-ng words with exact start times (owned by H11a tests).

``spoken_words`` synthesises each word on its own and joins them with fixed pauses, so the true start
of every word is known to the sample (leading and trailing silence of each synthesis trimmed).
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import pytest

RATE = 22050  # espeak-ng's own rate


def need_espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt install espeak-ng)")
    return exe


def synth(text: str, folder: Path, *, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    """espeak-ng's samples of ``text`` as float32 at RATE."""
    exe = need_espeak()
    tmp = folder / "espeak-tmp.wav"
    subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(tmp), text], check=True,
                   capture_output=True)
    with wave.open(str(tmp)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768.0
    tmp.unlink()
    return data


def trim(samples: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return samples[loud[0]:loud[-1] + 1] if loud.size else samples[:0]


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def spoken_words(words: Sequence[str], path: Path, *, gap: float = 0.25, lead: float = 0.5
                 ) -> List[Tuple[str, float, float]]:
    """Write ``words`` spoken one by one with ``gap`` s between them to ``path``; (word, start, end)."""
    parts = [np.zeros(int(lead * RATE), np.float32)]
    at = lead
    times = []
    for word in words:
        s = trim(synth(word, path.parent))
        times.append((word, at, at + s.size / RATE))
        parts += [s, np.zeros(int(gap * RATE), np.float32)]
        at += s.size / RATE + int(gap * RATE) / RATE
    parts.append(np.zeros(int(lead * RATE), np.float32))
    write_wav(path, np.concatenate(parts))
    return times


def talk_clip(samples: np.ndarray, path: Path, *, rate: int = RATE, fps: int = 10, size=(64, 48)) -> Path:
    """A video file of flat grey frames whose sound is ``samples`` (mono float32 at ``rate``)."""
    import av

    w, h = size
    with av.open(str(path), "w") as out:
        v = out.add_stream("mpeg4", rate=fps)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        a = out.add_stream("pcm_s16le", rate=rate)
        a.layout = "mono"
        for i in range(int(len(samples) / rate * fps) + 1):
            f = av.VideoFrame.from_ndarray(np.full((h, w, 3), 40, np.uint8), format="rgb24")
            f.pts = i
            for p in v.encode(f):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        s16 = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :]
        af = av.AudioFrame.from_ndarray(s16, format="s16", layout="mono")
        af.sample_rate, af.pts = rate, 0
        for p in a.encode(af):
            out.mux(p)
        for p in a.encode():
            out.mux(p)
    return path


def slow_transcriber():
    """(transcribe, started): a recogniser that reports progress for ~5 s and stops only when its
    job is cancelled (an AssertionError otherwise); ``started`` is set once it runs."""
    import threading

    started = threading.Event()

    def slow(path, *, progress=None, cancel=None, **kw):
        started.set()
        for i in range(500):
            progress(i, 500, "listening")
            cancel.raise_if_cancelled()
            threading.Event().wait(0.01)
        raise AssertionError("not cancelled")

    return slow, started
