"""The ai_edit op end to end on tiny random-weight diffusers pipelines built on disk (no download).

The pipelines have real InstructPix2Pix / img2img structure (UNet with 8 / 4 input channels, KL VAE,
CLIP text encoder and tokenizer, scheduler, model_index.json, safetensors), just a few thousand
parameters, so every run takes well under a second on a CPU.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from decoded import decode

pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

import torch  # noqa: E402

from t2v_desktop.diffusion import editor as editor_mod  # noqa: E402
from t2v_desktop.diffusion.consistency import ConsistencySettings, mean_frame_difference  # noqa: E402
from t2v_desktop.errors import Cancelled, GenerativeUnavailableError  # noqa: E402
from t2v_desktop.jobs import CancelToken  # noqa: E402
from t2v_desktop.ops import GenerativeContext, get_op  # noqa: E402

OFF = ConsistencySettings(shared_noise=False, cross_frame_attention=False, flow_fusion=False, deflicker=False)


@pytest.fixture
def env(ai_env):
    return ai_env


@pytest.fixture
def calls(monkeypatch):
    """Counts pipeline invocations and records their batch sizes."""
    sizes: list[int] = []
    real = editor_mod.VideoEditor._run_pipe

    def counting(self, lp, images, *a, **k):
        sizes.append(len(images))
        return real(self, lp, images, *a, **k)

    monkeypatch.setattr(editor_mod.VideoEditor, "_run_pipe", counting)
    return sizes


@pytest.fixture
def moving(make_clip):
    """8 frames, 64x64, with audio: the spec's test clip."""
    return decode(make_clip(width=64, height=64, fps=8, duration=1.0))


@pytest.fixture
def static(make_clip):
    return decode(make_clip(width=64, height=64, fps=8, duration=1.0, pattern="texture", number_frames=False))


def ctx(key="clip-a", cancel=None, log=None):
    log = log if log is not None else []
    return GenerativeContext(fps=Fraction(8), width=64, height=64, source_key=key,
                             progress=lambda d, t, m: log.append((d, t, m)), cancel=cancel)


def ai_edit(frames, c, **params):
    spec = get_op("ai_edit")
    return spec.fn(frames, c, **spec.validate({"prompt": "make it sunset", "steps": 2, "strength": 1.0, **params}))


def test_ai_edit_returns_same_frames_count_and_size_with_progress(env, moving, calls):
    assert len(moving) == 8
    log = []
    out = ai_edit(moving, ctx(log=log))
    assert len(out) == 8 and all(f.shape == (64, 64, 3) and f.dtype == np.uint8 for f in out)
    assert np.abs(out[0].astype(int) - moving[0]).mean() > 5  # really changed
    assert calls == [4, 5]  # chunks of 4 frames; the second carries the anchor frame
    assert log[-1][0] == log[-1][1] == 8
    assert any("estimate" in m for _, _, m in log)
    done = [d for d, _, m in log if m.startswith("AI edit: frames")]
    assert done == sorted(done) and 0 < done[0] < 8  # per-step progress, increasing


def test_second_run_comes_from_the_disk_cache(env, moving, calls):
    first = ai_edit(moving, ctx())
    n = len(calls)
    log = []
    again = ai_edit(moving, ctx(log=log))
    assert len(calls) == n  # no pipeline call
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert "cached" in log[-1][2]
    assert list((env / "cache" / "diffusion").rglob("*.npz"))
    ai_edit(moving, ctx(), seed=1)  # another seed: another render
    ai_edit(moving, ctx(key="clip-b"))  # other upstream content: another render
    assert len(calls) == 3 * n


def test_cancel_stops_the_render_and_caches_nothing(env, moving):
    token = CancelToken()

    def progress(done, total, msg):
        if msg.startswith("AI edit: frames"):
            token.cancel()

    c = GenerativeContext(fps=Fraction(8), width=64, height=64, source_key="c", progress=progress, cancel=token)
    with pytest.raises(Cancelled):
        ai_edit(moving, c)
    assert not list((env / "cache").rglob("*.npz"))


def test_consistency_makes_a_static_clip_stay_static(env, static):
    """Random weights give noise-like edits; shared noise + cross-frame attention (+ fusion, deflicker)
    must make them agree frame to frame, where independent noise does not."""
    from t2v_desktop.diffusion.run import run_ai_edit

    def render(settings):
        return run_ai_edit(static, ctx(key=str(settings)), prompt="add snow", strength=1.0, guidance=7.5,
                           image_guidance=1.5, steps=2, seed=0, model="", mode="quality", settings=settings)

    source_flicker = mean_frame_difference(static)
    with_c = mean_frame_difference(render(ConsistencySettings()))
    latent_only = mean_frame_difference(render(ConsistencySettings(flow_fusion=False, deflicker=False)))
    without = mean_frame_difference(render(OFF))
    assert without > 20  # independent noise: every frame different
    assert with_c < source_flicker + 1.0 and latent_only < source_flicker + 1.0
    assert with_c < without / 10


def test_chunks_share_the_anchor_and_keep_order(env, moving, calls, monkeypatch):
    monkeypatch.setenv("T2V_AI_CHUNK_SIZE", "3")
    out = ai_edit(moving, ctx())
    assert calls == [3, 4, 3]  # 0-2, anchor+3-5, anchor+6-7
    assert len(out) == 8


def test_out_of_memory_retries_with_smaller_chunks(env, moving, monkeypatch):
    real = editor_mod.VideoEditor._run_pipe
    sizes = []

    def oom_when_big(self, lp, images, *a, **k):
        sizes.append(len(images))
        if len(images) > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(self, lp, images, *a, **k)

    monkeypatch.setattr(editor_mod.VideoEditor, "_run_pipe", oom_when_big)
    log = []
    out = ai_edit(moving, ctx(log=log))
    assert len(out) == 8 and sizes[0] == 4 and sizes[1] == 2
    assert any("Out of memory" in m for _, _, m in log)

    def always_oom(self, lp, images, *a, **k):
        raise RuntimeError("CUDA error: out of memory")

    monkeypatch.setattr(editor_mod.VideoEditor, "_run_pipe", always_oom)
    with pytest.raises(GenerativeUnavailableError, match="memory even for one frame"):
        ai_edit(moving, ctx(key="other"))


def test_other_errors_are_not_mistaken_for_oom(env, moving, monkeypatch):
    def broken(self, *a, **k):
        raise ValueError("boom")

    monkeypatch.setattr(editor_mod.VideoEditor, "_run_pipe", broken)
    with pytest.raises(ValueError, match="boom"):
        ai_edit(moving, ctx())


def test_frames_are_processed_near_native_size_and_restored(env, make_clip, calls, monkeypatch):
    seen = []
    real = editor_mod.VideoEditor._run_pipe

    def spy(self, lp, images, *a, **k):
        seen.append(images[0].shape)
        return real(self, lp, images, *a, **k)

    monkeypatch.setattr(editor_mod.VideoEditor, "_run_pipe", spy)
    frames = decode(make_clip(width=160, height=120, fps=4, duration=1.0))
    out = ai_edit(frames, ctx(key="160"))
    assert seen[0] == (48, 80, 3)  # ~64x64 area, 4:3, multiples of the tiny model's stride 16
    assert len(out) == 4 and out[0].shape == (120, 160, 3)
    assert editor_mod.processing_size(1920, 1080, 512, 64) == (704, 384)  # 16:9 near 512x512
    assert editor_mod.processing_size(512, 512, 512, 64) == (512, 512)


def test_img2img_model_by_folder_and_strength(env, moving, tiny_models, calls):
    out = ai_edit(moving, ctx(), model=str(tiny_models / "tiny-img2img"), strength=0.5, steps=4)
    assert len(out) == 8 and out[0].shape == (64, 64, 3)
    with pytest.raises(GenerativeUnavailableError, match="no step"):
        ai_edit(moving, ctx(key="x"), model="tiny-img2img", strength=0.2, steps=2)


def test_strength_zero_returns_the_source(env, moving, calls):
    out = ai_edit(moving, ctx(), strength=0.0)
    assert calls == [] and all(np.array_equal(a, b) for a, b in zip(out, moving, strict=True))


def test_fast_mode_uses_few_steps(env, moving, monkeypatch):
    steps_seen = []
    real = editor_mod.VideoEditor._run_pipe

    def spy(self, lp, images, indices, req, steps, *a, **k):
        steps_seen.append(steps)
        return real(self, lp, images, indices, req, steps, *a, **k)

    monkeypatch.setattr(editor_mod.VideoEditor, "_run_pipe", spy)
    log = []
    ai_edit(moving, ctx(log=log), mode="fast", steps=30)
    assert set(steps_seen) == {editor_mod.FAST_STEPS}
    assert any("few-step" in m for _, _, m in log)


def test_preview_keyframes(env, moving, calls):
    from t2v_desktop.diffusion import preview_keyframes

    previews = preview_keyframes(moving, 3, prompt="make it sunset", steps=2)
    assert [i for i, _ in previews] == [0, 4, 7]  # first, middle, last
    assert all(f.shape == (64, 64, 3) and f.dtype == np.uint8 for _, f in previews)
    assert calls == [3]  # one quick batch


def test_missing_backend_message(monkeypatch):
    import importlib.util

    from t2v_desktop.diffusion import run

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "diffusers" else real(name, *a))
    with pytest.raises(GenerativeUnavailableError, match=r"pip install 't2v-desktop\[diffusion\]'.*classic: make it night"):
        run.require_backend("turn it into night")


@pytest.mark.gpu
def test_cuda_fp16_render(env, moving, monkeypatch):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    monkeypatch.setenv("T2V_DEVICE", "cuda")
    from t2v_desktop.diffusion.device import pick_device

    dev = pick_device("cuda")
    assert dev.name == "cuda" and dev.dtype == torch.float16
    out = ai_edit(moving, ctx(key="gpu"))
    assert len(out) == 8 and out[0].shape == (64, 64, 3)


# -- through the real CLI (parse -> project -> render -> export) -----------------------------------

@pytest.fixture
def fresh_render(monkeypatch):
    """Forget the renderer's in-memory results (call again for a second run that must use the disk cache)."""

    def forget():
        _fresh_render_memory(monkeypatch)

    forget()
    return forget


def _fresh_render_memory(monkeypatch):
    from t2v_desktop.engine import stages
    from t2v_desktop.engine.cache import LRU

    monkeypatch.setattr(stages, "_GENERATED", LRU(2))


def _audio_similarity(a_path, b_path):
    from t2v_desktop.media.audio import AudioSource

    a = AudioSource(a_path).read(0.1, 0.9)
    b = AudioSource(b_path).read(0.1, 0.9)
    rms = float(np.sqrt((b ** 2).mean()) / np.sqrt((a ** 2).mean()))
    corr = float(np.corrcoef(a[0], b[0])[0, 1])
    return rms, corr


def test_cli_apply_ai_edit_keeps_frames_duration_and_audio_and_reuses_the_cache(
        env, make_clip, calls, fresh_render):
    from t2v_desktop import cli
    from t2v_desktop.media.info import probe

    clip = make_clip(width=64, height=64, fps=8, duration=1.0)
    out = env / "out.mp4"
    assert cli.main(["apply", str(clip), "ai: make it sunset", "-o", str(out)]) == 0
    first_calls = len(calls)
    assert first_calls == 2  # 8 frames in chunks of 4
    src_info, info = probe(clip), probe(out)
    assert info.frame_count == 8 and abs(info.duration - src_info.duration) < 0.05
    assert info.has_audio
    rms, corr = _audio_similarity(clip, out)
    assert 0.9 < rms < 1.1 and corr > 0.9  # the sound is the source's
    edited, source = decode(out), decode(clip)
    assert np.mean([np.abs(e.astype(int) - s).mean() for e, s in zip(edited, source, strict=True)]) > 5

    fresh_render()
    out2 = env / "out2.mp4"
    assert cli.main(["apply", str(clip), "ai: make it sunset", "-o", str(out2)]) == 0
    assert len(calls) == first_calls  # served from the disk cache: no pipeline call
    again = decode(out2)
    assert np.mean([np.abs(a.astype(int) - b).mean() for a, b in zip(edited, again, strict=True)]) < 0.5


def test_cli_ai_edit_on_a_range_leaves_the_rest_alone(env, make_clip, calls, fresh_render):
    from t2v_desktop import cli

    clip = make_clip(width=64, height=64, fps=8, duration=1.0)
    out = env / "ranged.mp4"
    assert cli.main(["apply", str(clip), "ai: make it sunset from 0:00.5 to 0:01", "-o", str(out)]) == 0
    assert sum(calls) == 4  # only the 4 frames of the range went through the model
    edited, source = decode(out), decode(clip)
    assert len(edited) == 8
    diffs = [float(np.abs(e.astype(int) - s).mean()) for e, s in zip(edited, source, strict=True)]
    assert max(diffs[:4]) < 3 and min(diffs[4:]) > 5


def test_cli_without_a_model_explains_and_writes_nothing(env, make_clip, monkeypatch, capsys, fresh_render):
    from t2v_desktop import cli

    monkeypatch.setenv("T2V_MODELS_DIR", str(env / "no-models"))
    clip = make_clip(width=64, height=64, fps=8, duration=1.0)
    out = env / "never.mp4"
    code = cli.main(["apply", str(clip), "ai: make it sunset", "-o", str(out)])
    err = capsys.readouterr().err
    assert code != 0 and not out.exists()
    assert "hf download timbrooks/instruct-pix2pix" in err and "classic: make it sunset" in err
    assert "Traceback" not in err


def test_a_cache_hit_needs_no_backend(env, moving, monkeypatch):
    from t2v_desktop.diffusion import run

    first = ai_edit(moving, ctx(key="nb"))

    def no_backend(prompt=""):
        raise AssertionError("the backend must not be needed for a cached render")

    monkeypatch.setattr(run, "require_backend", no_backend)
    monkeypatch.setattr(editor_mod, "VideoEditor", None)  # any use would fail
    again = ai_edit(moving, ctx(key="nb"))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_preview_then_full_render_loads_the_model_once(env, moving, monkeypatch):
    from t2v_desktop.diffusion import loader, preview_keyframes

    loader.unload_all()
    loads = []
    real = loader._pipeline_class

    def counting(family, *task):
        loads.append(family.name)
        return real(family, *task)

    monkeypatch.setattr(loader, "_pipeline_class", counting)
    preview_keyframes(moving, 2, prompt="make it sunset", steps=2)
    (lp,) = loader._LOADED.values()
    assert lp.fast and lp.pipe.scheduler is lp.fast_scheduler
    ai_edit(moving, ctx(key="after-preview"))
    assert loads == ["ip2p"]  # one load for both modes
    assert not lp.fast and lp.pipe.scheduler is lp.base_scheduler


def test_renders_take_turns_and_a_waiting_one_can_be_cancelled(env, moving):
    from t2v_desktop.diffusion.editor import _RENDER_LOCK

    token = CancelToken()
    log = []

    def progress(done, total, msg):
        log.append(msg)
        token.cancel()  # the user gives up while waiting

    c = GenerativeContext(fps=Fraction(8), width=64, height=64, source_key="wait", progress=progress, cancel=token)
    with _RENDER_LOCK:  # another render is running
        with pytest.raises(Cancelled):
            ai_edit(moving, c)
    assert log == ["Waiting for another AI render to finish..."]
    assert len(ai_edit(moving, ctx(key="wait"))) == 8  # free again


def test_an_unwritable_cache_does_not_lose_the_render(env, moving, monkeypatch):
    from t2v_desktop.diffusion.cache import ResultCache

    def full_disk(self, key, frames, meta=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ResultCache, "put", full_disk)
    log = []
    out = ai_edit(moving, ctx(key="full", log=log))
    assert len(out) == 8 and "could not cache" in log[-1][2] and "No space left" in log[-1][2]
