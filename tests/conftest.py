"""Shared fixtures: small real clips generated with PyAV (see t2v_desktop/media/synth.py)."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("T2V_PREVIEW_AUDIO", "0")  # GUI tests stay silent on machines with speakers
os.environ.setdefault("T2V_SCRUB_PROXY", "0")  # no background proxy builds unless a test asks for them


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


@pytest.fixture
def main_window(qtbot, tmp_path, monkeypatch):
    """A shown MainWindow with its own settings and autosave folder (never the user's)."""
    from PySide6.QtCore import QSettings

    from t2v_desktop.gui.main_window import MainWindow

    monkeypatch.setenv("T2V_AUTOSAVE_DIR", str(tmp_path / "autosave"))
    w = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    w.ask_save = lambda: "discard"
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Folder with tiny random-weight diffusion pipelines, built once per run: "instruct-pix2pix"
    (the default editor's name, so model="" finds it) and "tiny-img2img"."""
    torch = pytest.importorskip("torch")
    from t2v_desktop.diffusion.loader import unload_all
    from t2v_desktop.diffusion.testing import build_tiny_pipeline

    # Tiny models gain nothing from threads, and on a loaded 2-core machine OpenMP spinning makes
    # them 10-20x slower; one thread keeps every render well under a second.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("models")
    build_tiny_pipeline(root / "instruct-pix2pix", "ip2p")
    build_tiny_pipeline(root / "tiny-img2img", "img2img")
    yield root
    unload_all()
    torch.set_num_threads(threads)


def models_env(monkeypatch, tmp_path, *roots):
    """The model folders ``roots`` in T2V_MODELS_DIR, private cache/data/hub folders, the CPU."""
    monkeypatch.setenv("T2V_MODELS_DIR", os.pathsep.join(str(r) for r in roots))
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("T2V_DEVICE", "cpu")
    return tmp_path


@pytest.fixture(scope="module")
def tiny_ltx(tmp_path_factory):
    """Folder holding a tiny random-weight LTX-Video as "ltx-video" (the default generator's name),
    built once per test module."""
    torch = pytest.importorskip("torch")
    from t2v_desktop.diffusion.families import family_named
    from t2v_desktop.diffusion.loader import unload_all

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # see tiny_models
    root = tmp_path_factory.mktemp("videomodels")
    family_named("ltx").build_tiny(root / "ltx-video")
    yield root
    unload_all()
    torch.set_num_threads(threads)


@pytest.fixture
def ltx_env(tiny_ltx, tmp_path, monkeypatch):
    """Environment for video generation tests: the tiny LTX-Video, private cache/data folders, CPU."""
    return models_env(monkeypatch, tmp_path, tiny_ltx)


@pytest.fixture(scope="session")
def tiny_whisper(tmp_path_factory):
    """A tiny random-weight Whisper folder (tests/whisper_tiny.py), built once per run."""
    pytest.importorskip("transformers")
    pytest.importorskip("torch")
    from whisper_tiny import build_tiny_whisper

    return build_tiny_whisper(tmp_path_factory.mktemp("models") / "whisper-tiny-random")


@pytest.fixture
def ai_env(tiny_models, tmp_path, monkeypatch):
    """Environment for AI tests: the tiny models, private cache/data folders, CPU, default settings."""
    models_env(monkeypatch, tmp_path, tiny_models)
    for name in ("SHARED_NOISE", "CROSS_FRAME_ATTENTION", "FLOW_FUSION", "DEFLICKER", "CHUNK_SIZE",
                 "RESOLUTION", "CONFIRM"):
        monkeypatch.delenv(f"T2V_AI_{name}", raising=False)
    return tmp_path


@pytest.fixture(scope="module")
def load_bench():
    """``load_bench(name)``: ``bench/<name>.py`` loaded as a module (the bench scripts are not a
    package), with torch on one thread while the test module runs (tiny models gain nothing
    from more, and the suite shares the machine)."""
    import importlib.util
    from pathlib import Path

    torch = pytest.importorskip("torch")
    bench_dir = Path(__file__).resolve().parents[1] / "bench"

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, bench_dir / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield load
    torch.set_num_threads(threads)
