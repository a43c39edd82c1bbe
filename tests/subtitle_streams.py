"""Reading the subtitle streams of an exported file back with PyAV (shared by the subtitle tests)."""

from __future__ import annotations

import html
from pathlib import Path

import av


def demux_subtitles(path: Path) -> list:
    """[(codec, language, title, [(start s, end s, text)])] for each subtitle stream of ``path``."""
    with av.open(str(path)) as c:
        streams = list(c.streams.subtitles)
        if not streams:  # c.demux([]) would walk every stream's packets
            return []
        cues: dict = {s.index: [] for s in streams}
        for p in c.demux(streams):
            if p.size == 0 or p.pts is None:
                continue
            codec, data = p.stream.codec_context.name, bytes(p)
            if codec == "mov_text":  # a 2-byte big-endian length, the text, then style boxes
                data = data[2: 2 + int.from_bytes(data[:2], "big")]
            text = data.decode("utf-8")
            if codec == "webvtt":
                text = html.unescape(text)
            if text:
                tb = p.time_base
                cues[p.stream.index].append((float(p.pts * tb), float((p.pts + p.duration) * tb), text))
        return [(s.codec_context.name, s.metadata.get("language"),
                 s.metadata.get("title") or s.metadata.get("name"), cues[s.index]) for s in streams]


def assert_cues(got, want, tol=0.0011):
    assert len(got) == len(want), got
    for (a, b, t), (a2, b2, t2) in zip(got, want, strict=True):
        assert t == t2 and abs(a - a2) <= tol and abs(b - b2) <= tol, (got, want)
