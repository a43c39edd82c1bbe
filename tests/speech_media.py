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
