"""Model registry, safety checks, messages, cache and estimates of the diffusion backend (no torch needed)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from t2v_desktop.diffusion import models
from t2v_desktop.diffusion.cache import ResultCache, make_key
from t2v_desktop.diffusion.estimate import estimate_seconds, format_duration
from t2v_desktop.diffusion.suggest import classic_suggestion
from t2v_desktop.errors import GenerativeUnavailableError, ParamError
from t2v_desktop.ops import GenerativeContext, get_op

IP2P_INDEX = {
    "_class_name": "StableDiffusionInstructPix2PixPipeline",
    "_diffusers_version": "0.42.1",
    "safety_checker": [None, None],
    "feature_extractor": [None, None],
    "scheduler": ["diffusers", "EulerAncestralDiscreteScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "tokenizer": ["transformers", "CLIPTokenizer"],
    "unet": ["diffusers", "UNet2DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
}


def _safetensors(path, tensors=None):
    """A valid safetensors file (header only, no torch)."""
    header = json.dumps(tensors or {"__metadata__": {"format": "pt"}}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header)


def fake_pipeline(folder, weights_suffix=".safetensors"):
    """A structurally complete pipeline folder (configs + weight files), no real weights."""
    folder.mkdir(parents=True)
    (folder / "model_index.json").write_text(json.dumps(IP2P_INDEX))
    (folder / "scheduler").mkdir()
    (folder / "scheduler" / "scheduler_config.json").write_text("{}")
    (folder / "tokenizer").mkdir()
    (folder / "tokenizer" / "vocab.json").write_text("{}")
    for comp, fname in (("unet", "diffusion_pytorch_model"), ("vae", "diffusion_pytorch_model"),
                        ("text_encoder", "model")):
        (folder / comp).mkdir()
        (folder / comp / "config.json").write_text("{}")
        target = folder / comp / (fname + weights_suffix)
        if weights_suffix == ".safetensors":
            _safetensors(target)
        else:
            target.write_bytes(b"PK\x03\x04 pickle data")
    return folder


@pytest.fixture
def model_env(tmp_path, monkeypatch):
    """Empty model folders and HF cache; returns (models_dir, hub_dir)."""
    mdir, hub = tmp_path / "models", tmp_path / "hub"
    mdir.mkdir()
    hub.mkdir()
    monkeypatch.setenv("T2V_MODELS_DIR", str(mdir))
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    return mdir, hub


def _ctx(key="src"):
    return GenerativeContext(fps=Fraction(25), width=32, height=32, source_key=key, progress=lambda *a: None)


def _frames(n=2):
    return [np.full((32, 32, 3), 100, np.uint8) for _ in range(n)]


def test_op_and_backend_modules_do_not_import_torch():
    code = (
        "import sys\n"
        "from t2v_desktop.ops import get_op, all_ops\n"
        "import t2v_desktop.ops.generative, t2v_desktop.diffusion.models, t2v_desktop.diffusion.run\n"
        "import t2v_desktop.diffusion.cache, t2v_desktop.diffusion.consistency, t2v_desktop.diffusion.estimate\n"
        "import t2v_desktop.diffusion.editor_sizes, t2v_desktop.diffusion.suggest\n"
        "all_ops(); spec = get_op('ai_edit')\n"
        "t2v_desktop.diffusion.models.models_report()\n"
        "heavy = {'torch', 'diffusers', 'transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "print(spec.kind.value, spec.category)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["generative", "ai"]


def test_ai_edit_params_match_the_catalogue():
    spec = get_op("ai_edit")
    assert spec.validate({}) == {"prompt": "", "strength": 0.6, "guidance": 7.5, "image_guidance": 1.5,
                                 "steps": 20, "seed": 0, "model": "", "mode": "quality", "backend": "auto"}
    for bad in ({"strength": 1.5}, {"guidance": 0.5}, {"image_guidance": 6}, {"steps": 0}, {"mode": "turbo"}):
        with pytest.raises(ParamError):
            spec.validate(bad)


def test_empty_prompt_is_a_param_error(model_env):
    spec = get_op("ai_edit")
    with pytest.raises(ParamError, match="prompt"):
        spec.fn(_frames(), _ctx(), **spec.validate({}))


def test_missing_model_says_where_it_looked_how_to_fetch_and_the_classic_look(model_env):
    mdir, hub = model_env
    spec = get_op("ai_edit")
    with pytest.raises(GenerativeUnavailableError) as exc:
        spec.fn(_frames(), _ctx(), **spec.validate({"prompt": "make it sunset"}))
    msg = str(exc.value)
    assert "instruct-pix2pix" in msg and "not installed" in msg
    assert str(mdir / "instruct-pix2pix") in msg
    assert str(hub / "models--timbrooks--instruct-pix2pix") in msg
    assert "hf download timbrooks/instruct-pix2pix --include" in msg and '"*/*.safetensors"' in msg
    assert "huggingface-cli download" in msg
    assert "`classic: make it sunset`" in msg
    # no classic equivalent: no suggestion, still the fetch command
    with pytest.raises(GenerativeUnavailableError) as exc:
        models.resolve("", prompt="turn it into a watercolor painting")
    assert "classic:" not in str(exc.value) and "hf download" in str(exc.value)


def test_pickle_only_model_folder_is_refused(model_env):
    mdir, _ = model_env
    fake_pipeline(mdir / "instruct-pix2pix", weights_suffix=".bin")
    with pytest.raises(GenerativeUnavailableError) as exc:
        models.resolve("")
    msg = str(exc.value)
    assert "diffusion_pytorch_model.bin" in msg and "pickle" in msg and ".safetensors" in msg
    problems = models.verify_model(mdir / "instruct-pix2pix")
    assert len(problems) == 3  # unet, vae, text_encoder
    report = models.models_report()
    assert "BROKEN" in report and "pickle" in report


def test_corrupt_safetensors_is_reported(model_env):
    mdir, _ = model_env
    folder = fake_pipeline(mdir / "instruct-pix2pix")
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"\xff" * 20)
    problems = models.verify_model(folder)
    assert len(problems) == 1 and "unet/diffusion_pytorch_model.safetensors" in problems[0]


def test_missing_component_is_reported(model_env):
    mdir, _ = model_env
    folder = fake_pipeline(mdir / "instruct-pix2pix")
    (folder / "vae" / "config.json").unlink()
    assert models.verify_model(folder) == ["vae/ has no config.json."]


def test_models_found_in_models_dir_and_hf_cache(model_env):
    mdir, hub = model_env
    # HF cache layout: models--owner--name/refs/main -> snapshots/<rev>
    root = hub / "models--timbrooks--instruct-pix2pix"
    snap = fake_pipeline(root / "snapshots" / "abc123")
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text("abc123")
    r = models.resolve("")
    assert r.path == snap and r.kind == "ip2p" and r.id == "timbrooks/instruct-pix2pix"
    assert models.resolve("timbrooks/instruct-pix2pix").path == snap
    # a folder in T2V_MODELS_DIR wins over the HF cache
    local = fake_pipeline(mdir / "instruct-pix2pix")
    assert models.resolve("instruct-pix2pix").path == local
    # any folder by path, and a bare folder name in the models dir
    other = fake_pipeline(mdir / "my-edit-model")
    assert models.resolve(str(other)).path == other
    assert models.resolve("my-edit-model").path == other
    rows = {r["name"]: r for r in models.list_models()}
    assert rows["instruct-pix2pix"]["installed"] and rows["instruct-pix2pix"]["path"] == str(local)
    assert not rows["sd15-img2img"]["installed"]
    assert rows["my-edit-model"]["installed"] and rows["my-edit-model"]["role"] == "local folder"
    report = models.models_report()
    assert "instruct-pix2pix" in report and "installed" in report and "my-edit-model" in report
    assert "hf download stable-diffusion-v1-5/stable-diffusion-v1-5" in report


def test_unknown_model_name_lists_the_known_ones(model_env):
    with pytest.raises(GenerativeUnavailableError, match="instruct-pix2pix, sd15-img2img"):
        models.resolve("no such model")


def test_fingerprint_changes_when_weights_change(model_env):
    mdir, _ = model_env
    folder = fake_pipeline(mdir / "m")
    before = models.fingerprint(folder)
    _safetensors(folder / "unet" / "diffusion_pytorch_model.safetensors", {"__metadata__": {"v": "2"}})
    assert models.fingerprint(folder) != before


@pytest.mark.parametrize("prompt,expected", [
    ("make it sunset", "classic: make it sunset"),
    ("golden hour glow", "classic: make it sunset"),
    ("turn day into night", "classic: make it night"),
    ("make it look like an old film", "classic: make it vintage"),
    ("film noir", "classic: make it black and white"),
    ("add snow", "classic: make it cooler"),
    ("turn it into a watercolor painting", None),
])
def test_classic_suggestions(prompt, expected):
    assert classic_suggestion(prompt) == expected


def test_result_cache_roundtrip_and_keys(tmp_path):
    cache = ResultCache(tmp_path)
    frames = [np.random.default_rng(i).integers(0, 256, (12, 16, 3), dtype=np.uint8) for i in range(3)]
    k1 = make_key(source="a", params={"prompt": "x", "steps": 2}, seed=0)
    assert make_key(source="a", params={"steps": 2, "prompt": "x"}, seed=0) == k1  # order-free
    assert make_key(source="a", params={"prompt": "x", "steps": 3}, seed=0) != k1
    assert make_key(source="b", params={"prompt": "x", "steps": 2}, seed=0) != k1
    assert cache.get(k1) is None
    cache.put(k1, frames, {"model": "m"})
    back = cache.get(k1, expect_frames=3)
    assert back is not None and all(np.array_equal(a, b) for a, b in zip(frames, back, strict=True))
    assert cache.get(k1, expect_frames=4) is None
    assert not list(tmp_path.rglob("*.part"))  # temp files renamed away
    meta = json.loads(next(tmp_path.rglob("*.json")).read_text())
    assert meta["frames"] == 3 and meta["model"] == "m"


def test_result_cache_prunes_least_recently_used(tmp_path):
    cache = ResultCache(tmp_path, max_bytes=1)  # a 1-byte budget holds nothing
    rng = np.random.default_rng(0)
    cache.put("aa" * 32, [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)])
    assert cache.get("aa" * 32) is None  # over budget: dropped


def test_corrupt_cache_entry_is_dropped(tmp_path):
    cache = ResultCache(tmp_path)
    key = "ab" * 32
    cache.put(key, [np.zeros((4, 4, 3), np.uint8)])
    npz = next(tmp_path.rglob("*.npz"))
    npz.write_bytes(b"not a zip")
    assert cache.get(key) is None and not npz.exists()


def test_estimate_scales_with_work_and_says_it_is_an_estimate():
    a = estimate_seconds(10, 512, 512, 20, device="cpu")
    assert estimate_seconds(20, 512, 512, 20, device="cpu").seconds == pytest.approx(2 * a.seconds)
    assert estimate_seconds(10, 1024, 1024, 20, device="cpu").seconds == pytest.approx(4 * a.seconds)
    assert estimate_seconds(10, 512, 512, 20, device="cuda").seconds < a.seconds / 50
    assert "estimate" in a.describe() and "typical" in a.describe()
    m = estimate_seconds(10, 512, 512, 20, device="cpu", seconds_per_latent_pixel=1e-4)
    assert m.measured and "measured" in m.describe()
    assert format_duration(30) == "30 s" and format_duration(600) == "10 min" and format_duration(7200) == "2.0 h"


def test_up_front_estimate_reads_configs_only(model_env):
    from t2v_desktop.diffusion.run import estimate_ai_edit

    mdir, _ = model_env
    fake_pipeline(mdir / "instruct-pix2pix")  # configs default to SD 1.5 sizes; weights are empty files
    quality = estimate_ai_edit(100, 1920, 1080, steps=20)
    assert quality.seconds > 0 and "estimate" in quality.describe()
    fast = estimate_ai_edit(100, 1920, 1080, steps=20, mode="fast")
    assert fast.seconds == pytest.approx(quality.seconds * (8 * 3 + 2) / (20 * 3 + 2))
    half = estimate_ai_edit(50, 1920, 1080, steps=20)
    assert half.seconds == pytest.approx(quality.seconds / 2)
