"""Video-native AI edits: the ai_edit op with a video family (tiny random-weight LTX-Video and Wan folders
on disk, the real loader and pipelines) beside the per-frame InstructPix2Pix backend, chosen by the
model folder or by "ai (video): ..."."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from decoded import decode

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from t2v_desktop.errors import Cancelled, GenerativeUnavailableError  # noqa: E402
from t2v_desktop.jobs import CancelToken  # noqa: E402
from t2v_desktop.media.info import probe  # noqa: E402
from t2v_desktop.ops import GenerativeContext, get_op  # noqa: E402


@pytest.fixture(scope="module")
def video_models(tmp_path_factory):
    from t2v_desktop.diffusion.families import family_named
    from t2v_desktop.diffusion.loader import unload_all

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("v2vmodels")
    family_named("wan").build_tiny(root / "tiny-wan")  # beside tiny_ltx's "ltx-video"
    yield root
    unload_all()
    torch.set_num_threads(threads)


@pytest.fixture
def env(tiny_ltx, video_models, tiny_models, tmp_path, monkeypatch):
    from conftest import models_env

    return models_env(monkeypatch, tmp_path, tiny_ltx, video_models, tiny_models)


@pytest.fixture
def moving(make_clip):
    return decode(make_clip(width=64, height=48, fps=8, duration=1.0))


def ctx(key="clip-v", cancel=None, log=None):
    log = log if log is not None else []
    return GenerativeContext(fps=Fraction(8), width=64, height=48, source_key=key,
                             progress=lambda d, t, m: log.append((d, t, m)), cancel=cancel)


def ai_edit(frames, c, **params):
    spec = get_op("ai_edit")
    return spec.fn(frames, c, **spec.validate({"prompt": "make it sunset", "steps": 2, "strength": 0.8, **params}))


@pytest.mark.parametrize("model", ["ltx-video", "tiny-wan"])
def test_video_family_edits_the_clip_same_count_and_size_then_caches(env, moving, model, monkeypatch):
    log: list = []
    out = ai_edit(moving, ctx(log=log), model=model)
    assert len(out) == len(moving) and out[0].shape == moving[0].shape and out[0].dtype == np.uint8
    assert np.abs(out[3].astype(int) - moving[3].astype(int)).mean() > 2  # really edited
    assert any("Video-to-video edit of 8 frames" in m for _d, _t, m in log)
    from t2v_desktop.diffusion import loader

    monkeypatch.setattr(loader, "load_video_pipeline", lambda *a, **k: pytest.fail("loaded for a cached edit"))
    again = ai_edit(moving, ctx(), model=model)
    assert all(np.array_equal(a, b) for a, b in zip(out, again, strict=True))


def test_backend_video_picks_the_default_video_model_and_frame_keeps_ip2p(env, moving):
    log: list = []
    ai_edit(moving, ctx(key="b1", log=log), backend="video")
    assert any("LTX-Video" in m for _d, _t, m in log)
    log.clear()
    ai_edit(moving, ctx(key="b2", log=log), backend="frame")
    assert any("AI edit of 8 frames" in m for _d, _t, m in log) and not any("LTX" in m for _d, _t, m in log)
    with pytest.raises(GenerativeUnavailableError, match="edit video with a video model"):
        ai_edit(moving, ctx(key="b3"), backend="video", model="instruct-pix2pix")


def test_cancel_between_steps(env, moving):
    token = CancelToken()

    def progress(d, t, m):
        if "step 1 of" in m:
            token.cancel()

    c = GenerativeContext(fps=Fraction(8), width=64, height=48, source_key="cancel", progress=progress,
                          cancel=token)
    with pytest.raises(Cancelled):
        ai_edit(moving, c, model="ltx-video", steps=4)


def test_cli_ai_video_prefix_keeps_frames_duration_and_audio(env, make_clip, capsys):
    from t2v_desktop.cli import main

    src = make_clip("v2v-cli", width=64, height=48, fps=8, duration=1.0)
    out = env / "v.mp4"
    assert main(["apply", str(src), "ai (video): make it sunset with 2 steps", "-o", str(out)]) == 0, \
        capsys.readouterr().err
    a, b = probe(str(src)), probe(str(out))
    assert b.frame_count == a.frame_count == 8 and b.fps == 8 and abs(b.duration - a.duration) < 0.01
    assert b.has_audio
    assert np.abs(decode(out)[4].astype(int) - decode(src)[4].astype(int)).mean() > 2


def test_out_of_memory_halves_the_chunk_then_says_what_to_do(env, moving, monkeypatch):
    from t2v_desktop.diffusion import generate

    calls: list = []
    real = generate._max_tokens

    def tokens(pipe, fam):  # called inside the pipeline call's try: raise as CUDA would
        n = calls[-1]
        if n > 4:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(pipe, fam)

    real_plan = generate.plan

    def plan(model, req, device="cpu"):
        p = real_plan(model, req, device)
        calls.append(p.keep)
        return p

    monkeypatch.setattr(generate, "_max_tokens", tokens)
    monkeypatch.setattr(generate, "plan", plan)
    log: list = []
    out = ai_edit(moving, ctx(key="oom", log=log), model="ltx-video")
    assert len(out) == 8 and calls == [8, 4, 4, 2]  # then chunks of 4 overlapping by 1
    assert any("Out of memory at 8 frames per call: retrying with 4" in m for _d, _t, m in log)
    calls.clear()
    monkeypatch.setattr(generate, "_max_tokens", lambda pipe, fam: (_ for _ in ()).throw(
        RuntimeError("CUDA out of memory")))
    from t2v_desktop.engine.generate import generate_clip

    with pytest.raises(GenerativeUnavailableError, match="Out of CPU memory for 8 frames.*shorter.*smaller"):
        generate_clip("waves", seconds=1, fps=8, width=64, height=64, steps=2, out=env / "oom.mp4")
    assert not (env / "oom.mp4").exists()


def test_long_clips_go_in_overlapping_chunks_cross_faded(env, moving, monkeypatch):
    from t2v_desktop.diffusion import generate, run

    monkeypatch.setattr(run, "V2V_CHUNK_FRAMES", 4)
    monkeypatch.setattr(run, "V2V_OVERLAP_FRAMES", 2)
    parts: list = []
    real = generate.generate_frames

    def recording(model, req, **kw):
        frames, plan = real(model, req, **kw)
        parts.append([int(f[0, 0, 0]) for f in req.video])
        return frames, plan

    monkeypatch.setattr(generate, "generate_frames", recording)
    out = ai_edit(moving, ctx(key="chunks"), model="ltx-video")
    assert len(out) == 8 and out[0].shape == moving[0].shape
    first = [int(f[0, 0, 0]) for f in moving]
    # chunk 4, overlap min(2, 4 // 4) = 1: frames 0-3, 3-6, 6-7
    assert parts == [first[0:4], first[3:7], first[6:8]]


def test_tasks_of_one_folder_share_it_and_keep_its_own_scheduler(env, moving):
    """v2v first (its call swaps in a scheduler without dynamic shift), then text-to-video and
    image-to-video from the same loaded components: each starts from the folder's scheduler."""
    from t2v_desktop.diffusion import loader
    from t2v_desktop.diffusion.generate import GenerateRequest, generate_frames
    from t2v_desktop.diffusion.models import resolve

    loader.unload_all()
    model = resolve("ltx-video", tasks=("v2v",))
    generate_frames(model, GenerateRequest("sunset", video=moving, steps=2))
    (pipes,) = loader._VIDEO.values()
    v2v = pipes["v2v"]
    assert not v2v.scheduler.config.use_dynamic_shifting and v2v._base_scheduler.config.use_dynamic_shifting
    generate_frames(model, GenerateRequest("waves", seconds=1, fps=8, width=64, height=64, steps=2))
    generate_frames(model, GenerateRequest("logo", seconds=1, fps=8, width=64, height=64, steps=2, image=moving[0]))
    for task in ("t2v", "i2v"):
        assert pipes[task].scheduler.config.use_dynamic_shifting and pipes[task].transformer is v2v.transformer
