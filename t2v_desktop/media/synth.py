"""Synthetic media: the demo clip and the clips tests generate (PyAV only, milliseconds to write).

Frames carry their index as a row of black/white bit blocks along the top edge, so a test can
read back which source frame ended up where (``read_frame_number``) after trims, speed changes
or reversal. Audio is a sine tone whose frequency can be set, plus an optional click each second.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable, Optional, Sequence

import av
import numpy as np

BITS = 12  # frame numbers up to 4095


def _block(width: int) -> int:
    return max(4, width // (BITS + 2))


def encode_frame_number(frame: np.ndarray, n: int) -> None:
    """Paint ``n`` as BITS blocks (MSB first) across the top of ``frame`` in place."""
    h, w = frame.shape[:2]
    b = _block(w)
    bh = min(b, h // 4)
    for i in range(BITS):
        bit = (n >> (BITS - 1 - i)) & 1
        frame[0:bh, i * b:(i + 1) * b] = 255 if bit else 0


def read_frame_number(frame: np.ndarray) -> int:
    """Inverse of encode_frame_number; tolerant of compression noise."""
    h, w = frame.shape[:2]
    b = _block(w)
    bh = min(b, h // 4)
    n = 0
    for i in range(BITS):
        cell = frame[bh // 4: max(bh // 4 + 1, 3 * bh // 4), i * b + b // 4: i * b + max(b // 4 + 1, 3 * b // 4)]
        n = (n << 1) | int(cell.mean() > 127)
    return n


def pattern_frame(i: int, width: int, height: int, pattern: str = "gradient",
                  color: Sequence[int] = (128, 128, 128)) -> np.ndarray:
    """A deterministic test picture for frame ``i``."""
    if pattern == "solid":
        frame = np.empty((height, width, 3), np.uint8)
        frame[:] = np.asarray(color, np.uint8)
    elif pattern == "texture":
        rng = np.random.default_rng(1234)
        big = rng.integers(0, 256, (height // 4 + 1, width // 4 + 1, 3), dtype=np.uint8)
        frame = np.ascontiguousarray(np.kron(big, np.ones((4, 4, 1), np.uint8))[:height, :width])
    else:  # gradient that moves a little each frame, with coloured thirds
        x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
        y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
        r = (x + i * 3) % 256 + 0 * y
        g = y + 0 * x
        b = 255 - (x + y) / 2
        frame = np.stack([r, g, b], axis=-1).astype(np.uint8)
    return frame


def make_test_clip(
    path: str | Path,
    *,
    width: int = 160,
    height: int = 120,
    fps: Fraction | int = Fraction(25),
    duration: float = 2.0,
    audio: bool = True,
    video: bool = True,
    sample_rate: int = 48000,
    channels: int = 2,
    tone_hz: float = 440.0,
    clicks: bool = False,
    codec: str = "libx264",
    pattern: str = "gradient",
    color: Sequence[int] = (128, 128, 128),
    number_frames: bool = True,
    frame_fn: Optional[Callable[[int], np.ndarray]] = None,
    vfr_pts: Optional[Sequence[float]] = None,
    gop: int = 12,
    crf: int = 18,
) -> Path:
    """Write a small clip. ``frame_fn(i)`` overrides the pattern; ``vfr_pts`` (seconds) makes a
    variable-frame-rate file with those presentation times."""
    path = Path(path)
    fps = Fraction(fps)
    n_frames = len(vfr_pts) if vfr_pts is not None else int(round(duration * fps))
    with av.open(str(path), "w") as out:
        vs = None
        if video:
            vs = out.add_stream(codec, rate=fps)
            vs.width, vs.height = width, height
            vs.pix_fmt = "yuv420p" if codec != "gif" else "rgb8"
            if codec in ("libx264", "libx265"):
                vs.options = {"crf": str(crf), "preset": "ultrafast", "g": str(gop), "bf": "0"}
            if vfr_pts is not None:
                vs.codec_context.time_base = Fraction(1, 1000)
            if codec != "gif":
                # from_ndarray + the encoder convert RGB with BT.601; say so, or HD readers assume BT.709
                cc = vs.codec_context
                cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range = 6, 6, 6, 1
        aus = None
        if audio:
            aus = out.add_stream("aac", rate=sample_rate)
            aus.layout = "stereo" if channels == 2 else "mono"
        if vs is not None:
            for i in range(n_frames):
                img = frame_fn(i) if frame_fn else pattern_frame(i, width, height, pattern, color)
                img = np.ascontiguousarray(img, dtype=np.uint8)
                if number_frames:
                    img = img.copy()
                    encode_frame_number(img, i)
                vf = av.VideoFrame.from_ndarray(img, format="rgb24")
                if vfr_pts is not None:
                    vf.pts = int(round(vfr_pts[i] * 1000))
                    vf.time_base = Fraction(1, 1000)
                else:
                    vf.pts = i
                    vf.time_base = 1 / fps
                for pkt in vs.encode(vf):
                    out.mux(pkt)
            for pkt in vs.encode():
                out.mux(pkt)
        if aus is not None:
            seconds = vfr_pts[-1] + 1 / float(fps) if vfr_pts is not None else duration
            _mux_tone(out, aus, seconds, sample_rate, channels, tone_hz, clicks)
    return path


def _mux_tone(out, aus, seconds: float, sample_rate: int, channels: int, tone_hz: float,
              clicks: bool = False) -> None:
    """Encode ``seconds`` of a sine tone (and a click each second) into audio stream ``aus``."""
    total = int(round(seconds * sample_rate))
    t = np.arange(total, dtype=np.float64) / sample_rate
    wave = 0.3 * np.sin(2 * np.pi * tone_hz * t)
    if clicks:
        for s in range(int(total / sample_rate) + 1):
            a = s * sample_rate
            wave[a:a + 480] = 0.9
    data = np.repeat(wave[None, :], channels, axis=0).astype(np.float32)
    chunk = 1024
    for a in range(0, total, chunk):
        block = np.ascontiguousarray(data[:, a:a + chunk])
        af = av.AudioFrame.from_ndarray(block, format="fltp", layout=aus.layout.name)
        af.sample_rate = sample_rate
        af.pts = a
        af.time_base = Fraction(1, sample_rate)
        for pkt in aus.encode(af):
            out.mux(pkt)
    for pkt in aus.encode():
        out.mux(pkt)


def make_shots_clip(path: str | Path, colours: Sequence[Sequence[int]], *, frames_per_shot: int = 20,
                    width: int = 160, height: int = 96, fps: int = 25, seed: int = 0,
                    transition: str = "cut", transition_frames: int = 10) -> list[float]:
    """A clip of shots with known hard cuts: each shot is one flat colour with a block in the inverse
    colour sliding across and a little noise (so frames differ inside a shot). Returns the cut times
    in seconds (cut detection tests and bench/shots_vs_scenedetect.py).

    ``transition`` "fade" (through black) or "dissolve" spreads each cut over ``transition_frames``
    frames centred on it; the returned time is still the first frame that is mostly the next shot
    (a fade: the first frame after the black one)."""
    rng = np.random.default_rng(seed)
    bw, top, bh = width // 8, height * 5 // 12, max(2, height // 6)
    step = max(1, (width - bw) // 35)
    noise = 4 if width <= 160 else 6
    half = transition_frames // 2 if transition in ("fade", "dissolve") else 0

    def picture(k: int, i: int) -> np.ndarray:
        col = np.array(colours[k], np.uint8)
        img = np.zeros((height, width, 3), np.float32) + col
        x = ((i - k * frames_per_shot) * step) % (width - bw)
        img[top:top + bh, x:x + bw] = 255 - col
        return img

    def frame(i: int) -> np.ndarray:
        k, j = divmod(i, frames_per_shot)
        img = picture(k, i)
        if half and k > 0 and j < half:  # just after a cut: fading/dissolving in
            w = (half + j + 0.5) / (2 * half) if transition == "dissolve" else (j + 1) / half
            img = w * img + (1 - w) * (picture(k - 1, i) if transition == "dissolve" else 0)
        elif half and k + 1 < len(colours) and j >= frames_per_shot - half:  # just before: out
            jj = j - (frames_per_shot - half)
            if transition == "dissolve":
                w = (jj + 0.5) / (2 * half)
                img = (1 - w) * img + w * picture(k + 1, i)
            else:
                img = img * (half - 1 - jj) / half
        return np.clip(img.astype(int) + rng.integers(-noise, noise + 1, img.shape), 0, 255)

    make_test_clip(path, width=width, height=height, fps=fps, duration=len(colours) * frames_per_shot / fps,
                   audio=False, number_frames=False, frame_fn=frame)
    return [k * frames_per_shot / fps for k in range(1, len(colours))]


def make_pan_clip(path: str | Path, px_per_frame: int, *, width: int = 160, height: int = 96, fps: int = 25,
                  duration: float = 1.0, seed: int = 3) -> Path:
    """A camera pan over a coarse random texture: the picture content moves ``px_per_frame`` pixels
    LEFT each frame (a camera turning right; negative: right). 0 is a still shot (motion tests)."""
    rng = np.random.default_rng(seed)
    n = int(round(duration * fps))
    room = abs(px_per_frame) * n + 1
    tex = np.kron(rng.integers(0, 256, (height // 6 + 1, (width + 2 * room) // 6 + 1, 3), dtype=np.uint8),
                  np.ones((6, 6, 1), np.uint8))

    def frame(i: int) -> np.ndarray:
        off = room + px_per_frame * i
        return tex[:height, off:off + width]

    return make_test_clip(path, width=width, height=height, fps=fps, duration=duration, audio=False,
                          number_frames=False, frame_fn=frame)


def make_vfr_clip(
    path: str | Path,
    segments: Sequence[tuple[int, Fraction | int]] = ((60, 30), (30, 15)),
    *,
    width: int = 160,
    height: int = 120,
    audio: bool = True,
    jitter: float = 0.0,
    seed: int = 0,
) -> Path:
    """A variable-frame-rate clip as phones write them: ``segments`` of (frames, fps) back to
    back (the default is 2 s at 30 fps then 2 s at 15 fps: 90 numbered frames, 4 s), each
    frame lasting until the next (the last one its segment's 1/fps, so the length is exact).
    ``jitter`` (seconds) moves each timestamp by up to that much at random, like a camera
    clock; the container's clock is 1/90000 s (1/1000 s in Matroska)."""
    path = Path(path)
    times: list[Fraction] = []
    t = Fraction(0)
    for n, fps in segments:
        for _ in range(n):
            times.append(t)
            t += 1 / Fraction(fps)
    end = t
    rng = np.random.default_rng(seed)
    tb = Fraction(1, 90000)
    ticks = [round(x / tb) for x in times]
    if jitter:
        ticks = [ticks[0]] + [k + int(round(rng.uniform(-jitter, jitter) / tb)) for k in ticks[1:]]
    holds = {k: b - k for k, b in zip(ticks, ticks[1:] + [round(end / tb)], strict=True)}
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=Fraction(segments[0][1]))
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.options = {"crf": "18", "preset": "ultrafast", "g": "12", "bf": "0"}
        vs.codec_context.time_base = tb
        cc = vs.codec_context
        cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range = 6, 6, 6, 1
        aus = None
        if audio:
            aus = out.add_stream("aac", rate=48000)
            aus.layout = "stereo"

        def mux(packets):
            for pkt in packets:
                if pkt.pts is not None:
                    pkt.duration = int(holds[int(pkt.pts * pkt.time_base / tb)] * tb / pkt.time_base)
                out.mux(pkt)

        for i, k in enumerate(ticks):
            img = pattern_frame(i, width, height)
            encode_frame_number(img, i)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts, vf.time_base = k, tb
            mux(vs.encode(vf))
        mux(vs.encode())
        if aus is not None:
            _mux_tone(out, aus, float(end), 48000, 2, 440.0)
    return path


def make_demo_clip(path: str | Path, duration: float = 6.0) -> Path:
    """The embedded default the app opens with when no file is given: a colourful moving scene."""
    w, h, fps = 640, 360, Fraction(30)

    def scene(i: int) -> np.ndarray:
        t = i / float(fps)
        y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        sky = np.array([70, 130, 200], np.float32) * (1 - y) + np.array([200, 220, 240], np.float32) * y
        img = np.broadcast_to(sky, (h, w, 3)).copy()
        img[int(h * 0.7):] = np.array([60, 140, 70], np.float32)
        cx, cy = int(w * (0.2 + 0.6 * (t / duration))), int(h * 0.35 - 40 * np.sin(t * 2))
        yy, xx = np.ogrid[:h, :w]
        img[(xx - cx) ** 2 + (yy - cy) ** 2 < 30 ** 2] = (250, 210, 60)
        img[int(h * 0.55):int(h * 0.7), 100:220] = (150, 90, 60)
        return img.astype(np.uint8)

    return make_test_clip(path, width=w, height=h, fps=fps, duration=duration, frame_fn=scene,
                          number_frames=False, tone_hz=330.0, crf=23)


def make_numbered_clip(
    path: str | Path,
    *,
    n_frames: int = 50,
    width: int = 160,
    height: int = 120,
    fps: Fraction | int = Fraction(25),
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    options: Optional[dict] = None,
    rotation: int = 0,
    container_format: Optional[str] = None,
) -> Path:
    """A silent clip of numbered gradient frames with free codec options (B-frames, GOP, odd
    sizes with ffv1/mpeg4) and an optional display rotation: ``rotation`` degrees *clockwise*
    that a player must apply (a phone held upright writes 90)."""
    path = Path(path)
    fps = Fraction(fps)
    with av.open(str(path), "w", format=container_format) as out:
        vs = out.add_stream(codec, rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, pix_fmt
        if options:
            vs.options = {k: str(v) for k, v in options.items()}
        if rotation:
            vs.set_display_rotation(-rotation % 360)  # PyAV takes counter-clockwise degrees
        for i in range(n_frames):
            img = pattern_frame(i, width, height)
            encode_frame_number(img, i)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts, vf.time_base = i, 1 / fps
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    return path


def make_flv_clip(path: str | Path, *, n_frames: int = 50, width: int = 160, height: int = 120,
                  fps: int = 25, audio_codec: Optional[str] = None) -> Path:
    """An old-style Flash video: Sorenson H.263 (FLV1) numbered frames and a 440 Hz tone in MP3
    (``libmp3lame`` when this build has it, else Flash ADPCM). FLV's demuxer cannot seek before
    its first index entry, which readers must survive."""
    path = Path(path)
    if audio_codec is None:
        audio_codec = "libmp3lame" if "libmp3lame" in av.codecs_available else "adpcm_swf"
    sr = 44100
    with av.open(str(path), "w", format="flv") as out:
        vs = out.add_stream("flv", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.options = {"g": "12", "qscale": "3"}
        aus = out.add_stream(audio_codec, rate=sr)
        aus.layout = "stereo"
        for i in range(n_frames):
            img = pattern_frame(i, width, height)
            encode_frame_number(img, i)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, fps)
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
        total = int(n_frames / fps * sr)
        wave = (0.3 * np.sin(2 * np.pi * 440.0 * np.arange(total) / sr)).astype(np.float32)
        fmt = "fltp" if audio_codec == "libmp3lame" else "s16"
        chunk = aus.codec_context.frame_size or 1024
        for a in range(0, total - chunk + 1, chunk):
            block = np.stack([wave[a:a + chunk]] * 2)
            if fmt == "s16":
                block = (block.T * 32767).astype(np.int16).reshape(1, -1)
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format=fmt, layout="stereo")
            af.sample_rate, af.pts, af.time_base = sr, a, Fraction(1, sr)
            for pkt in aus.encode(af):
                out.mux(pkt)
        for pkt in aus.encode():
            out.mux(pkt)
    return path


def make_unknown_sound_clip(path: str | Path) -> Path:
    """An AVI of 10 frames of 64x48 video (frame i is grey level 20*i) beside a PCM sound track
    whose format tag no decoder knows: probe keeps the picture, leaves the sound out and says so."""
    path = Path(path)
    with av.open(str(path), "w", format="avi") as out:
        vs = out.add_stream("mpeg4", rate=25)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        aus = out.add_stream("pcm_s16le", rate=8000)
        aus.layout = "mono"
        for i in range(10):
            vf = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, np.uint8), format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, 25)
            out.mux(vs.encode(vf))
            af = av.AudioFrame.from_ndarray(np.zeros((1, 320), np.int16), format="s16", layout="mono")
            af.sample_rate, af.pts, af.time_base = 8000, i * 320, Fraction(1, 8000)
            out.mux(aus.encode(af))
        out.mux(vs.encode())
        out.mux(aus.encode())
    data = bytearray(path.read_bytes())
    at = data.find(b"strf", data.find(b"auds"))
    if data[at + 8:at + 10] != b"\x01\x00":  # WAVE_FORMAT_PCM, where the AVI muxer writes it
        raise RuntimeError("unexpected AVI layout: no PCM format tag after 'strf'")
    data[at + 8:at + 10] = b"\x99\x99"  # a format tag no decoder knows
    path.write_bytes(bytes(data))
    return path
