"""`--self-test` honours an explicit QT_QPA_PLATFORM: on a real X server (Xvfb) it runs on xcb, the
path a user's first window takes; without one it stays offscreen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def self_test(tmp_path: Path, platform: str | None, prefix=()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(tmp_path), T2V_DATA_DIR=str(tmp_path / "data"), T2V_CACHE_DIR=str(tmp_path / "cache"))
    if platform:
        env["QT_QPA_PLATFORM"] = platform
    return subprocess.run([*prefix, sys.executable, "-m", "t2v_desktop", "--self-test"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X11 path is Linux's")
def test_self_test_without_a_platform_runs_offscreen(tmp_path):
    pytest.importorskip("PySide6")
    r = self_test(tmp_path, None)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Qt platform: offscreen" in r.stdout


@pytest.mark.skipif(not (sys.platform.startswith("linux") and shutil.which("xvfb-run")), reason="needs xvfb-run")
def test_self_test_on_a_real_x_server_uses_xcb(tmp_path):
    pytest.importorskip("PySide6")
    from t2v_desktop import qtlibs

    if qtlibs.missing():
        pytest.skip("Qt's X11 libraries are missing here (scripts/run.sh installs them): "
                    + " ".join(qtlibs.missing()))
    r = self_test(tmp_path, "xcb", prefix=("xvfb-run", "-a", "-s", "-screen 0 1280x800x24"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Qt platform: xcb" in r.stdout and "self-test OK" in r.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland variables are Linux's")
@pytest.mark.parametrize("platform, var", [("xcb", "DISPLAY"), ("wayland", "WAYLAND_DISPLAY")])
def test_named_platform_without_its_display_is_one_line(tmp_path, platform, var):
    r = self_test(tmp_path, platform)  # DISPLAY and WAYLAND_DISPLAY are removed
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 1 and len(lines) == 1, r.stderr  # not Qt's abort (core dump, exit 134)
    assert lines[0].startswith("error: ") and f"{var} is not set" in lines[0]
