"""bench/asr_throughput.py (issue 11's GPU number) must keep working: its tiny CPU run here, its clear
refusal without CUDA."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")



@pytest.fixture(scope="module")
def bench(load_bench):
    return load_bench("asr_throughput")


def test_tiny_run_forces_the_token_count_and_reports_real_time_factor(bench, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert bench.main(["--tiny", "--minutes", "1", "--tokens", "6", "--json", str(out)]) == 0
    assert "large-v3 config builds (meta device): 1543.5 M parameters" in capsys.readouterr().out
    rows = json.loads(out.read_text())
    assert [r["path"] for r in rows] == ["whisper", "greedy"]
    for r in rows:
        assert r["windows"] == 2 and r["audio_s"] == 60 and r["new_tokens_seen"] == 6
        assert r["x_realtime_model"] == pytest.approx(60 / r["model_s"], rel=0.02)


def test_windows_cover_the_audio_in_30_s_pieces(bench):
    audio = bench.speech_like_signal(75)
    wins = bench.windows(audio)
    assert [len(w) for w in wins] == [480000, 480000, 240000]
    assert sum(len(w) for w in wins) == len(audio) and audio.dtype.name == "float32"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_without_cuda_it_says_so(bench, capsys):
    assert bench.main([]) == 2
    assert "No CUDA GPU found" in capsys.readouterr().err
