"""Lazy diffusion backend: imports torch/diffusers only when a generative edit runs."""
