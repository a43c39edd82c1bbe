"""Subtitle files (.srt/.vtt/.ass) in and out, and soft subtitle streams muxed into exports."""

from __future__ import annotations

import av
import pytest
from subtitle_streams import assert_cues, demux_subtitles

from t2v_desktop.engine.export import export_project
from t2v_desktop.errors import EncodeError, MediaError, ParamError
from t2v_desktop.media.encoder import codec_available
from t2v_desktop.project.model import Project
from t2v_desktop.project.subtitle_files import read_subtitles, write_subtitles

pytest.importorskip("pysubs2")

CUES = [
    (0.5, 1.25, "Hello\nwörld — ünïcode 日本語"),
    (1.001, 2.999, "two lines,\nsecond & <3"),
    (3.0, 4.5, "overlapping"),
    (4.0, 61.042, "the last {b}"),
]


def one_line_error(exc_info, name: str) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg and name in msg, msg
    return msg


# -- reading and writing files -------------------------------------------------------------------


@pytest.mark.parametrize("ext", [".srt", ".vtt"])
def test_round_trip_keeps_times_lines_and_unicode(tmp_path, ext):
    path = write_subtitles(CUES, tmp_path / f"subs{ext}")
    assert read_subtitles(path) == CUES


def test_srt_layout_and_vtt_escaping(tmp_path):
    srt = write_subtitles(CUES, tmp_path / "a.srt").read_text("utf-8")
    assert srt.startswith("1\n00:00:00,500 --> 00:00:01,250\nHello\nwörld — ünïcode 日本語\n\n2\n")
    assert "00:00:04,000 --> 00:01:01,042\nthe last {b}\n" in srt
    vtt = write_subtitles(CUES, tmp_path / "a.vtt").read_text("utf-8")
    assert vtt.startswith("WEBVTT\n\n00:00:00.500 --> 00:00:01.250\n")
    assert "second &amp; &lt;3\n" in vtt


def test_srt_to_vtt_keeps_milliseconds(tmp_path):
    (tmp_path / "in.srt").write_text(
        "1\n00:00:01,001 --> 00:00:02,999\nfirst\n\n2\n01:02:03,456 --> 01:02:04,007\nsecond\n", "utf-8")
    cues = read_subtitles(tmp_path / "in.srt")
    assert cues == [(1.001, 2.999, "first"), (3723.456, 3724.007, "second")]
    write_subtitles(cues, tmp_path / "out.vtt")
    assert "01:02:03.456 --> 01:02:04.007" in (tmp_path / "out.vtt").read_text("utf-8")
    assert read_subtitles(tmp_path / "out.vtt") == cues


def test_styling_is_stripped_line_breaks_kept(tmp_path):
    (tmp_path / "s.srt").write_text(
        "1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> {\\an8}<font color=\"red\">wörld</font>\n"
        "<b>second</b> line &amp; more\n\n", "utf-8")
    assert read_subtitles(tmp_path / "s.srt") == [(1.0, 2.5, "Hello wörld\nsecond line & more")]
    (tmp_path / "s.vtt").write_text(
        "WEBVTT\n\nNOTE a comment\n\ncue-1\n00:01.000 --> 00:02.500 align:start position:10%\n"
        "<v Bob>Hello</v> <c.yellow>there</c> &amp; &lt;3\n\n"
        "00:00:03.000 --> 00:00:04.000\n<00:00:03.500>kara<b>oke</b>\n", "utf-8")
    assert read_subtitles(tmp_path / "s.vtt") == [(1.0, 2.5, "Hello there & <3"), (3.0, 4.0, "karaoke")]


def test_ass_read_and_write(tmp_path):
    cues = [(0.5, 1.25, "Hello\nwörld"), (2.0, 3.5, "second")]  # ASS keeps centiseconds
    for ext in (".ass", ".ssa"):
        assert read_subtitles(write_subtitles(cues, tmp_path / f"x{ext}")) == cues
    text = (tmp_path / "x.ass").read_text("utf-8")
    text = text.replace("Dialogue: 0,0:00:00.50", "Comment: 0,0:00:00.10,0:00:00.20,Default,,0,0,0,,note\n"
                        "Dialogue: 0,0:00:00.50", 1).replace("Hello", "{\\an8\\i1}Hello{\\i0}")
    (tmp_path / "y.ass").write_text(text, "utf-8")
    assert read_subtitles(tmp_path / "y.ass") == cues


def test_overlaps_allowed_sorted_and_empty_cues_skipped_with_a_note(tmp_path):
    (tmp_path / "o.srt").write_text(
        "1\n00:00:03,000 --> 00:00:05,000\nlater\n\n2\n00:00:01,000 --> 00:00:04,000\nfirst\n\n"
        "3\n00:00:06,000 --> 00:00:06,000\nzero length\n\n4\n00:00:07,000 --> 00:00:08,000\n<i></i>\n\n", "utf-8")
    notes: list = []
    assert read_subtitles(tmp_path / "o.srt", notes) == [(1.0, 4.0, "first"), (3.0, 5.0, "later")]
    assert len(notes) == 1 and "2 cue(s)" in notes[0]


def test_windows_1252_and_utf8_bom_and_utf16(tmp_path):
    body = "1\n00:00:01,000 --> 00:00:02,000\ncafé – naïve\n"
    (tmp_path / "w.srt").write_bytes(body.encode("cp1252"))
    notes: list = []
    assert read_subtitles(tmp_path / "w.srt", notes) == [(1.0, 2.0, "café – naïve")]
    assert "Windows-1252" in notes[0]
    (tmp_path / "b.srt").write_bytes(body.encode("utf-8-sig"))
    (tmp_path / "u.srt").write_bytes(body.encode("utf-16"))
    assert read_subtitles(tmp_path / "b.srt") == read_subtitles(tmp_path / "u.srt") == [(1.0, 2.0, "café – naïve")]


@pytest.mark.parametrize("name, data, words", [
    ("junk.srt", bytes(range(256)) * 20, "binary"),
    ("noise.srt", bytes((i * 7919 + 13) % 256 for i in range(5000)).replace(b"\x00", b"\x01"), "binary"),
    ("latin.srt", b"1\n00:00:01,000 --> 00:00:02,000\n\x81\x8d\x8f\x90 bad\n", "not UTF-8 or Windows-1252"),
    ("back.srt", b"1\n00:00:05,000 --> 00:00:04,000\nbackwards\n", "ends (00:00:04,000) before it starts"),
    ("stamp.srt", b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 --> 00:00:0x,500\nbad\n",
     "Bad timestamp line"),
    ("prose.srt", b"Dear diary,\nnothing happened today.\n", "No subtitle cues found"),
    ("prose.vtt", b"WEBVTT\n\njust words\n", "No subtitle cues found"),
    ("notes.txt", b"1\n00:00:01,000 --> 00:00:02,000\nok\n", "use one of .srt, .vtt"),
])
def test_bad_files_are_one_line_errors(tmp_path, name, data, words):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(MediaError) as e:
        read_subtitles(tmp_path / name)
    assert words in one_line_error(e, name)


def test_huge_missing_and_folder_inputs(tmp_path):
    big = tmp_path / "big.srt"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: refused by its size before any reading
    with pytest.raises(MediaError) as e:
        read_subtitles(big)
    assert "at most 10 MB" in one_line_error(e, "big.srt")
    with pytest.raises(MediaError) as e:
        read_subtitles(tmp_path / "missing.srt")
    assert "not found" in one_line_error(e, "missing.srt")
    (tmp_path / "dir.srt").mkdir()
    with pytest.raises(MediaError) as e:
        read_subtitles(tmp_path / "dir.srt")
    assert "folder" in one_line_error(e, "dir.srt")


def test_bad_cues_are_refused_and_nothing_is_written(tmp_path):
    target = tmp_path / "keep.srt"
    target.write_text("original", "utf-8")
    for bad in ([(2.0, 1.0, "backwards")], [(1.0, 1.0, "empty")], [(-1.0, 1.0, "negative")],
                [("a", 1.0, "x")], [(0.0, 1.0, None)]):
        with pytest.raises(ParamError) as e:
            write_subtitles(CUES + bad, target)
        assert "cue 5" in one_line_error(e, "")
    assert target.read_text("utf-8") == "original"
    with pytest.raises(ParamError) as e:
        write_subtitles(CUES, tmp_path / "subs.txt")
    one_line_error(e, ".txt")
    with pytest.raises(EncodeError):
        write_subtitles(CUES, tmp_path / "no" / "such" / "folder.srt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.srt"]


def test_cue_objects_are_accepted(tmp_path):
    from types import SimpleNamespace

    cues = [SimpleNamespace(start=a, end=b, text=t) for a, b, t in CUES]
    assert read_subtitles(write_subtitles(cues, tmp_path / "o.srt")) == CUES


# -- soft subtitle streams in exports ------------------------------------------------------------

SOFT = [(0.123, 0.789, "Hello wörld\nline two"), (1.001, 1.5, "second & <3")]


@pytest.mark.parametrize("ext, codec", [(".mp4", "mov_text"), (".mkv", "subrip"), (".webm", "webvtt"),
                                        (".mov", "mov_text")])
def test_soft_subtitles_are_muxed_as_streams(tmp_path, make_clip, ext, codec):
    src = make_clip(duration=2.0)
    if ext == ".webm" and not codec_available("libvpx-vp9"):
        pytest.skip("no VP9 encoder in this build")
    out = tmp_path / f"out{ext}"
    tracks = [(SOFT, "eng", "English"), ([(0.2, 0.6, "Hallo Welt")], "ger", "Deutsch")]
    res = export_project(Project.from_media(str(src)), out, subtitles=tracks)
    assert res.frames == 50
    streams = demux_subtitles(out)
    decoders = {"subrip": ("subrip", "srt")}.get(codec, (codec,))  # FFmpeg decodes SubRip with "srt"
    assert len(streams) == 2 and all(s[0] in decoders for s in streams), streams
    assert [(s[1], s[2]) for s in streams] == [("eng", "English"), ("ger", "Deutsch")]
    assert_cues(streams[0][3], SOFT)
    assert_cues(streams[1][3], [(0.2, 0.6, "Hallo Welt")])
    with av.open(str(out)) as c:  # the picture and the sound are still all there
        assert sum(1 for _ in c.decode(c.streams.video[0])) == 50
        assert c.streams.audio


def test_mp4_merges_overlapping_cues_and_cuts_cues_to_the_end(tmp_path, make_clip):
    out = tmp_path / "o.mp4"
    cues = [(0.2, 1.0, "A"), (0.6, 1.4, "B"), (1.8, 5.0, "past the end"), (2.5, 3.0, "after the end")]
    export_project(Project.from_media(str(make_clip(duration=2.0))), out, subtitles=[(cues, "eng", "")])
    (codec, _, _, got), = demux_subtitles(out)
    assert codec == "mov_text"
    assert_cues(got, [(0.2, 0.6, "A"), (0.6, 1.0, "A\nB"), (1.0, 1.4, "B"), (1.8, 2.0, "past the end")])
    out = tmp_path / "o.mkv"  # Matroska keeps overlapping cues as they are
    export_project(Project.from_media(str(make_clip(duration=2.0))), out, subtitles=[(cues, "eng", "")])
    assert_cues(demux_subtitles(out)[0][3], [(0.2, 1.0, "A"), (0.6, 1.4, "B"), (1.8, 2.0, "past the end")])


def test_mp4_language_codes_are_iso_639_2(tmp_path, make_clip):
    from t2v_desktop.media.encoder import mp4_language

    assert [mp4_language(x) for x in ("en", "en-US", "pt_BR", "ger", "xx", "")] == ["eng", "eng", "por", "ger",
                                                                                 "und", "und"]
    project = Project.from_media(str(make_clip(duration=2.0)))
    tracks = [(SOFT, lang, "") for lang in ("de", "fr-CA", "jpn")]
    export_project(project, tmp_path / "o.mp4", subtitles=tracks)
    assert [s[1] for s in demux_subtitles(tmp_path / "o.mp4")] == ["deu", "fra", "jpn"]
    export_project(project, tmp_path / "o.mkv", subtitles=tracks)  # Matroska keeps the code as given
    assert [s[1] for s in demux_subtitles(tmp_path / "o.mkv")] == ["de", "fr-CA", "jpn"]


def test_gif_refuses_soft_subtitles_and_writes_nothing(tmp_path, make_clip):
    with pytest.raises(EncodeError) as e:
        export_project(Project.from_media(str(make_clip(duration=2.0))), tmp_path / "o.gif",
                       subtitles=[(SOFT, "eng", "")])
    assert "Burn the subtitles in" in one_line_error(e, ".gif")
    assert list(tmp_path.iterdir()) == []


def test_subtitle_file_to_soft_stream(tmp_path, make_clip):
    """The whole path: an .srt read, muxed into an MP4, read back with the same times."""
    write_subtitles(SOFT, tmp_path / "in.srt")
    out = tmp_path / "o.mp4"
    export_project(Project.from_media(str(make_clip(duration=2.0))), out,
                   subtitles=[(read_subtitles(tmp_path / "in.srt"), "eng", "English")])
    assert_cues(demux_subtitles(out)[0][3], SOFT)


def test_bad_soft_cues_and_an_old_pyav_are_one_line_errors(tmp_path, make_clip, monkeypatch):
    from t2v_desktop.media import encoder

    project = Project.from_media(str(make_clip(duration=2.0)))
    with pytest.raises(EncodeError) as e:
        export_project(project, tmp_path / "o.mkv", subtitles=[([(1.0, 0.5, "backwards")], "eng", "")])
    assert "cue 1" in one_line_error(e, "")
    monkeypatch.setattr(encoder, "_subtitle_set", lambda: None)
    with pytest.raises(EncodeError) as e:
        export_project(project, tmp_path / "o.mp4", subtitles=[(SOFT, "eng", "")])
    assert "Update PyAV" in one_line_error(e, "")
    assert list(tmp_path.iterdir()) == []
