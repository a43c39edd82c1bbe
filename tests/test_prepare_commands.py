"""commands/prepare.py without the GUI: a command's slow part done first fills the caches its apply
step reads (the voice spoken once, the dub translated once), a cancelled prepare changes nothing,
and `t2v-desktop apply` does it first with a progress line."""

from __future__ import annotations

import threading

import pytest

from t2v_desktop.commands import parse
from t2v_desktop.commands.apply import apply_text
from t2v_desktop.commands.prepare import prepare, slow_steps
from t2v_desktop.errors import Cancelled
from t2v_desktop.jobs import CancelToken
from t2v_desktop.project.history import History
from t2v_desktop.project.model import Cue, Project, SubtitleTrack
from t2v_desktop.speech import dub, translate, tts


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("T2V_TRANSLATE_MODEL", raising=False)
    tts.clear_memory_cache()
    dub.clear_translation_cache()


def _counting_engines(monkeypatch):
    """The texts each TTS engine really synthesizes from now on (cache hits do not reach them)."""
    texts = []
    for name, engine in list(tts._ENGINES.items()):
        def counted(text, *a, _engine=engine):
            texts.append(text)
            return _engine(text, *a)
        monkeypatch.setitem(tts._ENGINES, name, counted)
    return texts


def test_voice_over_is_spoken_once_in_prepare_then_applied_from_the_cache(make_clip, monkeypatch):
    p = Project.from_media(str(make_clip("grey4", duration=4.0, pattern="solid", color=(120, 120, 120))))
    text = "add a voice-over: 'Close the windows.' at 0:01"
    steps = slow_steps(parse(text))
    assert [s.kind for s in steps] == ["voice-over"]
    spoken = _counting_engines(monkeypatch)
    seen = []
    prepare(p, steps, progress=lambda d, n, m: seen.append((d, n, m)))
    assert seen[-1][0] == seen[-1][1] and any("Speaking" in m for _d, _n, m in seen)
    assert not p.tracks[1:] and not p.subtitle_tracks  # prepare changes nothing
    assert spoken == ["Close the windows."]
    apply_text(p, text, History(p))
    assert spoken == ["Close the windows."]  # the apply step read the cache
    assert any(t.role == "voice" for t in p.tracks) and p.subtitle_tracks[0].cues[0].start > 1.0


def test_cancelled_prepare_raises_and_changes_nothing(make_clip):
    p = Project.from_media(str(make_clip("grey4", duration=4.0, pattern="solid", color=(120, 120, 120))))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        prepare(p, slow_steps(parse("add a voice-over: 'Close the windows.'")), cancel=token)
    assert len(p.tracks) == 1 and not p.subtitle_tracks


def test_dub_is_translated_and_fitted_once(make_clip, monkeypatch):
    p = Project.from_media(str(make_clip("speechless", duration=4.0)))
    p.subtitle_tracks.append(SubtitleTrack([Cue(0.2, 0.8, "Stay indoors.")], name="Captions", language="en"))
    calls = []

    def fake(texts, target, **kw):
        calls.append(threading.current_thread())
        return ["Restez à l'intérieur." for _ in texts]

    monkeypatch.setattr(translate, "translate_texts", fake)
    real_stretch, stretched = dub.time_stretch, []
    monkeypatch.setattr(dub, "time_stretch", lambda *a: stretched.append(a[2]) or real_stretch(*a))
    prepare(p, slow_steps(parse("dub it in French")))
    assert len(stretched) == 1 and stretched[0] > 1.0  # the line is longer than its cue: sped up, in prepare
    apply_text(p, "dub it in French", History(p))
    assert len(calls) == 1 and len(stretched) == 1  # translated and stretched once
    assert [c.text for c in p.subtitle_tracks[-1].cues] == ["Restez à l'intérieur."]


def test_cli_apply_speaks_first_with_progress(make_clip, tmp_path, capsys):
    import av

    from t2v_desktop.cli import main

    out = tmp_path / "vo.mp4"
    clip = make_clip("grey4", duration=4.0, pattern="solid", color=(120, 120, 120))
    assert main(["apply", str(clip), "add a voice-over: 'Stay indoors.' at 0:01", "-o", str(out), "-y"]) == 0
    err = capsys.readouterr().err
    assert "Speaking the voice-over" in err or "Voice-over spoken" in err
    with av.open(str(out)) as f:
        assert any(s.type == "subtitle" for s in f.streams)  # the voice-over's captions
