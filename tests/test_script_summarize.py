"""Article -> script: the extractive summary keeps the central sentences in order; the language-model
path runs a tiny random-weight causal LM built here from a small config (no download)."""

from __future__ import annotations

import time

import pytest

from t2v_desktop.script.summarize import SummaryModelError, extractive, find_model, summarize

ARTICLE = """# Hurricane safety

Hurricanes are powerful storms with strong winds and heavy rain. A hurricane can flood the coast within hours.

My neighbour painted his fence blue last summer. The paint dried quickly in the sun.

Before a hurricane arrives, stock water and food for three days. Know your evacuation route before the hurricane comes.

During the hurricane, stay indoors and away from windows. Hurricane winds can break glass and throw debris.

The local bakery sells excellent bread on Sundays.

After the hurricane, avoid flood water and downed power lines. Wait for officials to say the hurricane has passed.
"""


def test_extractive_keeps_central_sentences_in_order_and_drops_the_off_topic():
    s = extractive(ARTICLE, target_words=60)
    text = s.script.text
    assert s.method == "extractive" and s.script.title == "Hurricane safety"
    assert "fence" not in text and "bakery" not in text and "paint" not in text
    assert 30 <= s.script.words <= 69
    kept = [k for k in ("Hurricanes are powerful", "stock water", "stay indoors", "avoid flood water") if k in text]
    assert len(kept) >= 3
    assert [text.index(k) for k in kept] == sorted(text.index(k) for k in kept)  # article order
    assert extractive(ARTICLE, target_words=60).script == s.script  # deterministic
    assert "no local language model used" in s.describe()


def test_summarize_without_a_model_says_it_used_the_extractive_summary(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("T2V_SUMMARY_MODEL", raising=False)
    s = summarize(ARTICLE, target_seconds=20)
    assert s.method == "extractive" and any("no local language model" in n for n in s.notes)
    assert s.script.words <= 20 * 160 / 60 * 1.15 + 1


def test_a_long_article_is_summarised_in_bounded_time():
    para = " ".join(f"Topic {i % 50} sentence number {i} talks about storms and coasts and water." for i in range(8))
    text = "\n\n".join(para for _ in range(900))  # 7,200 sentences, ~86,000 words: the centroid path
    t0 = time.monotonic()
    s = extractive(text, target_words=100)
    assert s.script.words <= 115 and s.source_words > 80_000
    assert time.monotonic() - t0 < 60


VOCAB = ("storms winds rain coast water food safe stay indoors windows flood homes people leave early "
         "the a and of to in is are be with for on").split()


def _tiny_lm(folder):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers

    specials = ["[PAD]", "[UNK]", "[EOS]"]
    vocab = {t: i for i, t in enumerate(specials + VOCAB)}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", pad_token="[PAD]",
                                               eos_token="[EOS]")
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                                   tie_word_embeddings=False, pad_token_id=0, eos_token_id=2, bos_token_id=2)
    lm = transformers.LlamaForCausalLM(cfg)
    with torch.no_grad():
        lm.lm_head.weight[:3] = -1.0  # never the special tokens: the output is words
    folder.mkdir(parents=True)
    lm.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def test_language_model_path_with_a_tiny_random_model(tmp_path):
    folder = _tiny_lm(tmp_path / "tiny-instruct")
    long_article = ARTICLE + "\n\n" + "\n\n".join(["Storms bring wind and rain to the coast every year."] * 60)
    seen = []
    s = summarize(long_article, model=str(folder), target_words=20,
                  progress=lambda d, t, m: seen.append((d, t, m)))
    assert s.method == "model" and s.model == str(folder)
    assert "summarised by the local language model" in s.describe()
    words = s.script.text.rstrip(".").split()
    assert words and set(w.strip(".…") for w in words) <= set(VOCAB)  # what the model wrote, cleaned
    assert any("first cut" in n for n in s.notes)  # the article did not fit 512 positions
    assert any(m == "Summarising" for _, _, m in seen)
    again = summarize(long_article, model=str(folder), target_words=20)
    assert again.script == s.script  # greedy: the same script twice


def test_a_bin_only_model_folder_is_refused_with_what_to_do(tmp_path):
    folder = tmp_path / "old-model"
    folder.mkdir()
    (folder / "config.json").write_text('{"architectures": ["LlamaForCausalLM"]}')
    (folder / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(SummaryModelError, match="safetensors only"):
        find_model(str(folder))
    with pytest.raises(SummaryModelError, match="hf download"):
        find_model("someone/missing-model")


def test_a_model_with_a_chat_template_is_prompted_through_it(tmp_path):
    transformers = pytest.importorskip("transformers")
    folder = _tiny_lm(tmp_path / "tiny-chat")
    tok = transformers.AutoTokenizer.from_pretrained(str(folder))
    tok.chat_template = ("{% for m in messages %}{{ m['content'] }}\n{% endfor %}"
                         "{% if add_generation_prompt %}Script:\n{% endif %}")
    tok.save_pretrained(str(folder))
    s = summarize(ARTICLE, model=str(folder), target_words=15)
    assert s.method == "model" and s.script.words > 0
    assert set(w.strip(".…") for w in s.script.text.split()) <= set(VOCAB)
