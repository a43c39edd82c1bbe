"""Voice-over by typed command: the spoken clip on a voice track at the playhead, music ducked under it in
the rendered programme, captions on the speech's exact word times, one undo step."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from t2v_desktop.commands import parse
from t2v_desktop.commands.apply import apply_text
from t2v_desktop.commands.plan import ParseError
from t2v_desktop.engine.layout import TimelineLayout
from t2v_desktop.engine.render import Renderer
from t2v_desktop.project.history import History
from t2v_desktop.project.model import Clip, Project, Track
from t2v_desktop.speech import tts

TEXT = "Stay indoors during the storm. Close the windows."
MUSIC_HZ = 1000.0


@pytest.fixture
def project(make_clip, tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    tts.clear_memory_cache()
    video = make_clip("picture", duration=8.0, audio=False)
    music = make_clip("music", duration=8.0, video=False, tone_hz=MUSIC_HZ, ext="m4a")
    p = Project.from_media(str(video))
    p.tracks.append(Track("audio", [Clip(str(music), name="music")], name="Music", role="music"))
    return p


def _tone_db(x: np.ndarray, rate: int) -> float:
    """Level of the music's sine (lock-in at its frequency: the voice barely touches that one bin)."""
    t = np.arange(len(x)) / rate
    return float(20 * np.log10(2 * abs(np.mean(x * np.exp(-2j * np.pi * MUSIC_HZ * t))) + 1e-12))


def _db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


def test_voice_over_at_the_playhead(project):
    history = History(project)
    plan = apply_text(project, f"add a voice-over: '{TEXT}'", history, playhead=2.0)
    assert plan.steps[0].kind == "voice-over" and plan.steps[0].at == 2.0
    assert "8 words" in plan.steps[0].reason and "past the end" not in plan.steps[0].reason
    speech = tts.synthesize(TEXT, voice="en")  # the cached speech the command used
    voice = [t for t in project.tracks if t.role == "voice"]
    assert len(voice) == 1 and voice[0].kind == "audio" and voice[0].name == "Voice"
    layout = TimelineLayout(project)
    [(cid, start, end)] = layout.clip_spans(voice[0])
    assert start == pytest.approx(2.0, abs=1e-9)
    assert end - start == pytest.approx(speech.duration, abs=1 / 25)  # the whole speech, to a frame
    music = next(t for t in project.tracks if t.role == "music")
    assert music.ducking is not None and music.ducking.amount_db == 12.0

    # captions: one word per spoken word, on the speech's exact times moved to the playhead
    [subs] = project.subtitle_tracks
    assert subs.name == "Voice-over" and subs.language == "en"
    words = [w for c in subs.cues for w in c.words]
    assert [w[2] for w in words] == TEXT.split()
    for (s, e, _), w in zip(words, speech.words, strict=True):
        assert s == pytest.approx(2.0 + w.start, abs=1e-3) and e == pytest.approx(2.0 + w.end, abs=1e-3)
    assert subs.cues[0].start == pytest.approx(2.0 + speech.words[0].start, abs=1e-3)
    assert subs.cues[-1].end == pytest.approx(2.0 + speech.words[-1].end, abs=1e-3)

    # the rendered programme: the voice is there (alone, without the music: onset at the first word)
    r = Renderer(project)
    sr = r.sample_rate
    mix = r.read_audio(0, 8 * sr)[0]
    solo = copy.deepcopy(project)
    solo.tracks = [t for t in solo.tracks if t.role != "music"]
    only_voice = Renderer(solo).read_audio(0, 8 * sr)[0]
    onset = np.flatnonzero(np.abs(only_voice) > 0.01)[0] / sr
    assert onset == pytest.approx(2.0 + speech.words[0].start, abs=0.005)
    assert _db(only_voice[:int(1.99 * sr)]) < -80
    for w in speech.words:
        assert _db(only_voice[int((2.0 + w.start) * sr):int((2.0 + w.end) * sr)]) > -35
    # ...and the music is quieter under it than before and after
    before = _tone_db(mix[int(0.5 * sr):int(1.5 * sr)], sr)
    under = _tone_db(mix[int(2.6 * sr):int(3.4 * sr)], sr)
    after = _tone_db(mix[int(6.0 * sr):int(7.5 * sr)], sr)
    assert abs(before - after) < 0.5
    assert before - under > 8.0, (before, under)  # measured 10.7 dB (12 dB ducking; attack and release)

    # one undo step removes all of it
    history.undo()
    assert [t.role for t in project.tracks] == ["", "music"] and project.tracks[1].ducking is None
    assert project.subtitle_tracks == []


def test_read_a_script_file_in_french_at_a_time(project, tmp_path):
    script = tmp_path / "script.md"
    script.write_text("# Avis\n\nRestez à l'intérieur.\n", encoding="utf-8")
    history = History(project)
    apply_text(project, "read script.md as a voice-over in French at 0:01", history, base=str(tmp_path),
               playhead=5.0)
    [subs] = project.subtitle_tracks
    assert [w[2] for c in subs.cues for w in c.words] == ["Avis.", "Restez", "à", "l'intérieur."]
    assert subs.language == "fr" and subs.cues[0].start == pytest.approx(1.0, abs=0.05)
    # a French script with no voice named is read by the French voice
    (tmp_path / "avis.txt").write_text("Restez à la maison avec les fenêtres fermées pendant la tempête.",
                                       encoding="utf-8")
    plan = apply_text(project, "read avis.txt as a voice-over at 0:06", history, base=str(tmp_path))
    assert "read in fr" in plan.steps[0].reason
    assert project.subtitle_tracks[0].cues[-1].words[0][2] == "Restez"
    french = tts.speech_file(tts.synthesize((tmp_path / "avis.txt").read_text(encoding="utf-8"), voice="fr"))
    assert str(french) in [c.path for c in project.all_clips()]  # the very file the French voice made
    history.undo()
    # a second voice-over over the first: a second voice track and a second captions track
    apply_text(project, "add a voice-over 'Keep calm.'", history, playhead=1.2)
    assert [t.name for t in project.tracks if t.role == "voice"] == ["Voice", "Voice 2"]
    assert [s.name for s in project.subtitle_tracks] == ["Voice-over", "Voice-over 2"]
    # a third one later on: back on the free tracks, its captions in time order with the first ones
    apply_text(project, "add a voice-over 'Stay safe.' at 0:06", history)
    assert [t.name for t in project.tracks if t.role == "voice"] == ["Voice", "Voice 2"]
    starts = [c.start for c in project.subtitle_tracks[0].cues]
    assert len(project.subtitle_tracks) == 2 and starts == sorted(starts) and starts[-1] > 6.0
    history.undo()
    history.undo()
    assert len(project.subtitle_tracks) == 1 and len([t for t in project.tracks if t.role == "voice"]) == 1


def test_bad_voice_over_commands(project, tmp_path):
    with pytest.raises(ParseError, match="in quotes or name a script"):
        parse("add a voice-over")
    with pytest.raises(ParseError, match="No file 'nope.txt'"):
        parse("read nope.txt as a voice-over", {"base": str(tmp_path)})
    (tmp_path / "empty.txt").write_text("  \n#\n", encoding="utf-8")
    from t2v_desktop.errors import T2VError

    with pytest.raises(T2VError, match="no words"):
        apply_text(project, "read empty.txt as a voice-over", History(project), base=str(tmp_path))
    (tmp_path / "latin1.txt").write_bytes("Café crème.".encode("latin-1"))
    with pytest.raises(T2VError, match="not UTF-8"):
        apply_text(project, "read latin1.txt as a voice-over", History(project), base=str(tmp_path))
    with pytest.raises(T2VError, match="after the programme's end"):
        apply_text(project, "add a voice-over 'Late.' at 0:09", History(project))
    with pytest.raises(T2VError, match="No voice 'zz'"):
        apply_text(project, "add a voice-over 'Hi.' with the voice zz", History(project))
    assert len(project.tracks) == 2 and not project.subtitle_tracks  # nothing half-done


def _pitch(x: np.ndarray, rate: int) -> float:
    """Median fundamental (autocorrelation over 40 ms voiced frames)."""
    n, out = int(0.04 * rate), []
    for i in range(0, len(x) - n, n):
        s = x[i:i + n]
        if np.sqrt(np.mean(s ** 2)) < 0.05:
            continue
        ac = np.correlate(s, s, "full")[n - 1:]
        lo, hi = rate // 400, rate // 70
        out.append(rate / (lo + int(np.argmax(ac[lo:hi]))))
    return float(np.median(out))


def test_a_female_voice(project):
    apply_text(project, "add a voice-over 'Stay indoors during the storm.' with a female voice", History(project))
    female = tts.synthesize("Stay indoors during the storm.", voice="en+f3")
    default = tts.synthesize("Stay indoors during the storm.", voice="en")
    assert str(tts.speech_file(female)) in [c.path for c in project.all_clips()]
    assert _pitch(female.samples, female.sample_rate) > 1.5 * _pitch(default.samples, default.sample_rate)
