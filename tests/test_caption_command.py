"""'add captions' on a clip whose sound is espeak-ng speech: a subtitle track of readable cues whose
words are the known words."""

import shutil
import subprocess

import pytest

TEXT = ("The storm is expected to reach the coast tonight. Residents should stay indoors, keep away from "
        "windows, and charge their phones. Emergency services will be available throughout the night.")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_add_captions_transcribes_the_speech(tmp_path):
    from speech_media import talk_clip

    from t2v_desktop.commands.apply import apply_text
    from t2v_desktop.project.history import History
    from t2v_desktop.project.model import Project
    from t2v_desktop.speech.audio import load_mono

    wav = tmp_path / "s.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(wav), TEXT], check=True)
    clip = talk_clip(load_mono(str(wav), 16000), tmp_path / "talk.mp4", rate=16000)
    p = Project.from_media(str(clip))
    h = History(p)
    apply_text(p, "add captions", h)
    (track,) = p.subtitle_tracks
    said = " ".join(w[2] for c in track.cues for w in c.words).lower().split()
    known = {w.strip(".,").lower() for w in TEXT.split()}
    assert len({w for w in said if w in known and len(w) > 3}) >= 3, said  # pocketsphinx: loose but real
    assert len(p.subtitle_tracks[0].cues) >= 2
    for c in track.cues:
        assert all(len(line) <= 42 for line in c.text.split("\n")) and c.end - c.start <= 7.0
    h.undo()
    assert not p.subtitle_tracks
