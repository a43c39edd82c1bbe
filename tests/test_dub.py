"""Dubbing: lines fitted to their cues (atempo within 1.25x, else flagged), the dub on voice tracks with
the original ducked or muted in the rendered programme, the real translation loader (tiny Marian), and
the missing-model message."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.commands.apply import apply_text
from t2v_desktop.engine.layout import TimelineLayout
from t2v_desktop.engine.render import Renderer
from t2v_desktop.project.history import History
from t2v_desktop.project.model import Cue, Project, SubtitleTrack
from t2v_desktop.speech import dub, translate, tts

ORIGINAL_HZ = 440.0


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv("T2V_TRANSLATE_MODEL", raising=False)
    tts.clear_memory_cache()


def _peak_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(np.argmax(spec))])


def test_time_stretch_keeps_pitch_and_exact_length():
    rate = 22050
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(2 * rate) / rate)).astype(np.float32)
    fast = dub.time_stretch(tone, rate, 1.2)
    assert len(fast) == round(len(tone) / 1.2)
    assert _peak_hz(fast[2000:-2000], rate) == pytest.approx(440, abs=3)  # sped up, same pitch
    assert len(dub.time_stretch(tone, rate, 3.0)) == round(len(tone) / 3.0)  # two atempo stages


def test_fit_line_within_and_beyond_the_limit():
    sp = tts.synthesize("Restez à l'intérieur pendant la tempête.", voice="fr")
    d = sp.duration
    same, tempo, flag = dub.fit_line(sp, 1.0, 1.0 + d + 0.5)
    assert same is sp and tempo == 1.0 and flag == ""
    fitted, tempo, flag = dub.fit_line(sp, 1.0, 1.0 + d / 1.15)
    assert tempo == pytest.approx(1.15, abs=1e-6) and flag == ""
    assert fitted.duration == pytest.approx(d / 1.15, abs=2 / sp.sample_rate)
    assert fitted.words[-1].end == pytest.approx(sp.words[-1].end / 1.15, abs=1e-3)
    over, tempo, flag = dub.fit_line(sp, 1.0, 1.0 + d / 1.6)
    assert tempo == 1.25 and over.duration == pytest.approx(d / 1.25, abs=2 / sp.sample_rate)
    assert flag == f"{d / 1.25 - d / 1.6:.1f} s too long at 1.25x"


CUES = [Cue(0.5, 3.5, "The storm is coming."), Cue(3.8, 6.0, "Stay indoors."), Cue(6.2, 6.9, "Now.")]
FRENCH = {"The storm is coming.": "La tempête arrive.", "Stay indoors.": "Restez à l'intérieur.",
          "Now.": "Fermez toutes les fenêtres et les portes de la maison maintenant."}


@pytest.fixture
def captioned(make_clip):
    video = make_clip("speechless", duration=8.0, tone_hz=ORIGINAL_HZ)  # the "original speech": a tone
    p = Project.from_media(str(video))
    p.subtitle_tracks.append(SubtitleTrack(list(CUES), name="Captions", language="en"))
    return p


def _tone_db(x: np.ndarray, rate: int) -> float:
    t = np.arange(len(x)) / rate
    return float(20 * np.log10(2 * abs(np.mean(x * np.exp(-2j * np.pi * ORIGINAL_HZ * t))) + 1e-12))


def test_dub_command_fits_each_line_to_its_cue(captioned, monkeypatch):
    monkeypatch.setattr(translate, "translate_texts", lambda texts, target, **kw: [FRENCH[t] for t in texts])
    history = History(captioned)
    plan = apply_text(captioned, "dub it in French", history)
    result = plan.steps[0].result
    assert result.target == "fr" and result.voice == "fr" and len(result.lines) == 3
    for line, cue in zip(result.lines, CUES, strict=True):
        assert line.start == cue.start
        if not line.flagged:
            assert line.end <= cue.end + 1e-6 and 1.0 <= line.tempo <= 1.25
    # the long last line cannot fit 0.7 s at 1.25x: flagged, reported in the plan, sped up by the limit only
    assert [ln.index for ln in result.flagged] == [2] and result.lines[2].tempo == 1.25
    assert "2 of 3 dubbed lines fit" in plan.steps[0].reason and "cue 3 (" in plan.steps[0].reason
    # on the timeline: dub tracks with role voice, each line at its cue's start (to the frame)
    layout = TimelineLayout(captioned)
    dubs = [t for t in captioned.tracks if t.name.startswith("Dub (French)")]
    assert dubs and all(t.kind == "audio" and t.role == "voice" for t in dubs)
    starts = sorted(s for t in dubs for _, s, _ in layout.clip_spans(t))
    assert starts == pytest.approx([c.start for c in CUES], abs=0.5 / 25 + 1e-9)  # half a frame
    assert captioned.main_track.ducking.amount_db == 18.0
    [fr] = [s for s in captioned.subtitle_tracks if s.language == "fr"]
    assert [c.text for c in fr.cues] == list(FRENCH.values())
    assert fr.cues[1].words[0][0] == pytest.approx(result.lines[1].words[0].start)
    # the rendered programme: the original is 18 dB down under the dub, untouched before it
    r = Renderer(captioned)
    sr = r.sample_rate
    mix = r.read_audio(0, 8 * sr)[0]
    w = result.lines[0].words[1]  # "tempête"
    under = _tone_db(mix[int(w.start * sr):int(w.end * sr)], sr)
    before = _tone_db(mix[0:int(0.45 * sr)], sr)
    assert before - under > 10.0, (before, under)  # measured 14.4 dB (18 dB ducking; attack and release)
    history.undo()
    assert len(captioned.tracks) == 1 and captioned.main_track.ducking is None
    assert [s.name for s in captioned.subtitle_tracks] == ["Captions"]


def test_dub_muting_the_original(captioned, monkeypatch):
    from t2v_desktop.commands import parse

    assert [s.op for s in parse("add captions and dub it in French").steps] == ["captions", "dub"]
    assert [s.op for s in parse("dub it in French and mute the original").steps] == ["dub", "mute original"]
    monkeypatch.setattr(translate, "translate_texts", lambda texts, target, **kw: [FRENCH[t] for t in texts])
    history = History(captioned)
    apply_text(captioned, "dub it in French and mute the original", history)
    assert captioned.main_track.muted
    history.undo()
    assert not captioned.main_track.muted and len(captioned.tracks) == 1  # one undo step for both
    plan = apply_text(captioned, "dub it in French with a female voice, muting the original", history)
    assert captioned.main_track.muted and plan.steps[0].result.voice == "fr+f3"
    r = Renderer(captioned)
    mix = r.read_audio(0, 8 * r.sample_rate)[0]
    assert _tone_db(mix[:int(0.45 * r.sample_rate)], r.sample_rate) < -80  # no original at all


def test_dub_through_a_tiny_marian(captioned, tmp_path, monkeypatch):
    from tiny_marian import tiny_marian

    monkeypatch.setenv("T2V_TRANSLATE_MODEL", str(tiny_marian(tmp_path / "opus-mt-en-es", seed=3)))
    plan = apply_text(captioned, "dub it in Spanish", History(captioned))
    result = plan.steps[0].result
    assert result.target == "es" and len(result.lines) == 3
    assert all(ln.text for ln in result.lines)  # random weights, but words from the vocabulary
    for line, cue in zip(result.lines, CUES, strict=True):
        assert line.start == cue.start
        assert line.end <= cue.end + 1e-6 or line.flagged
    assert "dubbed lines fit" in plan.steps[0].reason


def test_no_model_or_no_captions_is_a_clear_message(captioned, make_clip):
    from t2v_desktop.errors import T2VError

    with pytest.raises(translate.ModelMissing, match="hf download Helsinki-NLP/opus-mt-en-fr"):
        apply_text(captioned, "dub it in French", History(captioned))
    assert len(captioned.tracks) == 1 and len(captioned.subtitle_tracks) == 1  # nothing changed
    bare = Project.from_media(str(make_clip("speechless", duration=8.0, tone_hz=ORIGINAL_HZ)))
    with pytest.raises(T2VError, match="add captions and dub it in French"):
        apply_text(bare, "dub it in French", History(bare))
    with pytest.raises(T2VError, match="already in English"):
        apply_text(captioned, "dub it in English", History(captioned))
