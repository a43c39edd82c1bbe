"""Keyframes per shot: the frames that stand for a shot in the bin, in search results, for OCR and
for CLIP embeddings, with small JPEG thumbnails on disk.

Why thumbnails on disk named by content: the GUI shows hundreds of results at once and must not
decode video for them; a file named by the sha1 of its bytes is written once, shared by identical
frames, and never half-written under its final name (temp + os.replace). The full-resolution frame
(capped at OCR_WIDTH) is handed to OCR and then dropped: one frame in memory at a time.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

THUMB_WIDTH = 160
OCR_WIDTH = 1280  # on-screen text needs pixels; a 4K frame is scaled down to this first
EVERY = 10.0      # a long shot gets one keyframe per EVERY seconds...
MOST = 5          # ...up to MOST
SEEK_GAP = 2.0    # decode forward to the next keyframe when it is this close, seek when farther


def keyframe_times(start: float, end: float, *, every: float = EVERY, most: int = MOST) -> List[float]:
    """Centres of ``n`` equal parts of the shot: its middle frame, more for a long shot."""
    dur = max(0.0, end - start)
    n = max(1, min(most, int(dur // every) + 1))
    return [start + (k + 0.5) * dur / n for k in range(n)]


def grab_frames(path, times: Sequence[float], *, max_width: int = OCR_WIDTH, cancel=None
                ) -> Iterator[Tuple[float, "object"]]:
    """(time asked, PIL image of the first frame at or after it) for each of the sorted ``times``.

    One decoder for the whole file: close times are reached by decoding forward, far ones by seeking.
    A time past the last frame gets the last frame."""
    import av

    from ..jobs import check

    with av.open(str(path)) as c:
        st = c.streams.video[0]
        st.thread_type = "AUTO"
        frames = None
        pos = float("-inf")
        last = None
        for t in times:
            check(cancel)
            if frames is None or t < pos or t - pos > SEEK_GAP:
                c.seek(max(0, int(max(0.0, t - 0.5) / st.time_base)), stream=st)
                frames = c.decode(st)
            got = None
            for fr in frames:
                last = fr
                pos = float(fr.time or 0.0)
                if pos >= t - 1e-3:
                    got = fr
                    break
            if got is None:  # end of stream: the last frame stands for times past it
                frames = None
                got = last
            if got is None:
                return
            w = min(max_width, got.width)
            h = max(2, int(round(got.height * w / max(1, got.width))) // 2 * 2)
            yield t, got.to_image(width=w, height=h)


def thumbnail_bytes(img, width: int = THUMB_WIDTH) -> bytes:
    """A ``width``-px-wide JPEG of a PIL image."""
    from PIL import Image

    im = img.convert("RGB")
    if im.width > width:
        im = im.resize((width, max(1, round(im.height * width / im.width))), Image.BILINEAR)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def save_thumbnail(img, folder: Path, width: int = THUMB_WIDTH) -> Path:
    """Write the thumbnail as ``folder/<sha1>.jpg`` (once; temp + rename) and return its path.

    An OSError (ENOSPC: a full disk) propagates; no partial file is left under the final name."""
    data = thumbnail_bytes(img, width)
    folder = Path(folder)
    target = folder / (hashlib.sha1(data).hexdigest()[:24] + ".jpg")
    if target.exists():
        try:
            os.utime(target)  # in use again: not old enough to prune while its row is being written
            return target
        except FileNotFoundError:
            pass
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp"  # two indexers, same frame
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


PRUNE_AGE = 24 * 3600.0  # another indexer (the GUI's, the CLI's) may be about to commit a fresh one


def prune_thumbnails(conn, folder: Path, *, min_age: float = PRUNE_AGE) -> int:
    """Delete thumbnails no keyframe refers to any more (files left or were re-analysed, killed runs),
    once they are ``min_age`` seconds old."""
    import time

    folder = Path(folder)
    if not folder.is_dir():
        return 0
    used = {Path(r[0]).name for r in conn.execute("SELECT DISTINCT thumb FROM keyframes WHERE thumb IS NOT NULL")}
    gone = 0
    old = time.time() - min_age
    for entry in os.scandir(folder):
        if entry.name.endswith((".jpg", ".tmp")) and entry.name not in used and entry.stat().st_mtime < old:
            try:
                os.unlink(entry.path)
                gone += 1
            except OSError:
                pass
    return gone


def mean_rgb(paths: Sequence[Optional[Path]]) -> Tuple[float, float, float]:
    """Mean colour over the thumbnails (0..255); black when there are none."""
    import numpy as np
    from PIL import Image

    acc = []
    for p in paths:
        if p is not None:
            with Image.open(p) as im:
                acc.append(np.asarray(im.convert("RGB"), np.float32).reshape(-1, 3).mean(axis=0))
    if not acc:
        return 0.0, 0.0, 0.0
    m = np.mean(acc, axis=0)
    return float(m[0]), float(m[1]), float(m[2])
