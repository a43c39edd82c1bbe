"""bench/diffusion_throughput.py must keep working: its CPU dry run here, its clear refusal without CUDA."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")



@pytest.fixture(scope="module")
def bench(load_bench):
    yield load_bench("diffusion_throughput")
    from t2v_desktop.diffusion.loader import unload_all

    unload_all()


def test_dry_run_completes_and_reports(bench, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "r.json"
    assert bench.main(["--dry-run", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "'unet': 859.5" in text  # the full SD 1.5 (InstructPix2Pix) configs build
    rows = json.loads(out.read_text())
    assert len(rows) == 1 and rows[0]["steps"] == 1 and rows[0]["frames"] == 4 and rows[0]["frames_per_s"] > 0


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_without_cuda_it_says_so(bench, capsys):
    assert bench.main([]) == 2
    assert "No CUDA GPU found" in capsys.readouterr().err


@pytest.mark.parametrize("family", ["ltx", "wan"])
def test_video_family_dry_run(bench, family, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "v.json"
    assert bench.main(["--family", family, "--dry-run", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "full-size configs build" in text and "'transformer': " in text
    rows = json.loads(out.read_text())
    assert [r["kind"] for r in rows] == ["t2v", "v2v"] and rows[0]["frames"] == 8 and rows[1]["frames_per_s"] > 0


def test_the_gpu_builder_feeds_the_real_generation_path(bench, tmp_path, monkeypatch):
    """build_video_model (the GPU path) checked on the CPU with tiny configs in place of the full ones."""
    from t2v_desktop.diffusion.device import Device
    from t2v_desktop.diffusion.generate import GenerateRequest, generate_frames
    from t2v_desktop.diffusion.testing import TINY_LTX_TRANSFORMER, TINY_LTX_VAE

    tiny_t5 = dict(bench.T5_XXL, vocab_size=64, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
                   relative_attention_num_buckets=8)
    monkeypatch.setitem(bench.VIDEO_FULL, "ltx", dict(
        bench.VIDEO_FULL["ltx"], transformer=("LTXVideoTransformer3DModel", TINY_LTX_TRANSFORMER),
        vae=("AutoencoderKLLTXVideo", TINY_LTX_VAE), text=("T5EncoderModel", tiny_t5)))
    monkeypatch.setenv("T2V_DEVICE", "cpu")
    model = bench.build_video_model("ltx", tmp_path, Device("cpu", torch.float32, "CPU"))
    frames, plan = generate_frames(model, GenerateRequest("waves", seconds=1, fps=8, width=64, height=64, steps=2))
    assert len(frames) == 8 and frames[0].shape == (64, 64, 3) and plan.width == 64
