"""Media I/O on PyAV: probe files, read frames and audio, encode with export presets.

Import the submodules directly (``from t2v_desktop.media.frames import FrameSource``) or use
the names re-exported here; nothing here imports Qt or torch.
"""

from .audio import AudioSource
from .encoder import Encoder
from .frames import FrameSource
from .info import AudioStreamInfo, MediaInfo, probe
from .presets import PRESETS, ExportPreset, get_preset, preset_for_path

__all__ = [
    "AudioSource", "AudioStreamInfo", "Encoder", "ExportPreset", "FrameSource", "MediaInfo",
    "PRESETS", "get_preset", "preset_for_path", "probe",
]
