"""The GUI's one doorway into the core: user-data paths, the demo clip, renderers.

Kept in one place so the widgets never guess at core module layout. ``paths``/``demo`` come
from the CLI engineer's modules when present, with small platformdirs fallbacks otherwise.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from ..edit.model import Project


def user_data_dir() -> Path:
    """Folder for autosave and the session lock (env ``T2V_DATA_DIR`` overrides, for tests)."""
    env = os.environ.get("T2V_DATA_DIR")
    if env:
        d = Path(env)
    else:
        try:
            from .. import paths  # type: ignore[attr-defined]

            d = Path(paths.user_data_dir())
        except (ImportError, AttributeError):
            import platformdirs

            d = Path(platformdirs.user_data_dir("t2v-desktop", appauthor=False))
    d.mkdir(parents=True, exist_ok=True)
    return d


def demo_clip() -> Path:
    """Path of the demo clip the app opens when started without a file."""
    try:
        from .. import demo  # type: ignore[attr-defined]

        for name in ("demo_clip_path", "demo_clip", "get_demo_clip", "ensure_demo_clip"):
            fn = getattr(demo, name, None)
            if callable(fn):
                return Path(fn())
    except ImportError:
        pass
    import platformdirs

    from ..media.synth import make_demo_clip

    d = Path(os.environ.get("T2V_CACHE_DIR") or platformdirs.user_cache_dir("t2v-desktop"))
    d.mkdir(parents=True, exist_ok=True)
    path = d / "demo-clip.mp4"
    if not path.exists():
        make_demo_clip(path)
    return path


def snapshot(project: Project) -> Project:
    """An independent copy for a worker thread (the GUI keeps mutating its own)."""
    return copy.deepcopy(project)


def before_project(project: Project) -> Project:
    """The project with every op disabled: the 'before' side of the compare view."""
    p = copy.deepcopy(project)
    for c in p.all_clips():
        for o in c.ops:
            o.enabled = False
    return p


def make_renderer(project: Project, preview_scale: float = 1.0, **kw):
    from ..edit.render import Renderer

    return Renderer(project, preview_scale=preview_scale, **kw)


def preview_scale_for(width: int, height: int, max_pixels: int = 960 * 540) -> float:
    """Proxy scale so a preview frame has at most ``max_pixels`` (1080p plays at 0.5)."""
    if width <= 0 or height <= 0:
        return 1.0
    s = (max_pixels / float(width * height)) ** 0.5
    return 1.0 if s >= 1 else max(0.1, round(s, 3))


def fmt_time(t: float, fps: float | None = None) -> str:
    """H:MM:SS.ff style timecode for labels."""
    t = max(0.0, float(t))
    m, s = divmod(t, 60)
    h, m = divmod(int(m), 60)
    if h:
        return f"{h}:{m:02d}:{s:05.2f}"
    return f"{m}:{s:05.2f}"
