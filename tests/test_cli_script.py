"""`t2v-desktop from-script`: a script file becomes a video and an editable project; articles are
summarised first; Ctrl-C leaves nothing behind; bad scripts are one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import pytest

from t2v_desktop.cli import main
from t2v_desktop.project.model import Project

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "# Storm safety\n\nThe wind is strong today.\n\nStay inside the house.\n\nThe sun comes back soon.\n"
SMALL = ["--size", "72", "--fps", "10", "--no-library"]


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("t2vhome")
    monkeypatch.setenv("T2V_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("T2V_CACHE_DIR", str(base / "cache"))


def test_from_script_writes_a_video_and_an_editable_project(tmp_path, capsys):
    src = tmp_path / "s.md"
    src.write_text(SCRIPT)
    out, proj = tmp_path / "out.mp4", tmp_path / "p.t2v"
    assert main(["from-script", str(src), "-o", str(out), "--save-project", str(proj), "--aspect", "9:16", *SMALL]) == 0
    said = capsys.readouterr().out
    assert "'Storm safety': 3 scenes" in said and "Scene 2: card" in said
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.width, v.height) == (72, 128) and c.streams.audio
        n = sum(1 for _ in c.decode(v))
    p = Project.load(proj)
    assert [m.name for m in p.markers] == ["Scene 1", "Scene 2", "Scene 3"]
    voice = next(t for t in p.tracks if t.role == "voice")
    assert all(Path(c.path).parent == tmp_path / "p-assets" for c in voice.clips)  # narration beside it
    from t2v_desktop.engine.layout import TimelineLayout

    assert TimelineLayout(p).frame_count == n


def test_article_is_summarised_and_the_plan_says_how(tmp_path, capsys):
    src = tmp_path / "a.txt"
    src.write_text("Hurricane safety\n\n" + "\n\n".join(
        ["Hurricanes bring strong winds and heavy rain to the coast.",
         "My cousin bought a new bicycle last week.",
         "Before a hurricane, store water and food for three days.",
         "During a hurricane, stay indoors and away from the windows."]))
    out = tmp_path / "a.mp4"
    assert main(["from-script", str(src), "--article", "--no-model", "--words", "25", "-o", str(out), *SMALL]) == 0
    said = capsys.readouterr().out
    assert "extractive summary" in said and "no local language model used" in said
    assert "bicycle" not in said and out.is_file()


@pytest.mark.parametrize("text", ["\U0001f300\U0001f389\n\n\u2728", "# Only\n\n## Headings\n"])
def test_a_script_with_no_sentences_fails_clearly_and_writes_nothing(tmp_path, capsys, text):
    src = tmp_path / "bad.md"
    src.write_text(text)
    assert main(["from-script", str(src), "-o", str(tmp_path / "o.mp4"), "--save-project", str(tmp_path / "p.t2v"),
                 *SMALL]) == 1
    assert "no sentences to narrate" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.md"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_while_exporting_leaves_no_video_project_or_narration(tmp_path):
    src = tmp_path / "s.md"
    src.write_text(SCRIPT)
    out, proj = tmp_path / "o.mp4", tmp_path / "p.t2v"
    p = subprocess.Popen([sys.executable, "-m", "t2v_desktop", "from-script", str(src), "-o", str(out),
                          "--save-project", str(proj), "--size", "720", "--no-library"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        for line in p.stderr:
            if "Exporting" in line:
                break
        else:
            pytest.fail("the export did not start: " + p.stdout.read())
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert "Traceback" not in err
    assert sorted(x.name for x in tmp_path.iterdir()) == ["s.md"]


def test_a_hundred_thousand_words_are_cut_to_the_maximum_length_and_the_plan_says_so(tmp_path, capsys):
    src = tmp_path / "book.txt"
    para = "Storm surge floods the coast and people move to higher ground before night. " * 6
    src.write_text("\n\n".join([para] * 1300))  # 101,400 words
    proj = tmp_path / "b.t2v"
    assert main(["from-script", str(src), "--save-project", str(proj), "--max-length", "8", *SMALL]) == 0
    said = capsys.readouterr().out
    assert "note: trimmed to the first 13 of 101,400 words" in said  # one sentence: 8 s at 160 words a minute
    p = Project.load(proj)
    assert len(p.markers) == 1
