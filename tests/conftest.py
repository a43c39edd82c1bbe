"""Shared fixtures: small real clips generated with PyAV (see t2v_desktop/media/synth.py)."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("T2V_PREVIEW_AUDIO", "0")  # GUI tests stay silent on machines with speakers


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def make_clip(media_dir):
    """``make_clip(**kwargs) -> Path``: a clip from synth.make_test_clip, cached by its arguments.

    Defaults: 160x120, 25 fps, 2 s, stereo 440 Hz tone, frame numbers in the top row.
    """
    from t2v_desktop.media.synth import make_test_clip

    def _make(name: str | None = None, **kwargs):
        ext = kwargs.pop("ext", "mp4")
        key = hashlib.sha1(json.dumps(kwargs, sort_keys=True, default=str).encode()).hexdigest()[:10]
        path = media_dir / f"{name or 'clip'}-{key}.{ext}"
        if not path.exists():
            make_test_clip(path, **kwargs)
        return path

    return _make


@pytest.fixture
def clip(make_clip):
    """The default 2 s 160x120 25 fps clip with audio."""
    return make_clip()
