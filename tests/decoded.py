"""Every frame of a video file as RGB arrays, for tests that compare pixels."""

from __future__ import annotations


def decode(path) -> list:
    from t2v_desktop.media.frames import FrameSource

    src = FrameSource(str(path))
    try:
        return list(src.iter_frames())
    finally:
        src.close()
