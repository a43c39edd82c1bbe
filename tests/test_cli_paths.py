"""Output paths the OS refuses get one clear line (CLI, export child, atomic writes), never a traceback:
a name too long, a folder that does not exist, a file where a folder should be, a folder we may not
write (another user's) and a read-only drive."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from t2v_desktop.errors import EncodeError, os_error_message
from t2v_desktop.fsutil import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
LONG = "x" * 300


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("t2vhome")
    monkeypatch.setenv("T2V_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("T2V_CACHE_DIR", str(base / "cache"))


def apply(src, out, prefix=()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "t2v_desktop", "apply", str(src), "make it brighter",
                           "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=240)


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr and len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.fixture
def src(make_clip):
    return make_clip(duration=0.5)


def test_output_name_too_long(src, tmp_path):
    r = apply(src, tmp_path / f"{LONG}.mp4")
    assert r.returncode == 1
    line = one_line(r.stderr)
    assert "too long" in line and LONG not in line  # the 300 bytes are not echoed whole
    assert list(tmp_path.iterdir()) == []


def test_output_folder_name_too_long(src, tmp_path):
    r = apply(src, tmp_path / LONG / "o.mp4")
    assert r.returncode == 1 and "too long" in one_line(r.stderr)


def test_output_folder_missing(src, tmp_path):
    r = apply(src, tmp_path / "no" / "such" / "o.mp4")
    assert r.returncode == 1 and "does not exist" in one_line(r.stderr)
    assert list(tmp_path.iterdir()) == []


def test_output_under_a_regular_file(src, tmp_path):
    (tmp_path / "notes.txt").write_text("a file")
    r = apply(src, tmp_path / "notes.txt" / "o.mp4")
    assert r.returncode == 1 and "is a file, not a folder" in one_line(r.stderr)


def _other_user():
    """How to run a child that cannot ignore folder permissions (see test_cli_startup)."""
    if os.geteuid() != 0:
        return ()
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-U", "true"], capture_output=True).returncode == 0:
        return (unshare, "-U")
    return None


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_output_folder_of_another_user(src, tmp_path):
    prefix = _other_user()
    if prefix is None:
        pytest.skip("cannot drop the power to ignore permissions here")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    theirs.chmod(0o555)
    try:
        r = apply(src, theirs / "o.mp4", prefix=prefix)
        assert r.returncode == 1 and "not writable" in one_line(r.stderr)
        assert list(theirs.iterdir()) == []
    finally:
        theirs.chmod(0o755)


def _can_bind_read_only(tmp_path: Path) -> bool:
    unshare = shutil.which("unshare")
    if not unshare or not sys.platform.startswith("linux"):
        return False
    d = tmp_path / "probe"
    d.mkdir()
    r = subprocess.run([unshare, "-rm", "sh", "-c", f"mount --bind {d} {d} && mount -o remount,ro,bind {d} {d}"],
                       capture_output=True)
    return r.returncode == 0


def test_output_folder_on_a_read_only_drive(src, tmp_path):
    if not _can_bind_read_only(tmp_path):
        pytest.skip("no unprivileged read-only bind mounts here")
    ro = tmp_path / "ro"
    ro.mkdir()
    cmd = (f"mount --bind {ro} {ro} && mount -o remount,ro,bind {ro} {ro} && exec {sys.executable} -m t2v_desktop "
           f"apply {src} 'make it brighter' -o {ro / 'o.mp4'}")
    r = subprocess.run(["unshare", "-rm", "sh", "-c", cmd], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert r.returncode == 1 and "read-only drive" in one_line(r.stderr)
    assert list(ro.iterdir()) == []


def test_export_child_reports_the_same_words(src, tmp_path):
    """The editor's export process: a JSON error line, not 'Internal error'."""
    from t2v_desktop.project.model import Project

    pj = tmp_path / "p.json"
    Project.from_media(str(src)).save(pj)
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "_export-job", str(pj), "-o",
                        str(tmp_path / f"{LONG}.mp4"), "--preset", "h264"], cwd=ROOT, capture_output=True,
                       text=True, stdin=subprocess.DEVNULL, timeout=240)
    last = json.loads(r.stdout.strip().splitlines()[-1])
    assert r.returncode == 1 and last["kind"] == "EncodeError" and "too long" in last["error"], r.stdout + r.stderr


def test_atomic_write_under_a_file_is_an_encode_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(EncodeError, match="is a file, not a folder"):
        atomic_write_text(tmp_path / "f" / "p.json", "{}")
    with pytest.raises(EncodeError, match="too long"):
        atomic_write_text(tmp_path / f"{LONG}.json", "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


@pytest.mark.parametrize("code, words", [
    (errno.ENAMETOOLONG, "too long"),
    (errno.ENOSPC, "disk space"),
    (errno.EROFS, "read-only drive"),
    (errno.EACCES, "not writable"),
    (errno.ENOENT, "does not exist"),
    (errno.ENOTDIR, "is a file, not a folder"),
    (errno.EISDIR, "is a folder"),
    (errno.EIO, "Input/output error"),
])
def test_each_os_error_has_its_own_words(code, words):
    msg = os_error_message(OSError(code, os.strerror(code)), f"/videos/{LONG}.mp4")
    assert words in msg and "\n" not in msg and LONG not in msg


def test_temp_path_for_raises_oserror_for_its_callers_to_word(tmp_path):
    """The AI cache catches OSError (a full or read-only cache must not lose a render); the Encoder and
    atomic writes turn it into their own EncodeError."""
    from t2v_desktop.errors import T2VError
    from t2v_desktop.fsutil import temp_path_for

    with pytest.raises(OSError) as info:
        temp_path_for(tmp_path / "missing" / "x.npz", suffix=".npz")
    assert not isinstance(info.value, T2VError)
