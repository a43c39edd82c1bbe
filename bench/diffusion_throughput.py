"""Throughput of the AI edit path (InstructPix2Pix-shaped SD 1.5, random weights, no download).

Builds a full-size SD 1.5 UNet (8 input channels, as InstructPix2Pix), VAE and CLIP text encoder
from the configs written below, then runs t2v-desktop's real editor (shared noise, cross-frame
attention, chunked batches, flow fusion, deflicker) on 512x512 frames in CUDA fp16, and reports
frames per second and peak GPU memory for 1, 4 and 20 steps. Random weights cost exactly the same
compute as trained ones.

    python bench/diffusion_throughput.py                  # CUDA, 16 frames
    python bench/diffusion_throughput.py --compile        # with torch.compile on the UNet
    python bench/diffusion_throughput.py --chunk 1 --chunk 8
    python bench/diffusion_throughput.py --dry-run        # tiny config on CPU, 1 step: checks the script
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SD15_UNET = dict(
    sample_size=64, in_channels=8, out_channels=4, layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280),
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=768, attention_head_dim=8, norm_num_groups=32, norm_eps=1e-5, act_fn="silu",
    center_input_sample=False, downsample_padding=1, flip_sin_to_cos=True, freq_shift=0,
    mid_block_scale_factor=1,
)
SD15_VAE = dict(
    in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, norm_num_groups=32,
    block_out_channels=(128, 256, 512, 512), down_block_types=("DownEncoderBlock2D",) * 4,
    up_block_types=("UpDecoderBlock2D",) * 4, act_fn="silu", sample_size=512, scaling_factor=0.18215,
)
SD15_TEXT = dict(  # CLIP ViT-L/14 text tower
    hidden_size=768, intermediate_size=3072, num_attention_heads=12, num_hidden_layers=12,
    max_position_embeddings=77, vocab_size=49408, hidden_act="quick_gelu", projection_dim=768,
    bos_token_id=0, eos_token_id=2, pad_token_id=1,
)
SD15_SCHEDULER = dict(  # timbrooks/instruct-pix2pix ships EulerAncestral with the SD 1.5 betas
    beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
    steps_offset=1, prediction_type="epsilon",
)
TINY_UNET = dict(sample_size=8, in_channels=8, out_channels=4, layers_per_block=1, block_out_channels=(32, 64),
                 down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                 up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=32, attention_head_dim=8)
TINY_VAE = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1, norm_num_groups=8,
                block_out_channels=(16, 16, 16, 16), down_block_types=("DownEncoderBlock2D",) * 4,
                up_block_types=("UpDecoderBlock2D",) * 4, sample_size=64)
TINY_TEXT = dict(hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
                 max_position_embeddings=77, vocab_size=1000, bos_token_id=0, eos_token_id=2, pad_token_id=1)


def build_pipeline(tiny: bool, workdir: Path):
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerAncestralDiscreteScheduler,
        StableDiffusionInstructPix2PixPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    from t2v_desktop.diffusion.testing import _tokenizer

    torch.manual_seed(0)
    # full size: random init straight on the GPU (seconds), not on the CPU; adopt_pipeline casts to fp16
    with torch.device("cpu" if tiny or not torch.cuda.is_available() else "cuda"):
        unet = UNet2DConditionModel(**(TINY_UNET if tiny else SD15_UNET))
        vae = AutoencoderKL(**(TINY_VAE if tiny else SD15_VAE))
        text = CLIPTextModel(CLIPTextConfig(**(TINY_TEXT if tiny else SD15_TEXT)))
    tok = _tokenizer(workdir / "tokenizer")  # a toy BPE vocabulary: token ids only feed random weights
    return StableDiffusionInstructPix2PixPipeline(
        vae=vae, text_encoder=text, tokenizer=tok, unet=unet,
        scheduler=EulerAncestralDiscreteScheduler(**({} if tiny else SD15_SCHEDULER)),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )


def check_full_configs() -> dict:
    """Instantiate the SD 1.5 components on the meta device (no memory, no compute): proves the configs
    above build, and gives their parameter counts (UNet ~860 M, VAE ~84 M, text encoder ~123 M)."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    with torch.device("meta"):
        parts = {"unet": UNet2DConditionModel(**SD15_UNET), "vae": AutoencoderKL(**SD15_VAE),
                 "text_encoder": CLIPTextModel(CLIPTextConfig(**SD15_TEXT))}
    return {k: round(sum(p.numel() for p in m.parameters()) / 1e6, 1) for k, m in parts.items()}


def frames_for(n: int, size: int) -> list[np.ndarray]:
    """Moving gradients (media.synth's "gradient" pattern, inlined: PyAV is not needed on a GPU box)."""
    x = np.linspace(0, 255, size, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, size, dtype=np.float32)[:, None]
    return [np.stack([(x + i * 3) % 256 + 0 * y, y + 0 * x, 255 - (x + y) / 2], axis=-1).astype(np.uint8)
            for i in range(n)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true", help="tiny config on CPU with 1 step (checks the script)")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--steps", type=int, nargs="*", default=[1, 4, 20])
    ap.add_argument("--chunk", type=int, action="append", help="frames per UNet batch (repeatable); default auto")
    ap.add_argument("--compile", action="store_true", help="torch.compile the UNet")
    ap.add_argument("--no-consistency", action="store_true", help="plain per-frame editing for comparison")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    import torch

    from t2v_desktop.diffusion.consistency import ConsistencySettings
    from t2v_desktop.diffusion.device import Device
    from t2v_desktop.diffusion.editor import EditRequest, VideoEditor
    from t2v_desktop.diffusion.families import BY_NAME
    from t2v_desktop.diffusion.loader import adopt_pipeline
    from t2v_desktop.diffusion.models import ResolvedModel

    if args.dry_run:
        print("SD 1.5 configs build (meta device), millions of parameters:", check_full_configs())
        device = Device("cpu", torch.float32, "CPU (dry run)")
        frames_n, size, steps_list = min(args.frames, 4), 64, [1]
    else:
        if not torch.cuda.is_available():
            print("No CUDA GPU found: this benchmark measures the GPU path (512x512, fp16). "
                  "Install the CUDA build of torch (see docs/diffusion.md) on a machine with an NVIDIA GPU, "
                  "or run with --dry-run to check the script on the CPU.", file=sys.stderr)
            return 2
        device = Device("cuda", torch.float16, f"CUDA {torch.cuda.get_device_name(0)}")
        frames_n, size, steps_list = args.frames, args.size, args.steps
    if args.compile:
        os.environ["T2V_TORCH_COMPILE"] = "1"

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        pipe = build_pipeline(args.dry_run, Path(tmp))
        build_s = time.perf_counter() - t0
        model = ResolvedModel(request="bench", entry=None, path=Path(tmp) / "sd15-random",
                              family=BY_NAME["ip2p"])
        lp = adopt_pipeline(pipe, model, device)
        n_params = sum(p.numel() for p in pipe.unet.parameters()) / 1e6
        print(f"{device.label}: UNet {n_params:.0f} M parameters ({'tiny' if args.dry_run else 'SD 1.5'}), "
              f"built in {build_s:.1f} s; {frames_n} frames of {size}x{size}"
              f"{', torch.compile' if args.compile else ''}")
        frames = frames_for(frames_n, size)
        base = ConsistencySettings() if not args.no_consistency else ConsistencySettings(
            shared_noise=False, cross_frame_attention=False, flow_fusion=False, deflicker=False)
        for chunk in args.chunk or [0]:
            settings = ConsistencySettings(**{**base.to_json(), "chunk_size": chunk})
            editor = VideoEditor(model, settings=settings, device=device)
            for steps in steps_list:
                req = EditRequest(prompt="make it sunset", strength=1.0, steps=steps, seed=0)
                editor.edit(frames[: min(2, frames_n)], req)  # warm-up (kernels, compile)
                if device.name == "cuda":
                    torch.cuda.synchronize()
                    torch.cuda.reset_peak_memory_stats()
                calls0 = editor.pipeline_calls
                t = time.perf_counter()
                out = editor.edit(frames, req)
                if device.name == "cuda":
                    torch.cuda.synchronize()
                secs = time.perf_counter() - t
                peak = torch.cuda.max_memory_allocated() / 2**30 if device.name == "cuda" else float("nan")
                assert len(out) == frames_n and out[0].shape == (size, size, 3)
                row = {"device": device.label, "steps": steps, "frames": frames_n, "size": size,
                       "chunk": chunk or "auto", "batches": editor.pipeline_calls - calls0,
                       "seconds": round(secs, 3), "frames_per_s": round(frames_n / secs, 3),
                       "peak_gib": round(peak, 2), "compile": args.compile,
                       "consistency": not args.no_consistency}
                results.append(row)
                print(f"  steps {steps:>3}  chunk {str(row['chunk']):>4}  batches {row['batches']:>3}  "
                      f"{secs:8.2f} s  {row['frames_per_s']:8.2f} frames/s  peak {peak:6.2f} GiB")
        del lp
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.dry_run:
        print("dry run OK (tiny random model on CPU; numbers say nothing about real speed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
