"""bench/video_diffusion_throughput.py (issue 13's GPU numbers) must keep working: its tiny CPU run here,
its clear refusal without CUDA. Skips where diffusers has no LTX-Video classes."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")
if not all(hasattr(diffusers, n) for n in ("LTXPipeline", "LTXVideoTransformer3DModel", "AutoencoderKLLTXVideo")):
    pytest.skip("this diffusers has no LTX-Video classes", allow_module_level=True)



@pytest.fixture(scope="module")
def bench(load_bench):
    return load_bench("video_diffusion_throughput")


def test_tiny_run_times_t2v_v2v_and_decode(bench, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert bench.main(["--tiny", "--t2v", "2:1,2:3", "--v2v-steps", "1", "2", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    # the full-size parts build: LTX-Video 2 B transformer, 0.9.0 / 0.9.1 VAEs, T5 v1.1 XXL encoder
    assert "'transformer': 1923.4" in text and "'t5_xxl_encoder': 4762.3" in text
    assert "'vae_0.9.0': 419.2" in text and "'vae_0.9.1': 935.0" in text
    rows = json.loads(out.read_text())["results"]
    t2v = [r for r in rows if r["kind"] == "t2v"]
    assert [(r["steps"], r["guidance"]) for r in t2v] == [(2, 1.0), (2, 3.0)]
    for r in t2v:
        assert (r["frames"], r["height"], r["width"]) == (9, 32, 64)
        assert r["denoise_s"] > 0 and r["decode_s"] > 0
        assert r["total_s"] == pytest.approx(r["denoise_s"] + r["decode_s"], abs=2e-3)
    v2v = [r for r in rows if r["kind"] == "v2v"]
    assert [r["steps"] for r in v2v] == [1, 2]
    assert all(r["frames_per_s"] == pytest.approx(9 / r["total_s"], rel=0.02) for r in v2v)
    assert [r["kind"] for r in rows].count("decode_vae_0.9.1") == 1


def test_tokenizer_is_built_locally_with_t5_ids(bench):
    tok = bench.make_tokenizer(max_length=16)
    ids = tok("waves at sunset", padding="max_length", max_length=16, truncation=True).input_ids
    assert len(ids) == 16 and ids[3] == 1 and ids[4:] == [0] * 12  # three words, </s> = 1, then <pad> = 0
    assert 2 not in ids[:3]  # known words, not <unk>


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_without_cuda_it_says_so(bench, capsys):
    assert bench.main([]) == 2
    assert "No CUDA GPU found" in capsys.readouterr().err
