"""Script -> project: scenes, narration on the voice track, captions from its word times, cards,
transitions, markers, music; and the exported mp4 plays (frames, duration, sound where spoken)."""

from __future__ import annotations

import av
import numpy as np
import pytest

from t2v_desktop.engine.export import export_project
from t2v_desktop.engine.layout import TimelineLayout
from t2v_desktop.errors import Cancelled
from t2v_desktop.jobs import CancelToken
from t2v_desktop.project.model import ColorSource, Project, TitleSource, Transition
from t2v_desktop.script.build import BREATH, TAIL, BuildOptions, build_project, frame_size
from t2v_desktop.script.parse import parse_script
from t2v_desktop.script.styles import get_style
from t2v_desktop.speech.tts import synthesize

SCRIPT = """# Storm safety

The wind is strong today.

Stay inside the house.

The sun comes back soon.
"""
FPS = 10


def small(**kw) -> BuildOptions:
    return BuildOptions(**{"size": 72, "fps": FPS, "title_seconds": 1.0, "end_seconds": 1.0, **kw})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_project(parse_script(SCRIPT), small())


def test_three_paragraphs_make_three_scenes_between_a_title_and_an_end_card(built):
    p = built.project
    assert (p.width, p.height, p.fps) == (128, 72, FPS)
    main, cards, voice = p.tracks[:3]
    names = [c.name for c in main.clips]
    assert names[0] == "Title card" and names[-1] == "End card" and len(names) == 5
    assert [n.split(" · ")[0] for n in names[1:4]] == ["Scene 1", "Scene 2", "Scene 3"]
    assert all(isinstance(c.source, ColorSource) for c in main.clips)  # no library: colour cards
    assert sum(isinstance(i, Transition) for i in main.items) == 4
    assert [c.source.text for c in cards.clips][0] == "Storm safety"
    assert all(isinstance(c.source, TitleSource) for c in cards.clips) and len(cards.clips) == 5
    assert voice.kind == "audio" and voice.role == "voice" and len(voice.clips) == 3
    assert [m.name for m in p.markers] == ["Scene 1", "Scene 2", "Scene 3"]


def test_narration_lengths_match_the_scene_lengths_and_captions_the_words(built):
    p = built.project
    lay = TimelineLayout(p)
    frame = 1.0 / FPS
    lead = get_style("clean").transition_seconds / 2 + BREATH
    texts = ["The wind is strong today.", "Stay inside the house.", "The sun comes back soon."]
    cues = p.subtitle_tracks[0].cues
    assert p.subtitle_tracks[0].burn_in
    for scene, text, marker in zip(built.scenes, texts, p.markers, strict=True):
        speech = synthesize(text)  # the same request: from the cache
        a, b = lay.clip_span(scene.narration_clip_id)
        va, _ = lay.clip_span(scene.visual_clip_id)
        assert scene.start == pytest.approx(va) == pytest.approx(marker.time)
        assert b - a == pytest.approx(speech.duration, abs=frame)  # the whole narration plays
        assert a == pytest.approx(scene.start + lead, abs=frame)
        assert (scene.end - scene.start) - (b - a) == pytest.approx(lead + TAIL, abs=2 * frame)
        mine = [c for c in cues if scene.start <= c.start < scene.end]
        assert " ".join(c.text for c in mine).split() == text.split()
        words = [w for c in mine for w in c.words]
        assert [w[2] for w in words] == [w.text for w in speech.words]
        for (s, e, _), w in zip(words, speech.words, strict=True):
            assert s == pytest.approx(a + w.start, abs=1e-3) and e == pytest.approx(a + w.end, abs=1e-3)


def test_the_project_saves_and_loads_unchanged(built, tmp_path):
    path = tmp_path / "s.t2v"
    built.project.save(path)
    again = Project.load(path)
    assert again.to_json() == built.project.to_json()


def test_export_plays_with_sound_where_narrated(built, tmp_path):
    out = tmp_path / "out.mp4"
    res = export_project(built.project, out)
    lay = TimelineLayout(built.project)
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert c.streams.audio, "the export has a sound stream"
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(v)]
    assert len(frames) == lay.frame_count == res.frames
    assert res.duration == pytest.approx(lay.duration)
    with av.open(str(out)) as c:
        sr = c.streams.audio[0].rate
        pcm = np.concatenate([f.to_ndarray().mean(axis=0) for f in c.decode(audio=0)])
    s1 = built.scenes[0]
    rms = lambda a, b: float(np.sqrt(np.mean(pcm[int(a * sr):int(b * sr)] ** 2)))  # noqa: E731
    assert rms(s1.narration_start + 0.1, s1.narration_start + 0.6) > 20 * max(rms(0.1, 0.9), 1e-5)
    # mid-scene 2 shows its card's colour (no transition there)
    s2 = built.scenes[1]
    colour = built.project.find_clip(s2.visual_clip_id).source.color
    want = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    corner = frames[int((s2.start + 0.7) * FPS)][:6, :6].reshape(-1, 3).mean(axis=0)
    assert np.abs(corner - want).max() < 12


def test_vertical_and_square_sizes_music_ducked_and_max_length(tmp_path):
    assert frame_size("9:16", 1080) == (1080, 1920) and frame_size("1:1", 720) == (720, 720)
    assert frame_size("16:9", 1080) == (1920, 1080)
    music = tmp_path / "tone.wav"
    t = np.arange(int(48000 * 1.5)) / 48000
    from tests.speech_media import write_wav

    write_wav(music, 0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32), 48000)
    r = build_project(parse_script(SCRIPT), small(aspect="9:16", music=str(music), max_seconds=3.5))
    p = r.project
    assert p.width < p.height and len(r.scenes) < 3  # max length: whole scenes only
    assert any("trimmed" in n for n in r.plan.script.notes)
    m = next(t for t in p.tracks if t.role == "music")
    assert m.ducking is not None and m.kind == "audio"
    lay = TimelineLayout(p)
    assert lay.track_end(m) == pytest.approx(lay.duration, abs=1.0 / FPS)  # music under the whole video
    assert len(m.clips) >= 2  # 1.5 s of music repeated


def test_cancel_stops_the_build():
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        build_project(parse_script(SCRIPT), small(), cancel=token)


def test_cards_over_a_background_image(tmp_path):
    from PIL import Image

    from t2v_desktop.engine.render import Renderer
    from t2v_desktop.project.model import ImageSource

    bg = tmp_path / "bg.png"
    Image.new("RGB", (64, 36), (240, 140, 20)).save(bg)
    r = build_project(parse_script("One short scene here."), small(background=str(bg)))
    assert all(isinstance(c.source, ImageSource) for c in r.project.main_track.clips)
    rr = Renderer(r.project)
    try:
        px = rr.frame(int((r.scenes[0].start + 0.6) * FPS))[:4, :4].reshape(-1, 3).mean(axis=0)
    finally:
        rr.close()
    assert np.abs(px - (240, 140, 20)).max() < 12


def test_too_many_scenes_without_a_limit_is_a_clear_error():
    from t2v_desktop.errors import ParamError
    from t2v_desktop.script.build import plan_build

    many = parse_script("\n\n".join(f"Scene number {k} is here." for k in range(1600)))
    with pytest.raises(ParamError, match="1,600 scenes .* at most 1,500. Pass a maximum length"):
        plan_build(many, small())
    assert len(plan_build(many, small(max_seconds=30)).scenes) < 20


def test_karaoke_captions_highlight_the_word_being_said():
    from t2v_desktop.engine.render import Renderer

    r = build_project(parse_script("Waves roll onto the sandy beach."), small(size=144, caption_look="karaoke"))
    track = r.project.subtitle_tracks[0]
    assert track.look == "karaoke" and track.burn_in
    word = r.scenes[0].words[2]  # "onto"
    rr = Renderer(r.project)
    try:
        img = rr.frame(int(((word.start + word.end) / 2) * FPS)).astype(int)
    finally:
        rr.close()
    yellow = (img[..., 0] > 200) & (img[..., 1] > 170) & (img[..., 2] < 90)  # the highlight #ffd400
    assert yellow[int(img.shape[0] * 0.6):].sum() > 5  # in the caption at the bottom


def test_music_is_ducked_under_the_narration(tmp_path):
    from t2v_desktop.engine.render import Renderer
    from tests.speech_media import write_wav

    music = tmp_path / "tone.wav"
    t = np.arange(48000 * 20) / 48000
    write_wav(music, (0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), 48000)
    r = build_project(parse_script("The wind is strong today and the rain falls hard."), small(music=str(music)))
    rr = Renderer(r.project)
    try:
        sr = rr.sample_rate

        def tone(a: float, b: float) -> float:  # the 1 kHz music's level in [a, b)
            x = rr.read_audio(int(a * sr), int(b * sr)).mean(axis=0)  # (channels, samples)
            spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
            k = int(round(1000 * len(x) / sr))
            return float(spec[k - 2:k + 3].max())

        s = r.scenes[0]
        title = tone(0.2, 0.7)  # music alone
        under = tone(s.narration_start + 0.4, s.narration_start + 0.9)  # music under the voice
    finally:
        rr.close()
    assert under < title / 2  # ducked by about 12 dB
