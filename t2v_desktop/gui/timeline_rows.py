"""The timeline's rows: which track sits where, and where each of its items is, in seconds.

Pure geometry from the project and its TimelineLayout (no painting, no decoding), so the widget
and the tests read the same answer: top to bottom the upper video tracks (the topmost first), the
main track (its picture lane over a lane with its sound), the audio tracks, then a lane per
subtitle track. A row's height can be changed by the user (``heights``: track id -> pixels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from PySide6.QtCore import QRectF

RULER_H = 22
TOP = 28                     # the first row's top (below the ruler)
GAP = 4                      # between rows
HEADER_W = 132               # the header column: name, M S L H, gain
VIDEO_H = 62                 # a video row's picture lane
SOUND_H = 38                 # the main track's sound lane under its picture
AUDIO_H = 40
SUB_H = 26
MIN_H, MAX_H = 22, 240
BUTTONS = {"video": ("muted", "solo", "locked", "hidden"), "audio": ("muted", "solo", "locked"),
           "subtitle": ("burn_in",)}
BUTTON_TEXT = {"muted": "M", "solo": "S", "locked": "L", "hidden": "H", "burn_in": "B"}


@dataclass
class Row:
    """One track's row. ``items``: (item, start s, end s) from the layout (Gaps included)."""

    kind: str                 # "video" | "audio" | "subtitle"
    track: object             # a Track or a SubtitleTrack
    label: str
    y: int
    h: int                    # the clip lane (the picture lane for the main track)
    main: bool = False
    items: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.track.id

    @property
    def locked(self) -> bool:
        return bool(getattr(self.track, "locked", False))

    @property
    def sound_y(self) -> Optional[int]:
        """Top of the main track's sound lane (None on other rows)."""
        return self.y + self.h + GAP if self.main else None

    @property
    def bottom(self) -> int:
        return self.y + self.h + (GAP + SOUND_H if self.main else 0)

    def accepts(self, clip) -> bool:
        """Whether a drag of ``clip`` may land here: picture on video rows, sound files on audio rows."""
        if self.kind == "subtitle":
            return False
        is_sound = clip.source.type == "file" and self.kind == "audio"
        return self.kind == "video" or is_sound

    def clip_spans(self) -> list:
        """(clip, start, end) of the row's clips."""
        return [(it, a, b) for it, a, b in self.items if type(it).__name__ == "Clip"]


def default_height(kind: str) -> int:
    return {"video": VIDEO_H, "audio": AUDIO_H}.get(kind, SUB_H)


def build_rows(project, layout, heights: Optional[dict] = None) -> list:
    """Rows of ``project`` top to bottom with their items placed by ``layout`` (a TimelineLayout;
    None when the project cannot be laid out: rows without items)."""
    heights = heights or {}
    rows: list = []
    y = TOP
    if project is None:
        return rows
    videos = project.video_tracks
    main = videos[0] if videos else None
    order = [("video", t) for t in reversed(videos)] + [("audio", t) for t in project.audio_tracks]
    order += [("subtitle", s) for s in project.subtitle_tracks]
    for kind, track in order:
        if kind == "subtitle":
            label = track.name or f"Subtitles {project.subtitle_tracks.index(track) + 1}"
            items = [(c, c.start, c.end) for c in track.cues]
        else:
            same = [t for t in project.tracks if t.kind == kind]
            label = track.name or f"{'V' if kind == 'video' else 'A'}{same.index(track) + 1}"
            if track is main and not track.name:
                label += " · main"
            items = []
            if layout is not None:
                try:
                    items = [(s.item, layout.seconds(s.start), layout.seconds(s.end)) for s in layout.spans(track)]
                except Exception:  # a stale layout (no such track): an empty row, never a broken view
                    items = []
        h = int(min(MAX_H, max(MIN_H, heights.get(track.id, default_height(kind)))))
        row = Row(kind, track, label, y, h, main=track is main, items=items)
        rows.append(row)
        y = row.bottom + GAP
    return rows


def content_height(rows: list) -> int:
    return (rows[-1].bottom if rows else TOP + VIDEO_H) + 8


def row_at(rows: list, y: float) -> Optional[Row]:
    for r in rows:
        if r.y - GAP / 2 <= y < r.bottom + GAP / 2:
            return r
    return None


def lane_rect(row: Row, x0: float, x1: float) -> QRectF:
    return QRectF(x0, row.y, max(2.0, x1 - x0 - 1), row.h)


def button_rects(row: Row) -> dict:
    """Header toggles of a row: prop name -> rect (also the hit areas)."""
    out = {}
    by = row.y + min(row.h - 18, 22) if row.h >= 40 else row.y + 3
    x = 6 if row.h >= 40 else HEADER_W - 24 if row.kind == "subtitle" else 62
    for name in BUTTONS[row.kind]:
        out[name] = QRectF(x, by, 17, 16)
        x += 20
    return out


def gain_rect(row: Row) -> Optional[QRectF]:
    if row.kind == "subtitle":
        return None
    by = button_rects(row)["muted"].top()
    return QRectF(HEADER_W - 48, by, 44, 16) if row.h >= 40 else QRectF(HEADER_W - 44, by, 40, 16)
