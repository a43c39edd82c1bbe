"""Sources that are not video files: a solid colour, a still image, a title, a generated clip's
placeholder. Each is a Stage like a file's SourceStage (same surface, so any op stack runs on it),
drawn once and held: a 10 s title is rendered once, not 300 times.

Stills carry alpha (an image's own, a title's text); ``chain_alpha`` carries it through a clip's op
stack to the compositor: ops stay RGB in/out, the alpha follows the frame's size.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import List, Optional, Tuple

import numpy as np

from ..errors import MediaError, ProjectError
from .cache import content_key, source_identity
from .stages import Stage, resize, scaled_size
from .timemap import _round

DEFAULT_CANVAS = (1920, 1080)
MAX_IMAGE_PIXELS = 8192 * 8192


def image_size(path: str) -> Tuple[int, int]:
    """An image's (width, height) from its header, without decoding the pixels."""
    from PIL import Image, UnidentifiedImageError

    if not os.path.exists(path):
        raise MediaError(f"Image not found: {path}. It was moved or deleted; relink the clip to it.")
    try:
        with Image.open(path) as im:
            w, h = im.size
            if (im.getexif() or {}).get(0x0112, 1) in (5, 6, 7, 8):  # EXIF rotation by 90 degrees
                w, h = h, w
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise MediaError(f"{os.path.basename(path)} is not a picture t2v-desktop can read ({str(e)[:80]}).") from None
    if w * h > MAX_IMAGE_PIXELS or w < 1 or h < 1:
        raise MediaError(f"{os.path.basename(path)} is {w}x{h} pixels; pictures up to 8192x8192 are supported.")
    return w, h


def load_image(path: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """RGB and alpha (None when the picture is opaque) of an image file, EXIF rotation applied."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
            rgba = np.asarray(im.convert("RGBA" if has_alpha else "RGB"))
    except FileNotFoundError:
        raise MediaError(f"Image not found: {path}. It was moved or deleted; relink the clip to it.") from None
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise MediaError(f"{os.path.basename(path)} is not a picture t2v-desktop can read ({str(e)[:80]}).") from None
    if not has_alpha:
        return np.ascontiguousarray(rgba), None
    alpha = np.ascontiguousarray(rgba[..., 3])
    return np.ascontiguousarray(rgba[..., :3]), (None if alpha.min() == 255 else alpha)


def _hex_rgb(color: str) -> Tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


class StillStage(Stage):
    """A colour, image, title or placeholder held for the clip's length (in..out seconds)."""

    has_audio = False

    def __init__(self, clip, fps: Fraction, sample_rate: int, channels: int, scale: float = 1.0,
                 canvas: Tuple[int, int] = DEFAULT_CANVAS):
        self._init_cache()
        self.clip, self.source = clip, clip.source
        self.fps, self.sample_rate, self.channels, self.scale = Fraction(fps), sample_rate, channels, scale
        if clip.out_point is None:
            raise ProjectError(f"Clip '{clip.label[:40]}' needs a length (an out point) for its {self.source.type}.")
        self.frame_count = _round(clip.out_point * self.fps) - _round(clip.in_point * self.fps)
        if self.frame_count <= 0:
            raise ProjectError(f"Clip '{clip.label[:40]}' is shorter than one frame.")
        self.path = getattr(self.source, "path", None)
        self.full_size = image_size(self.path) if self.source.type == "image" else tuple(canvas)
        self.width, self.height = scaled_size(self.full_size, scale)
        ident = source_identity(self.path) if self.path else None
        self.key = content_key("still", self.source.to_json(), ident, self.full_size, scale)
        self.audio_key = content_key("silence", self.total_samples, sample_rate, channels)
        self.warnings: List[str] = []
        self._drawn: Optional[Tuple[np.ndarray, Optional[np.ndarray]]] = None

    def _draw(self) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        if self._drawn is None:
            size = (self.width, self.height)
            kind = self.source.type
            if kind == "color":
                rgb, alpha = np.empty((self.height, self.width, 3), np.uint8), None
                rgb[:] = _hex_rgb(self.source.color)
                if len(self.source.color) == 9:
                    alpha = np.full((self.height, self.width), int(self.source.color[7:9], 16), np.uint8)
            elif kind == "image":
                rgb, alpha = load_image(self.path)
                if (rgb.shape[1], rgb.shape[0]) != size:
                    rgb = resize(rgb, size)
                    alpha = None if alpha is None else resize(alpha, size)
            elif kind == "title":
                from .titles import find_font, render_title

                warning = find_font(self.source.style.font, self.source.style.weight, self.source.style.italic)[1]
                if warning and warning not in self.warnings:
                    self.warnings.append(warning)
                rgb, alpha = render_title(self.source.text, self.source.style, size)
            else:
                from .titles import render_placeholder

                card = render_placeholder(self.source.prompt, size)
                rgb, alpha = card if isinstance(card, tuple) else (card, None)
            if alpha is not None and alpha.min() == 255:
                alpha = None
            self._drawn = (rgb, alpha)
        return self._drawn

    def frame(self, i: int) -> np.ndarray:
        if not 0 <= i < self.frame_count:
            raise IndexError(f"frame {i} outside 0..{self.frame_count - 1}")
        return self._draw()[0]

    def alpha(self) -> Optional[np.ndarray]:
        return self._draw()[1]

    def read_audio(self, s0: int, s1: int) -> np.ndarray:
        return np.zeros((self.channels, max(s1 - s0, 0)), np.float32)


class SoundStage(Stage):
    """A sound file with no picture (music, a voice-over): its span on the frame grid, sound only.
    Its frames are black; audio tracks are never drawn."""

    has_audio = True

    def __init__(self, clip, fps: Fraction, sample_rate: int, channels: int, scale: float = 1.0,
                 canvas: Tuple[int, int] = DEFAULT_CANVAS):
        from .stages import probe_cached

        self._init_cache()
        self.clip, self.path = clip, clip.path
        info = probe_cached(self.path)
        if not info.has_audio:
            raise MediaError(f"{os.path.basename(self.path)} has neither picture nor sound.")
        self.fps, self.sample_rate, self.channels, self.scale = Fraction(fps), sample_rate, channels, scale
        self.full_size = tuple(canvas)
        self.width, self.height = scaled_size(self.full_size, scale)
        total = int(Fraction(info.duration).limit_denominator(10**6) * self.fps)
        start = _round(clip.in_point * self.fps)
        end = total if clip.out_point is None else min(_round(clip.out_point * self.fps), total)
        self.frame_count = end - start
        if self.frame_count <= 0:
            raise ProjectError(f"Clip '{clip.label[:40]}' starts at {clip.in_point:g}s, at or after the end of its "
                               f"sound ({info.duration:g}s). Trim it again.")
        from .timemap import frames_to_samples

        self.sample_offset = frames_to_samples(start, self.fps, sample_rate)
        ident = source_identity(self.path)
        self.key = content_key("sound", ident, start, self.frame_count, self.fps, scale)
        self.audio_key = content_key("source-audio", ident, self.sample_offset, self.total_samples, sample_rate,
                                     channels)
        self._as = None
        self._black: Optional[np.ndarray] = None

    def frame(self, i: int) -> np.ndarray:
        if self._black is None:
            self._black = np.zeros((self.height, self.width, 3), np.uint8)
            self._black.flags.writeable = False
        return self._black

    def read_audio(self, s0: int, s1: int) -> np.ndarray:
        from .stages import _exact

        if self._as is None:
            from ..media.audio import AudioSource

            self._as = AudioSource(self.path, sample_rate=self.sample_rate, channels=self.channels)
        sr = self.sample_rate
        a = self._as.read((self.sample_offset + s0) / sr, (self.sample_offset + s1) / sr)
        return _exact(a, s1 - s0, self.channels)

    def close(self) -> None:
        if self._as is not None:
            self._as.close()
            self._as = None


def make_source(clip, fps: Fraction, sample_rate: int, channels: int, scale: float = 1.0,
                canvas: Tuple[int, int] = DEFAULT_CANVAS, **kwargs) -> Stage:
    """The root stage of a clip's chain for its kind of source."""
    if clip.source.type == "file":
        from .stages import SourceStage, probe_cached

        if not probe_cached(clip.path).has_video:
            return SoundStage(clip, fps, sample_rate, channels, scale, canvas)
        return SourceStage(clip, fps, sample_rate, channels, scale, **kwargs)
    return StillStage(clip, fps, sample_rate, channels, scale, canvas)


def chain_alpha(stage: Stage) -> Optional[np.ndarray]:
    """The alpha of a chain's output (a still's alpha at the chain's frame size), or None (opaque)."""
    root = stage
    while getattr(root, "prev", None) is not None:
        root = root.prev
    if not isinstance(root, StillStage):
        return None
    alpha = root.alpha()
    if alpha is None:
        return None
    if alpha.shape[:2] != (stage.height, stage.width):
        alpha = resize(alpha, (stage.width, stage.height))
    return alpha
