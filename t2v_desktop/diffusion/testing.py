"""Tiny random-weight pipelines built on disk, for tests and the benchmark's dry run (no download).

Same folder layout as a real diffusers model (model_index.json, safetensors per component), just
with denoisers of a few thousand parameters, so the whole path (the real loader included) runs in
well under a second. One builder per pipeline family (families.py), in ``TINY_BUILDERS``.
"""

from __future__ import annotations

import json
from pathlib import Path

#: Words of the tiny word-level T5 vocabulary (unknown words map to <unk>: ids only feed random weights).
_WORDS = ("a an the of at in on to and with clip video second seconds waves sunset sea beach logo animate "
          "make it snow night watercolor painting").split()


def _tokenizer(folder: Path):
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"<|startoftext|>": 0, "!": 1, "<|endoftext|>": 2}
    for c in "abcdefghijklmnopqrstuvwxyz":
        vocab[c] = len(vocab)
        vocab[c + "</w>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return CLIPTokenizer(vocab_file=str(folder / "vocab.json"), merges_file=str(folder / "merges.txt"),
                         model_max_length=77, pad_token="!")


def t5_tokenizer(max_length: int = 32):
    """A word-level fast tokenizer with T5's special ids (pad 0, eos 1, unk 2), built in memory."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2, **{w: i + 3 for i, w in enumerate(_WORDS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                   model_max_length=max_length)


def _t5(umt5: bool = False):
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    cfg = dict(vocab_size=64, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
               relative_attention_num_buckets=8, feed_forward_proj="gated-gelu", dropout_rate=0.0,
               pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    return UMT5EncoderModel(UMT5Config(**cfg)) if umt5 else T5EncoderModel(T5Config(**cfg))


def build_tiny_pipeline(folder: Path, kind: str = "ip2p", seed: int = 0) -> Path:
    """Write a tiny pipeline of family ``kind`` (families.py name) to ``folder``; returns it."""
    return TINY_BUILDERS[kind](Path(folder), seed)


def _frame_edit(folder: Path, seed: int, ip2p: bool) -> Path:
    """Tiny InstructPix2Pix or img2img: native 64 px (sample_size 8 x VAE factor 8), stride 16."""
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerAncestralDiscreteScheduler,
        StableDiffusionImg2ImgPipeline,
        StableDiffusionInstructPix2PixPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=8 if ip2p else 4, out_channels=4, layers_per_block=1,
        block_out_channels=(32, 64), down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=32, attention_head_dim=8,
    )
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1, norm_num_groups=8,
        block_out_channels=(16, 16, 16, 16), down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4, sample_size=64,
    )
    text = CLIPTextModel(CLIPTextConfig(
        bos_token_id=0, eos_token_id=2, pad_token_id=1, hidden_size=32, intermediate_size=37,
        num_attention_heads=4, num_hidden_layers=2, vocab_size=1000, max_position_embeddings=77,
    ))
    tok = _tokenizer(folder.parent / f".{folder.name}-tokenizer-src")
    cls = StableDiffusionInstructPix2PixPipeline if ip2p else StableDiffusionImg2ImgPipeline
    pipe = cls(vae=vae, text_encoder=text, tokenizer=tok, unet=unet, scheduler=EulerAncestralDiscreteScheduler(),
               safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


#: LTX-Video parts at toy size: VAE 4x spatial / 4x temporal compression (the real one: 32x / 8x).
#: The scheduler LTX-Video ships (diffusers' conversion script): dynamic shifting and a terminal shift,
#: so the tiny folder exercises the same scheduler paths as the real one.
LTX_SCHEDULER = dict(use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05, base_image_seq_len=1024,
                     max_image_seq_len=4096, shift_terminal=0.1)
TINY_LTX_TRANSFORMER = dict(in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=2,
                            attention_head_dim=8, cross_attention_dim=16, num_layers=1, caption_channels=32)
TINY_LTX_VAE = dict(
    latent_channels=8, block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
    layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1, 1),
    spatio_temporal_scaling=(True, True, False, False), decoder_spatio_temporal_scaling=(True, True, False, False),
    decoder_inject_noise=(False, False, False, False, False), upsample_residual=(False, False, False, False),
    upsample_factor=(1, 1, 1, 1), timestep_conditioning=False, patch_size=1, patch_size_t=1,
)


def _ltx(folder: Path, seed: int) -> Path:
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )

    torch.manual_seed(seed)
    pipe = LTXPipeline(scheduler=FlowMatchEulerDiscreteScheduler(**LTX_SCHEDULER), vae=AutoencoderKLLTXVideo(**TINY_LTX_VAE),
                       text_encoder=_t5(), tokenizer=t5_tokenizer(),
                       transformer=LTXVideoTransformer3DModel(**TINY_LTX_TRANSFORMER))
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def _wan(folder: Path, seed: int) -> Path:
    """Tiny Wan: VAE 8x spatial / 4x temporal, transformer patch 2 (stride 16), UMT5 encoder."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )

    torch.manual_seed(seed)
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
        text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    pipe = WanPipeline(tokenizer=t5_tokenizer(), text_encoder=_t5(umt5=True), vae=vae,
                       scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0), transformer=transformer)
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def _cogvideox(folder: Path, seed: int) -> Path:
    """Tiny CogVideoX: VAE 8x spatial / 4x temporal, transformer patch 2 (stride 16)."""
    import torch
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXPipeline,
        CogVideoXTransformer3DModel,
    )

    torch.manual_seed(seed)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=4, attention_head_dim=8, in_channels=4, out_channels=4, time_embed_dim=2,
        text_embed_dim=32, num_layers=1, sample_width=8, sample_height=8, sample_frames=9, patch_size=2,
        temporal_compression_ratio=4, max_text_seq_length=32)
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8), latent_channels=4,
        layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4)
    pipe = CogVideoXPipeline(tokenizer=t5_tokenizer(), text_encoder=_t5(), vae=vae, transformer=transformer,
                             scheduler=CogVideoXDDIMScheduler())
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def _cogvideox_i2v(folder: Path, seed: int) -> Path:
    """Tiny CogVideoX image-to-video: 8 input channels (noise + image latents), learned positional
    embeddings for 32x32 (so, like the 5B model at 720x480, it makes one size only)."""
    import torch
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXImageToVideoPipeline,
        CogVideoXTransformer3DModel,
    )

    torch.manual_seed(seed)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16, in_channels=8, out_channels=4, time_embed_dim=2,
        text_embed_dim=32, num_layers=1, sample_width=4, sample_height=4, sample_frames=9, patch_size=2,
        temporal_compression_ratio=4, max_text_seq_length=32, use_rotary_positional_embeddings=True,
        use_learned_positional_embeddings=True)
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8), latent_channels=4,
        layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4)
    pipe = CogVideoXImageToVideoPipeline(tokenizer=t5_tokenizer(), text_encoder=_t5(), vae=vae,
                                         transformer=transformer, scheduler=CogVideoXDDIMScheduler())
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


TINY_BUILDERS = {
    "ip2p": lambda folder, seed: _frame_edit(folder, seed, True),
    "img2img": lambda folder, seed: _frame_edit(folder, seed, False),
    "ltx": _ltx,
    "wan": _wan,
    "cogvideox": _cogvideox,
    "cogvideox-i2v": _cogvideox_i2v,
}
