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

Video families (issue 13): ``--family ltx|wan|cogvideox`` times text-to-video (5 s at 24 fps,
768x512 for LTX-Video; each family's own rate and size otherwise) and video-to-video (512x512, 1-4
steps, frames per second) through t2v-desktop's real generation path (diffusion/generate.py), with
full-size configs and random weights in bf16 on a CUDA GPU only. ``--dry-run`` builds the full-size
configs on the meta device (parameter counts) and runs tiny random-weight folders on the CPU.

    python bench/diffusion_throughput.py --family ltx             # CUDA: LTX-Video 2 B size
    python bench/diffusion_throughput.py --family wan --dry-run   # CPU: checks the script
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


# -- video families (full-size configs; random weights) ------------------------------------------

T5_XXL = dict(vocab_size=32128, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
              relative_attention_num_buckets=32, relative_attention_max_distance=128,
              feed_forward_proj="gated-gelu", dropout_rate=0.0, layer_norm_epsilon=1e-6, pad_token_id=0,
              eos_token_id=1)
UMT5_XXL = dict(T5_XXL, vocab_size=256384)
VIDEO_FULL = {
    # LTX-Video 0.9.x 2 B: diffusers' class defaults are the released transformer and 0.9.0 VAE
    "ltx": dict(transformer=("LTXVideoTransformer3DModel", {}), vae=("AutoencoderKLLTXVideo", {}),
                text=("T5EncoderModel", T5_XXL), pipeline="LTXPipeline",
                scheduler=("FlowMatchEulerDiscreteScheduler", dict(
                    use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05, base_image_seq_len=1024,
                    max_image_seq_len=4096))),
    # Wan 2.1 T2V 1.3 B (Wan-AI/Wan2.1-T2V-1.3B-Diffusers transformer/config.json)
    "wan": dict(transformer=("WanTransformer3DModel", dict(
                    patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16,
                    out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30, cross_attn_norm=True,
                    qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024)),
                vae=("AutoencoderKLWan", {}), text=("UMT5EncoderModel", UMT5_XXL), pipeline="WanPipeline",
                scheduler=("FlowMatchEulerDiscreteScheduler", dict(shift=3.0))),
    # CogVideoX 2 B (THUDM/CogVideoX-2b transformer/config.json)
    "cogvideox": dict(transformer=("CogVideoXTransformer3DModel", dict(
                          num_attention_heads=30, attention_head_dim=64, in_channels=16, out_channels=16,
                          text_embed_dim=4096, num_layers=30, sample_width=90, sample_height=60, sample_frames=49,
                          patch_size=2, temporal_compression_ratio=4, max_text_seq_length=226, time_embed_dim=512)),
                      vae=("AutoencoderKLCogVideoX", {}), text=("T5EncoderModel", T5_XXL),
                      pipeline="CogVideoXPipeline", scheduler=("CogVideoXDDIMScheduler", {})),
}


def _video_parts(family: str, device: str):
    import diffusers
    import torch
    import transformers

    spec = VIDEO_FULL[family]
    with torch.device(device):
        tr = getattr(diffusers, spec["transformer"][0])(**spec["transformer"][1])
        vae = getattr(diffusers, spec["vae"][0])(**spec["vae"][1])
        cfg_cls = {"T5EncoderModel": transformers.T5Config, "UMT5EncoderModel": transformers.UMT5Config}
        text = getattr(transformers, spec["text"][0])(cfg_cls[spec["text"][0]](**spec["text"][1]))
    return tr, vae, text


def check_video_configs(family: str) -> dict:
    """The family's full-size parts built on the meta device: millions of parameters."""
    tr, vae, text = _video_parts(family, "meta")
    return {k: round(sum(p.numel() for p in m.parameters()) / 1e6, 1)
            for k, m in (("transformer", tr), ("vae", vae), ("text_encoder", text))}


def build_video_model(family: str, workdir: Path, device):
    """A ResolvedModel whose pipeline (full size, random weights, bf16, on the GPU) is adopted by the
    loader, so diffusion/generate.py runs on it unchanged. Configs are written to ``workdir`` (the
    planner reads them); weights never touch the disk."""
    import diffusers
    import torch

    from t2v_desktop.diffusion.families import BY_NAME
    from t2v_desktop.diffusion.loader import adopt_video_pipeline
    from t2v_desktop.diffusion.models import ResolvedModel
    from t2v_desktop.diffusion.testing import t5_tokenizer

    spec = VIDEO_FULL[family]
    torch.manual_seed(0)
    prev = torch.get_default_dtype()
    torch.set_default_dtype(device.dtype)
    try:
        tr, vae, text = _video_parts(family, device.name)
    finally:
        torch.set_default_dtype(prev)
    for m in (tr, vae, text):
        m.eval().requires_grad_(False)
    sched = getattr(diffusers, spec["scheduler"][0])(**spec["scheduler"][1])
    pipe = getattr(diffusers, spec["pipeline"])(scheduler=sched, vae=vae, text_encoder=text,
                                                tokenizer=t5_tokenizer(512), transformer=tr)
    folder = workdir / f"{family}-random"
    for name in ("transformer", "vae"):
        getattr(pipe, name).save_config(folder / name)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": spec["pipeline"]}))
    model = ResolvedModel(request=f"{family}-random", entry=None, path=folder, family=BY_NAME[family])
    adopt_video_pipeline(pipe, model, device, "t2v")
    return model


def run_video(args) -> int:
    """Text-to-video and video-to-video timings of one video family through diffusion/generate.py."""
    import torch

    from t2v_desktop.diffusion.device import Device
    from t2v_desktop.diffusion.families import BY_NAME
    from t2v_desktop.diffusion.generate import GenerateRequest, generate_frames
    from t2v_desktop.diffusion.loader import unload_all
    from t2v_desktop.diffusion.models import resolve

    fam = BY_NAME[args.family]
    print(f"{fam.label} full-size configs build (meta device), millions of parameters:",
          check_video_configs(args.family))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.dry_run:
            os.environ["T2V_DEVICE"] = "cpu"
            model = resolve(str(fam.build_tiny(Path(tmp) / f"tiny-{args.family}")), tasks=("t2v",))
            label, fps, (w, h), seconds, v2v_size, v2v_frames = "CPU (dry run, tiny)", 8, (64, 64), 1.0, 64, 9
            t2v_plans, v2v_steps = [(2, 1.0)], [1]
        else:
            if not torch.cuda.is_available():
                print("No CUDA GPU found: the video families are timed at full size on a GPU (bf16). Run with "
                      "--dry-run to check the script on the CPU.", file=sys.stderr)
                return 2
            device = Device("cuda", torch.bfloat16, f"CUDA {torch.cuda.get_device_name(0)}")
            model = build_video_model(args.family, Path(tmp), device)
            label = device.label
            fps = 24 if args.family == "ltx" else fam.fps
            w, h = (768, 512) if args.family == "ltx" else fam.native
            seconds, v2v_size, v2v_frames = args.seconds, 512, args.v2v_frames
            t2v_plans, v2v_steps = [(8, 1.0), (20, fam.default_guidance)], [1, 2, 4]
        print(f"{label}: {fam.label}")
        warm = True
        for steps, guidance in t2v_plans:
            req = GenerateRequest(prompt="waves at sunset", seconds=seconds, fps=fps, width=w, height=h,
                                  steps=steps, guidance=guidance)
            if warm:  # kernels chosen, caches filled
                generate_frames(model, GenerateRequest(**{**req.__dict__, "steps": 2}))
                warm = False
            if torch.cuda.is_available() and not args.dry_run:
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            t0 = time.perf_counter()
            frames, plan = generate_frames(model, req)
            if torch.cuda.is_available() and not args.dry_run:
                torch.cuda.synchronize()
            secs = time.perf_counter() - t0
            peak = torch.cuda.max_memory_allocated() / 2**30 if not args.dry_run else float("nan")
            row = {"family": args.family, "kind": "t2v", "device": label, "frames": len(frames),
                   "fps": float(plan.fps), "width": plan.width, "height": plan.height, "steps": steps,
                   "guidance": guidance, "seconds": round(secs, 3), "x_realtime": round(seconds / secs, 3),
                   "peak_gib": round(peak, 2)}
            results.append(row)
            print(f"  t2v {len(frames)} frames {plan.width}x{plan.height} ({seconds:g} s at {fps} fps), {steps} steps, "
                  f"guidance {guidance:g}: {secs:.2f} s ({row['x_realtime']}x real time), peak {peak:.2f} GiB")
        if fam.can("v2v"):
            clip = frames_for(v2v_frames, v2v_size)
            for steps in v2v_steps:
                req = GenerateRequest(prompt="make it a warm sunset", video=clip, strength=1.0, steps=steps,
                                      guidance=1.0, fps=fps)
                generate_frames(model, req)  # warm-up at this size and step count
                t0 = time.perf_counter()
                out, _plan = generate_frames(model, req)
                if torch.cuda.is_available() and not args.dry_run:
                    torch.cuda.synchronize()
                secs = time.perf_counter() - t0
                assert len(out) == len(clip) and out[0].shape == clip[0].shape
                row = {"family": args.family, "kind": "v2v", "device": label, "frames": len(clip),
                       "size": v2v_size, "steps": steps, "seconds": round(secs, 3),
                       "frames_per_s": round(len(clip) / secs, 2)}
                results.append(row)
                print(f"  v2v {len(clip)} frames {v2v_size}x{v2v_size}, {steps} steps: {secs:.2f} s, "
                      f"{row['frames_per_s']} frames/s")
        unload_all()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.dry_run:
        print("dry run OK (tiny random model on CPU; numbers say nothing about real speed)")
    return 0


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
    ap.add_argument("--family", default="ip2p", choices=("ip2p", "ltx", "wan", "cogvideox"),
                    help="ip2p: the per-frame SD 1.5 editor (default); a video family: T2V and V2V timings")
    ap.add_argument("--seconds", type=float, default=5.0, help="video families: text-to-video length")
    ap.add_argument("--v2v-frames", type=int, default=49, help="video families: frames per V2V clip")
    args = ap.parse_args(argv)
    if args.family != "ip2p":
        return run_video(args)

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
