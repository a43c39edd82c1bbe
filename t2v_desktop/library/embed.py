"""CLIP/SigLIP image and text embeddings for semantic search, from a local model only.

Looked up in: $T2V_CLIP_MODEL (a folder), then the Hugging Face cache for known ids, offline
(HF_HUB_OFFLINE=1), safetensors weights only. torch/transformers are imported here, lazily, so the app
and text search run without them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

from ..errors import T2VError

KNOWN_IDS = ("openai/clip-vit-base-patch32", "google/siglip-base-patch16-224")
FETCH = "hf download openai/clip-vit-base-patch32"


class EmbeddingModelMissing(T2VError):
    """No local CLIP/SigLIP model; ``where`` says where we looked."""

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"semantic search needs a CLIP/SigLIP model in {where}; fetch it with `{FETCH}`")


class EmbeddingModel:
    """A loaded CLIP-like model: ``embed_texts`` / ``embed_images`` return unit float32 rows."""

    def __init__(self, folder: Path, name: Optional[str] = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch  # noqa: F401  (lazy: model path only)
        from transformers import AutoImageProcessor, AutoModel, AutoTokenizer

        self.folder = Path(folder)
        self.name = name or self.folder.name
        self.slug = re.sub(r"[^\w.-]+", "_", self.name)
        self.model = AutoModel.from_pretrained(self.folder, use_safetensors=True).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(self.folder)
        try:
            self.image_processor = AutoImageProcessor.from_pretrained(self.folder)
        except (OSError, ValueError):
            self.image_processor = None

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        tok = self.tokenizer(list(texts), padding=True, truncation=True, return_tensors="pt")
        with torch.no_grad():
            out = self.model.get_text_features(**tok)
        return _unit(getattr(out, "pooler_output", out))

    def embed_images(self, images: Sequence) -> np.ndarray:
        """``images``: PIL images or HxWx3 uint8 arrays."""
        import torch

        if self.image_processor is None:
            raise T2VError(f"{self.folder} has no image processor config; re-download the model ({FETCH})")
        px = self.image_processor(images=list(images), return_tensors="pt")
        with torch.no_grad():
            out = self.model.get_image_features(pixel_values=px["pixel_values"])
        return _unit(getattr(out, "pooler_output", out))


def _unit(t) -> np.ndarray:
    a = t.detach().float().cpu().numpy().astype(np.float32)
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)


def find_model_folder() -> Path:
    looked: List[str] = []
    env = os.environ.get("T2V_CLIP_MODEL")
    if env:
        looked.append(env)
        if (Path(env) / "config.json").exists():
            return Path(env)
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub")
    for rid in KNOWN_IDS:
        snaps = hub / ("models--" + rid.replace("/", "--")) / "snapshots"
        looked.append(str(snaps))
        for snap in sorted(snaps.glob("*")) if snaps.exists() else []:
            if (snap / "config.json").exists() and any(snap.glob("*.safetensors")):
                return snap
    raise EmbeddingModelMissing(", ".join(looked) + " ($T2V_CLIP_MODEL)")


_CACHE: dict = {}


def find_model() -> EmbeddingModel:
    """The local model (loaded once per process) or EmbeddingModelMissing."""
    folder = find_model_folder()
    if folder not in _CACHE:
        _CACHE[folder] = EmbeddingModel(folder)
    return _CACHE[folder]


def embed_keyframes(conn, model: Optional[EmbeddingModel] = None, *, batch: int = 16,
                    file_id: Optional[int] = None) -> int:
    """Indexing hook: embed every keyframe (of ``file_id`` when given: the indexer calls it after each
    file) that has no embedding for the model yet, from its thumbnail. Returns how many were added;
    0 without a model."""
    from PIL import Image

    from .vectors import store_embedding

    if model is None:
        try:
            model = find_model()
        except EmbeddingModelMissing:
            return 0
    only = " AND k.shot_id IN (SELECT id FROM shots WHERE file_id = ?)" if file_id is not None else ""
    rows = conn.execute("SELECT k.id, k.thumb FROM keyframes k WHERE NOT EXISTS (SELECT 1 FROM embeddings e "
                        "WHERE e.keyframe_id = k.id AND e.model = ?)" + only,
                        (model.name,) + ((file_id,) if file_id is not None else ())).fetchall()
    done = 0
    for i in range(0, len(rows), batch):
        part = [(kid, thumb) for kid, thumb in rows[i:i + batch] if thumb and Path(thumb).exists()]
        if not part:
            continue
        vecs = model.embed_images([Image.open(t).convert("RGB") for _, t in part])
        for (kid, _), v in zip(part, vecs, strict=True):
            store_embedding(conn, kid, model.name, v)
        conn.commit()
        done += len(part)
    return done
