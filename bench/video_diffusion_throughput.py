"""Throughput of an LTX-Video-size text-to-video model (random weights, no download), for issue 13.

Builds diffusers' LTXPipeline from full-size configs: LTXVideoTransformer3DModel with its default config
(the 2 B LTX-Video 0.9.x transformer: 28 layers, 32 heads x 64, caption channels 4096), the 0.9.0
AutoencoderKLLTXVideo (the class defaults; the 0.9.1 decoder is timed too), a T5 v1.1 XXL encoder
(d_model 4096, 24 layers, 64 heads, d_ff 10240) and a tokenizer built here from a word list (token ids
only feed random weights). Weights are created directly on the GPU in bf16. Random weights cost the same
compute as trained ones.

Timed (after a warm-up): text-to-video, 121 frames (5 s at 24 fps) at 768x512, at 8 steps without
classifier-free guidance (distilled-style) and 20 steps with guidance 3 (batch 2), with the time of each
step, the VAE decode and the peak memory; and video-to-video at 512x512 (VAE encode, 1-4 steps without
guidance, VAE decode) in frames per second. The V2V schedule starts at full noise because LTXPipeline
takes no partial schedule; the compute per step is the same as an SDEdit-style partial one.

    python bench/video_diffusion_throughput.py                 # CUDA, bf16
    python bench/video_diffusion_throughput.py --tiny          # tiny configs on the CPU (checks the script)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

LTX_TRANSFORMER: dict = {}  # diffusers' defaults are the LTX-Video 2 B transformer
LTX_VAE_090: dict = {}  # diffusers' defaults are the 0.9.0 VAE
LTX_VAE_091 = dict(  # diffusers' scripts/convert_ltx_to_diffusers.py, get_vae_config("0.9.1")
    decoder_block_out_channels=(256, 512, 1024), decoder_layers_per_block=(5, 6, 7, 8),
    decoder_spatio_temporal_scaling=(True, True, True), decoder_inject_noise=(False, True, True, True),
    upsample_residual=(True, True, True), upsample_factor=(2, 2, 2), timestep_conditioning=True,
)
LTX_SCHEDULER = dict(  # the scheduler the conversion script saves with the pipeline
    use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05, base_image_seq_len=1024,
    max_image_seq_len=4096, shift_terminal=0.1,
)
T5_XXL = dict(  # google/t5-v1_1-xxl, encoder only
    vocab_size=32128, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
    relative_attention_num_buckets=32, relative_attention_max_distance=128, feed_forward_proj="gated-gelu",
    dropout_rate=0.0, layer_norm_epsilon=1e-6, tie_word_embeddings=False, pad_token_id=0, eos_token_id=1,
)
TINY_TRANSFORMER = dict(in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=2,
                        attention_head_dim=8, cross_attention_dim=16, num_layers=1, caption_channels=32)
TINY_VAE = dict(
    latent_channels=8, block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
    layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1, 1),
    spatio_temporal_scaling=(True, True, False, False), decoder_spatio_temporal_scaling=(True, True, False, False),
    decoder_inject_noise=(False, False, False, False, False), upsample_residual=(False, False, False, False),
    upsample_factor=(1, 1, 1, 1), timestep_conditioning=False, patch_size=1, patch_size_t=1,
)
TINY_VAE_091 = dict(TINY_VAE, timestep_conditioning=True)
TINY_T5 = dict(T5_XXL, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4)
PROMPT = "waves rolling onto a sandy beach at sunset, warm light, gentle camera pan"


def make_tokenizer(max_length: int = 128):
    """A word-level fast tokenizer built in memory (T5's ids: pad 0, eos 1, unk 2) - no download."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = sorted(set(PROMPT.replace(",", " ").split()) | set("abcdefghijklmnopqrstuvwxyz"))
    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2, **{w: i + 3 for i, w in enumerate(words)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                   model_max_length=max_length)


def build_pipeline(tiny: bool, device: str, dtype):
    """LTXPipeline with random weights, created on ``device`` in ``dtype`` (no slow CPU init on a GPU)."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(0)
    prev = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            transformer = LTXVideoTransformer3DModel(**(TINY_TRANSFORMER if tiny else LTX_TRANSFORMER))
            vae = AutoencoderKLLTXVideo(**(TINY_VAE if tiny else LTX_VAE_090))
            text = T5EncoderModel(T5Config(**(TINY_T5 if tiny else T5_XXL)))
    finally:
        torch.set_default_dtype(prev)
    for m in (transformer, vae, text):  # already on the device in dtype (a .to() here only warns)
        m.eval().requires_grad_(False)
    pipe = LTXPipeline(scheduler=FlowMatchEulerDiscreteScheduler(**LTX_SCHEDULER), vae=vae, text_encoder=text,
                       tokenizer=make_tokenizer(), transformer=transformer)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def build_vae(config: dict, device: str, dtype):
    import torch
    from diffusers import AutoencoderKLLTXVideo

    prev = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            vae = AutoencoderKLLTXVideo(**config)
    finally:
        torch.set_default_dtype(prev)
    return vae.eval().requires_grad_(False)


def check_full_configs() -> dict:
    """Build the full-size parts on the meta device (no memory): their sizes in millions of parameters."""
    import torch
    from diffusers import AutoencoderKLLTXVideo, LTXVideoTransformer3DModel
    from transformers import T5Config, T5EncoderModel

    with torch.device("meta"):
        parts = {"transformer": LTXVideoTransformer3DModel(**LTX_TRANSFORMER),
                 "vae_0.9.0": AutoencoderKLLTXVideo(**LTX_VAE_090),
                 "vae_0.9.1": AutoencoderKLLTXVideo(**LTX_VAE_091),
                 "t5_xxl_encoder": T5EncoderModel(T5Config(**T5_XXL))}
    return {k: round(sum(p.numel() for p in m.parameters()) / 1e6, 1) for k, m in parts.items()}


class Clock:
    """Host timer that synchronises the device first, so GPU work is inside the interval."""

    def __init__(self, device: str):
        import torch

        self.cuda = device == "cuda"
        self.torch = torch

    def now(self) -> float:
        if self.cuda:
            self.torch.cuda.synchronize()
        return time.perf_counter()

    def reset_peak(self):
        if self.cuda:
            self.torch.cuda.reset_peak_memory_stats()

    def peak_gib(self) -> float | None:
        return round(self.torch.cuda.max_memory_allocated() / 2**30, 2) if self.cuda else None


def encode_prompt(pipe, device: str, cfg: bool):
    embeds, mask, neg, neg_mask = pipe.encode_prompt(PROMPT, negative_prompt="", do_classifier_free_guidance=cfg,
                                                     device=device)
    kw = dict(prompt_embeds=embeds, prompt_attention_mask=mask)
    if cfg:
        kw.update(negative_prompt_embeds=neg, negative_prompt_attention_mask=neg_mask)
    return kw


def run_pipe(pipe, clock: Clock, embeds: dict, *, frames: int, height: int, width: int, steps: int,
             guidance: float, latents=None, reset_peak: bool = True) -> dict:
    """One pipeline call; the callback marks each step's end, so the rest up to the return is the decode."""
    import torch

    marks: list[float] = []

    def on_step(_pipe, _i, _t, kwargs):
        marks.append(clock.now())
        return kwargs

    if reset_peak:
        clock.reset_peak()
    t0 = clock.now()
    out = pipe(**embeds, height=height, width=width, num_frames=frames, num_inference_steps=steps,
               guidance_scale=guidance, latents=latents, output_type="pt", callback_on_step_end=on_step,
               generator=torch.Generator(pipe.transformer.device).manual_seed(0)).frames
    t1 = clock.now()
    assert tuple(out.shape[1:]) == (frames, 3, height, width), out.shape
    assert torch.isfinite(out).all()
    step_s = [b - a for a, b in zip([t0] + marks[:-1], marks, strict=True)]
    return {"frames": frames, "height": height, "width": width, "steps": steps, "guidance": guidance,
            "total_s": round(t1 - t0, 3), "denoise_s": round(marks[-1] - t0, 3),
            "step_s_median": round(sorted(step_s)[len(step_s) // 2], 4), "step_s_first": round(step_s[0], 4),
            "decode_s": round(t1 - marks[-1], 3), "peak_gib": clock.peak_gib()}


def warm_latents(pipe, embeds: dict, *, frames: int, height: int, width: int, guidance: float) -> None:
    """Two steps at this shape and guidance, no decode: kernels chosen before the timed run."""
    pipe(**embeds, height=height, width=width, num_frames=frames, num_inference_steps=2, guidance_scale=guidance,
         output_type="latent")


def input_video(frames: int, size: int, device: str, dtype):
    """A moving gradient in [-1, 1], (1, 3, F, H, W): the shape VAE encode takes."""
    import torch

    x = torch.linspace(-1, 1, size, device=device)
    t = torch.arange(frames, device=device)[:, None, None] * 0.02
    r = ((x[None, None, :] + t + 1) % 2) - 1 + 0 * x[None, :, None]
    g = x[None, :, None].expand(frames, size, size)
    b = -(x[None, None, :] + x[None, :, None]) / 2
    return torch.stack([r.expand(frames, size, size), g, b.expand(frames, size, size)])[None].to(dtype)


def run_v2v(pipe, clock: Clock, embeds: dict, *, frames: int, size: int, steps: int) -> dict:
    """VAE encode of the input clip, then ``steps`` transformer steps without guidance, then decode."""
    import torch

    vae = pipe.vae
    video = input_video(frames, size, str(vae.device.type), vae.dtype)
    clock.reset_peak()
    t0 = clock.now()
    lat = vae.encode(video).latent_dist.mode()
    lat = pipe._normalize_latents(lat, vae.latents_mean, vae.latents_std, vae.config.scaling_factor)
    noise = torch.randn(lat.shape, generator=torch.Generator(lat.device).manual_seed(0), device=lat.device,
                        dtype=lat.dtype)
    lat = 0.4 * lat + 0.6 * noise
    packed = pipe._pack_latents(lat, pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size)
    t_enc = clock.now() - t0
    row = run_pipe(pipe, clock, embeds, frames=frames, height=size, width=size, steps=steps, guidance=1.0,
                   latents=packed, reset_peak=False)
    total = t_enc + row["total_s"]
    row.update(kind="v2v", encode_s=round(t_enc, 3), total_s=round(total, 3),
               frames_per_s=round(frames / total, 2), peak_gib=clock.peak_gib())
    return row


def decode_only(pipe, vae, clock: Clock, *, frames: int, height: int, width: int) -> float:
    """Decode random latents of a ``frames`` x height x width clip with ``vae`` (0.9.1: timestep 0.05)."""
    import torch

    f = (frames - 1) // pipe.vae_temporal_compression_ratio + 1
    lat = torch.randn(1, vae.config.latent_channels, f, height // pipe.vae_spatial_compression_ratio,
                      width // pipe.vae_spatial_compression_ratio, device=vae.device, dtype=vae.dtype)
    ts = torch.tensor([0.05], device=vae.device, dtype=vae.dtype) if vae.config.timestep_conditioning else None
    t0 = clock.now()
    out = vae.decode(lat, ts, return_dict=False)[0]
    secs = clock.now() - t0
    assert out.shape[2] == frames and out.shape[-2:] == (height, width), out.shape
    return secs


def active_backend(restore=None):
    """diffusers' process-wide attention backend (private API; None where this diffusers lacks it)."""
    try:
        from diffusers.models.attention_dispatch import _AttentionBackendRegistry
    except ImportError:
        return None
    if restore is not None:
        _AttentionBackendRegistry.set_active_backend(restore)
    return _AttentionBackendRegistry._active_backend


def attention_info() -> str:
    import torch

    if not torch.cuda.is_available():
        return "torch SDPA (CPU)"
    b = torch.backends.cuda
    return (f"diffusers native backend = torch SDPA (flash {b.flash_sdp_enabled()}, "
            f"mem-efficient {b.mem_efficient_sdp_enabled()}, cudnn {b.cudnn_sdp_enabled()})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="tiny configs on the CPU (checks the script, seconds)")
    ap.add_argument("--dtype", choices=["bf16", "fp16"], default="bf16")
    ap.add_argument("--frames", type=int, default=121, help="text-to-video frames (121 = 5 s at 24 fps)")
    ap.add_argument("--width", type=int, default=768)
    ap.add_argument("--height", type=int, default=512)
    ap.add_argument("--t2v", default="8:1,20:1,20:3", help="steps:guidance list for text-to-video")
    ap.add_argument("--v2v-size", type=int, default=512)
    ap.add_argument("--v2v-frames", type=int, default=121)
    ap.add_argument("--v2v-steps", type=int, nargs="*", default=[1, 2, 4])
    ap.add_argument("--attn-backends", nargs="*", default=[],
                    help="also time the 8-step text-to-video with these diffusers attention backends")
    ap.add_argument("--compile", action="store_true",
                    help="last: torch.compile the transformer blocks (regional) and time 8 steps again")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler

    if args.tiny:
        device, dtype = "cpu", torch.float32
        print("full-size configs build (meta device), millions of parameters:", check_full_configs())
        frames, height, width, v2v_size, v2v_frames = 9, 32, 64, 32, 9
    else:
        if not torch.cuda.is_available():
            print("No CUDA GPU found: this benchmark measures LTX-Video-size models on a GPU (bf16). "
                  "Run it on a machine with an NVIDIA GPU, or with --tiny to check the script on the CPU.",
                  file=sys.stderr)
            return 2
        device, dtype = "cuda", {"bf16": torch.bfloat16, "fp16": torch.float16}[args.dtype]
        frames, height, width = args.frames, args.height, args.width
        v2v_size, v2v_frames = args.v2v_size, args.v2v_frames
    label = torch.cuda.get_device_name(0) if device == "cuda" else "CPU (tiny configs)"
    print(f"device: {label}; dtype {dtype}; attention: {attention_info()}; load {os.getloadavg()}")
    clock = Clock(device)
    results: list[dict] = []
    meta = {"device": label, "dtype": str(dtype), "attention": attention_info()}

    def emit(row: dict) -> None:  # saved after every row: a run cut short still leaves its numbers
        results.append(row)
        if args.json:
            args.json.write_text(json.dumps({**meta, "results": results}, indent=1))

    t0 = clock.now()
    pipe = build_pipeline(args.tiny, device, dtype)
    meta["parameters_m"] = {k: round(sum(p.numel() for p in getattr(pipe, k).parameters()) / 1e6, 1)
                            for k in ("transformer", "vae", "text_encoder")}
    print(f"built random-weight LTXPipeline in {clock.now() - t0:.1f} s; millions of parameters: "
          f"{meta['parameters_m']}")
    failures = 0

    with torch.inference_mode():
        encode_prompt(pipe, device, True)  # warm-up
        t0 = clock.now()
        emb_cfg = encode_prompt(pipe, device, True)
        t_text = clock.now() - t0
        emb = encode_prompt(pipe, device, False)
        print(f"text encode (T5, prompt + negative, 128 tokens): {t_text:.3f} s")
        emit({"kind": "text_encode", "seconds": round(t_text, 3)})

        plans = [tuple(float(x) for x in p.split(":")) for p in args.t2v.split(",")]
        video_s = frames / 24
        try:
            run_pipe(pipe, clock, emb, frames=frames, height=height, width=width, steps=2, guidance=1.0)  # warm-up
            for steps, guidance in plans:
                embeds = emb_cfg if guidance > 1 else emb
                warm_latents(pipe, embeds, frames=frames, height=height, width=width, guidance=guidance)
                row = run_pipe(pipe, clock, embeds, frames=frames, height=height, width=width, steps=int(steps),
                               guidance=guidance)
                row.update(kind="t2v", video_s=round(video_s, 3), x_realtime=round(video_s / row["total_s"], 3))
                emit(row)
                print(f"t2v {frames} frames {width}x{height}, {int(steps):>2} steps, guidance {guidance:g}: "
                      f"total {row['total_s']:.2f} s = denoise {row['denoise_s']:.2f} s "
                      f"(median step {row['step_s_median'] * 1000:.0f} ms) + decode {row['decode_s']:.2f} s; "
                      f"peak {row['peak_gib']} GiB; {row['x_realtime']}x real time")
        except Exception as exc:
            failures += 1
            print(f"t2v failed: {type(exc).__name__}: {exc}")

        for backend in args.attn_backends:
            active = active_backend()
            try:
                pipe.transformer.set_attention_backend(backend)
                warm_latents(pipe, emb, frames=frames, height=height, width=width, guidance=1.0)
                row = run_pipe(pipe, clock, emb, frames=frames, height=height, width=width, steps=8, guidance=1.0)
                row.update(kind="t2v", attention_backend=backend, video_s=round(video_s, 3),
                           x_realtime=round(video_s / row["total_s"], 3))
                emit(row)
                print(f"t2v 8 steps, guidance 1, attention backend {backend}: total {row['total_s']:.2f} s, "
                      f"median step {row['step_s_median'] * 1000:.0f} ms, decode {row['decode_s']:.2f} s")
            except Exception as exc:  # a backend missing on this machine: say so and go on
                print(f"attention backend {backend}: not usable here ({type(exc).__name__}: {exc})")
            finally:
                pipe.transformer.reset_attention_backend()
                active_backend(active)  # reset leaves the process-wide backend switched

        try:
            # shift_terminal makes a 1-step schedule NaN (0/0); distilled models bring their own timesteps
            pipe.scheduler = FlowMatchEulerDiscreteScheduler(**{**LTX_SCHEDULER, "shift_terminal": None})
            run_v2v(pipe, clock, emb, frames=v2v_frames, size=v2v_size, steps=1)  # warm-up at this size
            for steps in args.v2v_steps:
                row = run_v2v(pipe, clock, emb, frames=v2v_frames, size=v2v_size, steps=steps)
                emit(row)
                print(f"v2v {v2v_frames} frames {v2v_size}x{v2v_size}, {steps} steps: total {row['total_s']:.2f} s "
                      f"= encode {row['encode_s']:.2f} + denoise {row['denoise_s']:.2f} + decode "
                      f"{row['decode_s']:.2f}; {row['frames_per_s']} frames/s; peak {row['peak_gib']} GiB")
        except Exception as exc:
            failures += 1
            print(f"v2v failed: {type(exc).__name__}: {exc}")

        try:
            vae091 = build_vae(TINY_VAE_091 if args.tiny else LTX_VAE_091, device, dtype)
            decode_only(pipe, vae091, clock, frames=frames, height=height, width=width)  # warm-up
            secs = decode_only(pipe, vae091, clock, frames=frames, height=height, width=width)
            n091 = round(sum(p.numel() for p in vae091.parameters()) / 1e6, 1)
            emit({"kind": "decode_vae_0.9.1", "frames": frames, "height": height, "width": width,
                  "seconds": round(secs, 3), "vae_m_params": n091})
            print(f"0.9.1 VAE ({n091} M parameters) decode of {frames} frames {width}x{height}: {secs:.2f} s")
        except Exception as exc:
            failures += 1
            print(f"0.9.1 VAE decode failed: {type(exc).__name__}: {exc}")

        if args.compile:
            try:
                pipe.scheduler = FlowMatchEulerDiscreteScheduler(**LTX_SCHEDULER)
                pipe.transformer.compile_repeated_blocks(fullgraph=True)
                t0 = clock.now()
                warm_latents(pipe, emb, frames=frames, height=height, width=width, guidance=1.0)
                t_compile = clock.now() - t0
                row = run_pipe(pipe, clock, emb, frames=frames, height=height, width=width, steps=8, guidance=1.0)
                row.update(kind="t2v", compile="regional fullgraph", compile_s=round(t_compile, 1),
                           video_s=round(video_s, 3), x_realtime=round(video_s / row["total_s"], 3))
                emit(row)
                print(f"t2v 8 steps, guidance 1, torch.compile (blocks; {t_compile:.0f} s to compile): "
                      f"total {row['total_s']:.2f} s, median step {row['step_s_median'] * 1000:.0f} ms")
            except Exception as exc:
                failures += 1
                print(f"torch.compile run failed: {type(exc).__name__}: {exc}")

    if failures:
        return 1
    if args.tiny:
        print("tiny run OK (random tiny model on CPU; numbers say nothing about real speed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
