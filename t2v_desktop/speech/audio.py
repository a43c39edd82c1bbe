"""Mono PCM for the recognisers: a file's sound, mixed down and resampled, whole or in chunks.

Built on media.audio.AudioSource, so time 0 is the same as the editor's (the first video frame when
the file has video) and word times land on the clip's own time. ``chunks`` reads in order with a
bounded buffer: a 3-hour file costs the memory of one chunk.
"""

from __future__ import annotations

from typing import Iterator, Optional, Tuple

import numpy as np

from ..errors import MediaError
from ..media.audio import AudioSource
from ..media.info import open_and_probe

#: The rate every recogniser here expects.
RATE = 16000


def open_mono(path, rate: int = RATE) -> AudioSource:
    """An AudioSource of one channel at ``rate``; MediaError when the file has no audio stream."""
    container, info = open_and_probe(path)
    try:
        if not info.has_audio:
            raise MediaError(f"{path} has no audio stream: there is no speech to transcribe.")
    except MediaError:
        container.close()
        raise
    container.close()
    return AudioSource(path, sample_rate=rate, channels=1, info=info)


def load_mono(path, rate: int = RATE, *, start: float = 0.0, end: Optional[float] = None) -> np.ndarray:
    """The samples of ``[start, end)`` (end None: to the end of the sound) as float32 mono."""
    with open_mono(path, rate) as src:
        stop = src.duration if end is None else min(float(end), src.duration)
        if stop <= start:
            return np.zeros(0, np.float32)
        return src.read(float(start), stop)[0]


def chunks(src: AudioSource, seconds: float = 10.0) -> Iterator[Tuple[float, np.ndarray]]:
    """``(start time, samples)`` blocks of about ``seconds`` covering the whole sound, in order."""
    n = max(1, int(round(seconds * src.sample_rate)))
    total = int(round(src.duration * src.sample_rate))
    for a in range(0, total, n):
        b = min(total, a + n)
        yield a / src.sample_rate, src.read(a / src.sample_rate, b / src.sample_rate)[0]


def to_int16(samples: np.ndarray) -> bytes:
    """float32 [-1, 1] to the little-endian 16-bit PCM that pocketsphinx reads."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
