"""Pipeline families (diffusion/families.py): one adapter per model_index.json _class_name, its tasks,
and a tiny random-weight folder per family that the real resolver and loader accept."""

from __future__ import annotations

import json
import struct

import pytest

from t2v_desktop.diffusion import families, models
from t2v_desktop.errors import GenerativeUnavailableError


def test_every_class_name_maps_to_one_family_and_tasks_are_known():
    assert families.family_for_class("StableDiffusionInstructPix2PixPipeline").name == "ip2p"
    assert families.family_for_class("StableDiffusionPipeline").name == "img2img"
    ltx = families.family_for_class("LTXConditionPipeline")
    assert ltx.name == "ltx" and ltx.can("t2v") and ltx.can("i2v") and ltx.can("v2v") and not ltx.can("frame_edit")
    assert families.family_for_class("WanPipeline").can("v2v")
    assert families.family_for_class("FluxPipeline") is None
    for fam in families.FAMILIES:
        assert fam.tasks <= set(families.TASKS) and fam.class_names
        assert all(families.BY_CLASS_NAME[c] is fam for c in fam.class_names)
    # registry rows name families
    for e in models.REGISTRY.values():
        assert e.kind in ("lora", "vae") or families.family_named(e.kind) is not None


def test_video_frame_counts_and_kwargs():
    ltx = families.family_named("ltx")
    assert ltx.frame_count(96, 8) == 97 and ltx.frame_count(97, 8) == 97 and ltx.frame_count(1, 8) == 1
    assert ltx.size(770, 500, 32) == (768, 512)
    kw = ltx.call_kwargs("v2v", prompt="p", width=64, height=32, frames=9, steps=4, guidance=3.0, fps=24,
                         video=["f"], strength=0.4)
    assert kw["denoise_strength"] == 0.4 and kw["video"] == ["f"] and kw["num_frames"] == 9
    assert ltx.effective_steps("v2v", 10, 0.4) == 4 and ltx.effective_steps("t2v", 10, 0.4) == 10
    wan = families.family_named("wan")
    assert wan.call_kwargs("v2v", prompt="p", width=32, height=32, frames=9, steps=4, guidance=5, fps=16,
                           video=["f"], strength=0.5)["strength"] == 0.5


def _fake(folder, class_name, weights=".safetensors"):
    folder.mkdir(parents=True)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": class_name,
                                                         "transformer": ["diffusers", "X"]}))
    (folder / "transformer").mkdir()
    (folder / "transformer" / "config.json").write_text("{}")
    (folder / "transformer" / f"diffusion_pytorch_model{weights}").write_bytes(struct.pack("<Q", 2) + b"{}")
    return folder


def test_resolve_checks_the_task(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    _fake(tmp_path / "flux", "FluxPipeline")
    with pytest.raises(GenerativeUnavailableError, match="generate video from text.*FluxPipeline.*LTXPipeline"):
        models.resolve(str(tmp_path / "flux"), tasks=("t2v",))
    bin_only = _fake(tmp_path / "ltx-bin", "LTXPipeline", weights=".bin")
    with pytest.raises(GenerativeUnavailableError, match="pickle weights.*safetensors"):
        models.resolve(str(bin_only), tasks=("t2v",))
    # the default generator is LTX-Video; missing, it says where it looked and how to fetch it
    with pytest.raises(GenerativeUnavailableError) as exc:
        models.resolve("", tasks=("t2v",))
    msg = str(exc.value)
    assert "ltx-video" in msg and str(tmp_path / "ltx-video") in msg
    assert "hf download Lightricks/LTX-Video" in msg and "huggingface-cli download" in msg


@pytest.mark.parametrize("name", ["ltx", "wan", "cogvideox"])
def test_tiny_video_families_build_and_resolve(name, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("diffusers")
    fam = families.family_named(name)
    folder = fam.build_tiny(tmp_path / name)
    assert families.class_name_of(folder) in fam.class_names
    assert models.verify_model(folder) == []
    r = models.resolve(str(folder), tasks=("t2v",))
    assert r.family is fam and r.kind == name
    with pytest.raises(GenerativeUnavailableError, match="cannot|can"):
        models.resolve(str(folder), tasks=("frame_edit",))


def test_a_sentencepiece_tokenizer_without_the_package_says_what_to_install(tmp_path, monkeypatch):
    import importlib.util

    folder = _fake(tmp_path / "ltx", "LTXPipeline")
    (folder / "tokenizer").mkdir()
    (folder / "tokenizer" / "spiece.model").write_bytes(b"\0" * 8)
    spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "sentencepiece" else spec(n, *a))
    with pytest.raises(GenerativeUnavailableError, match="spiece.model.*pip install sentencepiece"):
        models.resolve(str(folder), tasks=("t2v",))
    (folder / "tokenizer" / "tokenizer.json").write_text("{}")  # a fast tokenizer file needs nothing more
    assert models.resolve(str(folder), tasks=("t2v",)).family.name == "ltx"
