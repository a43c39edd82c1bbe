"""File > Open recent keeps whole paths: an INI settings file written with one recent project reads
back as a plain string, and adding a second project used to split the first into characters."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")


def test_recent_projects_stay_whole_paths(main_window, tmp_path):
    from PySide6.QtCore import QSettings

    w = main_window
    a, b, c = (str(tmp_path / f"{n}.t2v") for n in "abc")
    ini = tmp_path / "recent.ini"
    ini.write_text(f"[General]\nrecent={a}\n")  # what a previous session left with one project
    w.settings = QSettings(str(ini), QSettings.IniFormat)
    assert w.settings.value("recent") == a  # a plain string, not a list
    assert w.recent_projects() == [a]
    w._add_recent(b)
    assert w.recent_projects() == [b, a]
    w._add_recent(c)
    w._add_recent(b)  # again: moves to the top, no duplicate
    assert w.recent_projects() == [b, c, a]
    assert [act.text() for act in w.recent_menu.actions()] == [b, c, a]
