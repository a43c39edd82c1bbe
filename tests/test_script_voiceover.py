"""A recorded voice-over instead of text to speech: the script is aligned to the recording and each
scene's narration is the span of the recording where its words are said."""

from __future__ import annotations

import pytest

from t2v_desktop.engine.layout import TimelineLayout
from t2v_desktop.script.build import BuildOptions, build_project
from t2v_desktop.script.parse import parse_script
from t2v_desktop.speech.tts import save_wav, synthesize

PARAS = ["The storm reached the coast at night.", "People stayed inside their homes until morning.",
         "By noon the sky was clear again."]


def test_recorded_voiceover_is_cut_per_scene_where_its_words_are_said(tmp_path):
    # the "recording": espeak-ng reading the whole script, so the true word times are known
    speech = synthesize("\n\n".join(PARAS))
    rec = save_wav(speech, tmp_path / "reading.wav")
    script = parse_script("\n\n".join(PARAS))
    r = build_project(script, BuildOptions(size=72, fps=10, title_seconds=1.0, end_seconds=1.0, voiceover=str(rec)))
    p = r.project
    voice = next(t for t in p.tracks if t.role == "voice")
    clips = voice.clips
    assert len(clips) == 3 and all(c.path == str(rec.resolve()) for c in clips)
    firsts = [0, len(PARAS[0].split()), len(PARAS[0].split()) + len(PARAS[1].split())]
    for k, c in enumerate(clips):
        truth = speech.words[firsts[k]]
        assert c.in_point == pytest.approx(truth.start, abs=0.3)  # the scene starts where its first word is said
        if k:
            assert c.in_point >= clips[k - 1].out_point  # no word heard twice
    lay = TimelineLayout(p)
    cues = p.subtitle_tracks[0].cues
    for k, scene in enumerate(r.scenes):
        a, b = lay.clip_span(scene.narration_clip_id)
        assert (scene.end - scene.start) > (b - a)  # the narration fits its scene
        mine = [c for c in cues if scene.start <= c.start < scene.end]
        assert " ".join(c.text for c in mine).split() == PARAS[k].split()
