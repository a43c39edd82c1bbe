"""Opening a test project in the real editor window (shared by the GUI tests' fixtures)."""


def open_in_window(window, qtbot, project, path):
    """Save ``project`` to ``path`` and open it in ``window`` (1400×900), waiting for the first frame."""
    project.save(path)
    window.resize(1400, 900)
    assert window.open_project(path)
    qtbot.waitUntil(lambda: window.preview.shown_index == 0)
    return window
