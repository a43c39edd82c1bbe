"""bench/temporal_consistency.py runs every backend on the static and the panning clip (tiny models)."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")


def test_reports_each_backend_on_both_clips(load_bench, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("T2V_DEVICE", "cpu")
    bench = load_bench("temporal_consistency")
    out = tmp_path / "r.json"
    assert bench.main(["--frames", "4", "--steps", "1", "--families", "ip2p", "ltx", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert {(r["backend"], r["clip"]) for r in rows} == {
        (b, c) for b in ("ip2p per-frame, consistency off", "ip2p per-frame, consistency on", "ltx video-to-video")
        for c in ("static", "pan")}
    static_in = {r["input_mfd"] for r in rows if r["clip"] == "static"}
    pan_in = {r["input_mfd"] for r in rows if r["clip"] == "pan"}
    assert static_in == {0.0} and min(pan_in) > 1
    # shared noise + cross-frame attention + fusion: a static clip stays static
    on = next(r for r in rows if r["backend"] == "ip2p per-frame, consistency on" and r["clip"] == "static")
    off = next(r for r in rows if r["backend"] == "ip2p per-frame, consistency off" and r["clip"] == "static")
    assert on["output_mfd"] < 0.5 < off["output_mfd"]
    assert "input mean frame-to-frame difference" in capsys.readouterr().out
