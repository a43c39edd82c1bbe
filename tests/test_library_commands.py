"""The library's commands through the command parser on a small generated library (indexed by the
real indexer): colour shots with known cuts, a shot whose frames read 'SALE' (OCR, when tesseract is
installed) and espeak-ng speech with known word times. Each edit is one undo step and places exactly
the shot's span; an empty library and a query with no match say what to do."""

import shutil

import numpy as np
import pytest

from t2v_desktop.commands.apply import apply_text
from t2v_desktop.errors import T2VError
from t2v_desktop.library.db import open_library
from t2v_desktop.library.indexer import add_file, find_tools
from t2v_desktop.media.synth import make_shots_clip, make_test_clip
from t2v_desktop.project.history import History
from t2v_desktop.project.model import Project
from t2v_desktop.speech.transcript import Transcript, Word

RED, BLUE, GREEN = (200, 30, 30), (30, 40, 200), (30, 180, 40)
FPS, PER_SHOT = 25, 20
HAS_TESSERACT = shutil.which("tesseract") is not None


def _sale_clip(path):
    """White frames with 'SALE' in big black letters (1 s)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (320, 180), "white")
    d = ImageDraw.Draw(img)
    d.text((40, 40), "SALE", fill="black", font=ImageFont.load_default(size=90))
    frame = np.asarray(img)
    make_test_clip(path, width=320, height=180, fps=FPS, duration=1.0, audio=False, number_frames=False,
                   frame_fn=lambda i: frame)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from tests.speech_media import spoken_words, talk_clip

    root = tmp_path_factory.mktemp("libcmd")
    data = root / "data"
    media = root / "footage"
    media.mkdir()
    make_shots_clip(media / "colours.mp4", [RED, BLUE, GREEN], frames_per_shot=PER_SHOT, fps=FPS)
    wav = root / "talk.wav"
    said = spoken_words(["welcome", "to", "the", "beach"], wav)
    import wave

    with wave.open(str(wav)) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    talk_clip(samples, media / "talk.mp4")
    if HAS_TESSERACT:
        _sale_clip(media / "sale.mp4")
    known = Transcript(tuple(Word(w, s, e) for w, s, e in said))  # espeak's exact word times

    def transcribe(path, **_kw):  # the ASR stage's answer on the espeak clip (the ASR has its own tests)
        return known if path.endswith("talk.mp4") else Transcript(())

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("T2V_DATA_DIR", str(data))
        mp.setattr("t2v_desktop.speech.asr.transcribe", transcribe)
        from t2v_desktop.library.db import default_path

        lib = open_library(default_path())
        tools = find_tools(ocr=HAS_TESSERACT, words=True, embed=False)
        for f in sorted(media.iterdir()):
            add_file(lib, f, tools=tools)
        lib.close()
    return data, media, said


@pytest.fixture
def env(library, monkeypatch):
    monkeypatch.setenv("T2V_DATA_DIR", str(library[0]))
    return library


def _spans(p):
    return [(c.name, round(c.in_point, 3), None if c.out_point is None else round(c.out_point, 3))
            for c in p.main_track.clips]


def test_use_the_shot_where_she_says_inserts_at_the_playhead(env):
    data, media, said = env
    p = Project.from_media(str(media / "colours.mp4"))
    h = History(p)
    plan = apply_text(p, "use the shot where she says 'welcome'", h, playhead=1.0)
    talk = open_library(data / "library.sqlite")
    (start, end), = talk.conn.execute("SELECT s.start, s.end FROM shots s JOIN files f ON f.id = s.file_id "
                                      "WHERE f.path LIKE '%talk.mp4'").fetchall()
    talk.close()
    assert _spans(p) == [("colours.mp4", 0.0, 1.0), ("talk.mp4", round(start, 3), round(end, 3)),
                         ("colours.mp4", 1.0, None)]  # an insert edit: split at the playhead
    reason = plan.steps[0].reason
    assert "at the playhead 0:01.00" in reason and "split" in reason
    assert f"spoken: 'welcome' at 0:{said[0][1]:02.0f}" in reason
    h.undo()
    assert _spans(p) == [("colours.mp4", 0.0, None)]


def test_add_the_beach_shot_after_this_clip(env):
    _, media, _ = env
    p = Project.from_media(str(media / "colours.mp4"), str(media / "colours.mp4"))
    first = p.main_track.clips[0].id
    h = History(p)
    plan = apply_text(p, "add the beach shot after this clip", h, clip_id=first)
    assert [c.name for c in p.main_track.clips] == ["colours.mp4", "talk.mp4", "colours.mp4"]
    assert "after clip 1" in plan.steps[0].reason
    h.undo()
    assert len(p.main_track.clips) == 2


def test_colour_shot_is_exactly_its_span_even_on_an_empty_timeline(env):
    from t2v_desktop.engine.layout import TimelineLayout

    p = Project()
    h = History(p)
    apply_text(p, "use the blue shot", h)
    (name, a, b), = _spans(p)
    assert name == "colours.mp4" and a == pytest.approx(0.8, abs=1 / FPS) and b == pytest.approx(1.6, abs=1 / FPS)
    lay = TimelineLayout(p)
    assert round(lay.track_end(p.main_track) * FPS) == PER_SHOT  # exactly the shot's frames


@pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract is not installed")
def test_find_clips_with_text_lists_the_shot_and_changes_nothing(env):
    _, media, _ = env
    p = Project.from_media(str(media / "colours.mp4"))
    h = History(p)
    plan = apply_text(p, "find clips with text 'SALE'", h)
    assert plan.steps[0].op == "find_shots" and plan.steps[0].params["query"] == "text 'SALE'"
    assert "1 shot: sale.mp4 0:00.00-0:0" in plan.steps[0].reason and "on-screen text: SALE" in plan.steps[0].reason
    assert not h.can_undo and _spans(p) == [("colours.mp4", 0.0, None)]


def test_find_the_green_shots(env):
    p = Project()
    plan = apply_text(p, "find the green shots", History(p))
    assert plan.steps[0].reason.startswith("1 shot: colours.mp4 0:01.60-0:02.40 (colour: green")


def test_no_match_and_empty_library_say_what_to_do(env, tmp_path, monkeypatch):
    _, media, _ = env
    p = Project.from_media(str(media / "colours.mp4"))
    with pytest.raises(T2VError, match=r"^No shot matches 'zebra'\. Add footage with: t2v-desktop library add DIR$"):
        apply_text(p, "add the zebra shot after this clip", History(p))
    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path / "none"))
    with pytest.raises(T2VError, match=r"media library is empty\. Add footage with: t2v-desktop library add DIR"):
        apply_text(p, "use the shot where she says 'welcome'", History(p))
    assert not (tmp_path / "none" / "library.sqlite").exists()  # asking made no database
    assert _spans(p) == [("colours.mp4", 0.0, None)]


def test_other_commands_are_not_taken_for_shots():
    from t2v_desktop.commands import parse

    for text in ("add a title 'The best shot' for the first 2 seconds", "make it brighter",
                 "crossfade between the clips", "stabilize after this make it warmer"):
        ops = [s.op for s in parse(text, {"duration": 10.0}).steps]
        assert "use_shot" not in ops and "find_shots" not in ops, text


def test_two_library_commands_in_one_line(env):
    _, media, _ = env
    p = Project.from_media(str(media / "colours.mp4"))
    h = History(p)
    plan = apply_text(p, "use the blue shot, find the green shots", h)
    assert [s.op for s in plan.steps] == ["use_shot", "find_shots"]
    assert [c.in_point for c in p.main_track.clips] == [0.0, pytest.approx(0.8, abs=1 / FPS)]
    assert "no playhead here" in plan.steps[0].reason  # the command line has none: at the end
