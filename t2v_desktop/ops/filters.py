"""Filters (blur, sharpen, denoise) and fades to/from black that fade the sound with the picture.

Blur cost must not grow with the radius: small radii use an exact Gaussian, large ones OpenCV's
stack blur (a Gaussian approximation whose cost is constant per pixel). Denoise uses a small
bilateral filter: an edge-preserving smoother fast enough for video, unlike non-local means.
"""

from __future__ import annotations

from ..lazy import lazy
from .params import Float
from .registry import AudioContext, FrameContext, OpKind, operation

cv2 = lazy("cv2")
np = lazy("numpy")

# ---------------------------------------------------------------- blur / sharpen / denoise


def gaussian(frame: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of standard deviation ``sigma`` px, in constant time for large sigmas."""
    if sigma <= 3.0:
        return cv2.GaussianBlur(frame, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101)
    # A stack blur of kernel size k has a standard deviation of about k / 4.6.
    k = 2 * int(round(sigma * 2.3)) + 1
    k = min(k, 2 * (min(frame.shape[:2]) // 2) + 1) if min(frame.shape[:2]) > 2 else 3
    return cv2.stackBlur(frame, (k, k))


@operation(
    "blur",
    kind=OpKind.FRAME,
    params={"radius": Float(min=0.5, max=100, default=5, unit="px", small=2, large=15,
                            description="Gaussian standard deviation in pixels")},
    description="Soften the whole picture with a Gaussian blur.",
    synonyms=("gaussian blur", "soften", "defocus", "blurry"),
    category="filter",
    examples=("blur it", "blur 10px", "a little blur"),
)
def blur(frame: np.ndarray, ctx: FrameContext, radius: float = 5.0) -> np.ndarray:
    return gaussian(frame, float(radius))


@operation(
    "sharpen",
    kind=OpKind.FRAME,
    params={"amount": Float(min=0, max=3, default=0.8, small=0.3, large=1.5,
                            description="unsharp-mask strength; 1 doubles fine detail")},
    description="Make edges and fine detail crisper (unsharp mask).",
    synonyms=("sharpness", "unsharp mask", "crispen"),
    category="filter",
    examples=("sharpen", "sharpen a lot", "sharpen 0.5"),
)
def sharpen(frame: np.ndarray, ctx: FrameContext, amount: float = 0.8) -> np.ndarray:
    if amount <= 0:
        return frame.copy()
    soft = cv2.GaussianBlur(frame, (0, 0), 1.2)
    return cv2.addWeighted(frame, 1.0 + amount, soft, -float(amount), 0.0)


@operation(
    "denoise",
    kind=OpKind.FRAME,
    params={"strength": Float(min=0, max=1, default=0.5, small=0.2, large=0.8,
                              description="0 off .. 1 strongest; stronger also smooths fine texture")},
    description="Reduce video noise and grain while keeping edges.",
    synonyms=("noise reduction", "reduce noise", "remove noise", "degrain", "de noise"),
    category="filter",
    examples=("denoise", "remove the grain", "denoise strongly"),
)
def denoise(frame: np.ndarray, ctx: FrameContext, strength: float = 0.5) -> np.ndarray:
    if strength <= 0:
        return frame.copy()
    # Edge-preserving: pixels only average with neighbours of similar colour (sigma_color).
    d = 5 if strength < 0.75 else 7
    sigma_color = 8.0 + 52.0 * strength
    return cv2.bilateralFilter(frame, d, sigma_color, 2.0 + 2.0 * strength)


# ---------------------------------------------------------------- fades


def fade_gain(t: np.ndarray | float, duration: float, span: tuple[float, float], out: bool):
    """Gain in [0, 1] at time(s) ``t`` for a fade of ``duration`` at the start (in) / end (out) of
    ``span``; 1 outside the span (a scoped fade leaves the rest of the clip alone)."""
    start, end = span
    t = np.asarray(t, np.float64)
    g = (end - t) / duration if out else (t - start) / duration
    g = np.clip(g, 0.0, 1.0)
    return np.where((t < start) | (t > end), 1.0, g)


def _span(rng, duration: float) -> tuple[float, float]:
    return (float(rng[0]), float(rng[1])) if rng is not None else (0.0, float(duration))


def _fade_frame(frame: np.ndarray, ctx: FrameContext, duration: float, out: bool) -> np.ndarray:
    start, end = _span(ctx.range, ctx.duration)
    if ctx.time < start or ctx.time >= end:
        return frame.copy()  # outside a scoped fade
    if out:
        # A frame is on screen for [t, t + 1/fps): the last frame of a fade-out is black.
        t_end = min(ctx.time + (1.0 / float(ctx.fps) if ctx.fps else 0.0), end)
        g = (end - t_end) / duration
    else:
        g = (ctx.time - start) / duration  # black on the first frame
    if g >= 1.0:
        return frame.copy()
    return cv2.convertScaleAbs(frame, alpha=max(0.0, g))


def _fade_audio(samples: np.ndarray, ctx: AudioContext, duration: float, out: bool) -> np.ndarray:
    n = samples.shape[-1]
    t = ctx.start_time + np.arange(n, dtype=np.float64) / ctx.sample_rate
    g = fade_gain(t, duration, _span(ctx.range, ctx.duration), out).astype(np.float32)
    return (samples * g).astype(np.float32, copy=False)


_FADE = {"duration": Float(min=0.05, max=60, default=1.0, unit=" s", small=0.5, large=3.0,
                           description="length of the fade")}


def _fade_in_audio(samples: np.ndarray, ctx: AudioContext, duration: float = 1.0) -> np.ndarray:
    return _fade_audio(samples, ctx, duration, out=False)


def _fade_out_audio(samples: np.ndarray, ctx: AudioContext, duration: float = 1.0) -> np.ndarray:
    return _fade_audio(samples, ctx, duration, out=True)


@operation(
    "fade_in",
    kind=OpKind.FRAME,
    params=dict(_FADE),
    description="Fade in from black at the start (picture and sound).",
    synonyms=("fade from black", "fade up"),
    category="fade",
    examples=("fade in", "fade in over 2 seconds", "fade from black"),
    audio_fn=_fade_in_audio,
)
def fade_in(frame: np.ndarray, ctx: FrameContext, duration: float = 1.0) -> np.ndarray:
    return _fade_frame(frame, ctx, float(duration), out=False)


@operation(
    "fade_out",
    kind=OpKind.FRAME,
    params=dict(_FADE),
    description="Fade out to black at the end (picture and sound).",
    synonyms=("fade to black", "fade down"),
    category="fade",
    examples=("fade out", "fade out over the last 3 seconds", "fade to black"),
    audio_fn=_fade_out_audio,
)
def fade_out(frame: np.ndarray, ctx: FrameContext, duration: float = 1.0) -> np.ndarray:
    return _fade_frame(frame, ctx, float(duration), out=True)

