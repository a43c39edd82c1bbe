"""The t2v-desktop command line: real clips in, real files out, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from t2v_desktop.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, env=None, **kw) -> subprocess.CompletedProcess:
    """The real entry point in a fresh process (what a user runs)."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "t2v_desktop", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=full_env, timeout=240, **kw)


def decode(path: Path):
    """(frames as RGB arrays, audio sample count, audio sample rate) of a file."""
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])] if c.streams.video else []
    n, sr = 0, None
    with av.open(str(path)) as c:
        if c.streams.audio:
            for f in c.decode(c.streams.audio[0]):
                n += f.samples
                sr = f.sample_rate
    return frames, n, sr


def luma(frames) -> float:
    return float(np.mean([f[30:].mean() for f in frames]))  # below the frame-number bits


def one_line_error(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("t2vhome")
    monkeypatch.setenv("T2V_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("T2V_CACHE_DIR", str(base / "cache"))


# -- apply ---------------------------------------------------------------------------------------


def test_apply_brighter_keeps_length_and_sound(clip, tmp_path, capsys):
    out = tmp_path / "bright.mp4"
    assert main(["apply", str(clip), "make it brighter", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "brightness" in said and str(out) in said
    src_frames, src_n, _ = decode(clip)
    frames, n, sr = decode(out)
    assert len(frames) == len(src_frames) == 50
    assert luma(frames) > luma(src_frames) + 5
    assert sr == 48000 and abs(n - src_n) <= 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bright.mp4"]


def test_apply_speed_up_halves_video_and_sound(clip, tmp_path):
    out = tmp_path / "fast.mp4"
    r = run_cli("apply", clip, "speed up 2x", "-o", out)
    assert r.returncode == 0, r.stderr
    frames, n, sr = decode(out)
    assert len(frames) == 25
    assert abs(n / sr - 1.0) < 0.05


def test_apply_chained_commands(clip, tmp_path):
    out = tmp_path / "chain.mp4"
    assert main(["apply", str(clip), "make it black and white, then make it brighter", "-o", str(out)]) == 0
    frames, _, _ = decode(out)
    src, _, _ = decode(clip)
    f = frames[20][40:].astype(int)
    assert np.abs(f[..., 0] - f[..., 1]).mean() < 4 and np.abs(f[..., 1] - f[..., 2]).mean() < 4  # grey
    assert luma(frames) > luma(src)


def test_apply_on_a_range_changes_only_that_range(clip, tmp_path):
    out = tmp_path / "range.mp4"
    assert main(["apply", str(clip), "make it black and white from 0:01 to 0:02", "-o", str(out)]) == 0
    frames, _, _ = decode(out)
    assert len(frames) == 50

    def colourful(f):
        f = f[40:].astype(int)
        return np.abs(f[..., 0] - f[..., 2]).mean() > 10

    assert colourful(frames[10]) and not colourful(frames[40])


def test_unknown_command_text_exits_2_with_suggestions(clip, tmp_path, capsys):
    out = tmp_path / "x.mp4"
    assert main(["apply", str(clip), "florbnicate the wibble", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert not out.exists()


def test_existing_output_needs_yes(clip, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"keep me")
    assert main(["apply", str(clip), "make it brighter", "-o", str(out)]) != 0
    assert "-y" in one_line_error(capsys.readouterr().err)
    assert out.read_bytes() == b"keep me"
    assert main(["apply", str(clip), "make it brighter", "-o", str(out), "-y"]) == 0
    assert len(decode(out)[0]) == 50


def test_output_same_as_input_is_refused(make_clip, tmp_path, capsys):
    src = make_clip(name="precious")
    before = src.read_bytes()
    assert main(["apply", str(src), "make it brighter", "-o", str(src), "-y"]) != 0
    assert "overwrite the input" in one_line_error(capsys.readouterr().err)
    assert src.read_bytes() == before


def test_missing_and_broken_inputs_are_one_line_errors(tmp_path):
    missing = run_cli("apply", tmp_path / "nope.mp4", "make it brighter", "-o", tmp_path / "o.mp4")
    assert missing.returncode != 0
    assert "nope.mp4" in one_line_error(missing.stderr)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video" * 20)
    r = run_cli("apply", broken, "make it brighter", "-o", tmp_path / "o.mp4")
    assert r.returncode != 0
    one_line_error(r.stderr)
    assert not (tmp_path / "o.mp4").exists()


def test_output_folder_missing_is_clean(clip, tmp_path, capsys):
    out = tmp_path / "no" / "such" / "dir" / "o.mp4"
    assert main(["apply", str(clip), "make it brighter", "-o", str(out)]) != 0
    assert "does not exist" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "no").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_output_folder_is_clean(clip, tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert main(["apply", str(clip), "make it brighter", "-o", str(ro / "o.mp4")]) != 0
        assert "not writable" in one_line_error(capsys.readouterr().err)
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_generative_edit_without_backend_writes_nothing(clip, tmp_path):
    empty = tmp_path / "models"
    empty.mkdir()
    out = tmp_path / "snow.mp4"
    r = run_cli("apply", clip, "ai: add snow", "-o", out,
                env={"T2V_MODELS_DIR": str(empty), "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(empty)})
    assert r.returncode != 0
    one_line_error(r.stderr)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]


def test_ctrl_c_cancels_cleanly(make_clip, tmp_path):
    src = make_clip(name="long", duration=20.0)
    out = tmp_path / "o.mp4"
    p = subprocess.Popen([sys.executable, "-m", "t2v_desktop", "apply", str(src), "make it brighter", "-o", str(out)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stderr.readline()  # the first progress line: the export has started
        assert "Exporting" in line, line + p.stderr.read()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert "Traceback" not in err and "cancelled" in err
    assert list(tmp_path.iterdir()) == []


# -- export --------------------------------------------------------------------------------------


def test_export_a_saved_project(clip, tmp_path):
    from t2v_desktop.project.model import AppliedOp, Project

    project = Project.from_media(str(clip))
    project.main_track.clips[0].ops.append(AppliedOp("brightness", {"amount": 0.5}))
    project.main_track.clips[0].out_point = 1.0
    pj = tmp_path / "edit.json"
    project.save(pj)
    out = tmp_path / "out.mp4"
    assert main(["export", str(pj), "-o", str(out)]) == 0
    frames, n, sr = decode(out)
    assert len(frames) == 25
    assert luma(frames) > luma(decode(clip)[0][:25]) + 20
    assert abs(n / sr - 1.0) < 0.05


def test_export_of_a_bad_project_is_one_line(tmp_path, capsys):
    pj = tmp_path / "bad.json"
    pj.write_text("{not json")
    assert main(["export", str(pj), "-o", str(tmp_path / "o.mp4")]) != 0
    one_line_error(capsys.readouterr().err)


def test_preset_option_picks_the_codec(clip, tmp_path):
    out = tmp_path / "o.webm"
    assert main(["apply", str(clip), "make it warmer", "-o", str(out), "--preset", "vp9-webm"]) == 0
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == "vp9"


# -- parse / ops -------------------------------------------------------------------------------


def parse_json(capsys, *args) -> tuple[int, dict]:
    code = main(["parse", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_parse_json_shape(capsys):
    code, d = parse_json(capsys, "make it brighter")
    assert code == 0
    assert list(d) == ["route", "steps"] and d["route"] == "classic"
    assert len(d["steps"]) == 1
    step = d["steps"][0]
    assert list(step) == ["op", "params", "range", "route"]
    assert step["op"] == "brightness" and step["range"] is None and step["route"] == "classic"
    assert step["params"]["amount"] > 0


def test_parse_json_range_and_chain(capsys):
    code, d = parse_json(capsys, "speed up 2x from 0:05 to 0:10, then make it black and white")
    assert code == 0
    ops = [s["op"] for s in d["steps"]]
    assert ops == ["speed", "black_and_white"]
    assert d["steps"][0]["params"]["factor"] == 2.0
    assert d["steps"][0]["range"] == {"start": {"anchor": "start", "value": 5.0},  # no clip: the typed form
                                      "end": {"anchor": "start", "value": 10.0}}


def test_parse_json_relative_range_uses_duration(capsys):
    code, d = parse_json(capsys, "make it black and white for the last half", "--duration", "10")
    assert code == 0
    assert d["steps"][0]["range"] == [5.0, 10.0]


def test_parse_json_error(capsys):
    code, d = parse_json(capsys, "florbnicate the wibble")
    assert code == 2
    assert list(d) == ["error", "suggestions"]
    assert isinstance(d["error"], str) and d["error"] and isinstance(d["suggestions"], list)


def test_parse_generative_route(capsys):
    code, d = parse_json(capsys, "add snow")
    assert code == 0 and d["route"] == "generative" and d["steps"][0]["op"] == "ai_edit"


def test_parse_human(capsys):
    assert main(["parse", "make it warmer"]) == 0
    assert "temperature" in capsys.readouterr().out


def test_ops_lists_every_registered_op(capsys):
    from t2v_desktop.ops import all_ops

    names = {s.name for s in all_ops()}
    assert main(["ops", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {d["name"] for d in listed} == names
    bright = next(d for d in listed if d["name"] == "brightness")
    assert bright["kind"] == "frame" and bright["params"]["amount"]["min"] == -1
    assert main(["ops"]) == 0
    text = capsys.readouterr().out
    for name in names:
        assert f"  {name} " in text
    assert "amount -1..1" in text


# -- misc ----------------------------------------------------------------------------------------


def test_unknown_subcommand_suggests(capsys):
    assert main(["aply", "x"]) != 0
    assert "apply" in one_line_error(capsys.readouterr().err)


def test_unexpected_error_is_logged_not_dumped(monkeypatch, capsys, tmp_path):
    from t2v_desktop import cli

    monkeypatch.setenv("T2V_LOG_DIR", str(tmp_path / "logs"))

    def boom(args):
        raise ZeroDivisionError("sorry")

    monkeypatch.setitem(cli.HANDLERS, "ops", boom)
    assert main(["ops"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "please report" in line
    log = (tmp_path / "logs" / "t2v-desktop.log").read_text()
    assert "Traceback" in log and "ZeroDivisionError" in log


def test_doctor_does_not_import_torch():
    code = ("import sys, io, contextlib\nfrom t2v_desktop.cli import main\nbuf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n    rc = main(['doctor'])\n"
            "print(rc, 'torch' in sys.modules, 'PySide6' in sys.modules)\nprint(buf.getvalue())")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    first, _, report = r.stdout.partition("\n")
    assert first == "0 False False", r.stdout + r.stderr
    for enc in ("libx264", "libx265", "libvpx-vp9", "prores_ks", "gif", "aac", "libopus"):
        assert enc in report
    assert "torch" in report and "cache" in report


def test_version_and_help():
    r = run_cli("--help")
    assert r.returncode == 0 and "apply" in r.stdout and "export" in r.stdout
    r = run_cli("--version")
    assert r.returncode == 0 and "t2v-desktop" in r.stdout


def test_cli_import_is_light():
    code = "import sys, t2v_desktop.cli\nprint(sorted(m for m in ('torch', 'PySide6', 'cv2', 'diffusers') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


def test_no_command_opens_the_gui_with_files_and_self_test(clip, monkeypatch):
    import types

    calls = []
    fake = types.ModuleType("t2v_desktop.gui.app")
    fake.main = lambda argv: calls.append(list(argv)) or 7
    monkeypatch.setitem(sys.modules, "t2v_desktop.gui.app", fake)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main([]) == 7
    assert main(["--self-test"]) == 7
    assert main([str(clip)]) == 7
    assert calls == [[], ["--self-test"], [str(clip)]]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display check is for Linux")
def test_no_display_is_a_clear_error(monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert main([]) != 0
    assert "display" in one_line_error(capsys.readouterr().err)


def test_opening_a_missing_file_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "gone.mp4")]) != 0
    assert "gone.mp4" in one_line_error(capsys.readouterr().err)
