"""What the index reads from the footage: on-screen text (Tesseract), spoken words (espeak-ng speech
through the real recogniser), keyframe embeddings (a tiny random CLIP), and what status says is off."""

import types
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from t2v_desktop import cli_library
from t2v_desktop.library import ocr
from t2v_desktop.library.db import open_library
from t2v_desktop.library.indexer import Tools, add_file, add_folder
from t2v_desktop.library.search import search

FPS = 25


def _write(path, frames, *, audio=None, rate=22050):
    """frames: HxWx3 uint8 arrays at FPS; audio: mono float32 samples at ``rate``."""
    with av.open(str(path), "w") as out:
        h, w = frames[0].shape[:2]
        v = out.add_stream("libx264", rate=FPS)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        v.options = {"preset": "ultrafast", "crf": "18"}
        a = None
        if audio is not None:
            a = out.add_stream("pcm_s16le", rate=rate)
            a.layout = "mono"
        for i, f in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
            vf.pts = i
            for p in v.encode(vf):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        if a is not None:
            af = av.AudioFrame.from_ndarray((np.clip(audio, -1, 1) * 32767).astype(np.int16)[None, :],
                                            format="s16", layout="mono")
            af.sample_rate, af.pts = rate, 0
            for p in a.encode(af):
                out.mux(p)
            for p in a.encode():
                out.mux(p)
    return path


def _card(text, bg, size=(480, 270)):
    img = Image.new("RGB", size, bg)
    d = ImageDraw.Draw(img)
    d.text((40, 80), text, fill=(255, 255, 255) if sum(bg) < 380 else (0, 0, 0), font=ImageFont.load_default(size=90))
    return np.asarray(img)


@pytest.mark.skipif(not ocr.available(), reason="tesseract is not installed")
def test_onscreen_words_found_in_their_shot(tmp_path):
    clip = _write(tmp_path / "cards.mp4", [_card("SALE", (30, 60, 150))] * 30 + [_card("OPEN", (150, 30, 30))] * 30)
    lib = open_library(tmp_path / "library.sqlite")
    add_file(lib, clip, tools=Tools(ocr=True, words=False))
    rows = lib.conn.execute("SELECT s.start, s.end, o.time, o.text FROM ocr o JOIN shots s ON s.id = o.shot_id "
                            "ORDER BY s.start").fetchall()
    assert [r[3] for r in rows] == ["SALE", "OPEN"]
    assert all(s <= t < e for s, e, t, _ in rows) and abs(rows[1][0] - 1.2) <= 1 / FPS + 1e-6
    hits = search(lib, "text 'sale'")
    assert [(round(h.start, 2), h.reasons) for h in hits] == [(0.0, ["on-screen text: sale"])]
    assert search(lib, "open")[0].start == rows[1][0]  # plain words rank the on-screen text too


def _speech(tmp_path, words):
    from speech_media import spoken_words

    wav = tmp_path / "talk.wav"
    said = spoken_words(words, wav, gap=0.15)
    with wave.open(str(wav)) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    return samples, said


def test_spoken_words_indexed_with_times(tmp_path):
    samples, said = _speech(tmp_path, ["hello", "and", "welcome", "to", "the", "beach"])
    n = int(len(samples) / 22050 * FPS) + 1
    cut = 40  # frame 40 (1.6 s): "welcome" (1.66 s) is said in the second shot
    frames = [np.full((96, 160, 3), (60, 60, 60) if i < cut else (200, 120, 40), np.uint8) for i in range(n)]
    clip = _write(tmp_path / "talk.mp4", frames, audio=samples)
    lib = open_library(tmp_path / "library.sqlite")
    add_file(lib, clip, tools=Tools(ocr=False, words=True))  # the real recogniser (pocketsphinx)
    got = {w: s for s, w in lib.conn.execute("SELECT start, text FROM words")}
    true = {w: s for w, s, _ in said}
    for w in ("welcome", "beach"):
        assert abs(got[w] - true[w]) < 0.15, (w, got, true)
    (hit,) = search(lib, "she says 'welcome'")
    assert abs(hit.start - cut / FPS) < 1e-6 and hit.reasons == ["spoken: 'welcome' at 0:01"]
    first = lib.conn.execute("SELECT spoken FROM shot_text t JOIN shots s ON s.id = t.shot_id ORDER BY s.start").fetchall()
    assert "welcome" not in first[0][0] and "welcome to the beach" in first[1][0]


def test_ocr_off_status_says_how_and_reindex_adds_it_later(tmp_path, monkeypatch):
    (tmp_path / "m").mkdir()
    _write(tmp_path / "m" / "a.mp4", [_card("SALE", (30, 60, 150))] * 20)
    lib = open_library(tmp_path / "library.sqlite")
    monkeypatch.setattr(ocr, "available", lambda: False)
    assert add_folder(lib, tmp_path / "m", tools=Tools(ocr=ocr.available(), words=False)) == []
    assert lib.conn.execute("SELECT count(*) FROM ocr").fetchone()[0] == 0
    assert lib.conn.execute("SELECT stages FROM files").fetchone()[0] == "shots keyframes motion"
    monkeypatch.setenv("T2V_CLIP_MODEL", str(tmp_path / "no-model"))
    lines = cli_library.status_lines(lib, [str(tmp_path / "m")])
    assert "1 files, 1 shots" in lines[0]
    assert any(line.startswith("OCR: off") and "apt install tesseract-ocr" in line for line in lines)
    assert any(line.startswith("semantic search: off") and "hf download" in line for line in lines)
    monkeypatch.undo()
    if ocr.available():  # tesseract installed later: the unchanged file is analysed again for the new stage
        assert "  1 files were indexed without OCR; `t2v-desktop library reindex` reads their text" in \
            cli_library.status_lines(lib, [])
        assert add_folder(lib, tmp_path / "m", tools=Tools(ocr=True, words=False)) == []
        assert lib.conn.execute("SELECT text FROM ocr").fetchall() == [("SALE",)]
        assert lib.conn.execute("SELECT stages FROM files").fetchone()[0] == "shots keyframes motion ocr"


def test_indexer_embeds_keyframes_with_a_local_clip(tmp_path, monkeypatch):
    from tiny_clip import build_tiny_clip

    from t2v_desktop.library import embed, vectors
    from t2v_desktop.library.indexer import find_tools
    from t2v_desktop.media.synth import make_shots_clip

    (tmp_path / "m").mkdir()
    clip = tmp_path / "m" / "c.mp4"
    make_shots_clip(clip, [(200, 30, 30), (30, 40, 200), (30, 160, 40)])
    lib = open_library(tmp_path / "library.sqlite")
    add_folder(lib, tmp_path / "m", tools=Tools(ocr=False, words=False))  # no model yet
    assert lib.conn.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 0
    monkeypatch.setenv("T2V_CLIP_MODEL", str(build_tiny_clip(tmp_path / "clip")))
    embed._CACHE.clear()
    tools = find_tools(ocr=False, words=False)
    assert tools.model is not None
    stamp = lib.conn.execute("SELECT indexed_at FROM files").fetchone()[0]
    add_folder(lib, tmp_path / "m", tools=tools)  # model installed: the unchanged file gets embeddings
    assert lib.conn.execute("SELECT indexed_at FROM files").fetchone()[0] == stamp  # without re-analysis
    keys, shots, mat = vectors.load_matrix(lib.conn, tools.model.name)
    assert mat.shape == (3, 8) and np.allclose(np.linalg.norm(mat, axis=1), 1, atol=1e-5)
    assert len(set(shots.tolist())) == 3
    # each stored vector is the model's embedding of that keyframe's thumbnail
    thumbs = dict(lib.conn.execute("SELECT id, thumb FROM keyframes"))
    again = tools.model.embed_images([Image.open(thumbs[int(k)]).convert("RGB") for k in keys])
    assert np.allclose(again, mat, atol=1e-5)
    # ranking by cosine: the query vector of the blue shot's keyframe finds that shot first
    blue = int(lib.conn.execute("SELECT id FROM shots WHERE colour_words LIKE 'blue%'").fetchone()[0])
    idx = vectors.VectorIndex(keys, shots, mat, backend="numpy")
    best = max(idx.shot_scores(mat[list(shots).index(blue)]).items(), key=lambda kv: kv[1])
    assert best[0] == blue and abs(best[1] - 1.0) < 1e-5
    assert embed.embed_keyframes(lib.conn, tools.model) == 0  # all done by the indexer


def test_cli_status_prints_counts_and_missing_tools(tmp_path, monkeypatch, capsys):
    from t2v_desktop.media.synth import make_shots_clip

    (tmp_path / "m").mkdir()
    make_shots_clip(tmp_path / "m" / "a.mp4", [(200, 30, 30), (30, 40, 200)], transition="fade")
    monkeypatch.setenv("T2V_CLIP_MODEL", str(tmp_path / "none"))
    monkeypatch.setattr("t2v_desktop.library.indexer.find_tools",
                        lambda: Tools(ocr=False, words=False))
    db = str(tmp_path / "library.sqlite")
    args = types.SimpleNamespace(library=db, library_cmd="add", folder=str(tmp_path / "m"))
    assert cli_library.cmd_library(args) == 0
    err = capsys.readouterr().err
    assert "semantic search is off" in err and "OCR) is off" in err
    assert cli_library.cmd_library(types.SimpleNamespace(library=db, library_cmd="status")) == 0
    out = capsys.readouterr().out
    assert "1 files, 2 shots (0 hard cuts, 1 fades, 0 dissolves), 2 keyframes" in out
    assert str(Path(tmp_path / "m")) in out


def test_cli_add_single_file(tmp_path, monkeypatch, capsys):
    from t2v_desktop.media.synth import make_shots_clip

    make_shots_clip(tmp_path / "one.mp4", [(200, 30, 30), (30, 40, 200), (30, 160, 40)], transition="dissolve")
    monkeypatch.setattr("t2v_desktop.library.indexer.find_tools", lambda: Tools(ocr=False, words=False))
    db = str(tmp_path / "library.sqlite")
    assert cli_library.cmd_library(types.SimpleNamespace(library=db, library_cmd="add",
                                                         folder=str(tmp_path / "one.mp4"))) == 0
    assert "one.mp4: 3 shots" in capsys.readouterr().err
    lib = open_library(db)
    assert [k for (k,) in lib.conn.execute("SELECT kind FROM shots ORDER BY start")] == ["start", "dissolve", "dissolve"]
    assert lib.conn.execute("SELECT value FROM meta WHERE key='folders'").fetchone() is None  # a file is not a folder


def test_cli_add_leaves_the_vector_index_built(tmp_path, monkeypatch):
    """`library add` ends by indexing the new keyframes' vectors, so the first search does not."""
    from tiny_clip import build_tiny_clip

    from t2v_desktop.library import embed, vectors
    from t2v_desktop.library.indexer import find_tools
    from t2v_desktop.media.synth import make_shots_clip

    (tmp_path / "m").mkdir()
    make_shots_clip(tmp_path / "m" / "a.mp4", [(200, 30, 30), (30, 40, 200)])
    monkeypatch.setenv("T2V_CLIP_MODEL", str(build_tiny_clip(tmp_path / "clip")))
    monkeypatch.setattr("t2v_desktop.library.indexer.find_tools", lambda: find_tools(ocr=False, words=False))
    embed._CACHE.clear()
    vectors._OPEN.clear()
    db = tmp_path / "library.sqlite"
    assert cli_library.cmd_library(types.SimpleNamespace(library=str(db), library_cmd="add",
                                                         folder=str(tmp_path / "m"))) == 0
    built = [v for k, v in vectors._OPEN.items() if k[0] == str(db) + ".usearch"]
    keyframes = open_library(db).conn.execute("SELECT count(*) FROM keyframes").fetchone()[0]
    assert len(built) == 1 and len(built[0].keys) == keyframes >= 2  # every keyframe, ready for the search


def test_words_stage_waits_for_a_recogniser(tmp_path, monkeypatch):
    from t2v_desktop.media.synth import make_test_clip
    from t2v_desktop.speech.transcript import Transcript, Word

    (tmp_path / "m").mkdir()
    make_test_clip(tmp_path / "m" / "tone.mp4", duration=1.0, audio=True)
    lib = open_library(tmp_path / "library.sqlite")

    def missing(path, **kw):
        raise ImportError("No module named 'pocketsphinx'")

    monkeypatch.setattr("t2v_desktop.speech.asr.transcribe", missing)
    assert add_folder(lib, tmp_path / "m", tools=Tools(ocr=False, words=True)) == []
    assert lib.conn.execute("SELECT stages FROM files").fetchone()[0] == "shots keyframes motion"
    monkeypatch.setattr("t2v_desktop.speech.asr.transcribe",
                        lambda path, **kw: Transcript((Word("beep", 0.2, 0.5),)))
    assert add_folder(lib, tmp_path / "m", tools=Tools(ocr=False, words=True)) == []  # reindex does the stage
    assert lib.conn.execute("SELECT text, start FROM words").fetchall() == [("beep", 0.2)]
    assert search(lib, "says 'beep'")[0].reasons == ["spoken: 'beep' at 0:00"]
