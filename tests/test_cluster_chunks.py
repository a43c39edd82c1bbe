"""The cluster layer without a cluster: chunk plans, the cross-fade at overlaps, renders staying in
this process when no cluster is active, and `--ray` without the package as one line saying how to
install it."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from t2v_desktop.cluster import blend_chunks, plan_chunks, render_chunked


def test_chunks_cover_every_frame_with_the_overlap():
    assert plan_chunks(10, 48, 8) == [(0, 10)]
    assert plan_chunks(10, 6, 2) == [(0, 6), (4, 10)]
    ranges = plan_chunks(100, 48, 8)
    assert ranges == [(0, 48), (40, 88), (80, 100)]
    assert plan_chunks(0, 6, 2) == [] and plan_chunks(5, 1, 3) == [(k, k + 1) for k in range(5)]


def test_overlaps_cross_fade_from_the_earlier_chunk_to_the_later():
    ranges = [(0, 6), (3, 9)]
    dark = [np.zeros((2, 2, 3), np.uint8)] * 6
    light = [np.full((2, 2, 3), 200, np.uint8)] * 6
    out = blend_chunks(ranges, [dark, light])
    assert [int(f[0, 0, 0]) for f in out] == [0, 0, 0, 50, 100, 150, 200, 200, 200]
    with pytest.raises(ValueError):
        blend_chunks(ranges, [dark, light[:2]])


def _render(frames, *, progress, cancel, gain):
    progress(len(frames), len(frames), "done")
    return [np.clip(f.astype(np.int16) + gain, 0, 255).astype(np.uint8) for f in frames]


def test_without_a_cluster_the_render_runs_here_in_one_call(monkeypatch):
    monkeypatch.delenv("T2V_RAY_ADDRESS", raising=False)
    frames = [np.full((2, 2, 3), k, np.uint8) for k in range(7)]
    calls = []
    out = render_chunked(_render, frames, {"gain": 10}, progress=lambda d, t, m="": calls.append((d, t)),
                         size=3, overlap=1)
    assert [int(f[0, 0, 0]) for f in out] == [10, 11, 12, 13, 14, 15, 16]
    assert calls == [(7, 7)]  # one call over all frames, its own progress


def test_ray_option_without_the_package_says_how_to_install_it(tmp_path, make_clip):
    fake = tmp_path / "noray" / "ray"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "noray"), T2V_CACHE_DIR=str(tmp_path / "c"),
               T2V_DATA_DIR=str(tmp_path / "d"))
    env.pop("T2V_RAY_ADDRESS", None)
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "batch", "make it warmer", str(make_clip("noray")),
                        "-o", str(tmp_path / "out"), "--ray", "local"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 1
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and 'pip install "ray[default]"' in lines[0], r.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was made


def test_apply_ray_without_the_package_is_refused_before_anything_runs(tmp_path, make_clip):
    fake = tmp_path / "noray" / "ray"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "noray"), T2V_CACHE_DIR=str(tmp_path / "c"),
               T2V_DATA_DIR=str(tmp_path / "d"))
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "apply", str(make_clip("noray")), "make it warmer",
                        "-o", str(tmp_path / "o.mp4"), "--ray", "10.0.0.1:6379"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 1 and 'pip install "ray[default]"' in r.stderr
    assert not (tmp_path / "o.mp4").exists()


def test_an_address_nobody_answers_is_one_error_at_once_not_minutes_of_retries():
    pytest.importorskip("ray")
    from t2v_desktop.cluster.session import ClusterError, connect

    with pytest.raises(ClusterError, match=r"Cannot reach the Ray cluster at 127\.0\.0\.1:1 .*ray start --head"):
        connect("127.0.0.1:1")
    with pytest.raises(ClusterError, match="host:port"):
        connect("gpu-box")


def test_tasks_ask_for_a_gpu_only_where_the_cluster_has_one(monkeypatch):
    from t2v_desktop.cluster.session import Cluster

    c = Cluster("x")
    monkeypatch.setattr(Cluster, "resources", lambda self: {"CPU": 32.0, "GPU": 4.0})
    assert c.task_options() == {"num_gpus": 1} and c.task_options(gpu=False) == {"num_cpus": 1}
    monkeypatch.setattr(Cluster, "resources", lambda self: {"CPU": 32.0})
    assert c.task_options() == {"num_cpus": 1}


def test_a_chunk_out_of_gpu_memory_is_rendered_in_halves_then_says_so():
    from t2v_desktop.cluster.session import _chunk_call
    from t2v_desktop.errors import GenerativeUnavailableError

    seen = []

    def fits_three(frames, *, progress, cancel, limit=3):
        seen.append([int(f[0, 0, 0]) for f in frames])
        if len(frames) > limit:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [f + 100 for f in frames]

    frames = [np.full((1, 1, 3), k, np.uint8) for k in range(8)]  # anchor 0, then the chunk's frames 4..10
    chunk = [frames[0]] + [np.full((1, 1, 3), k, np.uint8) for k in range(4, 10)]
    out = _chunk_call(fits_three, chunk, {}, 1, True)
    assert [int(f[0, 0, 0]) for f in out] == [104, 105, 106, 107, 108, 109]
    assert all(s[0] == 0 for s in seen)  # every retry keeps the anchor in front
    first = _chunk_call(fits_three, frames[:6], {}, 0, True)  # the first chunk: later halves get frame 0
    assert [int(f[0, 0, 0]) for f in first] == [100, 101, 102, 103, 104, 105]
    with pytest.raises(GenerativeUnavailableError, match="even for one frame"):
        _chunk_call(fits_three, frames[:4], {"limit": 0}, 0, False)
    with pytest.raises(ValueError):
        _chunk_call(lambda f, **k: (_ for _ in ()).throw(ValueError("bad")), frames, {}, 0)


def test_workers_get_the_settings_that_change_a_render(monkeypatch):
    from t2v_desktop.cluster.session import worker_env

    monkeypatch.setenv("T2V_AI_FLOW_FUSION", "0")
    monkeypatch.setenv("T2V_DEVICE", "cuda")
    monkeypatch.setenv("T2V_DATA_DIR", "/home/me/private")
    env = worker_env()
    assert env["T2V_AI_FLOW_FUSION"] == "0" and env["T2V_DEVICE"] == "cuda" and "T2V_DATA_DIR" not in env
