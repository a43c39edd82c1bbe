"""Script parsing: Markdown and plain text become a title, sections and scenes a narrator can say."""

from __future__ import annotations

import time

import pytest

from t2v_desktop.script.parse import ScriptError, parse_script, read_text, split_sentences

MARKDOWN = """---
author: someone
---
# How to stay safe in a hurricane

Hurricanes bring **strong winds** and [heavy rain](https://example.org/rain). Prepare early 🌀.

## Before the storm

- Stock water and food
- Charge your *phones*

```
rm -rf / # code is never narrated
```

## During the storm

Stay indoors, away from windows! News at https://weather.example.org today.

🌪️🌪️

## After
"""


def test_markdown_headings_become_sections_and_paragraphs_scenes():
    s = parse_script(MARKDOWN)
    assert s.title == "How to stay safe in a hurricane"
    assert [sec.heading for sec in s.sections] == ["", "Before the storm", "During the storm"]
    texts = [sc.text for sc in s.scenes]
    assert texts == ["Hurricanes bring strong winds and heavy rain. Prepare early.",
                     "Stock water and food. Charge your phones.",
                     "Stay indoors, away from windows! News at today."]
    assert s.scenes[1].section == "Before the storm"
    joined = " ".join(texts)
    for gone in ("*", "[", "](", "http", "rm -rf", "#", "\U0001f300", "author"):
        assert gone not in joined


def test_plain_text_first_short_line_is_the_title_and_paragraphs_are_scenes():
    s = parse_script("A day at the beach\n\nThe sun rises over the sea. Waves roll in.\n\n"
                     "Kids build castles of sand.\n\nAt night the stars come out.")
    assert s.title == "A day at the beach"
    assert [sc.text for sc in s.scenes] == ["The sun rises over the sea. Waves roll in.",
                                            "Kids build castles of sand.", "At night the stars come out."]
    assert s.words == 20


def test_title_from_first_sentence_when_none_is_given_and_override():
    s = parse_script("The sun rises over the sea and the waves roll in slowly today. More text here.")
    assert s.title == "The sun rises over the sea and the…"
    assert parse_script("One sentence here.", title="Mine").title == "Mine"


def test_inline_cleaning_keeps_file_extensions_and_closes_gaps_left_by_emoji():
    from t2v_desktop.script.parse import clean_inline

    assert clean_inline("Save it as `.srt` or `.vtt`; prepare early \U0001f300. Then , go") == \
        "Save it as .srt or .vtt; prepare early. Then, go"


def test_sentences_do_not_break_after_abbreviations_or_decimals():
    assert split_sentences("It costs 3.5 dollars. Mr. Smith agreed, e.g. today. Really? Yes!") == [
        "It costs 3.5 dollars.", "Mr. Smith agreed, e.g. today.", "Really?", "Yes!"]


@pytest.mark.parametrize("text", ["", "   \n\n", "\U0001f300\U0001f389 \U0001f525\n\n\u2728",
                                  "# Title\n\n## Only headings", "```\nprint('code')\n```", "... !!! ???"])
def test_no_sentences_is_a_clear_error(text):
    with pytest.raises(ScriptError, match="no sentences to narrate"):
        parse_script(text)


def test_long_paragraphs_split_at_sentences_and_max_words_trims_whole_scenes():
    para = "The quick brown fox jumps over the lazy dog near the bank. " * 10  # 120 words
    s = parse_script("\n\n".join([para] * 3))
    assert all(sc.words <= 70 for sc in s.scenes) and len(s.scenes) == 6
    assert s.words == 360 and any("became scenes" in n for n in s.notes)
    t = parse_script("\n\n".join([para] * 3), max_words=130)
    assert t.words == sum(sc.words for sc in t.scenes) == 120  # whole scenes (60 + 60 words)
    assert "trimmed to the first 120 of 360 words" in t.notes[-1]
    one = parse_script("Alpha beta gamma delta epsilon zeta eta theta.", max_words=3)
    assert one.scenes[0].text == "Alpha beta gamma…"


def test_a_hundred_thousand_words_parse_quickly_and_trim_to_the_limit():
    para = "Storm surge floods the coast and people move to higher ground before night. " * 6
    text = "\n\n".join([para] * 1300)  # 101,400 words
    t0 = time.monotonic()
    s = parse_script(text, max_words=400)
    took = time.monotonic() - t0
    assert s.words <= 400 and s.scenes and "101,400 words" in s.notes[-1]
    full = parse_script(text)
    assert full.words == 101_400 and full.estimated_seconds() == pytest.approx(101_400 * 60 / 160)
    assert took < 20  # generous: a hang or a quadratic pass would take minutes


def test_read_text_refuses_binary_and_missing(tmp_path):
    (tmp_path / "b.txt").write_bytes(b"\x00\x01binary")
    with pytest.raises(ScriptError, match="not a text file"):
        read_text(tmp_path / "b.txt")
    with pytest.raises(ScriptError, match="No script at"):
        read_text(tmp_path / "none.txt")
    (tmp_path / "l.txt").write_bytes("Caf\xe9 au lait.".encode("latin-1"))
    assert read_text(tmp_path / "l.txt") == "Caf\xe9 au lait."
