"""A tiny random-weight MarianMT model saved like a real one (safetensors + a fast tokenizer), for
the translation tests (speech/translate.py, dubbing, foreign commands, query translation):
MarianTokenizer needs sentencepiece files we cannot build offline, so a word-level `tokenizers`
tokenizer is saved as PreTrainedTokenizerFast; the app loads it through the same AutoTokenizer /
AutoModelForSeq2SeqLM path as a real model."""

from __future__ import annotations

VOCAB = ["<pad>", "</s>", "<unk>", "the", "storm", "is", "coming", "stay", "indoors", "la", "tormenta"]


def tiny_marian(folder, *, seed: int = 0, max_positions: int = 64, always: str = ""):
    """Write the model and its tokenizer into ``folder``; returns ``folder``. ``always``: a word the
    model says at every step and never the end token, so its output is as long as generation allows."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import MarianConfig, MarianMTModel, PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(VOCAB)}
    t = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    t.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=t, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    cfg = MarianConfig(vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
                       encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                       decoder_ffn_dim=32, max_position_embeddings=max_positions, pad_token_id=0, eos_token_id=1,
                       decoder_start_token_id=0, forced_eos_token_id=1)
    torch.manual_seed(seed)
    net = MarianMTModel(cfg)
    if always:
        with torch.no_grad():
            net.final_logits_bias[0, vocab[always]] = 1e4
    net.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder
