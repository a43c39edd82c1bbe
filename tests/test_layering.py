"""The layering is executable: the import-linter contracts in pyproject.toml (layers cli > gui >
export_job > commands > project.history > project.split > engine > project.model >
ops > diffusion | media; Qt only in gui/; torch & co only in
diffusion/) hold for the package, and they do catch a module that breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"]


def lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    return subprocess.run(LINT, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_contracts_hold():
    r = lint(ROOT, ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 kept, 0 broken" in r.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("media/info.py", "from PySide6 import QtCore", "Qt only in gui/"),
    ("ops/color.py", "import torch", "torch, diffusers, transformers only in diffusion/"),
    ("media/audio.py", "from ..project import model", "Layers"),
])
def test_a_module_that_breaks_a_contract_is_caught(tmp_path, module, line, contract):
    shutil.copytree(ROOT / "t2v_desktop", tmp_path / "t2v_desktop",
                    ignore=shutil.ignore_patterns("__pycache__", "resources"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "t2v_desktop" / module
    target.write_text(target.read_text() + f"\n{line}  # a layering violation\n")
    r = lint(tmp_path, tmp_path)
    assert r.returncode != 0
    assert f"{contract}" in r.stdout and "BROKEN" in r.stdout, r.stdout
