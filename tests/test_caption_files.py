"""Captions out of the editor: made from espeak-ng speech (placed through the clip's cuts), muxed into exports as soft subtitle
streams (read back with PyAV: the cue texts and times), written as .srt/.vtt by a command, and a
broken subtitle file refused with one line and nothing changed."""

from __future__ import annotations

import os

import pytest
from speech_media import RATE, need_espeak, spoken_words, synth, talk_clip
from subtitle_streams import assert_cues, demux_subtitles

from t2v_desktop.commands.apply import apply_text
from t2v_desktop.engine.export import export_project
from t2v_desktop.errors import T2VError
from t2v_desktop.project.history import History
from t2v_desktop.project.model import Project
from t2v_desktop.project.subtitle_files import read_subtitles
from t2v_desktop.speech.audio import load_mono

TEXT = "The storm will reach the coast tonight. Stay indoors and keep away from the windows."


@pytest.fixture(scope="module")
def captioned(tmp_path_factory):
    """A project of one spoken clip with captions made from its speech ('add captions')."""
    need_espeak()
    folder = tmp_path_factory.mktemp("talk")
    clip = talk_clip(synth(TEXT, folder), folder / "talk.mp4")
    p = Project.from_media(str(clip))
    apply_text(p, "add captions", History(p))
    assert p.subtitle_tracks and p.subtitle_tracks[0].cues
    return p


@pytest.mark.parametrize("ext, codecs", [(".mp4", ("mov_text",)), (".mkv", ("subrip", "srt"))])
def test_captions_from_speech_are_a_soft_stream_of_the_export(tmp_path, captioned, ext, codecs):
    want = [(c.start, c.end, c.text) for c in captioned.subtitle_tracks[0].cues]
    out = tmp_path / f"talk{ext}"
    export_project(captioned, out)
    (stream,) = demux_subtitles(out)
    assert stream[0] in codecs
    end = max(c[1] for c in want)
    assert_cues(stream[3], [(s, min(e, end), t) for s, e, t in want])
    assert all(len(line) <= 42 for _, _, t in stream[3] for line in t.split("\n"))


@pytest.mark.parametrize("name", ["captions.vtt", "captions.srt"])
def test_export_the_captions_command_writes_the_file_and_undo_restores(tmp_path, captioned, name):
    p = captioned
    h = History(p)
    target = tmp_path / name
    target.write_text("what was here before\n")
    before = len(p.subtitle_tracks)
    apply_text(p, f"export the captions as {name}", h, base=str(tmp_path))
    got = read_subtitles(target)
    assert [(t, round(a, 3), round(b, 3)) for a, b, t in got] == \
        [(c.text, round(c.start, 3), round(c.end, 3)) for c in p.subtitle_tracks[0].cues]
    assert len(p.subtitle_tracks) == before  # the project itself is unchanged
    h.undo()
    assert target.read_text() == "what was here before\n"  # nothing lost
    apply_text(p, f"save the captions to new-{name}", h, base=str(tmp_path))
    assert (tmp_path / f"new-{name}").is_file()
    h.undo()
    assert not (tmp_path / f"new-{name}").exists()


def test_a_broken_srt_is_one_line_and_changes_nothing(tmp_path, captioned):
    bad = tmp_path / "bad.srt"
    bad.write_bytes(b"1\n00:00:01,000 --> garbage\n\x00\x01 not subtitles\n\n2\nnonsense\n")
    p = captioned
    saved = p.to_json()
    h = History(p)
    with pytest.raises(T2VError) as e:
        apply_text(p, "add subtitles from bad.srt", h, base=str(tmp_path))
    msg = str(e.value)
    assert "\n" not in msg and "bad.srt" in msg, msg
    assert p.to_json() == saved and not h.can_undo
    assert os.path.getsize(bad) > 0  # the file is left as it was


def test_captions_follow_a_cut_inside_the_clip(tmp_path):
    """Words are placed through the clip's ops frame-exactly: after 'cut 1 s to 2.5 s' the words
    before the cut keep their times, the ones after come 1.5 s earlier, none is inside the cut."""
    need_espeak()
    wav = tmp_path / "words.wav"
    spoken_words(["storm", "warning", "tonight", "stay", "inside", "please", "listen", "carefully"], wav,
                 gap=0.35)
    clip = talk_clip(load_mono(str(wav), RATE), tmp_path / "words.mp4", fps=25)

    def cue_words(commands):
        p = Project.from_media(str(clip))
        h = History(p)
        for c in commands:
            apply_text(p, c, h)
        return [w for c in p.subtitle_tracks[0].cues for w in c.words]

    plain = cue_words(["add captions"])
    cut = cue_words(["cut 0:01 to 0:02.5", "add captions"])
    assert len(plain) >= 4
    before = [w for w in plain if w[1] <= 1.0]
    after = [w for w in plain if w[0] >= 2.5]
    assert before and after
    frame = 1 / 25 + 1e-3
    for s, e, text in before:
        assert any(t == text and abs(s2 - s) <= frame and abs(e2 - e) <= frame for s2, e2, t in cut)
    for s, e, text in after:
        assert any(t == text and abs(s2 - (s - 1.5)) <= frame and abs(e2 - (e - 1.5)) <= frame for s2, e2, t in cut)
    assert len(cut) < len(plain)  # the words inside the cut are gone


@pytest.mark.parametrize("joint", [", ", " and ", "; "])
def test_chained_caption_commands_split_into_their_steps(tmp_path, joint):
    """'add captions, export the captions as x.vtt' is two steps: the second is not a file to read."""
    from t2v_desktop.commands.parser import parse

    for second, kind in (("export the captions as out.vtt", "export captions"),
                         ("style the captions as karaoke", "caption style"),
                         ("translate the captions to Spanish", "translate captions")):
        plan = parse(f"add captions{joint}{second}", context={"base": str(tmp_path)})
        assert [s.op for s in plan.steps] == ["captions", kind], second


def test_burned_in_captions_are_not_also_a_soft_stream(tmp_path, captioned):
    """Burned-in words in the picture and the same words as a subtitle stream show twice in a player."""
    import copy

    p = copy.deepcopy(captioned)
    apply_text(p, "burn in the subtitles", History(p))
    assert p.subtitle_tracks[0].burn_in
    out = tmp_path / "burned.mp4"
    export_project(p, out)
    assert demux_subtitles(out) == []
    from t2v_desktop.project.model import Cue, SubtitleTrack

    # a second track that is not burned in (e.g. a translation) still goes out as a soft stream

    p.subtitle_tracks.append(SubtitleTrack([Cue(0.5, 1.5, "Hola")], name="Español", language="es"))
    out2 = tmp_path / "both.mp4"
    export_project(p, out2)
    (stream,) = demux_subtitles(out2)
    assert [t for _s, _e, t in stream[3]] == ["Hola"]
