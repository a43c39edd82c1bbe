"""paths (env overrides), the demo clip, and the terminal progress bar."""

from __future__ import annotations

import io

from t2v_desktop import paths
from t2v_desktop.termprogress import TermProgress


def test_env_overrides_every_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("T2V_MODELS_DIR", str(tmp_path / "m"))
    got = paths.all_paths()
    assert got["data"] == tmp_path / "d" and got["cache"] == tmp_path / "c" and got["models"] == tmp_path / "m"
    assert got["autosave"].parent == tmp_path / "d" and got["logs"].parent == tmp_path / "d"
    assert all(p.is_dir() for p in got.values())


def test_default_folders_are_per_user(monkeypatch):
    for var in ("T2V_DATA_DIR", "T2V_CACHE_DIR", "T2V_MODELS_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(paths, "_dir", lambda env, default: default)  # look, do not create
    assert "t2v-desktop" in str(paths.data_dir()) and "t2v-desktop" in str(paths.cache_dir())
    assert paths.models_dir() == paths.data_dir() / "models"


def test_demo_clip_is_generated_once_into_the_cache(tmp_path, monkeypatch):
    import av

    from t2v_desktop.demo import demo_clip_path

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path))
    assert not demo_clip_path(create=False).exists()
    p = demo_clip_path()
    assert p.is_file() and p.is_relative_to(tmp_path)
    with av.open(str(p)) as c:
        v = c.streams.video[0]
        assert (v.width, v.height) == (640, 360) and c.streams.audio
        assert abs(c.duration / 1e6 - 6.0) < 0.1
    mtime = p.stat().st_mtime_ns
    assert demo_clip_path() == p and p.stat().st_mtime_ns == mtime
    assert [q.name for q in p.parent.iterdir()] == [p.name]  # no temp files left


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_pipe_prints_a_few_lines():
    out = io.StringIO()
    bar = TermProgress(out, every=25)
    for i in range(101):
        bar(i, 100, "Exporting")
    bar.finish()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Exporting: 0%") and lines[-1].startswith("Exporting: 100%")
    assert 3 <= len(lines) <= 6 and "\r" not in out.getvalue()


def test_progress_on_a_tty_redraws_one_line():
    out = _Tty()
    bar = TermProgress(out, min_interval=0)
    for i in range(11):
        bar(i, 10, "Exporting")
    bar.finish()
    text = out.getvalue()
    assert text.count("\r") == 11 and text.endswith("\n") and text.count("\n") == 1
    assert "100.0%" in text and "[" + "#" * 30 + "]" in text
    assert bar.line(5, 10, "Exporting", 1.0).startswith("Exporting [" + "#" * 15 + "-" * 15 + "]  50.0% (5/10)")


def test_interleaved_phases_do_not_flood_a_log():
    out = io.StringIO()
    bar = TermProgress(out, every=25)
    for i in range(101):
        bar(i / 100, 1, "Analysing")
        bar(i / 100, 1, "Analysing motion")
    lines = out.getvalue().splitlines()
    assert len([ln for ln in lines if ln.startswith("Analysing:")]) == 5
    assert len([ln for ln in lines if ln.startswith("Analysing motion:")]) == 5
    assert "Analysing: 100%" in lines
