"""Opening a test project in the real editor window (shared by the GUI tests' fixtures)."""


def open_in_window(window, qtbot, project, path):
    """Save ``project`` to ``path`` and open it in ``window`` (1400×900), waiting for the first frame."""
    project.save(path)
    window.resize(1400, 900)
    assert window.open_project(path)
    qtbot.waitUntil(lambda: window.preview.shown_index == 0)
    return window


def three_track_window(window, qtbot, folder, size=(1440, 900)):
    """The docs' demo edit (gui/screenshots.three_track_project: two shots with a dissolve, a
    picture-in-picture, a title, music, burned-in subtitles, markers) open in ``window`` at ``size``.
    Footage from $T2V_SAMPLES when there, else generated clips."""
    from t2v_desktop.gui.screenshots import sample_media, three_track_project

    base, pip = sample_media(folder)
    path = folder / "three-tracks.t2v"
    three_track_project(folder, base, pip).save(path)
    window.resize(*size)
    assert window.open_project(path)
    qtbot.waitUntil(lambda: window.preview.shown_index == 0)
    return window
