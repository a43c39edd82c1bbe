"""One adapter per diffusers pipeline family, found by ``model_index.json``'s ``_class_name``.

The way diffusers' ``AutoPipeline`` maps a family to its text-to-image / image-to-image classes, each
family here says which pipeline class does which task (text-to-video, image-to-video, video-to-video,
per-frame image edit), how to build that call's keyword arguments, and which tiny random-weight
builder (``testing.py``) the tests use. Code elsewhere asks the adapter (``family.can("t2v")``,
``family.frame_kwargs(...)``), never compares a kind string. Adding a family is one class and one row.

Torch-free: pipeline classes are looked up on ``diffusers`` only when one is loaded.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, ClassVar, Dict, Optional, Tuple

#: Tasks a family may do, with the words used in messages.
TASKS = {
    "frame_edit": "edit video frame by frame (image model)",
    "t2v": "generate video from text",
    "i2v": "animate a still image",
    "v2v": "edit video with a video model",
}


class Family:
    """Base adapter: name, the ``_class_name`` values it owns, task -> diffusers class name."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    class_names: ClassVar[Tuple[str, ...]] = ()
    pipelines: ClassVar[Dict[str, str]] = {}
    #: The main denoiser component (its config is read for estimates).
    denoiser: ClassVar[str] = "transformer"

    @property
    def tasks(self) -> frozenset:
        return frozenset(self.pipelines)

    def can(self, task: str) -> bool:
        return task in self.pipelines

    def pipeline_class_name(self, task: Optional[str] = None) -> str:
        return self.pipelines[task or self.default_task()]

    def default_task(self) -> str:
        return next(iter(self.pipelines))

    def pipeline_class(self, task: Optional[str] = None):
        """The diffusers class for ``task`` (imports diffusers)."""
        import diffusers

        name = self.pipeline_class_name(task)
        cls = getattr(diffusers, name, None)
        if cls is None:
            from ..errors import GenerativeUnavailableError

            raise GenerativeUnavailableError(
                f"This diffusers ({diffusers.__version__}) has no {name}; update it: pip install -U diffusers")
        return cls

    def build_tiny(self, folder: Path, seed: int = 0) -> Path:
        """A tiny random-weight pipeline of this family on disk (tests, benchmark dry runs)."""
        from . import testing

        return testing.TINY_BUILDERS[self.name](Path(folder), seed)

    def describe_tasks(self) -> str:
        return ", ".join(TASKS[t] for t in self.pipelines)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


# -- per-frame image pipelines (today's AI edit) ----------------------------------------------------

class FrameEditFamily(Family):
    """An image pipeline run on batches of frames (editor.VideoEditor)."""

    denoiser = "unet"
    #: Whether the TAESD preview decoder fits this family's latents.
    tiny_vae_ok: ClassVar[bool] = False

    def effective_steps(self, steps: int, strength: float) -> int:
        """Denoising steps that really run."""
        return steps

    def guidance_batches(self, guidance: float, image_guidance: float) -> int:
        return 2 if guidance > 1.0 else 1

    def check_request(self, steps: int, strength: float) -> None:
        """Raise GenerativeUnavailableError for a request that would do nothing."""

    def frame_kwargs(self, strength: float, image_guidance: float) -> dict:
        """The family's own arguments of one pipeline call."""
        return {}

    def blend_strength(self) -> bool:
        """True when the model has no denoise strength, so the edit is mixed into the source by it."""
        return False


class InstructPix2PixFamily(FrameEditFamily):
    name = "ip2p"
    label = "InstructPix2Pix (instruction editing)"
    class_names = ("StableDiffusionInstructPix2PixPipeline",)
    pipelines = {"frame_edit": "StableDiffusionInstructPix2PixPipeline"}

    def guidance_batches(self, guidance: float, image_guidance: float) -> int:
        return 3 if guidance > 1.0 and image_guidance >= 1.0 else 1

    def frame_kwargs(self, strength: float, image_guidance: float) -> dict:
        return {"image_guidance_scale": image_guidance}

    def blend_strength(self) -> bool:
        return True


class Img2ImgFamily(FrameEditFamily):
    name = "img2img"
    label = "Stable Diffusion img2img (prompt restyling)"
    class_names = ("StableDiffusionImg2ImgPipeline", "StableDiffusionPipeline")
    pipelines = {"frame_edit": "StableDiffusionImg2ImgPipeline"}
    tiny_vae_ok = True

    def effective_steps(self, steps: int, strength: float) -> int:
        return max(1, int(steps * strength))

    def check_request(self, steps: int, strength: float) -> None:
        if int(steps * strength) < 1:
            from ..errors import GenerativeUnavailableError

            raise GenerativeUnavailableError(
                f"With strength {strength:g} and {steps} steps the model would do no step at all; "
                f"raise steps to at least {math.ceil(1 / strength)} or raise the strength."
            )

    def frame_kwargs(self, strength: float, image_guidance: float) -> dict:
        return {"strength": strength}


# -- video pipelines ---------------------------------------------------------------------------------

class VideoFamily(Family):
    """A native video pipeline: frames are made (or edited) together, so motion is coherent."""

    #: What the model was trained at: frames per second and (width, height).
    fps: ClassVar[int] = 24
    native: ClassVar[Tuple[int, int]] = (768, 512)
    default_steps: ClassVar[int] = 30
    default_guidance: ClassVar[float] = 3.0
    #: Sides must be multiples of at least this (some pipelines check a fixed number).
    min_stride: ClassVar[int] = 1
    #: Prompt tokens the text encoder was trained with (CogVideoX's transformer needs exactly its own).
    max_tokens: ClassVar[int] = 128
    #: Whether call_kwargs should pass the prompt as embeddings computed by the text-to-video class
    #: (the V2V class of a family may need an optional text-cleaning package that T2V does without).
    encode_with_t2v: ClassVar[bool] = False

    def frame_count(self, wanted: int, temporal: int) -> int:
        """Smallest count >= ``wanted`` the VAE accepts (k * temporal + 1)."""
        wanted = max(1, int(wanted))
        return ((wanted - 1 + temporal - 1) // temporal) * temporal + 1

    def size(self, width: int, height: int, multiple: int) -> Tuple[int, int]:
        """The generation size: multiples of the model's stride, rounded to the nearest."""
        return (max(multiple, int(round(width / multiple)) * multiple),
                max(multiple, int(round(height / multiple)) * multiple))

    def call_kwargs(self, task: str, *, prompt: str, width: int, height: int, frames: int, steps: int,
                    guidance: float, fps: float, image=None, video=None, strength: float = 0.6,
                    negative_prompt: str = "") -> dict:
        kw: dict[str, Any] = dict(prompt=prompt, height=height, width=width, num_inference_steps=steps,
                                  guidance_scale=guidance)
        if negative_prompt:
            kw["negative_prompt"] = negative_prompt
        kw.update(self.task_kwargs(task, frames=frames, fps=fps, image=image, video=video, strength=strength))
        return kw

    def task_kwargs(self, task: str, *, frames: int, fps: float, image, video, strength: float) -> dict:
        raise NotImplementedError

    def prepare(self, pipe, task: str, steps: int) -> None:
        """Adjust the loaded pipeline for this call (e.g. its scheduler); nothing by default."""

    def effective_steps(self, task: str, steps: int, strength: float) -> int:
        return max(1, int(steps * strength)) if task == "v2v" else steps


class LTXVideoFamily(VideoFamily):
    """Lightricks LTX-Video: one folder serves text-, image- and video-conditioned generation."""

    name = "ltx"
    label = "LTX-Video"
    class_names = ("LTXPipeline", "LTXImageToVideoPipeline", "LTXConditionPipeline")
    pipelines = {"t2v": "LTXPipeline", "i2v": "LTXImageToVideoPipeline", "v2v": "LTXConditionPipeline"}
    fps = 24
    native = (768, 512)
    default_steps = 30
    default_guidance = 3.0
    min_stride = 32  # LTXImageToVideoPipeline / LTXConditionPipeline check 32 whatever the VAE

    def prepare(self, pipe, task: str, steps: int) -> None:
        """The released LTX-Video scheduler shifts its sigmas by the image size (``mu``) and ends at
        ``shift_terminal``. The condition pipeline (video-to-video) passes its own timesteps and no
        ``mu``, so it gets a copy without dynamic shifting; a 1-step schedule with ``shift_terminal``
        is 0/0 in diffusers 0.42, so 1-step calls get a copy without it."""
        base = getattr(pipe, "_base_scheduler", None) or pipe.scheduler  # the folder's (loader.py)
        cfg = base.config
        over = {}
        if task == "v2v" and cfg.get("use_dynamic_shifting"):
            over["use_dynamic_shifting"] = False
        if (task == "v2v" or steps <= 1) and cfg.get("shift_terminal"):
            over["shift_terminal"] = None
        pipe.scheduler = type(base).from_config(cfg, **over) if over else base

    def task_kwargs(self, task, *, frames, fps, image, video, strength):
        kw: dict[str, Any] = {"frame_rate": fps}
        if task == "t2v":
            kw["num_frames"] = frames
        elif task == "i2v":
            kw.update(num_frames=frames, image=image)
        else:  # v2v: the clip conditions the whole span; denoise_strength is SDEdit's strength
            kw.update(num_frames=frames, video=video, denoise_strength=strength)
        return kw


class WanFamily(VideoFamily):
    """Wan 2.1/2.2 text-to-video; the same folder does video-to-video."""

    name = "wan"
    label = "Wan"
    class_names = ("WanPipeline", "WanVideoToVideoPipeline")
    pipelines = {"t2v": "WanPipeline", "v2v": "WanVideoToVideoPipeline"}
    fps = 16
    native = (832, 480)
    default_steps = 30
    default_guidance = 5.0
    max_tokens = 512
    encode_with_t2v = True

    def task_kwargs(self, task, *, frames, fps, image, video, strength):
        if task == "v2v":
            return {"video": video, "strength": strength}
        return {"num_frames": frames}


class CogVideoXFamily(VideoFamily):
    """THUDM CogVideoX text-to-video; the same folder does video-to-video."""

    name = "cogvideox"
    label = "CogVideoX"
    class_names = ("CogVideoXPipeline", "CogVideoXVideoToVideoPipeline")
    pipelines = {"t2v": "CogVideoXPipeline", "v2v": "CogVideoXVideoToVideoPipeline"}
    fps = 8
    native = (720, 480)
    default_steps = 50
    default_guidance = 6.0
    max_tokens = 226

    def task_kwargs(self, task, *, frames, fps, image, video, strength):
        if task == "v2v":
            return {"video": video, "strength": strength}
        return {"num_frames": frames}


class CogVideoXImageToVideoFamily(CogVideoXFamily):
    """CogVideoX image-to-video (its own transformer: the image's latents are extra input channels)."""

    name = "cogvideox-i2v"
    label = "CogVideoX image-to-video"
    class_names = ("CogVideoXImageToVideoPipeline",)
    pipelines = {"i2v": "CogVideoXImageToVideoPipeline"}

    def task_kwargs(self, task, *, frames, fps, image, video, strength):
        return {"image": image, "num_frames": frames}


FAMILIES: Tuple[Family, ...] = (InstructPix2PixFamily(), Img2ImgFamily(), LTXVideoFamily(), WanFamily(),
                                CogVideoXFamily(), CogVideoXImageToVideoFamily())
BY_NAME: Dict[str, Family] = {f.name: f for f in FAMILIES}
BY_CLASS_NAME: Dict[str, Family] = {c: f for f in FAMILIES for c in f.class_names}


def family_named(name: str) -> Optional[Family]:
    return BY_NAME.get(name)


def family_for_class(class_name: str) -> Optional[Family]:
    """The adapter for a ``model_index.json`` ``_class_name`` (None: not a family we run)."""
    return BY_CLASS_NAME.get(class_name)


def class_name_of(path: Path) -> Optional[str]:
    index = Path(path) / "model_index.json"
    try:
        return json.loads(index.read_text()).get("_class_name") or None
    except (OSError, ValueError, AttributeError):
        return None


def families_that(task: str) -> list[Family]:
    return [f for f in FAMILIES if f.can(task)]
