"""Editing by speech on real espeak-ng speech in generated clips: silence removal cuts exactly the
silent spans (measured by RMS here, independently of speech.vad) and nothing else; filler words and a
said phrase are cut (one undo step each); "find" returns the times; cancel, no sound and all silence
give clear messages and cut nothing."""

from __future__ import annotations

import numpy as np
import pytest
from speech_clips import FPS, aligned_transcriber, mux_clip, spoken_with_gaps
from speech_media import RATE, need_espeak

from t2v_desktop.commands import cut_commands
from t2v_desktop.commands.apply import apply_text
from t2v_desktop.engine.layout import TimelineLayout
from t2v_desktop.engine.render import Renderer
from t2v_desktop.errors import Cancelled, MediaError, ProjectError
from t2v_desktop.jobs import CancelToken
from t2v_desktop.project.history import History
from t2v_desktop.project.model import AppliedOp, Clip, Project
from t2v_desktop.speech import cuts, vad

WORDS = ["hello", "storm", "window", "river", "garden"]
GAPS = [0.3, 1.2, 0.5, 0.9]  # silence after each word but the last
LEAD, TAIL = 0.8, 0.6


def _silent_runs(pcm: np.ndarray, rate: int, db: float = -50.0):
    """The test's own measure: 10 ms windows whose RMS is below ``db`` dBFS, as (start, end) runs."""
    hop = rate // 100
    n = pcm.size // hop
    rms = np.sqrt(np.mean(np.square(pcm[:n * hop].reshape(n, hop), dtype=np.float64), axis=1))
    quiet = 20 * np.log10(rms + 1e-12) < db
    edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
    return [(a * hop / rate, b * hop / rate) for a, b in zip(edges[0::2], edges[1::2], strict=True)]


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    need_espeak()
    d = tmp_path_factory.mktemp("cuts")
    pcm, times = spoken_with_gaps(d, WORDS, GAPS)
    return mux_clip(d / "talk.mp4", pcm), pcm, times


def _project(path, *ops) -> Project:
    p = Project()
    clip = Clip(str(path))
    clip.ops.extend(ops)
    p.main_track.items.append(clip)
    return p


def _frames(project) -> int:
    return TimelineLayout(project).frame_count


def _mono(project) -> np.ndarray:
    r = Renderer(project)
    try:
        return r.audio(0.0, r.layout.duration).mean(axis=0), r.sample_rate
    finally:
        r.close()


def test_remove_the_silences_cuts_exactly_the_silent_spans_and_nothing_else(talk):
    path, pcm, times = talk
    project = _project(path)
    history = History(project)
    frames0 = _frames(project)
    before, sr = _mono(project)

    plan = apply_text(project, "remove the silences", history)
    removed = frames0 - _frames(project)
    # the silent spans by RMS on the sound as made (not speech.vad): lead, gaps, tail
    silent = [(a, b) for a, b in _silent_runs(pcm, RATE) if b - a >= 0.2]
    assert len(silent) == len(GAPS) + 2
    s = vad.VadSettings()
    pad = np.ceil(0.1 * FPS) / FPS
    expect, n = 0.0, 0
    for k, (a, b) in enumerate(silent):
        keep = (s.hangover + pad if k > 0 else 0.0) + (s.pre_roll + pad if k < len(silent) - 1 else 0.0)
        expect += max(0.0, (b - a) - keep)
        n += (b - a) - keep > 1 / FPS  # the 0.3 s gap is all padding: not cut
    # within one frame per cut (rounding to the frame grid), and the RMS windows' 10 ms
    assert abs(removed / FPS - expect) <= len(silent) * (1.0 / FPS + 0.01), (removed / FPS, expect)
    assert n == 5 and f"cut {n} pauses" in plan.steps[0].reason

    after, sr = _mono(project)
    assert abs(after.size / sr - _frames(project) / FPS) < 2 / FPS  # the sound is as short as the picture
    # nothing else: every word is still there, whole, with all of its energy; only silence went
    spans_before = [sp for sp in vad.speech_in_samples(before, sr) if sp[1] - sp[0] > 0.1]
    spans_after = [sp for sp in vad.speech_in_samples(after, sr) if sp[1] - sp[0] > 0.1]
    assert len(spans_after) == len(spans_before) == len(WORDS)
    for (a0, b0), (a1, b1) in zip(spans_before, spans_after, strict=True):
        assert abs((b1 - a1) - (b0 - a0)) < 0.03
    energy = float(np.sum(after.astype(np.float64) ** 2)) / float(np.sum(before.astype(np.float64) ** 2))
    assert 0.98 < energy < 1.02
    # the pauses left are the padding: 2 x 0.1 s (+ the detector's 70 ms), never more than 0.45 s
    gaps_after = [b - a for (_, a), (b, _) in zip(spans_after, spans_after[1:], strict=False)]
    assert all(g < 0.45 for g in gaps_after), gaps_after
    # no clicks: each join is padding against padding, so the sound is quiet there
    done = plan.steps[0].spans
    joins = [a - sum(b2 - a2 for a2, b2 in done[:k]) for k, (a, _b) in enumerate(done)]
    for t in joins:
        k = int(round(t * sr))
        near = after[max(0, k - sr // 200):k + sr // 200]
        assert near.size == 0 or np.max(np.abs(near)) < 0.01, (t, np.max(np.abs(near)))

    history.undo()  # one undo step
    assert _frames(project) == frames0 and project.main_track.clips[0].ops == []


def test_more_cuts_than_a_clip_takes_ops_become_pieces_of_the_clip(talk, monkeypatch):
    """Past the op limit (a long talk has hundreds of pauses) the clip is replaced by the pieces of
    its source between the cuts: the same frames go, still one undo step."""
    path, _pcm, _times = talk
    project = _project(path)
    ops_way = _project(path)
    apply_text(ops_way, "remove the silences", History(ops_way))
    monkeypatch.setattr(cuts, "MAX_OPS_PER_CLIP", 2)
    history = History(project)
    frames0 = _frames(project)
    apply_text(project, "remove the silences", history)
    clips = project.main_track.clips
    assert len(clips) == 4 and all(c.ops == [] for c in clips)  # "hello storm" (0.3 s apart) stay one piece
    assert _frames(project) == _frames(ops_way)
    assert clips[1].in_point > clips[0].out_point  # the pause between them is gone
    history.undo()
    assert _frames(project) == frames0 and len(project.main_track.clips) == 1


def test_cut_pauses_longer_than_keeps_the_short_ones(talk):
    path, _pcm, _times = talk
    project = _project(path)
    frames0 = _frames(project)
    apply_text(project, "cut pauses longer than 0.7 s", History(project))
    # lead 0.8, gaps 1.2 and 0.9: three cut (0.3 and 0.5 and the 0.6 tail kept)
    assert len(project.main_track.clips[0].ops) == 3
    removed = (frames0 - _frames(project)) / FPS
    s = vad.VadSettings()
    expect = (LEAD - s.pre_roll - 0.12) + (1.2 - 0.07 - 0.24) + (0.9 - 0.07 - 0.24)
    assert abs(removed - expect) <= 3 * (1 / FPS + 0.01)


def test_silences_follow_the_clips_ops(talk):
    """On a clip played at 2x, the pauses are measured where they now play (half as long)."""
    path, _pcm, _times = talk
    project = _project(path, AppliedOp("speed", {"factor": 2.0}))
    frames0 = _frames(project)
    apply_text(project, "cut pauses longer than 0.5 s", History(project))  # 1.2 / 2 and 0.9 / 2? only 0.6
    removed = (frames0 - _frames(project)) / FPS
    expect = 1.2 / 2 - 0.07 / 2 - 0.24  # the 1.2 s gap at 2x, less padding and the detector's margin
    assert abs(removed - expect) <= 2 / FPS + 0.01


@pytest.fixture(scope="module")
def umm(tmp_path_factory):
    need_espeak()
    d = tmp_path_factory.mktemp("um")
    words = ["hello", "um", "storm", "window", "uh", "river", "um", "garden"]
    pcm, times = spoken_with_gaps(d, words, [0.25] * (len(words) - 1))
    return mux_clip(d / "um.mp4", pcm), pcm, times, " ".join(words)


def test_remove_the_filler_words(umm, monkeypatch):
    path, _pcm, times, script = umm
    monkeypatch.setattr(cut_commands, "TRANSCRIBE", aligned_transcriber(script))
    project = _project(path)
    history = History(project)
    frames0 = _frames(project)
    before, sr = _mono(project)
    plan = apply_text(project, "remove the filler words", history)
    cut = plan.steps[0].spans
    assert len(cut) == 3 and "'um' at" in plan.steps[0].reason
    # each cut lies on its filler (espeak-ng's own times, alignment within 150 ms)
    fillers = [(s, e) for w, s, e in times if w in ("um", "uh")]
    shift = 0.0
    for (a, b), (s, e) in zip(cut, fillers, strict=True):
        assert abs(a + shift - s) < 0.15 and abs(b + shift - e) < 0.15
    removed = frames0 - _frames(project)
    assert removed == round(sum(b - a for a, b in cut) * FPS)
    after, sr = _mono(project)
    # the fillers' sound is gone and the other words' stays: the energy lost is the fillers' own
    def energy(x):
        return float(np.sum(np.square(x, dtype=np.float64)))
    fill = sum(energy(before[int(s * sr):int(e * sr)]) for s, e in fillers)
    assert abs((energy(before) - energy(after)) / fill - 1.0) < 0.15
    ops = project.main_track.clips[0].ops
    assert [o.op for o in ops].count("cut") == 3 and "audio_fade_in" in [o.op for o in ops]
    history.undo()
    assert _frames(project) == frames0


def test_cut_the_part_where_i_say_and_find(tmp_path, monkeypatch):
    need_espeak()
    words = ["hello", "storm", "let", "me", "start", "again", "river", "hurricane", "garden", "hurricane"]
    pcm, times = spoken_with_gaps(tmp_path, words, [0.35] * (len(words) - 1))
    path = mux_clip(tmp_path / "again.mp4", pcm)
    monkeypatch.setattr(cut_commands, "TRANSCRIBE", aligned_transcriber(" ".join(words)))
    project = _project(path)
    plan = apply_text(project, "find where she says 'hurricane'", History(project))
    hits = plan.steps[0].hits
    assert [round(h.start, 1) for h in hits] and len(hits) == 2
    for h, (_w, s, _e) in zip(hits, [t for t in times if t[0] == "hurricane"], strict=True):
        assert abs(h.start - s) <= 0.15
    assert "said 2 times" in plan.steps[0].reason
    assert project.main_track.clips[0].ops == []  # find changes nothing

    frames0 = _frames(project)
    plan = apply_text(project, "cut the part where I say 'let me start again'", History(project))
    (a, b), = plan.steps[0].spans
    assert abs(a - times[2][1]) <= 0.15 and abs(b - times[5][2]) <= 0.15
    assert frames0 - _frames(project) == round((b - a) * FPS)
    # after the cut, "river" is where "let" was (within the alignment's error), found through the cut op
    plan = apply_text(project, "find where he says river", History(project))
    assert abs(plan.steps[0].hits[0].start - (times[6][1] - (b - a))) <= 0.15


def test_find_maps_through_speed(tmp_path, monkeypatch):
    need_espeak()
    words = ["hello", "storm", "river"]
    pcm, times = spoken_with_gaps(tmp_path, words, [0.3, 0.3])
    path = mux_clip(tmp_path / "fast.mp4", pcm)
    monkeypatch.setattr(cut_commands, "TRANSCRIBE", aligned_transcriber(" ".join(words)))
    project = _project(path, AppliedOp("speed", {"factor": 2.0}))
    plan = apply_text(project, "find where she says river", History(project))
    assert abs(plan.steps[0].hits[0].start - times[2][1] / 2) <= 0.1


def test_phrase_search_is_fuzzy():
    from t2v_desktop.speech.transcript import Transcript, words_from

    tr = Transcript(words_from([("the", 0, 1), ("her", 1, 1.3), ("a", 1.3, 1.4), ("cane", 1.4, 2), ("is", 2, 3),
                                ("hurricane", 5, 6), ("coming", 6, 7)]), duration=8)
    hits = cuts.find_phrase(tr, "Hurricane!")
    assert [(h.start, h.text) for h in hits] == [(5, "hurricane")]
    assert [h.start for h in cuts.find_phrase(tr, "hurricane", cutoff=0.7)] == [1, 5]  # "her a cane"
    assert cuts.find_phrase(tr, "tornado") == []
    fill = cuts.filler_spans(Transcript(words_from([("it", 0, .2), ("was", .2, .4), ("like", .6, .8), ("huge", .8, 1),
                                                    ("i", 1.2, 1.3), ("like", 1.3, 1.5), ("it", 1.5, 1.6),
                                                    ("Um,", 2, 2.2)]), duration=3))
    assert [t for _s, t in fill] == ["like", "Um,"]  # "like" set off by a pause; "i like it" kept


def test_no_audio_and_all_silence_say_so_and_cut_nothing(tmp_path):
    need_espeak()
    mute = mux_clip(tmp_path / "mute.mp4", np.zeros(RATE * 2, np.float32), audio=False)
    project = _project(mute)
    with pytest.raises(MediaError, match="has sound"):
        apply_text(project, "remove the silences", History(project))
    assert project.main_track.clips[0].ops == []
    quiet = mux_clip(tmp_path / "quiet.mp4", np.zeros(RATE * 2, np.float32))
    project = _project(quiet)
    with pytest.raises(ProjectError, match="silent all through"):
        apply_text(project, "remove the silences", History(project))
    assert project.main_track.clips[0].ops == [] and len(project.main_track.clips) == 1


def test_a_silent_clip_between_speech_is_removed_whole(talk, tmp_path):
    path, _pcm, _times = talk
    quiet = mux_clip(tmp_path / "quiet.mp4", np.zeros(RATE * 2, np.float32))
    project = _project(path)
    project.main_track.items.append(Clip(str(quiet)))
    project.main_track.items.append(Clip(str(path)))
    history = History(project)
    frames0 = _frames(project)
    apply_text(project, "remove the silences", history)
    assert [c.path for c in project.main_track.clips] == [str(path), str(path)]
    alone = _project(path)
    apply_text(alone, "remove the silences", History(alone))
    assert _frames(project) == 2 * _frames(alone)
    history.undo()
    assert _frames(project) == frames0 and len(project.main_track.clips) == 3


def test_cancel_stops_the_analysis_and_changes_nothing(talk):
    from t2v_desktop.commands.compose_apply import ComposeState, compose_commands

    path, _pcm, _times = talk
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        vad.detect_speech(path, use_cache=False, cancel=token)
    project = _project(path)
    state = ComposeState(project)
    state.cancel = token  # what the editor's job sets
    with pytest.raises(Cancelled):
        compose_commands(cut_commands.CutSilences(), state)
    assert project.main_track.clips[0].ops == []


def test_vad_streams_a_long_sound_in_bounded_memory(tmp_path):
    """Ten minutes of sound is read in 10 s blocks: the levels kept are one float per 10 ms."""
    import tracemalloc
    import wave

    p = tmp_path / "long.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        tone = (np.sin(np.arange(RATE) * 2 * np.pi * 220 / RATE) * 8000).astype("<i2")
        block = np.concatenate([tone, np.zeros(RATE, "<i2")])
        for _ in range(300):
            w.writeframes(block.tobytes())
    seen = []
    tracemalloc.start()
    found = vad.detect_speech(p, use_cache=False, progress=lambda d, t, m="": seen.append(d))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(found.spans) == 300 and abs(found.speech_seconds - 300 * 1.07) < 3
    assert peak < 40e6, peak  # the whole sound at 16 kHz float32 would be 38 MB on its own
    assert len(seen) > 50 and seen[-1] == pytest.approx(600.0, abs=0.1)


def test_silero_backend_when_installed(talk):
    pytest.importorskip("silero_vad")
    path, _pcm, times = talk
    found = vad.detect_speech(path, backend="silero", use_cache=False)
    assert found.backend == "silero" and len(found.spans) == len(WORDS)
    for (s, e), (_w, a, b) in zip(found.spans, times, strict=True):
        assert abs(s - a) < 0.15 and abs(e - b) < 0.25
