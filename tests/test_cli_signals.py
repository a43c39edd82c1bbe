"""Killed exports: SIGTERM cancels like Ctrl-C; a SIGKILLed run's temp file is removed by the next run
into that folder (and by the editor at start), while a live run's temp file is never touched."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from t2v_desktop import fsutil

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("t2vhome")
    monkeypatch.setenv("T2V_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("T2V_CACHE_DIR", str(base / "cache"))


def parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def start_export(src: Path, out: Path) -> subprocess.Popen:
    """A real `t2v-desktop apply` that is exporting when this returns (its first progress line came)."""
    p = subprocess.Popen([sys.executable, "-m", "t2v_desktop", "apply", str(src), "make it brighter", "-o", str(out)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    line = p.stderr.readline()
    if "Exporting" not in line:
        p.kill()
        pytest.fail("the export did not start: " + line + p.stderr.read())
    return p


@pytest.fixture
def long_clip(make_clip):
    return make_clip(name="long", duration=20.0)


def test_sigterm_cancels_like_ctrl_c(long_clip, tmp_path):
    out = tmp_path / "o.mp4"
    p = start_export(long_clip, out)
    try:
        assert len(parts(tmp_path)) == 1  # the export's temp file exists while it runs
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 143, err
    assert "Traceback" not in err and "terminated (SIGTERM)" in err
    assert list(tmp_path.iterdir()) == []  # no .part, no output


def test_sigterm_keeps_an_existing_output(long_clip, tmp_path):
    out = tmp_path / "o.mp4"
    out.write_bytes(b"the previous export")
    p = subprocess.Popen([sys.executable, "-m", "t2v_desktop", "apply", str(long_clip), "make it brighter", "-o",
                          str(out), "-y"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "Exporting" in p.stderr.readline()
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 143, err
    assert out.read_bytes() == b"the previous export" and parts(tmp_path) == []


def test_sigkilled_export_leaves_a_temp_that_the_next_run_removes(long_clip, make_clip, tmp_path):
    out = tmp_path / "o.mp4"
    p = start_export(long_clip, out)
    left = parts(tmp_path)
    p.kill()
    p.communicate(timeout=60)
    assert p.returncode == -signal.SIGKILL
    assert parts(tmp_path) == left and len(left) == 1  # nobody could remove it
    assert f"t2v-{p.pid}-" in left[0]  # it names its owner

    # A live export's temp in the same folder (its owner is a running Python process) must survive.
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        live_part = tmp_path / f".other.t2v-{live.pid}-{fsutil._host_tag()}-abcd1234.mp4.part"
        live_part.write_bytes(b"being written")
        r = subprocess.run([sys.executable, "-m", "t2v_desktop", "apply", str(make_clip(duration=0.5)),
                            "make it brighter", "-o", str(tmp_path / "next.mp4")],
                           cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert r.returncode == 0, r.stderr
        assert parts(tmp_path) == [live_part.name]  # the dead run's temp is gone, the live one stays
        assert (tmp_path / "next.mp4").is_file() and not out.exists()
    finally:
        live.kill()
        live.wait()


def test_export_child_sigterm_removes_its_temp(long_clip, tmp_path):
    """The editor's export process (`_export-job`) treats SIGTERM as a cancel too."""
    from t2v_desktop.project.model import Project

    pj = tmp_path / "p.json"
    Project.from_media(str(long_clip)).save(pj)
    out = tmp_path / "o.mp4"
    p = subprocess.Popen([sys.executable, "-m", "t2v_desktop", "_export-job", str(pj), "-o", str(out),
                          "--preset", "h264"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(p.stdout.readline())
        assert "done" in first, first
        p.send_signal(signal.SIGTERM)
        rest, _ = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    last = json.loads(rest.strip().splitlines()[-1])
    assert p.returncode == 143 and last.get("kind") == "Cancelled", (p.returncode, rest)
    assert [q.name for q in tmp_path.iterdir()] == ["p.json"]


# -- which temp files count as stale ---------------------------------------------------------------


def _dead_pid() -> int:
    q = subprocess.Popen([sys.executable, "-c", "pass"])
    q.wait()
    return q.pid


def test_stale_rules(tmp_path):
    host = fsutil._host_tag()
    other_host = "0000" if host != "0000" else "ffff"
    dead = _dead_pid()
    names = {
        "dead": f".clip.t2v-{dead}-{host}-abcd1234.mp4.part",
        "mine": f".clip.t2v-{os.getpid()}-{host}-abcd1234.mp4.part",
        "other host": f".clip.t2v-{dead}-{other_host}-abcd1234.mp4.part",
        "old version, fresh": ".clip.k2j4h5g6.mp4.part",
        "old version, old": ".old.a1b2c3d4.mp4.part",
        "not ours": "download.zip.part",
        "not a temp": ".clip.t2v-1-x.txt",
    }
    for n in names.values():
        (tmp_path / n).write_bytes(b"x")
    day_ago = time.time() - 2 * fsutil.LEGACY_AGE
    os.utime(tmp_path / names["old version, old"], (day_ago, day_ago))
    removed = {p.name for p in fsutil.remove_stale_temps(tmp_path)}
    assert removed == {names["dead"], names["old version, old"]}
    assert socket.gethostname()  # the host tag is derived from it


def test_pid_reused_by_an_unrelated_program_is_not_a_live_export(tmp_path):
    if not Path("/proc/self/cmdline").exists():
        pytest.skip("needs /proc")
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        for _ in range(500):  # until its exec is done and /proc shows its command line
            if Path(f"/proc/{sleeper.pid}/cmdline").read_bytes():
                break
            time.sleep(0.01)
        assert fsutil.pid_alive(sleeper.pid) is False  # alive, but not t2v-desktop or Python
    finally:
        sleeper.kill()
        sleeper.wait()
    assert fsutil.pid_alive(os.getpid()) is True


def test_long_output_name_still_gets_a_valid_temp_name(make_clip, tmp_path):
    out = tmp_path / ("n" * 240 + ".mp4")  # 244 bytes: legal, but name + temp tag is not
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "apply", str(make_clip(duration=0.5)),
                        "make it brighter", "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    assert out.is_file() and out.stat().st_size > 0 and parts(tmp_path) == []


def test_editor_start_sweeps_remembered_and_recent_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("T2V_AUTOSAVE_DIR", str(tmp_path / "autosave"))
    host = fsutil._host_tag()
    dead = _dead_pid()
    exports, projects, autosave = tmp_path / "exports", tmp_path / "projects", tmp_path / "autosave"
    for d in (exports, projects, autosave):
        d.mkdir(exist_ok=True)
    fsutil.temp_path_for(exports / "x.mp4").unlink()  # a run wrote into exports/: remembered
    assert exports in fsutil.remembered_folders()
    stale = [d / f".a.t2v-{dead}-{host}-abcd1234.mp4.part" for d in (exports, projects, autosave)]
    for s in stale:
        s.write_bytes(b"x")

    class Settings:  # what the editor reads: QSettings.value(key, default)
        def value(self, key, default=None):
            return {"recent": [str(projects / "film.t2v")], "last_dir": str(tmp_path)}.get(key, default)

    from t2v_desktop.gui.app import sweep_stale_temps

    sweep_stale_temps(Settings()).join(30)
    assert not any(s.exists() for s in stale)


def test_temp_older_than_its_live_owner_is_stale(tmp_path):
    """A live Python process can still not own a temp file written before it started (a reused pid)."""
    if fsutil.process_start(os.getpid()) is None:
        pytest.skip("process start times need /proc")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        host = fsutil._host_tag()
        old = tmp_path / f".old.t2v-{live.pid}-{host}-abcd1234.mp4.part"
        new = tmp_path / f".new.t2v-{live.pid}-{host}-efgh5678.mp4.part"
        for f in (old, new):
            f.write_bytes(b"x")
        hour_ago = time.time() - 3600
        os.utime(old, (hour_ago, hour_ago))
        assert [p.name for p in fsutil.remove_stale_temps(tmp_path)] == [old.name]
        assert new.exists()
    finally:
        live.kill()
        live.wait()
