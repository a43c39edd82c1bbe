"""`t2v-desktop generate` end to end on a tiny random-weight LTX-Video folder built on disk (the real
resolver, loader, pipeline, encoder): frame count, fps, duration, cache hit, cancel, image-to-video,
preview keyframes, the missing-model message and a pickle-only folder refused."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from decoded import decode

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from t2v_desktop.cli import main  # noqa: E402
from t2v_desktop.errors import Cancelled  # noqa: E402
from t2v_desktop.jobs import CancelToken  # noqa: E402
from t2v_desktop.media.info import probe  # noqa: E402

SMALL = ["--size", "64x64", "--fps", "8", "--steps", "2"]


@pytest.fixture
def env(ltx_env):
    return ltx_env


def test_generate_writes_the_asked_length_then_reuses_the_cache(env, capsys, monkeypatch):
    out = env / "waves.mp4"
    assert main(["generate", "waves at sunset", "--seconds", "2", "-o", str(out), *SMALL]) == 0
    err = capsys.readouterr().err
    # the estimate comes first, before any model loads
    assert err.index("Generating 16 frames (2.00 s at 8 fps) at 64x64, 2 steps: about") < err.index("Loading")
    info = probe(str(out))
    assert info.frame_count == 16 and info.fps == 8 and abs(info.duration - 2.0) < 0.01
    assert (info.width, info.height) == (64, 64) and not info.has_audio
    frames = decode(out)
    assert len(frames) == 16 and np.std(frames[0]) > 1  # real pixels, not a blank card
    # second run: a cache hit that loads nothing
    from t2v_desktop.diffusion import loader

    def no_load(*a, **k):
        raise AssertionError("the model was loaded for a cached clip")

    monkeypatch.setattr(loader, "load_video_pipeline", no_load)
    out2 = env / "again.mp4"
    assert main(["generate", "waves at sunset", "--seconds", "2", "-o", str(out2), *SMALL]) == 0
    assert "from the cache" in capsys.readouterr().err
    assert out2.read_bytes() == out.read_bytes()


def test_seed_changes_the_clip_and_the_same_seed_repeats_it(env):
    from t2v_desktop.engine.generate import generate_clip

    kw = dict(seconds=1, fps=8, width=64, height=64, steps=2)
    a = generate_clip("waves at sunset", seed=1, **kw)
    b = generate_clip("waves at sunset", seed=2, **kw)
    assert a.path != b.path and not a.cached and not b.cached
    fa, fb = decode(a.path), decode(b.path)
    assert np.abs(fa[3].astype(int) - fb[3].astype(int)).mean() > 1
    a.path.unlink()  # forget the cache: the same seed renders the same pixels
    again = generate_clip("waves at sunset", seed=1, **kw)
    assert not again.cached and np.abs(decode(again.path)[3].astype(int) - fa[3].astype(int)).mean() < 2


def test_animate_an_image(env, capsys):
    import cv2

    logo = env / "logo.png"
    img = np.zeros((40, 60, 3), np.uint8)
    img[10:30, 20:40] = (255, 200, 0)
    cv2.imwrite(str(logo), img)
    out = env / "logo.mp4"
    assert main(["generate", "the logo spins", "--image", str(logo), "--seconds", "1", "-o", str(out),
                 *SMALL]) == 0
    assert "Animating 8 frames" in capsys.readouterr().err
    info = probe(str(out))
    assert info.frame_count == 8 and info.fps == 8
    assert main(["generate", "the logo spins", "--image", str(env / "nope.png"), "-o", str(env / "x.mp4")]) != 0
    assert "No image at" in capsys.readouterr().err and not (env / "x.mp4").exists()


def test_cancel_leaves_no_file_and_no_cache_entry(env):
    from t2v_desktop.engine.generate import generate_clip, generated_dir

    token = CancelToken()
    seen = []

    def progress(done, total, msg):
        seen.append(msg)
        if "step 1 of" in msg:
            token.cancel()

    out = env / "cancelled.mp4"
    with pytest.raises(Cancelled):
        generate_clip("waves at sunset", seconds=1, fps=8, width=64, height=64, steps=3, out=out,
                      progress=progress, cancel=token)
    assert any("step 1 of 3" in m for m in seen) and not any("step 2 of 3" in m for m in seen)
    assert not out.exists() and list(env.glob("*.mp4*")) == []
    assert not generated_dir().exists() or not [p for p in generated_dir().rglob("*") if p.is_file()]


def test_preview_writes_low_res_keyframes_and_no_clip(env, capsys):
    kf = env / "kf"
    assert main(["generate", "waves at sunset", "--preview", str(kf), *SMALL]) == 0
    pngs = sorted(kf.glob("*.png"))
    printed = capsys.readouterr().out
    assert len(pngs) == 3 and all(str(p) in printed for p in pngs)
    assert not list(env.glob("*.mp4"))
    import cv2

    assert cv2.imread(str(pngs[0])).shape == (32, 32, 3)  # half the side


def test_missing_model_says_where_it_looked_and_how_to_fetch(env, monkeypatch, capsys):
    empty = env / "no-models"
    empty.mkdir()
    monkeypatch.setenv("T2V_MODELS_DIR", str(empty))
    out = env / "x.mp4"
    assert main(["generate", "waves at sunset", "-o", str(out)]) != 0
    err = capsys.readouterr().err
    assert "ltx-video" in err and "not installed" in err and str(empty / "ltx-video") in err
    assert "hf download Lightricks/LTX-Video" in err and "huggingface-cli download" in err
    assert not out.exists()


def test_pickle_only_folder_is_refused(env, tiny_ltx, capsys):
    bad = env / "ltx-bin"
    shutil.copytree(tiny_ltx / "ltx-video", bad)
    for f in bad.rglob("*.safetensors"):
        f.rename(f.with_name(f.name.replace(".safetensors", ".bin")))
    for f in bad.rglob("*.index.json"):
        f.unlink()
    out = env / "x.mp4"
    assert main(["generate", "waves", "--model", str(bad), "-o", str(out)]) != 0
    err = capsys.readouterr().err
    assert "pickle" in err and ".safetensors" in err and "diffusion_pytorch_model.bin" in err
    assert not out.exists()
    assert json.loads((bad / "model_index.json").read_text())["_class_name"] == "LTXPipeline"


def test_one_step_with_the_released_ltx_scheduler(env):
    """LTX-Video's scheduler (dynamic shift, shift_terminal) makes a 1-step schedule 0/0 in diffusers
    0.42; the adapter gives such calls a copy without the terminal shift."""
    from t2v_desktop.engine.generate import generate_clip

    clip = generate_clip("waves at sunset", seconds=1, fps=8, width=64, height=64, steps=1)
    assert clip.frames == 8 and np.std(decode(clip.path)[0]) > 1


@pytest.mark.parametrize("family", ["wan", "cogvideox"])
def test_other_families_generate_through_the_cli(env, family, tmp_path_factory, capsys):
    from t2v_desktop.diffusion.families import family_named

    folder = family_named(family).build_tiny(tmp_path_factory.mktemp(family) / family)
    out = env / f"{family}.mp4"
    assert main(["generate", "waves at sunset", "--model", str(folder), "--seconds", "1", "-o", str(out),
                 *SMALL]) == 0, capsys.readouterr().err
    info = probe(str(out))
    assert info.frame_count == 8 and info.fps == 8 and (info.width, info.height) == (64, 64)


@pytest.mark.parametrize("args,message", [
    (["waves", "--seconds", "0"], "up to 20 s"),
    (["waves", "--seconds", "25"], "up to 20 s"),
    (["   "], "Say what to generate"),
    (["waves", "--size", "10x10"], "out of range"),
    (["waves", "--size", "big"], "WIDTHxHEIGHT"),
])
def test_bad_requests_are_refused_before_anything_loads(env, args, message, capsys):
    out = env / "bad.mp4"
    assert main(["generate", *args, "-o", str(out)]) != 0
    assert message in capsys.readouterr().err and not out.exists()
    assert main(["generate", "waves", "-o", str(env / "x.txt")]) != 0
    assert "video file" in capsys.readouterr().err


def test_image_to_video_with_a_fixed_size_model(env, tmp_path_factory, capsys):
    """CogVideoX image-to-video (its own family): learned positional embeddings make one size only."""
    import cv2

    from t2v_desktop.diffusion.families import family_named

    folder = family_named("cogvideox-i2v").build_tiny(tmp_path_factory.mktemp("cogi2v") / "cogi2v")
    logo = env / "logo.png"
    cv2.imwrite(str(logo), np.full((30, 40, 3), 180, np.uint8))
    out = env / "anim.mp4"
    assert main(["generate", "the logo spins", "--image", str(logo), "--model", str(folder), "--seconds", "1",
                 "-o", str(out), *SMALL]) == 0
    assert "this model makes 32x32 only" in capsys.readouterr().err
    info = probe(str(out))
    assert info.frame_count == 8 and (info.width, info.height) == (32, 32)
    assert main(["generate", "waves", "--model", str(folder), "-o", str(env / "t.mp4")]) != 0  # no text-to-video
    assert "animate a still image" in capsys.readouterr().err
