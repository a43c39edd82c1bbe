import importlib
import sys

import pytest

from t2v_desktop import addons
from t2v_desktop.errors import T2VError


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "path", list(sys.path))
    return tmp_path


def test_activate_makes_installed_addons_importable(data_dir):
    d = addons.addons_dir()
    assert str(d).startswith(str(data_dir))
    assert addons.activate() is False  # nothing installed yet
    d.mkdir(parents=True)
    (d / "t2v_addon_probe_mod.py").write_text("VALUE = 42\n")
    assert addons.activate() is True
    assert sys.path[-1] == str(d)  # appended: bundled packages keep priority
    assert importlib.import_module("t2v_addon_probe_mod").VALUE == 42
    assert addons.installed("diffusion", probe="t2v_addon_probe_mod")


def test_pip_command_targets_the_addons_folder(data_dir):
    cmd = addons.pip_command("diffusion", ["--index-url", "X"])
    assert cmd[:3] == [sys.executable, "-m", "pip"]
    assert cmd[cmd.index("--target") + 1] == str(addons.addons_dir())
    assert "torch" in cmd and "diffusers>=0.30" in cmd and cmd[-2:] == ["--index-url", "X"]
    with pytest.raises(T2VError, match="Unknown add-on"):
        addons.pip_command("nope")


def test_install_runs_pip_and_reports_its_exit_code(data_dir):
    seen = []

    class R:
        returncode = 3

    assert addons.install("diffusion", runner=lambda cmd: seen.append(cmd) or R()) == 3
    assert seen and "--target" in seen[0]
    assert addons.addons_dir().is_dir()


def test_cli_addons_status_and_failed_install(data_dir, monkeypatch, capsys):
    from t2v_desktop import cli

    assert cli.main(["addons", "status"]) == 0
    assert "diffusion: " in capsys.readouterr().out

    class R:
        returncode = 1

    monkeypatch.setattr(addons.subprocess, "run", lambda cmd: R())
    assert cli.main(["addons", "install", "diffusion"]) != 0
    err = capsys.readouterr().err
    assert "failed (pip exit code 1)" in err and "Traceback" not in err
