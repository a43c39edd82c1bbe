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
