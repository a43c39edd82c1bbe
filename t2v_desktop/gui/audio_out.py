"""Sound for the preview: the edited audio (the export's Renderer) pushed into a QAudioSink.

A small thread owns its own Renderer and renders PCM chunks ahead of the play position; the GUI
thread only moves ready bytes into the sink's QIODevice (``pump``), so it never waits on rendering.
While sound plays, ``clock()`` is the playback master: start + processedUSecs - output latency.
No device, or a sink that fails, makes ``available`` false and the preview stays silent.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections import deque
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QObject, Signal

from . import core

log = logging.getLogger(__name__)

#: Samples per rendered chunk (50 ms at 48 kHz): small enough to start quickly after a seek.
CHUNK = 2400
#: Seconds of PCM kept rendered ahead of what the sink has taken.
AHEAD = 0.5
#: Silence fed past the end of the timeline so the clock reaches the last frame.
TAIL = 0.3
#: Ring buffer of the sink. processedUSecs counts what the device took from it (measured on
#: Qt 6.12), so the buffer itself is not latency; it rides out GUI stalls during exports.
SINK_BUFFER_S = 0.25
#: What the device still holds after taking samples from the ring buffer (an estimate).
OUTPUT_LATENCY = 0.03
#: Seconds before looking for a sound device again after none was found (headphones plugged in).
RETRY_DEVICE = 5.0


def pcm_bytes(samples: np.ndarray, sample_format: str, channels: int) -> bytes:
    """(channels, n) float32 -> interleaved little-endian PCM: 'float' or 'int16', any channel count."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    if x.shape[0] != channels:
        if channels == 1:
            x = x.mean(axis=0, keepdims=True)
        elif x.shape[0] == 1:
            x = np.repeat(x, channels, axis=0)
        else:
            x = np.concatenate([x, np.zeros((max(0, channels - x.shape[0]), x.shape[1]), np.float32)])[:channels]
    inter = np.ascontiguousarray(x.T)
    if sample_format == "int16":
        return (np.clip(inter, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
    return inter.astype("<f4").tobytes()


class AudioRenderThread:
    """Renders PCM chunks ahead of the play position in its own thread, with its own Renderer."""

    def __init__(self, make_renderer: Callable = core.make_renderer):
        self._make_renderer = make_renderer
        self._cond = threading.Condition()
        self._project = None
        self._project_gen = 0
        self._scale = 1.0
        self._gen = 0            # play generation: bumped on every start/stop
        self._next = 0           # next sample to render for the current generation
        self._end = 0            # render no further than this sample (timeline end + TAIL)
        self._fmt = ("float", 2)
        self._chunks: deque = deque()  # (gen, s0, bytes)
        self._queued = 0         # samples queued for the GUI, not yet taken
        self._ahead = int(AHEAD * 48000)
        self._active = False
        self._stop = False
        self.failed: Optional[str] = None
        self._thread = threading.Thread(target=self._run, name="preview-audio", daemon=True)
        self._thread.start()

    # -- GUI side -----------------------------------------------------------------------------
    def set_project(self, project, scale: float) -> None:
        with self._cond:
            self._project, self._scale = project, scale
            self._project_gen += 1
            self._cond.notify_all()

    def start(self, s0: int, end: int, sample_rate: int, sample_format: str, channels: int) -> int:
        """Render from sample ``s0`` (to ``end``) in the given sink format; returns the generation."""
        with self._cond:
            self._gen += 1
            self._next, self._end = int(s0), int(end)
            self._fmt = (sample_format, int(channels))
            self._ahead = int(AHEAD * sample_rate)
            self._chunks.clear()
            self._queued = 0
            self._active = True
            self.failed = None
            self._cond.notify_all()
            return self._gen

    def stop(self) -> None:
        with self._cond:
            self._gen += 1
            self._active = False
            self._chunks.clear()
            self._queued = 0

    def take(self, gen: int) -> list:
        """Ready chunks (s0, bytes) of generation ``gen``, oldest first."""
        with self._cond:
            out = [(s, b) for g, s, b in self._chunks if g == gen]
            self._chunks.clear()
            self._queued = 0
            self._cond.notify_all()
            return out

    def shutdown(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(2.0)

    # -- render thread ------------------------------------------------------------------------
    def _run(self) -> None:
        renderer, seen = None, -1
        while True:
            with self._cond:
                while not self._stop and not (self._active and self._project is not None
                                              and self._next < self._end and self._queued < self._ahead):
                    self._cond.wait(0.1)
                if self._stop:
                    break
                gen, pgen, project, scale = self._gen, self._project_gen, self._project, self._scale
                s0 = self._next
                s1 = min(s0 + CHUNK, self._end)
                fmt, channels = self._fmt
            try:
                if pgen != seen:
                    core.close_renderer(renderer)
                    renderer, seen = None, pgen
                    renderer = self._make_renderer(project, scale)
                total = int(round(renderer.duration * renderer.sample_rate))
                a, b = min(s0, total), min(s1, total)
                pcm = renderer.read_audio(a, b) if b > a else np.zeros((renderer.channels, 0), np.float32)
                if s1 - s0 > b - a:  # past the end: silence
                    pcm = np.concatenate([pcm, np.zeros((pcm.shape[0], (s1 - s0) - (b - a)), np.float32)], axis=1)
                data = pcm_bytes(pcm, fmt, channels)
            except Exception as e:  # a bad edit is shown by the video path; sound just stops
                log.info("preview audio stopped:\n%s", traceback.format_exc())
                with self._cond:
                    if gen == self._gen:
                        self._active = False
                        self.failed = str(e)
                renderer, seen = None, -1
                continue
            with self._cond:
                if gen == self._gen and self._next == s0:
                    self._chunks.append((gen, s0, data))
                    self._queued += s1 - s0
                    self._next = s1
        core.close_renderer(renderer)


class AudioFeeder:
    """Bytes of one play span, written into the sink's QIODevice as far as it has room."""

    def __init__(self, bytes_per_frame: int):
        self.bytes_per_frame = int(bytes_per_frame)
        self._pending = bytearray()
        self.written = 0  # bytes accepted by the device

    def push(self, data: bytes) -> None:
        self._pending += data

    @property
    def pending(self) -> int:
        return len(self._pending)

    def pump(self, device, free: int) -> int:
        """Write up to ``free`` bytes (whole frames) into ``device``; returns bytes written."""
        n = min(int(free), len(self._pending))
        n -= n % self.bytes_per_frame
        if n <= 0:
            return 0
        w = int(device.write(bytes(self._pending[:n])))
        if w > 0:
            w -= w % self.bytes_per_frame  # a device never takes part of a frame; guard anyway
            del self._pending[:w]
            self.written += w
        return max(w, 0)


def _default_devices():
    if os.environ.get("T2V_PREVIEW_AUDIO", "").strip().lower() in ("0", "off", "no", "false"):
        return None  # tests / headless runs on a desktop: keep the preview quiet on purpose
    from PySide6.QtMultimedia import QMediaDevices

    if not QMediaDevices.audioOutputs():
        return None
    dev = QMediaDevices.defaultAudioOutput()
    return None if dev.isNull() else dev


def _default_sink(device, sample_rate: int, channels: int):
    """A QAudioSink on ``device`` in the first format it takes: Float, then Int16; stereo/mono."""
    from PySide6.QtMultimedia import QAudioFormat, QAudioSink

    for ch in dict.fromkeys((channels, 2, 1)):
        for fmt, name in ((QAudioFormat.Float, "float"), (QAudioFormat.Int16, "int16")):
            f = QAudioFormat()
            f.setSampleRate(sample_rate)
            f.setChannelCount(ch)
            f.setSampleFormat(fmt)
            if device.isFormatSupported(f):
                sink = QAudioSink(device, f)
                sink.setBufferSize(int(SINK_BUFFER_S * sample_rate) * ch * f.bytesPerSample())
                return sink, name, ch
    return None


class AudioOut(QObject):
    """Plays the preview's sound; the preview asks it for the clock while it runs.

    ``sink_factory(sample_rate, channels) -> (sink, 'float'|'int16', channels) | None`` and
    ``make_renderer`` are injectable so tests run without a sound device.
    """

    note = Signal(str)  # one-time status-bar messages (no device, device failed)

    def __init__(self, parent=None, *, sink_factory: Optional[Callable] = None,
                 make_renderer: Callable = core.make_renderer):
        super().__init__(parent)
        self.sink_factory = sink_factory
        self.worker = AudioRenderThread(make_renderer)
        self.sample_rate, self.channels = 48000, 2
        self.muted = False          # the user's mute toggle
        self.track_muted = False    # every track with clips is muted: nothing to hear
        self.available: Optional[bool] = None  # None until a sink was tried
        self.sink = None
        self.device = None          # the QIODevice from sink.start()
        self.feeder: Optional[AudioFeeder] = None
        self.sample_format, self.sink_channels = "float", 2
        self.start_sample = 0
        self.end_sample = 0
        self._gen = -1
        self._noted = False
        self._tried = -1e9          # when a device was last looked for, after a failure
        self.running = False        # a play span is being fed
        self.suspended = False

    # -- setup ---------------------------------------------------------------------------------
    def set_project(self, project, scale: float, duration: float) -> None:
        self.sample_rate = int(getattr(project, "sample_rate", 48000) or 48000)
        self.channels = int(getattr(project, "channels", 2) or 2)
        tracks = [tr for tr in getattr(project, "tracks", ()) if tr.clips]
        self.track_muted = bool(project is not None and tracks and all(tr.muted for tr in tracks))
        self.end_sample = int(round(duration * self.sample_rate)) + int(TAIL * self.sample_rate)
        self.worker.set_project(project, scale)

    @property
    def wanted(self) -> bool:
        """Sound should play: not muted and something audible (a device may still be missing)."""
        return not self.muted and not self.track_muted

    def _note_once(self, msg: str) -> None:
        if not self._noted:
            self._noted = True
            self.note.emit(msg)

    def _open(self) -> bool:
        if self.sink is not None:
            return True
        if self.available is False and time.monotonic() - self._tried < RETRY_DEVICE:
            return False
        self._tried = time.monotonic()
        try:
            if self.sink_factory is not None:
                made = self.sink_factory(self.sample_rate, self.channels)
            else:
                dev = _default_devices()
                made = None if dev is None else _default_sink(dev, self.sample_rate, self.channels)
        except Exception as e:  # a broken audio stack must not take the editor down
            log.info("audio output failed: %r", e)
            made = None
        if made is None:
            self.available = False
            self._note_once("No sound output found: the preview plays silently (exports keep their sound).")
            return False
        self.sink, self.sample_format, self.sink_channels = made
        self.available = True
        return True

    # -- playback ------------------------------------------------------------------------------
    def start(self, t: float) -> bool:
        """Play the edited sound from ``t`` seconds; False (silent preview) when it cannot."""
        self.stop()
        if not self.wanted or not self._open():
            return False
        self.start_sample = max(0, int(round(t * self.sample_rate)))
        try:
            self.device = self.sink.start()
            if self.device is None or self._sink_failed():
                raise RuntimeError("the sound device refused to start")
        except Exception as e:
            self._give_up(f"Sound output failed ({e}); the preview plays silently.")
            return False
        bpf = self.sink_channels * (2 if self.sample_format == "int16" else 4)
        self.feeder = AudioFeeder(bpf)
        self._gen = self.worker.start(self.start_sample, max(self.end_sample, self.start_sample),
                                      self.sample_rate, self.sample_format, self.sink_channels)
        self.running, self.suspended = True, False
        return True

    def stop(self) -> None:
        if self.running or self.suspended:
            self.worker.stop()
            if self.sink is not None:
                try:
                    self.sink.stop()
                except Exception:
                    pass
        self.running = self.suspended = False
        self.device = self.feeder = None

    def suspend(self) -> None:
        """Pause: the sink keeps its buffered sound so resume() continues exactly there."""
        if self.running and self.sink is not None:
            self.sink.suspend()
            self.running, self.suspended = False, True

    def resume(self) -> bool:
        if not self.suspended or self.sink is None or not self.wanted:
            return False
        self.sink.resume()
        self.running, self.suspended = True, False
        return True

    def paused_at(self) -> Optional[float]:
        """Where a suspended span would continue (seconds), or None."""
        return self._clock() if self.suspended else None

    def pump(self) -> None:
        """Move rendered chunks into the device as far as it has room (GUI thread, never blocks)."""
        if not self.running or self.feeder is None:
            return
        if self._sink_failed():
            self._give_up("Sound output stopped (the device failed); the preview plays silently.")
            return
        if self.feeder.pending < self.feeder.bytes_per_frame * int(AHEAD * self.sample_rate / 2):
            for _s0, data in self.worker.take(self._gen):  # bounded: the worker stops AHEAD past this
                self.feeder.push(data)
        try:
            free = int(self.sink.bytesFree())
        except Exception:
            free = 0
        if free > 0 and self.feeder.pending:
            self.feeder.pump(self.device, free)
        if self.worker.failed:
            self.stop()

    def clock(self) -> Optional[float]:
        """Seconds on the timeline the listener hears now; None until the device has started."""
        if not self.running:
            return None
        return self._clock()

    def _clock(self) -> Optional[float]:
        try:
            processed = int(self.sink.processedUSecs()) / 1e6
        except Exception:
            return None
        if processed <= 0:
            return None
        return self.start_sample / self.sample_rate + max(0.0, processed - OUTPUT_LATENCY)

    def _sink_failed(self) -> bool:
        try:
            err = self.sink.error()
        except Exception:
            return True
        name = getattr(err, "name", str(err))
        return name not in ("NoError", "UnderrunError")  # underrun: the tail ran out, not a fault

    def _give_up(self, msg: str) -> None:
        self.stop()
        self.sink = None
        self.available = False
        self._note_once(msg)

    def set_muted(self, on: bool) -> None:
        self.muted = bool(on)
        if self.muted:
            self.stop()

    def shutdown(self) -> None:
        self.stop()
        self.worker.shutdown()
