"""Model registry: which diffusion models t2v-desktop knows, where they live, and whether they are safe.

Torch-free on purpose: ``t2v-desktop models`` and the op's cache lookup use it without loading
anything heavy. Weights are read from local folders only (``T2V_MODELS_DIR``, the user data
``models`` folder, or the Hugging Face cache), never downloaded, and only as ``.safetensors``:
pickle weights (.bin/.ckpt/.pt) can run code when loaded, so folders holding only those are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ..errors import GenerativeUnavailableError
from .families import TASKS, Family, class_name_of, families_that, family_for_class, family_named
from .suggest import classic_suggestion


@dataclass(frozen=True)
class ModelEntry:
    """One model t2v-desktop knows by a short name."""

    name: str
    repo: str
    #: A pipeline family's name (families.py: "ip2p", "img2img", "ltx", "wan", ...), or "lora", "vae".
    kind: str
    role: str
    description: str
    #: ``hf download`` patterns: component folders only (the repos also hold big single-file checkpoints).
    include: tuple[str, ...] = ("model_index.json", "*/*.json", "*/*.txt", "*/*.safetensors")
    exclude: tuple[str, ...] = ("*non_ema*", "*emaonly*")


#: Video repos: component folders only (T5 tokenizers ship spiece.model; LTX-Video's repo root also holds
#: single-file checkpoints of every version, which the pipeline does not need).
_VIDEO_FILES = ("model_index.json", "*/*.json", "*/*.txt", "*/*.model", "*/*.safetensors")

REGISTRY: dict[str, ModelEntry] = {
    e.name: e
    for e in (
        ModelEntry("instruct-pix2pix", "timbrooks/instruct-pix2pix", "ip2p", "default editor",
                   "Instruction editing: 'make it sunset', 'add snow'. Keeps the picture's layout."),
        ModelEntry("sd15-img2img", "stable-diffusion-v1-5/stable-diffusion-v1-5", "img2img", "video-to-video",
                   "Prompt-driven restyling (img2img): describe the result, e.g. 'a watercolor painting'."),
        ModelEntry("lcm-lora-sdv1-5", "latent-consistency/lcm-lora-sdv1-5", "lora", "fast preview",
                   "LCM-LoRA: 2-4 step previews in fast mode (optional).", include=("*.safetensors", "*.json"),
                   exclude=()),
        ModelEntry("taesd", "madebyollin/taesd", "vae", "fast preview",
                   "Tiny autoencoder: fast decoding in fast mode (optional).",
                   include=("config.json", "diffusion_pytorch_model.safetensors"), exclude=()),
        ModelEntry("ltx-video", "Lightricks/LTX-Video", "ltx", "text to video",
                   "LTX-Video 2B: clips from text ('generate a 4 second clip of waves'), animated images, "
                   "video-to-video edits.", include=_VIDEO_FILES, exclude=()),
        ModelEntry("wan2.1-t2v-1.3b", "Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "wan", "text to video",
                   "Wan 2.1 1.3B: clips from text and video-to-video edits (16 fps).", include=_VIDEO_FILES, exclude=()),
        ModelEntry("cogvideox-2b", "THUDM/CogVideoX-2b", "cogvideox", "text to video",
                   "CogVideoX 2B: clips from text and video-to-video edits (8 fps).", include=_VIDEO_FILES, exclude=()),
        ModelEntry("cogvideox-5b-i2v", "THUDM/CogVideoX-5b-I2V", "cogvideox-i2v", "image to video",
                   "CogVideoX 5B image-to-video: animates a still ('animate logo.png'; 720x480, 8 fps).",
                   include=_VIDEO_FILES, exclude=()),
    )
}
DEFAULT_EDITOR = "instruct-pix2pix"
#: The model "generate ..." uses when none is named.
DEFAULT_GENERATOR = "ltx-video"
UNSAFE_SUFFIXES = (".bin", ".ckpt", ".pt", ".pth", ".pkl")


@dataclass
class ResolvedModel:
    """A model request resolved to a registry entry (or a bare folder) and, when installed, its path."""

    request: str
    entry: Optional[ModelEntry]
    path: Optional[Path]
    family: Family
    looked: list[Path] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """The family's name (for listings and messages; code asks ``family``)."""
        return self.family.name

    @property
    def id(self) -> str:
        return self.entry.repo if self.entry else str(self.path or self.request)


def models_dirs() -> list[Path]:
    """Local model folders, in search order: ``T2V_MODELS_DIR`` (os.pathsep list), then the user data dir."""
    from ..paths import data_dir

    dirs = [Path(p).expanduser() for p in os.environ.get("T2V_MODELS_DIR", "").split(os.pathsep) if p.strip()]
    default = data_dir() / "models"
    return dirs + ([default] if default not in dirs else [])


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache (same rules as huggingface_hub, without importing it)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "huggingface" / "hub"


def _hf_snapshot(repo: str) -> tuple[Path, Optional[Path]]:
    root = hf_cache_dir() / ("models--" + repo.replace("/", "--"))
    snaps = root / "snapshots"
    ref = root / "refs" / "main"
    if ref.is_file():
        snap = snaps / ref.read_text().strip()
        if snap.is_dir():
            return root, snap
    if snaps.is_dir():
        found = sorted((p for p in snaps.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
        if found:
            return root, found[-1]
    return root, None


def _candidates(name: str, repo: Optional[str]) -> list[Path]:
    out: list[Path] = []
    for d in models_dirs():
        out.append(d / name)
        if repo:
            out += [d / repo.replace("/", "--"), d / repo.split("/")[-1], d / repo]
    seen: list[Path] = []
    for p in out:
        if p not in seen:
            seen.append(p)
    return seen


def detect_family(path: Path) -> Optional[Family]:
    """The pipeline family of a folder, from its model_index.json ``_class_name`` (None if unknown)."""
    cls = class_name_of(path)
    return family_for_class(cls) if cls else None


def detect_kind(path: Path) -> Optional[str]:
    """A folder's family name, or "vae"/"lora" for helper components; None if unknown."""
    if (path / "model_index.json").is_file():
        fam = detect_family(path)
        return fam.name if fam else None
    cfg = path / "config.json"
    if cfg.is_file():
        try:
            cls = json.loads(cfg.read_text()).get("_class_name", "")
        except (OSError, ValueError):
            return None
        if cls.startswith("Autoencoder"):
            return "vae"
    if any(path.glob("*lora*.safetensors")):
        return "lora"
    return None


def resolve(model: str = "", *, prompt: str = "", tasks: tuple[str, ...] = ("frame_edit",)) -> ResolvedModel:
    """Find a model by registry name, Hugging Face repo id or folder path. Torch-free.

    ``tasks``: what the caller will do with it (families.TASKS); the model's family must do one.
    Raises GenerativeUnavailableError when it is not installed (saying where it looked and how to fetch
    it), or when the folder is not a usable, safetensors-only pipeline of a family that does the task.
    """
    default = DEFAULT_EDITOR if "frame_edit" in tasks else DEFAULT_GENERATOR
    request = (model or "").strip() or default
    entry = REGISTRY.get(request) or next((e for e in REGISTRY.values() if e.repo == request), None)
    looked: list[Path] = []
    path: Optional[Path] = None
    direct = Path(request).expanduser()
    if entry is None and (direct.is_dir() or os.sep in request and not _looks_like_repo(request)):
        looked.append(direct)
        path = direct if direct.is_dir() else None
    else:
        repo = entry.repo if entry else (request if _looks_like_repo(request) else None)
        if entry is None and repo is None and not any((d / request).is_dir() for d in models_dirs()):
            known = ", ".join(REGISTRY)
            raise GenerativeUnavailableError(
                f"Unknown model '{request}'. Use one of: {known}; a Hugging Face repo id (owner/name); "
                "or the path of a local diffusers folder."
            )
        for cand in _candidates(entry.name if entry else request.replace("/", "--"), repo):
            looked.append(cand)
            if cand.is_dir() and ((cand / "model_index.json").is_file() or (cand / "config.json").is_file()):
                path = cand
                break
        if path is None and repo:
            root, snap = _hf_snapshot(repo)
            looked.append(root)
            path = snap
    if path is None:
        raise GenerativeUnavailableError(missing_message(entry, request, looked, prompt))
    family = detect_family(path) or (family_named(entry.kind) if entry else None)
    if family is None or not any(family.can(t) for t in tasks):
        what = " or ".join(TASKS[t] for t in tasks)
        able = [f for t in tasks for f in families_that(t)]
        known = ", ".join(n for n, e in REGISTRY.items() if family_named(e.kind) in able)
        cls = class_name_of(path) or "no model_index.json"
        has = f" ({family.label}: it can {family.describe_tasks()})" if family else f" ({cls})"
        raise GenerativeUnavailableError(
            f"{path} is not a pipeline that can {what}{has}. Pipelines that can: "
            f"{', '.join(sorted({c for f in able for c in f.class_names}))}; known models: {known}."
        )
    problems = verify_model(path)
    if problems:
        raise GenerativeUnavailableError(f"Model at {path} cannot be used: " + " ".join(problems))
    needs = packages_needed(path)
    if needs:
        raise GenerativeUnavailableError(
            f"The tokenizer of {path} is a SentencePiece model (spiece.model, no tokenizer.json); reading it "
            f"needs the {', '.join(needs)} package. Install it with: pip install {' '.join(needs)}")
    return ResolvedModel(request=request, entry=entry, path=path, family=family, looked=looked)


def find_optional(name: str) -> Optional[Path]:
    """Path of an optional helper (LCM-LoRA, TAESD) if installed and safe, else None. Never raises."""
    entry = REGISTRY[name]
    for cand in _candidates(entry.name, entry.repo):
        if cand.is_dir() and not verify_model(cand):
            return cand
    _, snap = _hf_snapshot(entry.repo)
    if snap is not None and not verify_model(snap):
        return snap
    return None


def _looks_like_repo(text: str) -> bool:
    parts = text.split("/")
    return len(parts) == 2 and all(parts) and not text.startswith((".", "~")) and " " not in text


def fetch_command(entry: Optional[ModelEntry], request: str) -> str:
    repo = entry.repo if entry else request
    spec = entry or ModelEntry("", repo, "", "", "")
    include = " ".join(f'"{p}"' for p in spec.include)
    exclude = (" --exclude " + " ".join(f'"{p}"' for p in spec.exclude)) if spec.exclude else ""
    target = models_dirs()[0] / (entry.name if entry else repo.replace("/", "--"))
    return f'hf download {repo} --include {include}{exclude} --local-dir "{target}"'


def missing_message(entry: Optional[ModelEntry], request: str, looked: Iterable[Path], prompt: str = "") -> str:
    where = "; ".join(str(p) for p in looked) or "(nowhere: no model folders configured)"
    msg = (
        f"AI model '{entry.name if entry else request}' is not installed (looked in: {where}). "
        f"Fetch it once with: {fetch_command(entry, request)} "
        f"(older huggingface_hub: huggingface-cli download with the same arguments), "
        "or set T2V_MODELS_DIR to a folder that holds it."
    )
    suggestion = classic_suggestion(prompt) if prompt else None
    if suggestion:
        msg += f" Or use the nearest classic look now: `{suggestion}`."
    return msg


# ---------------------------------------------------------------------------------------------
# Verification: config present, weights are safetensors with a readable header.

def safetensors_header(path: Path) -> dict:
    """Parse a .safetensors header (8-byte little-endian length + JSON) without loading tensors."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError("file too short")
        (n,) = struct.unpack("<Q", raw)
        if n <= 0 or n > 100_000_000:
            raise ValueError("implausible header length")
        header = json.loads(f.read(n))
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    return header


def _check_weights(folder: Path, label: str) -> list[str]:
    files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    safe = [p for p in files if p.name.endswith(".safetensors")]
    unsafe = [p for p in files if p.suffix in UNSAFE_SUFFIXES]
    if not safe:
        if unsafe:
            names = ", ".join(sorted(p.name for p in unsafe))
            return [
                f"{label} has only PyTorch pickle weights ({names}). t2v-desktop loads .safetensors only, "
                "because pickle files can run arbitrary code when loaded. Download the .safetensors "
                "version of this model (or convert it) and try again."
            ]
        return [f"{label} has no .safetensors weights."]
    problems = []
    for p in safe:
        try:
            safetensors_header(p)
        except (OSError, ValueError) as e:
            problems.append(f"{label}/{p.name} is not a readable safetensors file ({e}); re-download it.")
    return problems


def verify_model(path: Path) -> list[str]:
    """Problems that make a model folder unusable (empty list: fine). Reads headers only."""
    path = Path(path)
    if not path.is_dir():
        return [f"{path} is not a folder."]
    index = path / "model_index.json"
    if not index.is_file():
        if (path / "config.json").is_file():
            return _check_weights(path, path.name)
        if any(path.glob("*.safetensors")) or any(p.suffix in UNSAFE_SUFFIXES for p in path.iterdir()):
            return _check_weights(path, path.name)
        return [f"{path} has no model_index.json or config.json."]
    try:
        spec = json.loads(index.read_text())
    except (OSError, ValueError) as e:
        return [f"{index} is not valid JSON ({e})."]
    problems: list[str] = []
    for comp, value in spec.items():
        if comp.startswith("_") or not isinstance(value, list) or len(value) != 2 or value[0] is None:
            continue
        if comp in ("safety_checker", "feature_extractor", "image_encoder"):
            continue  # not used by t2v-desktop (loaded as None)
        sub = path / comp
        if not sub.is_dir():
            problems.append(f"component '{comp}' is missing (no {comp}/ folder).")
            continue
        if comp.startswith("tokenizer"):
            if not any((sub / n).is_file() for n in ("tokenizer.json", "vocab.json", "spiece.model",
                                                      "tokenizer.model")):
                problems.append(f"{comp}/ has no tokenizer.json, vocab.json or spiece.model.")
        elif comp.startswith("scheduler"):
            if not (sub / "scheduler_config.json").is_file():
                problems.append(f"{comp}/ has no scheduler_config.json.")
        else:
            if not (sub / "config.json").is_file():
                problems.append(f"{comp}/ has no config.json.")
            problems += _check_weights(sub, comp)
    return problems


def packages_needed(path: Path) -> list[str]:
    """Python packages a folder's tokenizers need that are not installed (T5 tokenizers of LTX-Video and
    CogVideoX ship only spiece.model, which transformers reads with sentencepiece)."""
    import importlib.util

    for sub in sorted(Path(path).glob("tokenizer*")):
        if (sub / "tokenizer.json").is_file():
            continue
        if any((sub / n).is_file() for n in ("spiece.model", "tokenizer.model")):
            return [] if importlib.util.find_spec("sentencepiece") else ["sentencepiece"]
    return []


def fingerprint(path: Path) -> str:
    """Identity of an installed model's files (names, sizes, mtimes) for cache keys."""
    h = hashlib.sha256()
    for p in sorted(Path(path).rglob("*")):
        if p.is_file() and (p.suffix in (".json", ".txt", ".safetensors")):
            st = p.stat()
            h.update(f"{p.relative_to(path)}:{st.st_size}:{int(st.st_mtime)}\n".encode())
    return h.hexdigest()[:16]


def weights_variant(path: Path) -> Optional[str]:
    """"fp16" when the UNet folder holds only fp16-variant safetensors (diffusers then needs variant=)."""
    unet = Path(path) / "unet"
    if (unet / "diffusion_pytorch_model.safetensors").is_file():
        return None
    return "fp16" if (unet / "diffusion_pytorch_model.fp16.safetensors").is_file() else None


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def list_models() -> list[dict]:
    """Every registry model with its install state, for ``t2v-desktop models`` and the GUI settings."""
    rows = []
    for e in REGISTRY.values():
        row = {"name": e.name, "repo": e.repo, "kind": e.kind, "role": e.role, "description": e.description,
               "installed": False, "path": None, "problems": [], "size_mb": 0.0,
               "fetch": fetch_command(e, e.repo)}
        cands = [c for c in _candidates(e.name, e.repo) if c.is_dir()]
        _, snap = _hf_snapshot(e.repo)
        if snap is not None:
            cands.append(snap)
        if cands:
            p = cands[0]
            row.update(path=str(p), problems=verify_model(p), size_mb=round(_size(p) / 1e6, 1))
            row["installed"] = not row["problems"]
        rows.append(row)
    known = {Path(r["path"]).resolve() for r in rows if r["path"]}
    for d in models_dirs():
        for sub in sorted(d.iterdir()) if d.is_dir() else ():
            if sub.resolve() in known or not (sub / "model_index.json").is_file():
                continue
            problems = verify_model(sub)
            fam = detect_family(sub)
            what = f"a {fam.label} folder that can {fam.describe_tasks()}" if fam else "a diffusers pipeline folder"
            rows.append({"name": sub.name, "repo": "", "kind": detect_kind(sub) or "?", "role": "local folder",
                         "description": f"{what} (use model={sub.name})",
                         "installed": not problems, "path": str(sub), "problems": problems,
                         "size_mb": round(_size(sub) / 1e6, 1), "fetch": ""})
    return rows


def models_report() -> str:
    """Human-readable listing: installed models verified (config + safetensors headers), others with
    the command that fetches them."""
    lines = ["AI models (local only, safetensors only; never downloaded by t2v-desktop):"]
    for r in list_models():
        state = "installed" if r["installed"] else ("BROKEN" if r["path"] else "not installed")
        lines.append(f"  {r['name']:<18} {state:<14} {r['role']}: {r['description']}")
        if r["path"]:
            lines.append(f"      at {r['path']} ({r['size_mb']} MB)")
        for prob in r["problems"]:
            lines.append(f"      problem: {prob}")
        if not r["installed"] and r["fetch"]:
            lines.append(f"      fetch: {r['fetch']}")
    lines.append("  Search path: " + ", ".join(str(d) for d in models_dirs()) + f", {hf_cache_dir()}")
    return "\n".join(lines)
