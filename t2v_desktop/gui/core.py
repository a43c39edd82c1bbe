"""The GUI's one doorway into the core: user-data paths, the demo clip, renderers.

Kept in one place so the widgets never guess at core module layout.
"""

from __future__ import annotations

import copy
from pathlib import Path

from ..project.model import Project


def user_data_dir() -> Path:
    """Folder for the session lock (env ``T2V_DATA_DIR`` overrides, for tests)."""
    from .. import paths

    return paths.data_dir()


def autosave_dir() -> Path:
    from .. import paths

    return paths.autosave_dir()


def demo_clip() -> Path:
    """Path of the demo clip the app opens when started without a file (generated once)."""
    from ..demo import demo_clip_path

    return demo_clip_path()


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
    from ..engine.render import Renderer

    return Renderer(project, preview_scale=preview_scale, **kw)


def clip_layouts(renderer) -> dict:
    """clip id -> (op id -> output spans, output time -> source time) for the timeline: op-range
    bars only over footage that exists, thumbnails of the frames actually shown."""
    import logging

    from ..engine.durations import op_output_spans, output_to_source

    out = {}
    for cid in renderer.clip_ids:
        try:
            out[cid] = (op_output_spans(renderer, cid), output_to_source(renderer, cid))
        except Exception:  # a view aid: never let it break the refresh
            logging.getLogger(__name__).exception("clip layout of %s failed", cid)
    return out


def op_notes(renderer) -> dict:
    """op id -> one-line notes of analysed ops (stabilize: "crops 1.06x; 2 scene cuts"), for the
    edit stack. Reads only analyses already finished (in the disk cache); one that is not there is
    never computed or waited for here (the GUI thread must not block on a running analysis)."""
    import logging

    from ..engine.cache import analysis_dir
    from ..engine.durations import chain_stages
    from ..errors import Cancelled
    from ..jobs import CancelToken

    stop = CancelToken()
    stop.cancel()
    out: dict = {}
    for cid in renderer.clip_ids:
        try:
            stages = chain_stages(renderer.chain(cid))[1]
        except Exception:
            continue
        for st in stages:
            if not callable(getattr(st, "notes", None)) or getattr(st.spec, "notes", None) is None:
                continue
            key = getattr(st, "analysis_key", "")
            if not key or not (analysis_dir() / f"{key}.json").is_file():
                continue  # not finished: asking would wait on the thread that is computing it
            try:
                st.analysis(cancel=stop)
                notes = st.notes()
            except Cancelled:
                continue  # not analysed yet: the Jobs panel is on it, or the preview will be
            except Exception:  # a note is a nicety: never let it break the refresh
                logging.getLogger(__name__).exception("notes of %s failed", st.aop.op)
                continue
            if notes:
                out[st.aop.id] = list(notes)
    return out


def source_duration(path: str):
    """A file's length as the timeline plays it (the bin shows the same number), or None."""
    from ..engine.durations import source_duration as dur
    from ..errors import T2VError

    try:
        return dur(path)
    except T2VError:
        return None
    except Exception:  # a probe bug: no duration rather than a broken bin
        import logging

        logging.getLogger(__name__).exception("duration of %s failed", path)
        return None


def close_renderer(r) -> None:
    """Close a renderer (or None) from a worker thread; a failure to close must not kill the worker."""
    close = getattr(r, "close", None)
    if callable(close):
        try:
            close()
        except Exception:
            pass


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
