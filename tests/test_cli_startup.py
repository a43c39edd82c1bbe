"""CLI start-up: `parse` and `ops` import no heavy module; a broken data folder never stops the CLI.

Start-up time itself is measured, not asserted (see docs/cli.md); what is checked here is the cause
of a slow start: which modules a command pulls in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "cv2", "av", "torch", "PySide6", "diffusers")


def _python(code: str, env=None, prefix=()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env=dict(os.environ, **(env or {})))


def _cli(*args, env=None, prefix=()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "t2v_desktop", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=dict(os.environ, **(env or {})))


def test_parse_and_ops_load_no_heavy_module():
    code = f"""
import contextlib, io, json, sys
from t2v_desktop.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    assert main(['parse', 'make it brighter']) == 0
    assert main(['parse', 'rotate 90 degrees, then speed up 2x', '--json']) == 0
    assert main(['ops']) == 0
    assert main(['ops', '--json']) == 0
assert 'brightness' in out.getvalue() and 'rotate' in out.getvalue()
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""
    r = _python(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout


def test_ops_still_reach_opencv_when_they_run():
    code = """
import sys
import numpy as np
from t2v_desktop.ops import get_op, load_all
load_all()
assert 'cv2' not in sys.modules
frame = np.zeros((4, 6, 3), np.uint8); frame[0, 0] = 255
out = get_op('rotate').fn(frame, None, degrees=90.0)
assert 'cv2' in sys.modules and out.shape == (6, 4, 3) and out[0, -1].tolist() == [255, 255, 255]
print('ok')
"""
    r = _python(code)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_lazy_module_imports_on_first_use_only():
    code = """
import sys
from t2v_desktop.lazy import lazy
m = lazy('colorsys')
assert 'colorsys' not in sys.modules, 'imported too early'
assert m.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
assert 'colorsys' in sys.modules and 'rgb_to_hsv' in vars(m)  # later look-ups are plain dict hits
assert lazy('colorsys') is sys.modules['colorsys']  # already imported: the real module
print('ok')
"""
    r = _python(code)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


# -- a data folder the CLI cannot use ---------------------------------------------------------------


def _bad_data_dirs(tmp_path: Path):
    afile = tmp_path / "a-file"
    afile.write_text("not a folder")
    return {
        "name too long": str(tmp_path / ("d" * 300)),
        "a file": str(afile),
        "under a file": str(afile / "data"),
    }


@pytest.mark.parametrize("case", ["name too long", "a file", "under a file"])
def test_version_needs_no_data_folder(tmp_path, case):
    r = _cli("--version", env={"T2V_DATA_DIR": _bad_data_dirs(tmp_path)[case]})
    assert r.returncode == 0 and r.stdout.startswith("t2v-desktop ") and r.stderr == ""


@pytest.mark.parametrize("case", ["name too long", "under a file"])
def test_unusable_data_folder_is_a_one_line_warning(tmp_path, case):
    r = _cli("parse", "make it brighter", env={"T2V_DATA_DIR": _bad_data_dirs(tmp_path)[case]})
    assert r.returncode == 0 and "brightness" in r.stdout
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) <= 1 and all(ln.startswith("warning: add-ons are off") for ln in lines), r.stderr


def _as_other_user():
    """Run a child without the power to ignore permissions: ourselves when not root; as root, a user
    namespace without mappings (no CAP_DAC_OVERRIDE on the host's files), where unshare allows it."""
    if os.name != "posix":
        return None
    if os.geteuid() != 0:
        return ()
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-U", "true"], capture_output=True).returncode == 0:
        return (unshare, "-U")
    return None


def test_locked_data_folder_is_a_warning_not_a_traceback(tmp_path):
    prefix = _as_other_user()
    if prefix is None:
        pytest.skip("cannot drop the power to ignore permissions here")
    locked = tmp_path / "locked"
    (locked / "addons").mkdir(parents=True)
    locked.chmod(0)
    try:
        env = {"T2V_DATA_DIR": str(locked)}
        r = _cli("--version", env=env, prefix=prefix)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        r = _cli("ops", env=env, prefix=prefix)
        assert r.returncode == 0 and "brightness" in r.stdout
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("warning: add-ons are off"), r.stderr
        assert "permission denied" in lines[0].lower()
    finally:
        locked.chmod(0o755)
