"""What a new user's first from-script video showed wrong, checked on real media: the narration
files beside a saved project are named for people, the plan's length comes from the real narration
once there is one (and says how it was estimated before), two scenes matching the same long shot
show different spans of it, a shot's "why it matched" names only words its text has, and the title
is on screen at frame 0."""

from __future__ import annotations

import shutil

import pytest

from t2v_desktop.engine.layout import TimelineLayout
from t2v_desktop.engine.render import Renderer
from t2v_desktop.library.db import DB_NAME, open_library
from t2v_desktop.library.indexer import Tools, add_file
from t2v_desktop.library.search import search
from t2v_desktop.media.synth import make_shots_clip
from t2v_desktop.script.build import BuildOptions, build_project, plan_build
from t2v_desktop.script.parse import parse_script
from tests.test_script_library import _talk_clip

SCRIPT = """# Red things

The red sky glows over the water tonight.

A red car waits at the corner for a while.
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    d = tmp_path_factory.mktemp("triallib")
    make_shots_clip(d / "red.mp4", [(200, 30, 30)], frames_per_shot=250, fps=25)  # one 10 s shot
    _talk_clip(d / "talk.mp4", "fresh bread from the bakery", d)
    lib = open_library(d / DB_NAME)
    add_file(lib, d / "red.mp4", tools=Tools(ocr=False, words=False))
    add_file(lib, d / "talk.mp4", tools=Tools(ocr=False, words=True))
    yield lib, d
    lib.close()


@pytest.fixture(scope="module")
def built(library, tmp_path_factory):
    lib, _ = library
    assets = tmp_path_factory.mktemp("assets")
    opts = BuildOptions(size=144, fps=10, title_seconds=1.0, end_seconds=1.0, library=lib, assets_dir=str(assets))
    script = parse_script(SCRIPT)
    plan = plan_build(script, opts)
    before = plan.explain()
    return build_project(script, opts, plan=plan), before, assets, opts


def test_narration_files_beside_the_project_are_named_for_people(built, tmp_path):
    result, _, assets, opts = built
    voice = next(t for t in result.project.tracks if t.name == "Voice")
    names = [c.path.rsplit("/", 1)[-1] for c in voice.clips]
    assert names == ["Scene 1 narration.wav", "Scene 2 narration.wav"]
    assert sorted(p.name for p in assets.iterdir()) == names
    # a rebuild with other words rewrites the file (same name, new speech)
    old = (assets / names[0]).read_bytes()
    build_project(parse_script("# T\n\nSomething else entirely is said here.\n"), opts)
    assert (assets / names[0]).read_bytes() != old


def test_the_length_is_estimated_honestly_then_measured(built, tmp_path):
    result, _, _, opts = built
    fresh = plan_build(parse_script(f"# New\n\nWords never spoken before, {tmp_path.name}.\n"), opts)
    assert fresh.narration_seconds is None  # nothing in the speech cache for these words
    assert "about " in fresh.explain() and "words a minute" in fresh.explain()
    after = result.plan.explain()
    assert " as narrated (" in after and "about " not in after.splitlines()[0]
    real = TimelineLayout(result.project).duration
    assert result.plan.estimated_seconds == pytest.approx(real, abs=0.25)
    assert result.plan.narration_seconds == pytest.approx([s.narration_seconds for s in result.scenes])


def test_two_scenes_on_one_long_shot_show_different_spans(built, library):
    result, _, _, _ = built
    _, d = library
    v1, v2 = (result.project.find_clip(s.visual_clip_id) for s in result.scenes)
    assert v1.path == v2.path == str(d / "red.mp4")
    assert v2.in_point >= v1.in_point + 1.0  # not the same picture from 0 again
    assert v2.out_point <= 10.0 + 1e-6  # inside the shot
    assert "again" not in result.plan.explain()


def test_why_it_matched_names_only_words_the_shot_has(library):
    lib, _ = library
    hits = search(lib, "bread bakery harbor boats")
    assert hits
    for h in hits:
        text = lib.conn.execute("SELECT spoken FROM shot_text WHERE shot_id = ?", (h.shot_id,)).fetchone()[0].lower()
        words = [r for r in h.reasons if r.startswith("words: ")]
        assert words
        listed = words[0][len("words: "):].rsplit(" (", 1)[0].split(", ")
        assert listed and all(w in text.split() for w in listed), (listed, text)
        assert "harbor" not in listed and "boats" not in listed


def test_the_title_is_on_screen_at_frame_zero(built):
    result, _, _, _ = built
    r = Renderer(result.project)
    try:
        first = r.frame(0)
    finally:
        r.close()
    bright = (first.min(axis=2) > 200).sum()  # the title's white letters over the dark card
    assert bright > 50


def test_a_voice_over_plan_takes_its_length_from_the_recording(tmp_path):
    from t2v_desktop.speech.tts import save_wav, synthesize

    paras = ["The storm is coming to the coast tonight.", "Stay inside and keep away from the windows."]
    speech = synthesize("\n\n".join(paras))
    rec = save_wav(speech, tmp_path / "reading.wav")
    script = parse_script("\n\n".join(paras))
    opts = BuildOptions(size=72, fps=10, title_seconds=1.0, end_seconds=1.0, voiceover=str(rec))
    plan = plan_build(script, opts)
    before, guess = plan.explain(), plan.estimated_seconds
    assert plan.recording_seconds == pytest.approx(speech.duration, abs=0.05)
    assert "from the recording's length" in before and "words a minute" not in before
    real = TimelineLayout(build_project(script, opts, plan=plan).project).duration
    assert guess == pytest.approx(real, abs=1.0)


def test_a_plan_uses_narration_an_earlier_run_made(built):
    result, _, _, opts = built
    again = plan_build(parse_script(SCRIPT), opts)  # the speech is in the cache now: nothing is synthesized
    assert again.narration_seconds == pytest.approx([s.narration_seconds for s in result.scenes])
    assert " as narrated (" in again.explain()
    assert again.estimated_seconds == pytest.approx(TimelineLayout(result.project).duration, abs=0.25)
