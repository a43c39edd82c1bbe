"""AI renders and batch jobs on a Ray cluster the test starts on 127.0.0.1 (skipped without ray).

The chunked render (overlapping chunks on the workers, cross-faded) gives exactly the local frames
for a tiny random InstructPix2Pix, lands under the local cache key (a second run is a hit); batch
items become tasks (outputs checked by frames and pixels, a broken input fails alone); progress
reaches every chunk / file; cancel leaves nothing cached and no file written."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from t2v_desktop.batch import plan_items, run_batch  # noqa: E402
from t2v_desktop.cluster import session  # noqa: E402
from t2v_desktop.cluster.session import Cluster, using  # noqa: E402
from t2v_desktop.errors import Cancelled  # noqa: E402
from t2v_desktop.jobs import CancelToken  # noqa: E402


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A private 2-CPU Ray cluster on 127.0.0.1; workers inherit this environment (one torch thread)."""
    root = tmp_path_factory.mktemp("ray")
    env = {"OMP_NUM_THREADS": "1", "T2V_CACHE_DIR": str(root / "cache"), "T2V_DATA_DIR": str(root / "data"),
           "HF_HUB_OFFLINE": "1", "T2V_DEVICE": "cpu", "RAY_AUTH_MODE": "disabled"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
             configure_logging=False)
    try:
        yield Cluster("127.0.0.1", owns=False)
    finally:
        ray.shutdown()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_batch_items_run_as_ray_tasks(cluster, make_clip, tmp_path):
    from test_batch import TEXT, grey_and_count

    inputs = [make_clip(f"ray{k}", duration=3.0) for k in range(3)]
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"no video here")
    out = tmp_path / "out"
    out.mkdir()
    items = plan_items([str(inputs[0]), str(broken), str(inputs[1]), str(inputs[2])], out)
    reached: dict = {}
    results = run_batch(items, TEXT, cluster=cluster, on_progress=lambda i, d, t, m: reached.__setitem__(i, d / t))
    assert [r.ok for r in results] == [True, False, True, True], [r.message for r in results]
    assert "not a video" in results[1].message
    assert reached == {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0}
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in inputs)  # nothing else, no temp
    for r in (results[0], results[2], results[3]):
        n, spread = grey_and_count(Path(r.output))
        assert n == 25 and r.frames == 25 and abs(r.duration - 1.0) < 0.05 and spread < 1.5


def _frames(n=10, side=64):
    from t2v_desktop.media.synth import pattern_frame

    return [pattern_frame(i, side, side, "gradient") for i in range(n)]


def _render(frames, model, cache, settings, progress=None, cancel=None):
    from t2v_desktop.diffusion.run import run_ai_edit
    from t2v_desktop.ops import GenerativeContext

    ctx = GenerativeContext(fps=Fraction(25), width=64, height=64, source_key="ray-test",
                            progress=progress or (lambda *a: None), cancel=cancel)
    return run_ai_edit(frames, ctx, prompt="make it snow", strength=0.8, guidance=7.5, image_guidance=1.5, steps=2,
                       seed=3, model=str(model), mode="quality", settings=settings, cache=cache)


def test_chunked_ai_render_on_ray_matches_the_local_one_and_is_cached(cluster, tiny_models, tmp_path, monkeypatch):
    from t2v_desktop.diffusion.cache import ResultCache
    from t2v_desktop.diffusion.consistency import ConsistencySettings

    monkeypatch.setattr(session, "CHUNK_FRAMES", 6)
    monkeypatch.setattr(session, "OVERLAP_FRAMES", 2)  # chunks 0-5 and 4-9, frames 4 and 5 cross-faded
    model = tiny_models / "instruct-pix2pix"
    # frames depend on the anchor frame and their own only: a chunk that starts later gets the anchor too
    settings = ConsistencySettings(chunk_size=1, flow_fusion=False, deflicker=False)
    frames = _frames()
    local_cache, ray_cache = ResultCache(tmp_path / "local"), ResultCache(tmp_path / "ray")
    local = _render(frames, model, local_cache, settings)
    calls = []
    with using(cluster):
        remote = _render(frames, model, ray_cache, settings, progress=lambda d, t, m="": calls.append((d, t, m)))
    assert len(remote) == len(frames) and remote[0].shape == frames[0].shape
    assert (2, 2) in [(d, t) for d, t, _m in calls], calls  # both chunks reported done
    assert "on the cluster" in calls[-1][2]
    assert max(float(np.abs(a.astype(int) - b.astype(int)).max()) for a, b in zip(local, remote, strict=True)) == 0
    assert any(np.abs(a.astype(int) - f.astype(int)).mean() > 2 for a, f in zip(remote, frames, strict=True))
    # the same content key as the local render, and a second run reads it back without the cluster
    assert sorted(p.name for p in (tmp_path / "local").glob("*/*.npz")) == sorted(
        p.name for p in (tmp_path / "ray").glob("*/*.npz"))
    again = []
    with using(cluster):
        hit = _render(frames, model, ray_cache, settings, progress=lambda d, t, m="": again.append(m))
    assert again == ["AI edit: reused the cached render."]
    assert all(np.array_equal(a, b) for a, b in zip(hit, remote, strict=True))


def test_generated_clip_is_made_on_a_worker_exactly_as_here_and_cached(cluster, tmp_path):
    """Text-to-video goes to a worker as one task (one pipeline call denoises every frame together, so
    it is not split); same frames as in this process, and the clip lands under the local cache key."""
    torch = pytest.importorskip("torch")
    from t2v_desktop.cluster import run_task
    from t2v_desktop.diffusion.families import family_named
    from t2v_desktop.diffusion.generate import GenerateRequest, generate_frames
    from t2v_desktop.diffusion.models import resolve
    from t2v_desktop.engine.generate import generate_clip

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        folder = family_named("ltx").build_tiny(tmp_path / "ltx-video")
        resolved = resolve(str(folder), tasks=("t2v",))
        req = GenerateRequest(prompt="waves at sunset", seconds=1.0, fps=8, width=64, height=64, steps=2, seed=5)
        here, plan_here = generate_frames(resolved, req)
        with using(cluster):
            there, plan_there = run_task(generate_frames, resolved, req)
            clip = generate_clip("waves at sunset", seconds=1.0, fps=8, width=64, height=64, steps=2, seed=5,
                                 model=str(folder))
            again = generate_clip("waves at sunset", seconds=1.0, fps=8, width=64, height=64, steps=2, seed=5,
                                  model=str(folder))
    finally:
        torch.set_num_threads(threads)
    assert plan_here.keep == plan_there.keep == 8
    assert all(np.array_equal(a, b) for a, b in zip(here, there, strict=True))
    assert (clip.frames, clip.cached, again.cached, again.path) == (8, False, True, clip.path)


def test_video_model_edit_runs_in_overlapping_chunks_on_ray(cluster, tmp_path, monkeypatch):
    """The video-to-video backend (LTX-Video's condition pipeline) per chunk on the workers: every frame
    back at its size, the seam cross-faded, stored under the key a local render uses."""
    torch = pytest.importorskip("torch")
    from t2v_desktop.diffusion.cache import ResultCache
    from t2v_desktop.diffusion.consistency import ConsistencySettings
    from t2v_desktop.diffusion.families import family_named

    monkeypatch.setattr(session, "CHUNK_FRAMES", 6)
    monkeypatch.setattr(session, "OVERLAP_FRAMES", 2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        folder = family_named("ltx").build_tiny(tmp_path / "ltx-video")
        frames = _frames(10)
        calls = []
        with using(cluster):
            remote = _render(frames, folder, ResultCache(tmp_path / "ray"), ConsistencySettings(),
                             progress=lambda d, t, m="": calls.append((d, t)))
        local = _render(frames, folder, ResultCache(tmp_path / "local"), ConsistencySettings())
    finally:
        torch.set_num_threads(threads)
    assert len(remote) == 10 and all(f.shape == frames[0].shape and f.dtype == np.uint8 for f in remote)
    assert calls[-1] == (2, 2)
    assert any(np.abs(a.astype(int) - f.astype(int)).mean() > 2 for a, f in zip(remote, frames, strict=True))
    assert len(local) == 10
    names = [sorted(p.name for p in (tmp_path / d).glob("*/*.npz")) for d in ("local", "ray")]
    assert names[0] == names[1] and len(names[0]) == 1


def test_progress_moves_inside_running_chunks_and_cancel_stops_them(cluster, monkeypatch):
    from t2v_desktop.cluster.testing import slow_render

    frames = [np.full((4, 4, 3), k, np.uint8) for k in range(8)]
    calls = []
    ray.get(cluster.board().read.remote("warm-up"), timeout=60)  # the board actor is up before the chunks run
    with using(cluster):
        out = session.render_chunked(slow_render, frames, {"delay": 0.3}, size=4, overlap=0,
                                     progress=lambda d, t, m="": calls.append(d))
    assert [int(f[0, 0, 0]) for f in out] == [50 + k for k in range(8)]
    assert calls[-1] == 2 and any(0 < d < 2 and d != 1 for d in calls), calls  # a fraction of a chunk shown

    token, seen = CancelToken(), []

    def progress(done, total, message=""):
        seen.append(done)
        if done > 0:
            token.cancel()  # mid-chunk: the running tasks are stopped

    with using(cluster), pytest.raises(Cancelled):
        session.render_chunked(slow_render, frames * 4, {"delay": 0.2}, size=16, overlap=0, progress=progress,
                               cancel=token)
    assert seen and max(seen) < 2


def test_cancel_on_ray_caches_nothing(cluster, tiny_models, tmp_path, monkeypatch):
    from t2v_desktop.diffusion.cache import ResultCache
    from t2v_desktop.diffusion.consistency import ConsistencySettings

    monkeypatch.setattr(session, "CHUNK_FRAMES", 4)
    token = CancelToken()

    def progress(done, total, message=""):
        token.cancel()

    with using(cluster), pytest.raises(Cancelled):
        _render(_frames(), tiny_models / "instruct-pix2pix", ResultCache(tmp_path / "c"),
                ConsistencySettings(), progress=progress, cancel=token)
    assert not list((tmp_path / "c").glob("*/*.npz"))

    out = tmp_path / "out"
    out.mkdir()
    items = plan_items([str(tmp_path / "never-read.mp4")] * 2, out)
    with pytest.raises(Cancelled):
        run_batch(items, "make it warmer", cluster=cluster, on_progress=lambda *a: token.cancel(), cancel=token)
    assert list(out.iterdir()) == []


def test_a_ray_workers_temp_files_are_not_taken_for_a_dead_runs(cluster):
    """Ray renames its workers ("ray::task"): their .part files must not be swept as stale by another
    worker exporting into the same folder (that failed a batch item before fsutil knew)."""
    from t2v_desktop.fsutil import pid_alive

    @ray.remote
    def worker_pid():
        return os.getpid()

    pid = ray.get(worker_pid.remote())
    assert pid != os.getpid() and pid_alive(pid)


def _needs_a_missing_module(frames, *, progress, cancel):
    import t2v_desktop_not_installed_here  # noqa: F401 - what a node without the package meets

    return frames


def test_a_worker_without_the_package_is_one_line_saying_what_to_install(cluster):
    from t2v_desktop.cluster.session import ClusterError

    # the worker cannot import this test module (Ray unpickles the function there) or, where it can,
    # the module the function imports: both are a node without the package
    with using(cluster), pytest.raises(
            ClusterError, match="cannot import (test_cluster_ray|t2v_desktop_not_installed_here): install t2v-desktop"):
        session.render_chunked(_needs_a_missing_module, _frames(2), {})
