"""Titles, subtitle cues and placeholder cards (engine/titles.py): pixels, layout, fonts, limits."""

from __future__ import annotations

import shutil
from types import SimpleNamespace as NS

import numpy as np
import pytest

from t2v_desktop.engine import titles
from t2v_desktop.errors import ParamError

HD = (1920, 1080)


def ink(alpha: np.ndarray, threshold: int = 0):
    """(x0, y0, x1, y1) of the pixels with alpha > threshold (x1/y1 exclusive)."""
    ys, xs = np.nonzero(alpha > threshold)
    assert len(xs), "nothing drawn"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def inside(rect, outer, slack: int = 0) -> bool:
    return (rect[0] >= outer[0] - slack and rect[1] >= outer[1] - slack
            and rect[2] <= outer[2] + slack and rect[3] <= outer[3] + slack)


@pytest.fixture(autouse=True)
def fresh_cache():
    titles.clear_cache()
    yield
    titles.clear_cache()


def test_text_pixels_lie_inside_the_box_and_nowhere_else():
    style = NS(box=True, box_color="#20406080", shadow=3, outline=2)
    rgb, alpha = titles.render_title("Summer Sale", style, HD)
    lay = titles.layout_title("Summer Sale", style, HD)
    x0, y0, x1, y1 = lay.box_rect
    assert ink(alpha) == lay.box_rect  # the box is drawn whole and nothing is drawn outside it
    outside = alpha.copy()
    outside[y0:y1, x0:x1] = 0
    assert outside.max() == 0
    # the box is translucent (0x80) where there is no text; the text (opaque white) is inside it
    assert alpha[y0 + 1, x0 + 1] == 0x80 and tuple(rgb[y0 + 1, x0 + 1]) == (0x20, 0x40, 0x60)
    white = (alpha == 255) & np.all(rgb == 255, axis=2)
    assert inside(ink(white.astype(np.uint8)), lay.text_rect)
    # the block is centred on the canvas (x = y = 0.5, anchors 0.5)
    assert abs((x0 + x1) / 2 - 960) <= 1 and abs((y0 + y1) / 2 - 540) <= 1


def test_without_a_box_only_the_text_is_drawn_around_its_anchor():
    style = NS(x=0.25, y=0.2, anchor_x=0.0, anchor_y=0.0, align="left")
    _, alpha = titles.render_title("Jane Doe, reporter", style, HD)
    lay = titles.layout_title("Jane Doe, reporter", style, HD)
    box = ink(alpha)
    assert inside(box, lay.text_rect, slack=1)
    # the ink fills the text rectangle's width (it is the text's bounding box, not a loose one)
    assert box[2] - box[0] >= 0.95 * (lay.text_rect[2] - lay.text_rect[0])
    assert abs(box[0] - 0.25 * 1920) <= 8 and 0.2 * 1080 <= box[1] <= 0.2 * 1080 + 30


def test_text_colour_is_the_style_colour_and_edges_keep_it_straight():
    _, alpha = titles.render_title("Colour", NS(color="#ff8000"), HD)
    rgb, alpha = titles.render_title("Colour", NS(color="#ff8000"), HD)
    solid = alpha == 255
    assert solid.sum() > 1000
    assert np.all(rgb[solid] == (255, 128, 0))
    # translucent text: alpha is the colour's, and every drawn pixel (anti-aliased edges included)
    # carries the straight colour, so blending over any background gives no dark fringe
    rgb, alpha = titles.render_title("Colour", NS(color="#ff800080"), HD)
    drawn = alpha > 0
    assert alpha.max() == 0x80 and (alpha[drawn] < 0x80).any()
    assert np.all(np.abs(rgb[drawn].astype(int) - (255, 128, 0)) <= 1)
    assert np.all(rgb[~drawn] == 0)


def test_bigger_size_gives_a_proportionally_bigger_block():
    def height_width(size):
        _, a = titles.render_title("HELLO", NS(size=size), HD)
        x0, y0, x1, y1 = ink(a, 127)
        return y1 - y0, x1 - x0

    h1, w1 = height_width(60)
    h2, w2 = height_width(120)
    assert abs(h2 - 2 * h1) <= 2 and abs(w2 - 2 * w1) <= 4
    lay1, lay2 = (titles.layout_title("HELLO", NS(size=s, box=True), HD) for s in (60, 120))
    bw = [r.box_rect[2] - r.box_rect[0] for r in (lay1, lay2)]
    assert abs(bw[1] - 2 * bw[0]) <= 3


def test_narrower_wrap_gives_more_lines_none_wider_than_the_wrap():
    text = "The quick brown fox jumps over the lazy dog while the band plays on"
    wide = titles.layout_title(text, NS(wrap=0.9), HD)
    narrow = titles.layout_title(text, NS(wrap=0.3), HD)
    assert len(wide.lines) < len(narrow.lines)
    assert " ".join(narrow.lines) == text  # wrapping only breaks at spaces here
    _, a = titles.render_title(text, NS(wrap=0.3), HD)
    x0, _, x1, _ = ink(a)
    assert x1 - x0 <= 0.3 * 1920 + 2
    # a word longer than a line is broken between letters, not left sticking out
    word = "Supercalifragilisticexpialidocious" * 2
    lay = titles.layout_title(word, NS(wrap=0.3), HD)
    assert len(lay.lines) > 1 and "".join(lay.lines) == word
    assert lay.text_rect[2] - lay.text_rect[0] <= 0.3 * 1920 + 1
    # wrap 0: one line however long
    assert len(titles.layout_title(text, NS(wrap=0.0, size=20), HD).lines) == 1


def test_alignment_moves_the_short_line():
    text = "Hi\nHello and a much longer Hi"

    def line_edges(align):
        _, a = titles.render_title(text, NS(align=align), HD)
        lay = titles.layout_title(text, NS(align=align), HD)
        (_, ly0), (_, ly1) = lay.line_origins
        first = ink(a[ly0:ly1])  # the short line's band
        second = ink(a[ly1:])
        return first, second

    (f, s) = line_edges("left")
    assert abs(f[0] - s[0]) <= 3 and f[2] < s[2] - 100
    (f, s) = line_edges("right")
    assert abs(f[2] - s[2]) <= 3 and f[0] > s[0] + 100
    (f, s) = line_edges("center")
    assert abs((f[0] + f[2]) / 2 - (s[0] + s[2]) / 2) <= 3


def test_outline_adds_dark_pixels_around_the_text():
    rgb0, a0 = titles.render_title("Outline", NS(color="#ffffff"), HD)
    rgb1, a1 = titles.render_title("Outline", NS(color="#ffffff", outline=6, outline_color="#000000"), HD)
    dark0 = (a0 > 200) & (rgb0.max(axis=2) < 40)
    dark1 = (a1 > 200) & (rgb1.max(axis=2) < 40)
    assert dark0.sum() == 0 and dark1.sum() > 2000
    b0, b1 = ink(a0, 127), ink(a1, 127)
    for k, sign in zip(range(4), (-1, -1, 1, 1), strict=True):  # ~6 px more on every side
        assert 4 <= sign * (b1[k] - b0[k]) <= 8
    # the letters' interior stays white
    assert (np.all(rgb1 == 255, axis=2) & (a1 == 255)).sum() > 0.8 * ((a0 == 255).sum())


def test_shadow_is_offset_down_right_in_its_colour():
    rgb, a = titles.render_title("Shadow", NS(shadow=10, shadow_color="#ff0000ff"), HD)
    _, plain = titles.render_title("Shadow", NS(), HD)
    b, p = ink(a, 127), ink(plain, 127)
    assert b[0] == p[0] and b[1] == p[1] and abs(b[2] - p[2] - 10) <= 1 and abs(b[3] - p[3] - 10) <= 1
    red = (a == 255) & np.all(rgb == (255, 0, 0), axis=2)
    assert red.sum() > 1000


def test_missing_font_falls_back_to_the_bundled_one_and_says_so():
    path, warning = titles.find_font("No Such Font Family 42", "bold", False)
    assert path == titles.bundled_font(bold=True)
    assert warning == "Font 'No Such Font Family 42' is not installed; using DejaVu Sans."
    assert titles.find_font("Sans", "normal", True) == (titles.bundled_font(False, True), None)
    assert titles.title_warning(NS(font="No Such Font Family 42")) == warning
    assert titles.title_warning(NS()) is None
    lay = titles.layout_title("Hello", NS(font="No Such Font Family 42"), HD)
    assert lay.warning == warning and lay.font_path == titles.bundled_font(bold=True)
    _, missing = titles.render_title("Hello", NS(font="No Such Font Family 42"), HD)
    _, sans = titles.render_title("Hello", NS(), HD)
    assert np.array_equal(missing, sans)


def test_fonts_are_found_by_their_name_without_fontconfig(tmp_path, monkeypatch):
    """No fc-match (Windows, macOS, minimal Linux): the font folders are scanned and each file's
    own family name is read, whatever the file is called."""
    for style in ("Bold", "Oblique"):
        shutil.copy(titles.bundled_font(style == "Bold", style == "Oblique"), tmp_path / f"zz{style}.ttf")
    monkeypatch.setattr(titles.shutil, "which", lambda name: None)
    monkeypatch.setattr(titles, "font_dirs", lambda: [tmp_path])
    assert titles._scan("dejavu sans", True, False) == str(tmp_path / "zzBold.ttf")
    assert titles._scan("dejavu sans", False, True) == str(tmp_path / "zzOblique.ttf")
    assert titles._scan("no such family", False, False) is None


def test_bundled_fonts_ship_with_their_licence():
    names = {p.name for p in titles.FONTS_DIR.iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
            "LICENSE"} <= names
    assert "Bitstream" in (titles.FONTS_DIR / "LICENSE").read_text()


@pytest.mark.parametrize("text, words", [
    ("x" * 10_000, "10,000 characters; the most is 2,000"),
    ("", "needs some text"),
    ("   \n ", "needs some text"),
    ("\n".join(["line"] * 25), "more than 20 lines"),
])
def test_bad_text_is_one_clear_line(text, words):
    with pytest.raises(ParamError) as err:
        titles.render_title(text, NS(), HD)
    msg = str(err.value)
    assert words in msg and "\n" not in msg


def test_bad_style_values_are_one_clear_line():
    for style, words in ((NS(color="red"), "colour"), (NS(size=0), "size"), (NS(align="middle"), "alignment"),
                         (NS(wrap=float("nan")), "wrap")):
        with pytest.raises(ParamError, match=words):
            titles.render_title("Hi", style, HD)


def test_emoji_and_unknown_glyphs_do_not_crash():
    rgb, a = titles.render_title("Party \U0001F389 \u2603 \u0000 \U0010FFFD \u202e tab\there", NS(), HD)
    assert a.max() == 255 and rgb.shape == (1080, 1920, 3)


def test_sizes_scale_with_the_canvas_height():
    style = NS(size=80, outline=4, box=True)
    _, big = titles.render_title("Scale Me", style, (1920, 1080))
    _, small = titles.render_title("Scale Me", style, (960, 540))
    hb, hs = [ink(a, 200)[3] - ink(a, 200)[1] for a in (big, small)]
    assert abs(hs - hb / 2) <= 2
    tb = titles.layout_title("Scale Me", style, (1920, 1080)).text_rect
    ts = titles.layout_title("Scale Me", style, (960, 540)).text_rect
    assert abs((ts[3] - ts[1]) - (tb[3] - tb[1]) / 2) <= 2


def test_rendered_titles_are_cached_and_read_only():
    style = NS(outline=2)
    first = titles.render_title("Cached", style, HD)
    again = titles.render_title("Cached", NS(outline=2), HD)
    assert again[0] is first[0] and again[1] is first[1]
    assert not first[0].flags.writeable and not first[1].flags.writeable
    other = titles.render_title("Cached", NS(outline=3), HD)
    assert other[1] is not first[1]


def test_the_block_stays_on_the_canvas():
    _, a = titles.render_title("Corner", NS(x=1.0, y=1.0, anchor_x=0.0, anchor_y=0.0, box=True), HD)
    x0, y0, x1, y1 = ink(a)
    assert x1 == 1920 and y1 == 1080 and x0 > 1500 and y0 > 900


def test_cue_defaults_are_bottom_centre_on_a_box():
    from t2v_desktop.project.sources import subtitle_style

    rgb, a = titles.render_cue("Hello there\nsecond line", None, (1280, 720))
    x0, y0, x1, y1 = ink(a)
    assert abs(y1 - 0.93 * 720) <= 1 and abs((x0 + x1) / 2 - 640) <= 1
    assert a[y0 + 1, x0 + 1] == 0xB0  # the box, where there is no text
    assert len(titles.layout_title("Hello there\nsecond line", None, (1280, 720), subtitle=True).lines) == 2
    # the exported defaults are the project's subtitle style
    _, a2 = titles.render_cue("Hello there\nsecond line", subtitle_style(), (1280, 720))
    assert np.array_equal(a, a2)


def test_placeholder_card_is_opaque_and_names_the_prompt():
    rgb, a = titles.render_placeholder("a cat surfing a wave", (640, 360))
    assert a.min() == 255 and tuple(rgb[0, 0]) == titles.PLACEHOLDER_BACKGROUND
    text = np.any(rgb != titles.PLACEHOLDER_BACKGROUND, axis=2)
    x0, y0, x1, y1 = ink(text.astype(np.uint8))
    assert abs((y0 + y1) / 2 - 180) <= 20 and x1 - x0 > 200
    # a very long prompt is shortened, never a line-limit error
    rgb, a = titles.render_placeholder("word " * 2000, (640, 360))
    assert a.min() == 255


def test_the_layer_is_the_full_render_cropped_to_what_it_draws():
    style = NS(outline=3, shadow=5, italic=True)
    rgb, alpha = titles.render_title("Jaffa fjord", style, HD)
    layer = titles.render_title_layer("Jaffa fjord", style, HD)
    h, w = layer.alpha.shape
    assert ink(alpha) == (layer.x, layer.y, layer.x + w, layer.y + h)
    assert np.array_equal(alpha[layer.y:layer.y + h, layer.x:layer.x + w], layer.alpha)
    assert np.array_equal(rgb[layer.y:layer.y + h, layer.x:layer.x + w], layer.rgb)
    # italic overhangs and the bold J's negative bearing stay inside the layout's text rectangle
    lay = titles.layout_title("Jaffa fjord", style, HD)
    shadowless = titles.render_title_layer("Jaffa fjord", NS(outline=3, italic=True), HD)
    sh, sw = shadowless.alpha.shape
    assert inside((shadowless.x, shadowless.y, shadowless.x + sw, shadowless.y + sh), lay.text_rect)
    cue = titles.render_cue_layer("Hello", None, (1280, 720))
    assert cue.alpha[1, 1] == 0xB0  # the cue's layer starts at its box


def test_the_cache_keeps_within_its_byte_budget():
    lru = titles._ByteLRU(100)
    lru.put("a", 1, 60)
    lru.put("b", 2, 30)
    assert lru.get("a") == 1  # a is now the most recent
    lru.put("c", 3, 30)  # over budget: the least recent (b) goes
    assert lru.get("b") is None and lru.get("a") == 1 and lru.get("c") == 3
    lru.put("huge", 4, 1000)  # the newest entry is always kept, alone
    assert lru.get("huge") == 4 and lru.get("a") is None


def test_text_that_is_not_text_is_a_clear_error():
    for bad in (None, ["a"], 42):
        with pytest.raises(ParamError, match="must be text"):
            titles.render_title(bad, NS(), HD)
