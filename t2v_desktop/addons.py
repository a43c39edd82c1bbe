"""Optional add-ons installed into the app's own folder, so the base installer stays small.

The generative (diffusion) stack -- torch, diffusers, transformers, safetensors -- is several
hundred MB (CPU) to several GB (CUDA). The packaged app ships without it; ``t2v-desktop addons
install diffusion`` puts it in ``<data dir>/addons/py3XY`` and every later start adds that folder
to ``sys.path`` (after the bundled packages, so they can't shadow the app's own libraries).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from .errors import T2VError

ADDONS = {
    "diffusion": ["torch", "diffusers>=0.30", "transformers>=4.40", "safetensors>=0.4", "accelerate>=0.30", "peft>=0.10"],
}


def addons_dir() -> Path:
    """Per-Python-version folder: compiled wheels only load into the matching interpreter."""
    from .paths import data_dir

    return data_dir() / "addons" / f"py{sys.version_info.major}{sys.version_info.minor}"


def activate() -> bool:
    """Make installed add-ons importable; True when their folder was added now. Cheap (no imports);
    called once at start-up. Never raises: a data folder that cannot be read just means no add-ons
    (``activate_or_explain`` says why)."""
    before = len(sys.path)
    activate_or_explain()
    return len(sys.path) > before


def activate_or_explain() -> Optional[str]:
    """Like ``activate``; returns None when all is well, else one line saying why add-ons are off
    (an unreadable or misplaced data folder: T2V_DATA_DIR pointing at a file, a locked folder, a
    name too long)."""
    from .errors import os_error_message

    d = None
    try:
        d = addons_dir()
        if d.is_dir() and str(d) not in sys.path:
            sys.path.append(str(d))
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in T2V_DATA_DIR
        where = d if d is not None else os.environ.get("T2V_DATA_DIR", "the data folder")
        reason = os_error_message(e, where, "read") if isinstance(e, OSError) else f"{where!s}: {e}"
        return f"add-ons are off: {reason} (check T2V_DATA_DIR or the folder's permissions)"
    return None


def _installer_python() -> str:
    """The interpreter that runs pip: ours, or (frozen app) a matching system Python."""
    if not getattr(sys, "frozen", False):
        return sys.executable
    want = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = shutil.which(want) or (shutil.which("py") if os.name == "nt" else None)
    if not found:
        raise T2VError(
            f"Installing the diffusion add-on needs {want} on your PATH (to run pip). Install it, "
            "or use the 'full' build of t2v-desktop that already contains the diffusion stack."
        )
    return found


def pip_command(name: str, extra_args: Sequence[str] = ()) -> List[str]:
    if name not in ADDONS:
        raise T2VError(f"Unknown add-on '{name}'. Available: {', '.join(ADDONS)}.")
    py = _installer_python()
    cmd = [py]
    if os.path.basename(py).lower().startswith("py") and os.name == "nt" and getattr(sys, "frozen", False):
        cmd.append(f"-{sys.version_info.major}.{sys.version_info.minor}")
    return cmd + ["-m", "pip", "install", "--upgrade", "--target", str(addons_dir()), *ADDONS[name], *extra_args]


def install(name: str, extra_args: Sequence[str] = (), *, runner=None) -> int:
    """Run pip for add-on ``name``; ``extra_args`` go to pip (e.g. an index URL for CUDA wheels)."""
    addons_dir().mkdir(parents=True, exist_ok=True)
    cmd = pip_command(name, extra_args)
    print("running: " + " ".join(cmd), file=sys.stderr)
    return (runner or subprocess.run)(cmd).returncode


def install_hint() -> str:
    """How this copy of t2v-desktop gets the diffusion stack: the add-on for packaged builds, pip otherwise."""
    if getattr(sys, "frozen", False):
        return "t2v-desktop addons install diffusion"
    return "pip install 't2v-desktop[diffusion]'"


def installed(name: str, probe: Optional[str] = None) -> bool:
    """Whether the add-on's main package is importable (without importing it)."""
    import importlib.util

    activate()
    return importlib.util.find_spec(probe or ADDONS[name][0].split(">")[0].split("=")[0]) is not None
