"""Real-time factor of a Whisper large-v3-size model with random weights (no download), for issue 11.

Builds transformers' WhisperForConditionalGeneration from the large-v3 config written below (d_model
1280, 32 encoder + 32 decoder layers, 20 heads, 128 mel bins, vocabulary 51866; ~1.55 B parameters)
directly on the GPU in fp16 (or bf16), makes a 5-minute test signal, cuts it into 30 s windows and
transcribes all windows as one batch with greedy decoding. Random weights never emit end-of-text at the
right time, so every window is forced to exactly --tokens new tokens (default 100 per 30 s: about the
token rate of real speech, ~150 words a minute). Random weights cost the same compute as trained ones.

Real-time factor = audio seconds / wall seconds, for the model alone (features already on the GPU) and
end to end (log-mel features from the raw samples, on the CPU or the GPU, plus the model). Two decoding
paths are timed: Whisper's own generate() (language "en", transcribe, no timestamps: the path a
transformers pipeline takes) and the plain greedy loop of GenerationMixin.generate with the same 4-token
prompt.

    python bench/asr_throughput.py                    # CUDA, fp16, 5 minutes
    python bench/asr_throughput.py --minutes 5 30     # also a 30-minute batch
    python bench/asr_throughput.py --tiny             # tiny config on the CPU (checks the script)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

SR = 16000
WINDOW_S = 30
LARGE_V3 = dict(
    vocab_size=51866, num_mel_bins=128, d_model=1280, encoder_layers=32, decoder_layers=32,
    encoder_attention_heads=20, decoder_attention_heads=20, encoder_ffn_dim=5120, decoder_ffn_dim=5120,
    max_source_positions=1500, max_target_positions=448, decoder_start_token_id=50258, pad_token_id=50256,
    bos_token_id=50257, eos_token_id=50257, activation_function="gelu", scale_embedding=False,
)
TINY = dict(LARGE_V3, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
            decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64)
SOT, EN, TRANSCRIBE, NO_TIMESTAMPS = 50258, 50259, 50360, 50364  # large-v3 special tokens


def build_model(tiny: bool, device: str, dtype):
    """Random weights, created on ``device`` in ``dtype`` (no slow CPU init for 1.55 B parameters)."""
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    torch.manual_seed(0)
    prev = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = WhisperForConditionalGeneration(WhisperConfig(**(TINY if tiny else LARGE_V3)))
    finally:
        torch.set_default_dtype(prev)
    gc = model.generation_config  # what openai/whisper-large-v3's generation_config.json holds, in part
    gc.lang_to_id = {"<|en|>": EN}
    gc.task_to_id = {"transcribe": TRANSCRIBE, "translate": TRANSCRIBE - 1}
    gc.no_timestamps_token_id = NO_TIMESTAMPS
    gc.is_multilingual = True
    gc.decoder_start_token_id = SOT
    gc.forced_decoder_ids = gc.begin_suppress_tokens = gc.suppress_tokens = None
    return model.eval().requires_grad_(False)


def check_full_config() -> float:
    """Build the large-v3 config on the meta device (no memory): its size in millions of parameters."""
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    with torch.device("meta"):
        model = WhisperForConditionalGeneration(WhisperConfig(**LARGE_V3))
    return round(sum(p.numel() for p in model.parameters()) / 1e6, 1)


def speech_like_signal(seconds: float) -> np.ndarray:
    """Speech-like test audio: voiced harmonics with a wandering pitch, syllable-rate bursts, some noise."""
    t = np.arange(int(seconds * SR)) / SR
    rng = np.random.default_rng(0)
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.3 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SR
    voiced = sum(np.sin(k * phase) / k for k in range(1, 6))
    envelope = (np.sin(2 * np.pi * 4 * t) > -0.2).astype(np.float32)
    return (0.1 * voiced * envelope + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


def windows(audio: np.ndarray) -> list[np.ndarray]:
    step = WINDOW_S * SR
    return [audio[i:i + step] for i in range(0, len(audio), step)]


class Clock:
    def __init__(self, device: str):
        import torch

        self.torch, self.cuda = torch, device == "cuda"

    def now(self) -> float:
        if self.cuda:
            self.torch.cuda.synchronize()
        return time.perf_counter()


def features(fe, wins, device: str):
    return fe(wins, sampling_rate=SR, return_tensors="pt", device=device).input_features


def decode(model, feats, path: str, tokens: int):
    """Greedy decoding of every window to exactly ``tokens`` new tokens; returns the token ids."""
    import torch
    from transformers.generation import GenerationMixin

    if path == "whisper":
        return model.generate(input_features=feats, language="en", task="transcribe", return_timestamps=False,
                              max_new_tokens=tokens, min_new_tokens=tokens)
    prompt = torch.tensor([[SOT, EN, TRANSCRIBE, NO_TIMESTAMPS]], device=feats.device).repeat(len(feats), 1)
    return GenerationMixin.generate(model, input_features=feats, decoder_input_ids=prompt, do_sample=False,
                                    num_beams=1, max_new_tokens=tokens, min_new_tokens=tokens)


def time_path(model, feats, path: str, tokens: int, clock: Clock, device: str) -> dict:
    import torch

    decode(model, feats[:2], path, tokens)  # warm-up
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t = clock.now()
    ids = decode(model, feats, path, tokens)
    secs = clock.now() - t
    new = ids.shape[1] - (4 if path == "greedy" else 0)  # whisper's generate strips its prompt
    assert ids.shape[0] == len(feats) and new >= tokens - 1, ids.shape
    peak = round(torch.cuda.max_memory_allocated() / 2**30, 2) if device == "cuda" else None
    return {"path": path, "tokens_per_window": tokens, "new_tokens_seen": int(new), "model_s": round(secs, 3),
            "decode_tokens_per_s": round(len(feats) * tokens / secs, 1), "peak_gib": peak}


def profile_paths(model, feats, paths, tokens: int) -> None:
    """Host-side profile of one decode per path: a device sync shows up as time in the call that waits."""
    import cProfile
    import io
    import pstats

    for path in paths:
        prof = cProfile.Profile()
        prof.enable()
        try:
            decode(model, feats, path, tokens)
        except Exception as exc:
            print(f"profile {path}: failed ({type(exc).__name__}: {exc})")
            continue
        finally:
            prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(18)
        print(f"--- profile of the {path} path ({len(feats)} windows), by own time ---")
        print("\n".join(line[:160] for line in buf.getvalue().splitlines() if line.strip())[-4000:])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="tiny config on the CPU (checks the script)")
    ap.add_argument("--dtype", choices=["fp16", "bf16"], default="fp16")
    ap.add_argument("--minutes", type=float, nargs="*", default=[5.0], help="audio lengths, one batch each")
    ap.add_argument("--tokens", type=int, default=100, help="new tokens forced per 30 s window")
    ap.add_argument("--paths", nargs="*", default=["whisper", "greedy"], choices=["whisper", "greedy"])
    ap.add_argument("--profile", action="store_true",
                    help="after timing, profile one decode of each path with cProfile (where the host time goes)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    import torch
    from transformers import WhisperFeatureExtractor
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # generate()'s notes on max_length/min_length: noise here

    if args.tiny:
        print(f"large-v3 config builds (meta device): {check_full_config()} M parameters")
        device, dtype = "cpu", torch.float32
        minutes, tokens = [min(m, 1.0) for m in args.minutes], min(args.tokens, 10)
    else:
        if not torch.cuda.is_available():
            print("No CUDA GPU found: this benchmark measures Whisper large-v3 size on a GPU (fp16). Run it on a "
                  "machine with an NVIDIA GPU, or with --tiny to check the script on the CPU.", file=sys.stderr)
            return 2
        device, dtype = "cuda", {"fp16": torch.float16, "bf16": torch.bfloat16}[args.dtype]
        minutes, tokens = args.minutes, args.tokens
    label = torch.cuda.get_device_name(0) if device == "cuda" else "CPU (tiny config)"
    clock = Clock(device)
    t0 = clock.now()
    model = build_model(args.tiny, device, dtype)
    n = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"device: {label}; dtype {dtype}; attention {model.config._attn_implementation}; "
          f"{n:.0f} M parameters ({'tiny' if args.tiny else 'large-v3'} config), built in {clock.now() - t0:.1f} s; "
          f"{tokens} tokens forced per {WINDOW_S} s window; load {os.getloadavg()}")
    fe = WhisperFeatureExtractor(feature_size=128, sampling_rate=SR)
    results, failures = [], 0
    with torch.inference_mode():
        for mins in minutes:
            audio_s = mins * 60
            wins = windows(speech_like_signal(audio_s))
            t = time.perf_counter()
            feats = features(fe, wins, "cpu")
            fe_cpu = time.perf_counter() - t
            fe_dev = fe_cpu
            if device == "cuda":
                features(fe, wins, device)  # warm-up
                t = clock.now()
                features(fe, wins, device)
                fe_dev = clock.now() - t
            feats = feats.to(device=device, dtype=dtype)
            print(f"{audio_s:.0f} s of audio, {len(wins)} windows: log-mel features {fe_cpu:.2f} s on the CPU, "
                  f"{fe_dev:.3f} s on the {device}")
            for path in args.paths:
                try:
                    row = time_path(model, feats, path, tokens, clock, device)
                except Exception as exc:  # one path broken on this transformers: say so, time the other
                    failures += 1
                    print(f"  {path:>7}: failed ({type(exc).__name__}: {exc})")
                    continue
                row.update(device=label, dtype=str(dtype), audio_s=audio_s, windows=len(wins),
                           features_cpu_s=round(fe_cpu, 3), features_gpu_s=round(fe_dev, 3),
                           x_realtime_model=round(audio_s / row["model_s"], 1),
                           x_realtime_with_gpu_features=round(audio_s / (row["model_s"] + fe_dev), 1),
                           x_realtime_with_cpu_features=round(audio_s / (row["model_s"] + fe_cpu), 1))
                results.append(row)
                if args.json:  # saved after every row: a run cut short still leaves its numbers
                    args.json.write_text(json.dumps(results, indent=1))
                print(f"  {path:>7}: {row['model_s']:6.2f} s -> {row['x_realtime_model']}x real time (model), "
                      f"{row['x_realtime_with_gpu_features']}x with {device} features, "
                      f"{row['x_realtime_with_cpu_features']}x with CPU features; "
                      f"{row['decode_tokens_per_s']} tokens/s; peak {row['peak_gib']} GiB")
        if args.profile:
            profile_paths(model, feats, args.paths, tokens)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if failures:
        return 1
    if args.tiny:
        print("tiny run OK (random tiny model on CPU; numbers say nothing about real speed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
