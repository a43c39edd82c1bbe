"""Fast checks of the installer recipes in packaging/ (the build itself is packaging/linux/build.sh).

Well-formed desktop entry, MIME type, Debian control file and scripts; versions in step with the
package; the PyInstaller spec bundles the resources, leaves torch out of the base build and trims
only what the editor does not use.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import stat
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "packaging"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
sys.path.insert(0, str(PKG / "pyinstaller"))
import trim  # noqa: E402


def version() -> str:
    text = (ROOT / "t2v_desktop" / "__init__.py").read_text()
    return re.search(r'__version__\s*=\s*"([^"]+)"', text).group(1)


def desktop_entry() -> configparser.SectionProxy:
    cp = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",))
    cp.optionxform = str  # keys are case-sensitive
    cp.read_string((PKG / "linux" / "t2v-desktop.desktop").read_text(encoding="utf-8"))
    assert cp.sections() == ["Desktop Entry"]
    return cp["Desktop Entry"]


def test_desktop_entry_is_valid_and_opens_projects():
    e = desktop_entry()
    for key in ("Type", "Name", "Exec", "Icon", "Categories", "MimeType"):
        assert e.get(key), key
    assert e["Type"] == "Application"
    assert e["Exec"].split()[0] == "t2v-desktop" and e["Exec"].split()[1] in ("%f", "%F", "%u", "%U")
    assert e["Icon"] == "t2v-desktop"
    for key in ("Categories", "MimeType", "Keywords"):
        assert e[key].endswith(";"), f"{key} must end with ';'"
    assert "AudioVideo" in e["Categories"].split(";")
    assert "application/x-t2v-project" in e["MimeType"].split(";")
    tool = shutil.which("desktop-file-validate")
    if tool:
        r = subprocess.run([tool, str(PKG / "linux" / "t2v-desktop.desktop")], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


def test_mime_type_matches_project_files():
    root = ET.parse(PKG / "linux" / "t2v-desktop-mime.xml").getroot()
    assert root.tag == MIME_NS + "mime-info"
    (mt,) = root.findall(MIME_NS + "mime-type")
    assert mt.get("type") == "application/x-t2v-project"
    globs = {g.get("pattern") for g in mt.findall(MIME_NS + "glob")}
    # the GUI saves NAME.t2v.json; the longer glob wins over application/json's *.json
    assert {"*.t2v", "*.t2v.json"} <= globs
    assert mt.find(MIME_NS + "sub-class-of").get("type") == "application/json"
    assert mt.find(MIME_NS + "icon").get("name") == desktop_entry()["Icon"]


def test_mime_type_is_recognised_by_a_freedesktop_mime_database(tmp_path):
    """Qt reads the same shared-mime-info packages as file managers do (no update-mime-database)."""
    pytest.importorskip("PySide6")
    (tmp_path / "mime" / "packages").mkdir(parents=True)
    shutil.copy(PKG / "linux" / "t2v-desktop-mime.xml", tmp_path / "mime" / "packages" / "t2v-desktop.xml")
    code = (
        "from PySide6.QtCore import QMimeDatabase as D\n"
        "for n in ('a.t2v.json', 'b.t2v', 'c.json'):\n"
        "    print(n, D().mimeTypeForFile(n, D.MatchExtension).name())\n"
    )
    env = {**os.environ, "XDG_DATA_DIRS": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "home")}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert dict(line.split() for line in r.stdout.splitlines()) == {
        "a.t2v.json": "application/x-t2v-project", "b.t2v": "application/x-t2v-project",
        "c.json": "application/json",
    }


def control_fields(size: int = 1234) -> dict:
    text = (PKG / "linux" / "control.in").read_text()
    text = text.replace("@VERSION@", version()).replace("@ARCH@", "amd64").replace("@SIZE@", str(size))
    assert "@" not in text.replace("dev@", ""), "unfilled placeholder"
    fields, last = {}, None
    for line in text.rstrip("\n").split("\n"):
        if line.startswith(" "):  # continuation (extended description)
            assert last == "Description", line
            fields[last] += "\n" + line
            continue
        key, sep, value = line.partition(":")
        assert sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", key), f"bad control line: {line!r}"
        assert key not in fields
        fields[key], last = value.strip(), key
    return fields


def test_debian_control_is_well_formed():
    f = control_fields()
    for key in ("Package", "Version", "Architecture", "Maintainer", "Description", "Depends", "Installed-Size"):
        assert f.get(key), key
    assert re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", f["Package"])
    assert f["Version"] == version()
    assert f["Installed-Size"] == "1234"
    deps = [d.strip() for d in f["Depends"].split(",")]
    pkg = r"[a-z0-9][a-z0-9.+-]+( \((>=|<=|=|>>|<<) [0-9][A-Za-z0-9.+:~-]*\))?"
    assert all(re.fullmatch(f"{pkg}( \\| {pkg})*", d) for d in deps), deps
    deps = [re.sub(r" \(.*?\)", "", d) for d in deps]
    # what Qt's xcb platform plugin loads from the system (missing ones: "could not load xcb")
    for lib in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0", "libegl1"):
        assert any(lib in d.split(" | ") for d in deps), lib
    assert "torch" not in f["Depends"]


@pytest.mark.parametrize("script", ["linux/build.sh", "linux/smoke_test.sh", "linux/postinst", "macos/build.sh"])
def test_shell_scripts_parse_and_are_executable(script):
    path = PKG / script
    assert path.stat().st_mode & stat.S_IXUSR, f"{script} is not executable"
    assert path.read_text().startswith("#!")
    shell = "sh" if script.endswith("postinst") else "bash"
    r = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_versions_in_installer_recipes_match_the_package():
    v = version()
    iss = (PKG / "windows" / "t2v-desktop.iss").read_text()
    assert re.search(r'#define AppVersion "([^"]+)"', iss).group(1) == v
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'(?m)^version = "([^"]+)"', pyproject).group(1) == v


def test_inno_setup_script_installs_bundle_and_associates_projects():
    iss = (PKG / "windows" / "t2v-desktop.iss").read_text()
    sections = re.findall(r"(?m)^\[(\w+)\]", iss)
    assert {"Setup", "Files", "Icons", "Registry"} <= set(sections)
    assert r"Software\Classes\.t2v" in iss
    assert "t2v-desktop.exe" in iss
    assert r"build\icons\t2v-desktop.ico" in iss  # written by packaging/icons/render_icons.py


def test_icon_svg_is_square_xml():
    root = ET.parse(PKG / "icons" / "t2v-desktop.svg").getroot()
    assert root.tag.endswith("svg")
    _, _, w, h = (float(x) for x in root.get("viewBox").split())
    assert w == h


class _Recorder:
    """Stand-ins for PyInstaller's spec globals that remember what the spec passed them."""

    def __init__(self):
        self.calls: dict = {}

    def __getattr__(self, name):
        def build(*args, **kwargs):
            self.calls.setdefault(name, []).append((args, kwargs))
            obj = types.SimpleNamespace(args=args, kwargs=kwargs, pure=[], scripts=[], binaries=[],
                                        datas=list(kwargs.get("datas", [])))
            return obj

        return build


def run_spec(monkeypatch, full: bool, platform: str = "linux") -> dict:
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda name: [f"{name}.ops.color"]
    hooks.collect_data_files = lambda *a, **k: []
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec puts packaging/pyinstaller first
    monkeypatch.setattr(trim, "_default_needed_of", lambda: None)
    monkeypatch.setenv("T2V_FULL_BUILD", "1" if full else "0")
    rec = _Recorder()
    spec = PKG / "pyinstaller" / "t2v-desktop.spec"
    g = {"SPECPATH": str(spec.parent), "__file__": str(spec)}
    for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"):
        g[name] = getattr(rec, name)
    exec(compile(spec.read_text(), str(spec), "exec"), g)
    return rec.calls


def test_spec_bundles_resources_and_leaves_torch_out_of_the_base_build(monkeypatch):
    calls = run_spec(monkeypatch, full=False)
    (args, kw), = calls["Analysis"]
    assert Path(args[0][0]).name == "launcher.py"
    dests = {dest: Path(src) for src, dest in kw["datas"]}
    res = dests["t2v_desktop/resources"]
    assert res == ROOT / "t2v_desktop" / "resources"
    assert (res / "style.qss").is_file() and list(res.glob("luts/*.cube")) and list(res.glob("icons/*.svg"))
    for heavy in ("torch", "diffusers", "transformers"):
        assert heavy in kw["excludes"] and heavy not in kw["hiddenimports"]
    assert "t2v_desktop.ops.color" in kw["hiddenimports"]
    # stdlib parts only the diffusion add-on (loaded from the add-on folder) imports
    for mod in ("cProfile", "unittest.mock", "xml.etree.ElementTree", "html.parser", "timeit"):
        assert mod in kw["hiddenimports"], mod
    assert not [m for m in kw["hiddenimports"] if m.split(".")[0] in ("tkinter", "test", "idlelib")]
    assert [Path(h).name for h in kw["runtime_hooks"]] == ["rthook_addons.py"]
    assert "PySide6.QtWidgets" not in kw["excludes"] and "PySide6.QtSvg" not in kw["excludes"]
    (exe_args, exe_kw), = calls["EXE"]
    assert exe_kw["name"] == "t2v-desktop" and exe_kw["exclude_binaries"]
    assert "BUNDLE" not in calls


def test_spec_full_build_includes_diffusion_and_macos_gets_an_app(monkeypatch):
    calls = run_spec(monkeypatch, full=True, platform="darwin")
    (_, kw), = calls["Analysis"]
    assert "torch" in kw["hiddenimports"] and "torch" not in kw["excludes"]
    (_, bundle_kw), = calls["BUNDLE"]
    plist = bundle_kw["info_plist"]
    assert plist["CFBundleShortVersionString"] == version()
    assert plist["CFBundleDocumentTypes"][0]["CFBundleTypeExtensions"] == ["t2v"]


def test_spec_on_windows_adds_a_console_executable(monkeypatch):
    calls = run_spec(monkeypatch, full=False, platform="win32")
    exes = {kw["name"]: kw["console"] for _, kw in calls["EXE"]}
    assert exes == {"t2v-desktop": False, "t2v-desktop-cli": True}


def test_trim_drops_unused_qt_parts_but_keeps_what_the_editor_needs():
    drop = [
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/lib/libQt6Network.so.6",
        "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
    ]
    keep = [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforms/libqminimal.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/lib/libQt6Multimedia.so.6",  # QAudioSink: the preview's sound
        "PySide6/QtMultimedia.abi3.so",
        "PySide6/Qt/lib/libicudata.so.73",
        "t2v_desktop/resources/style.qss",
        "av.libs/libavcodec-5e6b81c2.so.62",
        "cv2/cv2.abi3.so",
    ]
    assert [d for d in drop if not trim.dropped(d)] == []
    assert [k for k in keep if trim.dropped(k)] == []
    assert "PySide6.QtNetwork" in trim.EXCLUDED_MODULES and "PySide6.QtSvg" not in trim.EXCLUDED_MODULES


def test_prune_removes_only_libraries_the_dropped_plugins_alone_needed():
    needs = {
        "/s/libqgtk3.so": ["libgtk-3.so.0", "libQt6Gui.so.6", "libshared.so.1"],
        "/s/libgtk-3.so.0": ["libcairo.so.2"],
        "/s/libqxcb.so": ["libQt6XcbQpa.so.6", "libshared.so.1"],
        "/s/mod.abi3.so": ["libQt6Gui.so.6"],
    }
    binaries = [
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/s/libqgtk3.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/s/libqxcb.so", "BINARY"),
        ("PySide6/mod.abi3.so", "/s/mod.abi3.so", "EXTENSION"),
        ("libgtk-3.so.0", "/s/libgtk-3.so.0", "BINARY"),
        ("libcairo.so.2", "/s/libcairo.so.2", "BINARY"),
        ("libshared.so.1", "/s/libshared.so.1", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/s/libQt6Gui.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", "/s/libQt6XcbQpa.so.6", "BINARY"),
        ("libloaded_by_ctypes.so", "/s/libloaded_by_ctypes.so", "BINARY"),
        ("libpython3.11.so.1.0", "/s/libpython3.11.so.1.0", "BINARY"),
    ]
    datas = [
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("PySide6/Qt/translations/qt_fr.qm", "/s/qt_fr.qm", "DATA"),
        ("t2v_desktop/resources/style.qss", "/s/style.qss", "DATA"),
    ]
    bins, dats = trim.prune(binaries, datas, needed_of=lambda src: needs.get(src, []))
    kept = {d for d, _, _ in bins} | {d for d, _, _ in dats}
    assert kept == {
        "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/mod.abi3.so", "libshared.so.1",
        "PySide6/Qt/lib/libQt6Gui.so.6", "PySide6/Qt/lib/libQt6XcbQpa.so.6", "libloaded_by_ctypes.so",
        "libpython3.11.so.1.0", "libQt6Gui.so.6", "t2v_desktop/resources/style.qss",
    }
