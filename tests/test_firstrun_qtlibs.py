"""First run: the Qt X11 libraries are checked before a window opens, and named in one command.

The end-to-end proof (remove libxcb-cursor0 & co., start the editor on Xvfb from a clean clone, run.sh
reinstalls them) is in .ci/run; here: the ldd parsing, the package mapping, when a check is due,
and run.sh's behaviour on a real ELF file whose library is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from t2v_desktop import qtlibs

ROOT = Path(__file__).resolve().parents[1]

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /x/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-cursor.so.0 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


def test_ldd_not_found_lines_are_the_missing_libraries():
    assert qtlibs.parse_ldd(LDD) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert qtlibs.parse_ldd("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


@pytest.mark.parametrize("release, fam", [
    ('ID=debian\nVERSION_ID="12"\n', "debian"),
    ('ID=ubuntu\nID_LIKE=debian\n', "debian"),
    ('ID=linuxmint\nID_LIKE="ubuntu debian"\n', "debian"),
    ('ID=fedora\n', "fedora"),
    ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "fedora"),
    ('ID=arch\n', "arch"),
    ('ID=manjaro\nID_LIKE=arch\n', "arch"),
    ('ID=alpine\n', None),
])
def test_distribution_family_from_os_release(release, fam):
    assert qtlibs.family(release) == fam


def test_one_install_command_per_distribution():
    gone = ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert qtlibs.install_command(gone, "debian") == "apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
    assert qtlibs.install_command(gone, "fedora") == "dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms"
    assert qtlibs.install_command(gone, "arch") == "pacman -S --needed xcb-util-cursor xcb-util-wm xcb-util-keysyms"
    assert qtlibs.install_command(gone, None) is None
    # libraries that share a package give it once; unknown ones are reported, not guessed
    pkgs, unknown = qtlibs.packages(["libGL.so.1", "libEGL.so.1", "libfoo.so.9"], "arch")
    assert pkgs == ["libglvnd"] and unknown == ["libfoo.so.9"]


def test_readme_lists_cover_the_three_usual_suspects():
    for fam, cmd in qtlibs.readme_commands().items():
        for soname in ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0"):
            assert qtlibs.PACKAGES[soname][qtlibs.FAMILIES.index(fam)] in cmd.split()


@pytest.mark.parametrize("argv, env, due", [
    ([], {"DISPLAY": ":0"}, True),
    (["clip.mp4"], {"DISPLAY": ":0"}, True),
    ([], {}, False),  # no display: the app itself says so
    (["--self-test"], {"DISPLAY": ":0"}, False),  # offscreen unless a platform is named
    (["--self-test"], {"QT_QPA_PLATFORM": "xcb"}, True),
    ([], {"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
    ([], {"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"}, False),
    (["--version"], {"DISPLAY": ":0"}, False),
    (["parse", "make it brighter"], {"DISPLAY": ":0"}, False),
    (["ops"], {"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, False),
])
def test_check_only_when_a_window_will_open(argv, env, due):
    assert qtlibs.opens_window(argv, env) is due


@pytest.mark.skipif(qtlibs.xcb_plugin() is None or not sys.platform.startswith("linux"), reason="no PySide6 xcb plugin")
def test_real_ldd_reports_what_a_moved_plugin_cannot_find(tmp_path, monkeypatch):
    # A copy of libqxcb.so outside the wheel no longer finds the wheel's Qt libraries: real "not found"s.
    monkeypatch.delenv("T2V_QT_XCB_PLUGIN", raising=False)
    moved = tmp_path / "libqxcb.so"
    shutil.copy(qtlibs.xcb_plugin(), moved)
    gone = qtlibs.missing(moved)
    assert "libQt6XcbQpa.so.6" in gone
    assert qtlibs.missing() == [] or all(s in qtlibs.PACKAGES for s in qtlibs.missing())


def _elf_needing(tmp_path: Path, soname: str) -> Path:
    """A real shared object whose DT_NEEDED names ``soname``, which then does not exist."""
    stub_dir = tmp_path / "stub"
    stub_dir.mkdir()
    (tmp_path / "s.c").write_text("int t2v_stub(void) { return 1; }\n")
    (tmp_path / "p.c").write_text("int t2v_stub(void);\nint t2v_plugin(void) { return t2v_stub(); }\n")
    subprocess.run(["cc", "-shared", "-fPIC", f"-Wl,-soname,{soname}", "-o", str(stub_dir / soname),
                    str(tmp_path / "s.c")], check=True)
    plugin = tmp_path / "libqxcb-test.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-Wl,--no-as-needed", "-o", str(plugin), str(tmp_path / "p.c"),
                    str(stub_dir / soname)], check=True)
    shutil.rmtree(stub_dir)
    return plugin


needs_cc = pytest.mark.skipif(not (sys.platform.startswith("linux") and shutil.which("cc") and shutil.which("ldd")
                                   and qtlibs.family() == "debian"), reason="needs cc, ldd and Debian/Ubuntu")


def _absent_soname():
    """A library from our table that this system lacks (ldconfig's cache), or None."""
    try:
        have = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    return next((s for s in qtlibs.PACKAGES if f"{s} " not in have), None)


def _run_sh(tmp_path: Path, plugin: Path, *args: str, root: bool):
    """scripts/run.sh as a user without sudo (fake id/sudo first on PATH) or as root with a fake
    apt-get (records its arguments instead of installing)."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "id").write_text(f"#!/bin/sh\necho {0 if root else 1000}\n")
    (fake / "sudo").write_text("#!/bin/sh\nexit 1\n")
    (fake / "apt-get").write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path / 'apt.log'}\nexit 0\n")
    for f in fake.iterdir():
        f.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake}{os.pathsep}{os.environ['PATH']}", DISPLAY=":99",
               T2V_QT_XCB_PLUGIN=str(plugin), QT_QPA_PLATFORM="xcb", PYTHON=sys.executable)
    return subprocess.run(["bash", str(ROOT / "scripts" / "run.sh"), *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


@needs_cc
@pytest.mark.skipif(not (ROOT / ".venv").is_dir(), reason="run.sh needs the project's .venv")
def test_run_sh_without_rights_stops_with_the_one_apt_line(tmp_path):
    soname = _absent_soname()
    if soname is None:
        pytest.skip("every library in the table is installed here")
    plugin = _elf_needing(tmp_path, soname)
    assert qtlibs.missing(plugin) == [soname]
    r = _run_sh(tmp_path, plugin, root=False)
    assert r.returncode == 1, r.stderr
    assert f"  sudo apt-get install {qtlibs.PACKAGES[soname][0]}\n" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "apt.log").exists()
    # a CLI command never needs the window's libraries
    r = _run_sh(tmp_path, plugin, "--version", root=False)
    assert r.returncode == 0 and "t2v-desktop" in r.stdout


@needs_cc
@pytest.mark.skipif(not (ROOT / ".venv").is_dir(), reason="run.sh needs the project's .venv")
def test_run_sh_as_root_installs_then_checks_again(tmp_path):
    soname = _absent_soname()
    if soname is None:
        pytest.skip("every library in the table is installed here")
    plugin = _elf_needing(tmp_path, soname)
    r = _run_sh(tmp_path, plugin, root=True)
    # the fake apt-get "installed" it, but the library is still not there: run.sh says so and stops
    assert (tmp_path / "apt.log").read_text().split()[:2] == ["install", qtlibs.PACKAGES[soname][0]]
    assert r.returncode == 1 and "still missing" in r.stderr, r.stderr
