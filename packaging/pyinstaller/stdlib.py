"""The standard library modules to ship whole, so add-ons loaded at run time find what they import.

PyInstaller bundles only the stdlib modules the app imports. The diffusion add-on (torch,
diffusers, transformers, installed later into the app's add-on folder) also needs cProfile,
unittest.mock, xml.etree, html.parser, timeit, ... which the classic editor never touches, so a
frozen base build could not load it. Listed from the build interpreter's files, without importing.
"""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from pathlib import Path

#: Top-level stdlib modules left out: GUI toolkits, tests, dev tools, installers.
SKIP = {
    "tkinter", "turtle", "turtledemo", "idlelib", "test", "lib2to3", "ensurepip", "venv", "pydoc_data",
    "distutils", "msilib", "this", "antigravity", "xxsubtype", "xxlimited", "xxlimited_35", "__phello__",
}
_TEST_PARTS = {"test", "tests", "idle_test"}


def stdlib_modules() -> list[str]:
    """Importable stdlib module names (packages with their submodules), minus SKIP and tests."""
    root = Path(sysconfig.get_paths()["stdlib"])
    names = []
    for top in sorted(getattr(sys, "stdlib_module_names", ())):
        if top.startswith("_") or top in SKIP:
            continue
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        if spec is None:  # other platform's module (winreg, msvcrt, ...)
            continue
        names.append(top)
        pkg = root / top
        if spec.submodule_search_locations and pkg.is_dir():
            for py in sorted(pkg.rglob("*.py")):
                rel = py.relative_to(root).with_suffix("").parts
                if _TEST_PARTS & set(rel) or rel[-1] == "__main__":
                    continue
                names.append(".".join(rel[:-1] if rel[-1] == "__init__" else rel))
    return sorted(set(names))
