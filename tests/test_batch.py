"""`t2v-desktop batch`: one command text over many generated clips, in the local process pool.

Real exports checked by their frames (count, duration, black and white pixels); a broken input is
one failed line while the others are written; cancel leaves no file at all in OUTDIR."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from t2v_desktop.batch import plan_items
from t2v_desktop.media.info import probe

TEXT = "make it black and white, trim the first 2 seconds"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    from t2v_desktop.media.synth import make_test_clip

    d = tmp_path_factory.mktemp("batch-in")
    paths = [make_test_clip(d / f"clip{k}.mp4", duration=3.0, pattern="gradient") for k in range(3)]
    broken = d / "broken.mp4"
    broken.write_bytes(b"this is not a video")
    return [Path(p) for p in paths], broken


def grey_and_count(path: Path) -> tuple[int, float]:
    """(frames, largest channel spread |R-G|,|G-B| in any frame): 0 spread = black and white."""
    spread, n = 0.0, 0
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            rgb = f.to_ndarray(format="rgb24").astype(np.int16)
            spread = max(spread, float(np.abs(rgb[..., 0] - rgb[..., 1]).mean()),
                         float(np.abs(rgb[..., 1] - rgb[..., 2]).mean()))
            n += 1
    return n, spread


def test_cli_batch_writes_every_file_and_reports_the_broken_one(env, clips):
    inputs, broken = clips
    out = env / "out"
    args = [sys.executable, "-m", "t2v_desktop", "batch", TEXT, str(inputs[0]), str(broken), str(inputs[1]),
            str(inputs[2]), "-o", str(out), "--jobs", "2"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=180, cwd=env)
    assert r.returncode == 1, r.stderr  # one failed
    failed = [ln for ln in r.stderr.splitlines() if ln.startswith("FAILED")]
    assert len(failed) == 1 and "broken.mp4" in failed[0] and "not a video" in failed[0], r.stderr
    assert "4 file(s): 3 written" in r.stdout
    assert "overall 100%" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["clip0.mp4", "clip1.mp4", "clip2.mp4"]  # no temp left
    src_n, src_spread = grey_and_count(inputs[0])
    assert src_n == 75 and src_spread > 5  # the source is coloured
    for name in ("clip0.mp4", "clip1.mp4", "clip2.mp4"):
        info = probe(str(out / name))
        n, spread = grey_and_count(out / name)
        assert n == 25 and abs(info.duration - 1.0) < 0.05  # 3 s minus the first 2
        assert spread < 1.5, (name, spread)


def test_existing_outputs_are_refused_without_y(env, clips):
    inputs, _ = clips
    out = env / "out"
    out.mkdir()
    (out / "clip0.mp4").write_bytes(b"keep me")
    args = [sys.executable, "-m", "t2v_desktop", "batch", TEXT, str(inputs[0]), str(inputs[1]), "-o", str(out),
            "--jobs", "1"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=env)
    assert r.returncode == 1
    assert "already exists; pass -y" in r.stderr
    assert (out / "clip0.mp4").read_bytes() == b"keep me"
    assert grey_and_count(out / "clip1.mp4")[0] == 25


def test_output_names_never_collide(tmp_path):
    items = plan_items(["a/x.mp4", "b/x.mp4", "c/X.mov"], tmp_path)
    assert [Path(i.output).name for i in items] == ["x.mp4", "x-2.mp4", "X-3.mp4"]
    assert all(Path(i.input).is_absolute() for i in items)


def test_text_nobody_understands_is_one_error_before_anything_runs(env, clips):
    inputs, _ = clips
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "batch", "frobnicate the blorps", str(inputs[0]),
                        str(inputs[1]), "-o", str(env / "out")], capture_output=True, text=True, timeout=120, cwd=env)
    assert r.returncode == 2 and r.stderr.count("error:") == 1 and "did you mean" in r.stderr
    assert not (env / "out").exists()


def test_saved_projects_are_exported_as_saved(env, clips):
    from t2v_desktop.commands.apply import apply_text
    from t2v_desktop.project.history import History
    from t2v_desktop.project.model import Project

    inputs, _ = clips
    project = Project.from_media(str(inputs[0]))
    apply_text(project, "make it black and white", History(project))
    project.save(str(env / "grey.t2v"))
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "batch", str(env / "grey.t2v"), str(inputs[1]), "-o",
                        str(env / "out"), "--jobs", "1"], capture_output=True, text=True, timeout=120, cwd=env)
    assert r.returncode == 0, r.stderr
    grey_n, grey_spread = grey_and_count(env / "out" / "grey.mp4")
    plain_n, plain_spread = grey_and_count(env / "out" / inputs[1].name)
    assert (grey_n, plain_n) == (75, 75) and grey_spread < 1.5 < 5 < plain_spread


def test_ctrl_c_stops_every_file_and_leaves_no_partial_output(env, make_clip):
    import signal

    longer = [str(make_clip(f"long{k}", duration=8.0, width=320, height=240)) for k in range(2)]
    out = env / "out"
    p = subprocess.Popen([sys.executable, "-m", "t2v_desktop", "batch", "make it black and white", *longer, "-o",
                          str(out), "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=env)
    seen = []
    for line in p.stderr:
        seen.append(line)
        if "%" in line:  # a file is being exported
            break
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, "".join(seen) + err
    assert "cancelled: 0 finished file(s) kept" in err and "no partial file left" in err
    assert list(out.iterdir()) == []


def test_a_template_projects_edits_go_onto_every_input(env, clips):
    from t2v_desktop.commands.apply import apply_text
    from t2v_desktop.project.history import History
    from t2v_desktop.project.model import Project

    inputs, _ = clips
    template = Project.from_media(str(inputs[0]))
    apply_text(template, TEXT, History(template))
    template.save(str(env / "look.t2v"))
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "batch", "--template", str(env / "look.t2v"),
                        str(inputs[1]), str(inputs[2]), "-o", str(env / "out"), "--jobs", "1"],
                       capture_output=True, text=True, timeout=120, cwd=env)
    assert r.returncode == 0, r.stderr
    for p in inputs[1:]:
        n, spread = grey_and_count(env / "out" / p.name)
        assert n == 25 and spread < 1.5  # trimmed by 2 s and black and white, as the template's clip

    two = Project.from_media(str(inputs[0]), str(inputs[1]))
    two.save(str(env / "two.t2v"))
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "batch", "--template", str(env / "two.t2v"),
                        str(inputs[2]), "-o", str(env / "out2")], capture_output=True, text=True, timeout=120, cwd=env)
    assert r.returncode == 1 and "exactly one video clip" in r.stderr and not (env / "out2").exists()
