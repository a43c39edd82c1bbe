"""``t2v-desktop doctor``: what this installation can do, for users and bug reports.

Cheap by default: torch is only looked up (importlib.util.find_spec), never imported, unless the
user asks for ``--gpu``; Qt is checked the same way. Nothing here raises: every probe reports
"missing" or the error it met instead.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
from typing import Any, Dict, List

from .addons import install_hint

#: Encoders the presets use, with what they are for.
ENCODERS = (
    ("libx264", "H.264 (h264, youtube-1080p, social-9x16)"),
    ("libx265", "H.265 (h265-hq)"),
    ("libvpx-vp9", "VP9 (vp9-webm)"),
    ("prores_ks", "ProRes (prores)"),
    ("gif", "GIF (gif)"),
    ("aac", "AAC audio"),
    ("libopus", "Opus audio (webm)"),
)


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def encoders() -> Dict[str, bool]:
    """Which encoders PyAV's FFmpeg build offers."""
    out = {}
    try:
        from av.codec import Codec
    except ImportError:
        return {name: False for name, _ in ENCODERS}
    for name, _ in ENCODERS:
        try:
            Codec(name, "w")
            out[name] = True
        except Exception:  # noqa: BLE001 - any failure means "not available"
            out[name] = False
    return out


def gpu_devices() -> List[str]:
    """CUDA / MPS devices as torch sees them (imports torch: only for ``doctor --gpu``)."""
    import torch

    devices = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            devices.append(f"cuda:{i} {p.name} ({p.total_memory / 2**30:.1f} GiB)")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps (Apple GPU)")
    return devices


def models() -> List[str] | None:
    """Models the diffusion backend knows, with their install state; None when it is not there."""
    try:
        mod = importlib.import_module("t2v_desktop.diffusion.models")
    except ImportError:
        return None
    fn = getattr(mod, "list_models", None)
    if not callable(fn):
        return None
    return [_model_text(m) for m in fn()]


def _model_text(m: Any) -> str:
    if isinstance(m, dict):
        name = str(m.get("name") or m.get("repo") or "?")
        if m.get("installed"):
            return f"{name} (installed)"
        return f"{name} ({'BROKEN' if m.get('path') else 'not installed'})"
    return str(getattr(m, "name", m))


def qt_libs() -> Dict[str, Any] | None:
    """The system libraries Qt's X11 plugin needs (Linux): which are present and which are missing,
    with the one command that installs the missing ones. None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    from . import qtlibs

    try:
        missing = qtlibs.missing()
    except Exception as e:  # noqa: BLE001 - doctor reports, never raises
        return {"error": f"{type(e).__name__}: {e}"}
    return {
        "present": [s for s in qtlibs.README_SONAMES if s not in missing],
        "missing": missing,
        "install": qtlibs.install_command(missing, qtlibs.family()) if missing else None,
    }


def collect(gpu: bool = False) -> Dict[str, Any]:
    """Everything doctor reports, as data (``doctor --json``)."""
    from . import __version__, paths

    info: Dict[str, Any] = {
        "t2v_desktop": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    try:
        import av

        info["pyav"] = av.__version__
        info["ffmpeg"] = str(getattr(av, "ffmpeg_version_info", "unknown"))
        info["ffmpeg_libs"] = {k: ".".join(map(str, v)) for k, v in av.library_versions.items()}
    except ImportError:
        info["pyav"] = None
    info["encoders"] = encoders()
    info["qt"] = _version("PySide6") or _version("PySide6-Essentials") if _installed("PySide6") else None
    info["qt_libs"] = qt_libs() if info["qt"] else None
    info["opencv"] = _version("opencv-python-headless") or _version("opencv-python") if _installed("cv2") else None
    torch_ok = _installed("torch")
    info["torch"] = _version("torch") if torch_ok else None
    info["diffusers"] = _version("diffusers") if _installed("diffusers") else None
    if gpu:
        if torch_ok:
            try:
                info["gpu_devices"] = gpu_devices()
            except Exception as e:  # noqa: BLE001 - a broken torch install is a finding, not a crash
                info["gpu_devices"] = [f"error: {type(e).__name__}: {e}"]
        else:
            info["gpu_devices"] = []
    try:
        info["models"] = models()
    except Exception as e:  # noqa: BLE001
        info["models"] = [f"error listing models: {type(e).__name__}: {e}"]
    info["paths"] = {k: str(v) for k, v in paths.all_paths().items()}
    return info


def report(info: Dict[str, Any]) -> str:
    """Readable text of ``collect()``."""
    ok = {True: "yes", False: "MISSING"}
    lines = [
        f"t2v-desktop {info['t2v_desktop']}  (Python {info['python']}, {info['platform']})",
        f"PyAV:      {info.get('pyav') or 'MISSING (pip install av)'}"
        + (f"  FFmpeg {info['ffmpeg']}" if info.get("pyav") else ""),
        "Encoders:",
    ]
    for name, what in ENCODERS:
        lines.append(f"  {name:<11} {ok[info['encoders'].get(name, False)]:<8} {what}")
    lines.append(f"Qt (PySide6): {info['qt'] or 'not installed: the GUI is unavailable, the CLI works'}")
    libs = info.get("qt_libs")
    if libs and libs.get("error"):
        lines.append(f"Qt X11 libs: could not check ({libs['error']})")
    elif libs and libs["missing"]:
        fix = f"sudo {libs['install']}" if libs.get("install") else "install them with your package manager"
        lines.append(f"Qt X11 libs: MISSING {', '.join(libs['missing'])}: the editor's window cannot open "
                     f"on X11 ({fix})")
    elif libs:
        lines.append(f"Qt X11 libs: all present ({', '.join(libs['present'])})")
    lines.append(f"OpenCV:    {info['opencv'] or 'MISSING'}")
    lines.append(
        f"torch:     {info['torch'] or 'not installed: AI edits unavailable (' + install_hint() + ')'}"
    )
    if info.get("torch"):
        lines.append(f"diffusers: {info.get('diffusers') or 'MISSING'}")
    if "gpu_devices" in info:
        lines.append("GPU:       " + (", ".join(info["gpu_devices"]) or "none (AI edits would run on the CPU, slowly)"))
    else:
        lines.append("GPU:       not checked (run 'doctor --gpu'; it imports torch)")
    models_found = info.get("models")
    if models_found is None:
        lines.append("Models:    none (diffusion backend not installed)")
    else:
        lines.append("Models:    " + (", ".join(models_found) if models_found else "none found")
                     + "  (details: t2v-desktop models)")
    lines.append("Folders:")
    for k, v in info["paths"].items():
        lines.append(f"  {k:<9} {v}")
    return "\n".join(lines)
