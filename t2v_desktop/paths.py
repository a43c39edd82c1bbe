"""Where t2v-desktop keeps its files: user data, caches, models, autosaves, logs.

One place so the GUI, the CLI, the diffusion backend and ``doctor`` agree. Each folder can be
moved with an environment variable (T2V_DATA_DIR, T2V_CACHE_DIR, T2V_MODELS_DIR), which tests and
portable installs use. The functions create the folder when they can and return the path anyway
when they cannot (``doctor`` reports that; writers then fail with their own clear error).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "t2v-desktop"


def _dir(env: str, default: Path) -> Path:
    value = os.environ.get(env, "").strip()
    path = Path(value).expanduser() if value else default
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return path


def data_dir() -> Path:
    """User data (settings, autosaves, logs). Override: T2V_DATA_DIR."""
    import platformdirs

    return _dir("T2V_DATA_DIR", Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def cache_dir() -> Path:
    """Re-creatable caches (analyses, generative renders, the demo clip). Override: T2V_CACHE_DIR."""
    import platformdirs

    return _dir("T2V_CACHE_DIR", Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)))


def models_dir() -> Path:
    """Local diffusion models (safetensors folders). Override: T2V_MODELS_DIR."""
    return _dir("T2V_MODELS_DIR", data_dir() / "models")


def autosave_dir() -> Path:
    """The GUI's autosaved projects (last good copy kept)."""
    return _dir("T2V_AUTOSAVE_DIR", data_dir() / "autosave")


def log_dir() -> Path:
    """Logs with details of unexpected errors (the CLI and GUI point users here)."""
    return _dir("T2V_LOG_DIR", data_dir() / "logs")


def all_paths() -> dict[str, Path]:
    """Every location by name, for ``doctor`` and the settings dialog."""
    return {
        "data": data_dir(),
        "cache": cache_dir(),
        "models": models_dir(),
        "autosave": autosave_dir(),
        "logs": log_dir(),
    }
