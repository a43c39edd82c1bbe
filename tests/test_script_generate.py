"""Script to video with a local text-to-video model: a scene with no library shot shows a clip
generated from its words (a tiny random-weight LTX-Video folder built on disk, the real loader)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from t2v_desktop.engine.layout import TimelineLayout  # noqa: E402
from t2v_desktop.media.info import probe  # noqa: E402
from t2v_desktop.project.model import MediaSource  # noqa: E402
from t2v_desktop.script.build import BuildOptions, build_project, video_generator  # noqa: E402
from t2v_desktop.script.parse import parse_script  # noqa: E402


@pytest.fixture
def env(tmp_path, monkeypatch):
    from t2v_desktop.diffusion.families import family_named
    from t2v_desktop.diffusion.loader import unload_all

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    family_named("ltx").build_tiny(tmp_path / "models" / "ltx-video")
    for k, v in {"T2V_MODELS_DIR": tmp_path / "models", "T2V_CACHE_DIR": tmp_path / "cache",
                 "T2V_DATA_DIR": tmp_path / "data", "HF_HUB_CACHE": tmp_path / "hub"}.items():
        monkeypatch.setenv(k, str(v))
    monkeypatch.setenv("T2V_DEVICE", "cpu")
    yield tmp_path
    unload_all()
    torch.set_num_threads(threads)


def test_a_scene_without_a_shot_shows_a_generated_clip(env, monkeypatch):
    gen = video_generator(size=64, fps=4, steps=1)
    assert gen is not None
    r = build_project(parse_script("Waves roll onto the beach at sunset."),
                      BuildOptions(size=64, fps=8, title_seconds=1.0, end_seconds=1.0, generator=gen))
    assert r.plan.scenes[0].visual == "generated"
    clip = r.project.find_clip(r.scenes[0].visual_clip_id)
    from t2v_desktop.engine.generate import generated_dir

    assert isinstance(clip.source, MediaSource) and clip.path.startswith(str(generated_dir()))
    assert probe(clip.path).has_video
    lay = TimelineLayout(r.project)
    a, b = lay.clip_span(clip.id)
    assert a == pytest.approx(r.scenes[0].start) and b > r.scenes[0].end  # fills its scene and the transition


def test_no_model_no_generator(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_MODELS_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert video_generator() is None
