"""Edit > AI renders on a Ray cluster…: the address is saved, put where the render code reads it
(env T2V_RAY_ADDRESS, also inherited by the export child), restored at the next start, and cleared."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("PySide6")


def test_the_cluster_address_is_saved_used_and_cleared(main_window, monkeypatch, tmp_path):
    from PySide6.QtCore import QSettings

    from t2v_desktop.cluster import session
    from t2v_desktop.gui.cluster_settings import ACTION_TEXT, SETTING, add_cluster_action, apply_address

    monkeypatch.delenv("T2V_RAY_ADDRESS", raising=False)
    edit = next(a.menu() for a in main_window.menuBar().actions() if a.text() == "&Edit")
    assert ACTION_TEXT in [a.text() for a in edit.actions()]

    line = apply_address(main_window, " 10.0.0.5:6379 ")
    assert "10.0.0.5:6379" in line
    assert os.environ["T2V_RAY_ADDRESS"] == "10.0.0.5:6379" == session.resolve_address(None)
    main_window.settings.sync()
    assert QSettings(main_window.settings.fileName(), QSettings.IniFormat).value(SETTING) == "10.0.0.5:6379"

    os.environ.pop("T2V_RAY_ADDRESS")  # a fresh start: the saved address comes back
    add_cluster_action(main_window, edit)
    assert os.environ["T2V_RAY_ADDRESS"] == "10.0.0.5:6379"

    assert apply_address(main_window, "") == "AI renders run on this computer."
    assert "T2V_RAY_ADDRESS" not in os.environ and session.active() is None
