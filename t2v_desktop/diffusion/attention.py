"""Latent-space temporal consistency (torch): shared noise and cross-frame attention.

Imported only while a generative render runs. Frames of one UNet batch are laid out as
``groups x frames`` (the pipeline stacks its classifier-free-guidance branches along the batch),
and the editor tells the processor how many frames a group holds through ``FrameLayout``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F


@dataclass
class FrameLayout:
    """How many frames the current UNet batch holds per guidance branch (0 = unknown: no cross-frame)."""

    frames: int = 0


def frame_generators(seed: int, frame_indices: Sequence[int], shared: bool, device: str = "cpu"):
    """One generator per frame: all seeded alike (shared noise) or ``seed + frame index`` (independent).

    A list (not one generator) so ancestral samplers also draw the same step noise for every frame.
    """
    gen_device = "cpu" if device == "mps" else device
    return [torch.Generator(device=gen_device).manual_seed(int(seed) if shared else int(seed) + int(i))
            for i in frame_indices]


class CrossFrameAttnProcessor:
    """Self-attention whose keys/values come from the anchor frame (batch position 0 of each group)
    and the previous frame, so every frame is painted "like" its neighbours (sparse-causal attention,
    as in Text2Video-Zero / Rerender-A-Video). Falls back to plain attention when the layout is unknown.
    """

    def __init__(self, layout: FrameLayout):
        self.layout = layout

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None,
                 *args, **kwargs):
        residual = hidden_states
        if attn.spatial_norm is not None:
            hidden_states = attn.spatial_norm(hidden_states, temb)
        input_ndim = hidden_states.ndim
        if input_ndim == 4:
            b, c, h, w = hidden_states.shape
            hidden_states = hidden_states.view(b, c, h * w).transpose(1, 2)
        batch, seq, _ = hidden_states.shape
        if attn.group_norm is not None:
            hidden_states = attn.group_norm(hidden_states.transpose(1, 2)).transpose(1, 2)

        query = attn.to_q(hidden_states)
        is_self = encoder_hidden_states is None
        if is_self:
            context = hidden_states
            n = self.layout.frames
            if n > 1 and batch % n == 0:
                g = batch // n
                frames = hidden_states.view(g, n, seq, -1)
                anchor = frames[:, :1].expand(-1, n, -1, -1)
                prev = frames[:, torch.clamp(torch.arange(n, device=frames.device) - 1, min=0)]
                context = torch.cat([anchor, prev], dim=2).reshape(batch, 2 * seq, -1)
                attention_mask = None
        else:
            context = attn.norm_encoder_hidden_states(encoder_hidden_states) if attn.norm_cross else encoder_hidden_states
        if attention_mask is not None:
            attention_mask = attn.prepare_attention_mask(attention_mask, context.shape[1], batch)
            attention_mask = attention_mask.view(batch, attn.heads, -1, attention_mask.shape[-1])

        key = attn.to_k(context)
        value = attn.to_v(context)
        head_dim = key.shape[-1] // attn.heads
        query = query.view(batch, -1, attn.heads, head_dim).transpose(1, 2)
        key = key.view(batch, -1, attn.heads, head_dim).transpose(1, 2)
        value = value.view(batch, -1, attn.heads, head_dim).transpose(1, 2)
        if attn.norm_q is not None:
            query = attn.norm_q(query)
        if attn.norm_k is not None:
            key = attn.norm_k(key)
        out = F.scaled_dot_product_attention(query, key, value, attn_mask=attention_mask, dropout_p=0.0,
                                             is_causal=False)
        out = out.transpose(1, 2).reshape(batch, -1, attn.heads * head_dim).to(query.dtype)
        out = attn.to_out[1](attn.to_out[0](out))
        if input_ndim == 4:
            out = out.transpose(-1, -2).reshape(b, c, h, w)
        if attn.residual_connection:
            out = out + residual
        return out / attn.rescale_output_factor


def install_cross_frame_attention(unet, layout: FrameLayout) -> int:
    """Put CrossFrameAttnProcessor on the UNet's self-attention layers (attn1); SDPA elsewhere.

    Returns how many layers were switched.
    """
    from diffusers.models.attention_processor import AttnProcessor2_0

    procs = {}
    count = 0
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            procs[name] = CrossFrameAttnProcessor(layout)
            count += 1
        else:
            procs[name] = AttnProcessor2_0()
    unet.set_attn_processor(procs)
    return count


def install_default_attention(unet) -> None:
    from diffusers.models.attention_processor import AttnProcessor2_0

    unet.set_attn_processor(AttnProcessor2_0())
